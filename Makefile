# Plumbline. `make run` serves the example platform; `make test` runs every test.
SHELL := /bin/sh
GO    ?= go
BIN   := bin/plumbline

export PLUMBLINE_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
FUZZTIME ?= 30s

.PHONY: run build frontend go-build test test-go test-frontend vet lint generate bench fuzz deps clean

## run: build everything and serve the example platform on :3000 (SQLite in .plumbline/)
run: build
	./scripts/run.sh

## build: the dashboard, then the plumbline binary with the dashboard embedded
build: frontend go-build

frontend: node_modules/.package-lock.json
	npm run --silent build

go-build:
	$(GO) build -o $(BIN) ./server

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

## test: every test — Go (SQLite and PostgreSQL), front-end units, browser tests in Chromium
test: deps build vet test-go test-frontend

deps:
	./scripts/ensure-deps.sh

test-go:
	$(GO) test -count=1 ./...

test-frontend:
	npm test
	PLUMBLINE_BIN=$(BIN) npm run --silent test:browser

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## lint: formatting, go vet, staticcheck, and generated code up to date
lint: vet
	$(GO) tool staticcheck ./...
	$(MAKE) generate
	@git diff --exit-code -- graph frontend/src/gql || { echo "generated code is out of date: run make generate"; exit 1; }

## generate: gqlgen (graph/generated.go, graph/model) and the dashboard's TypeScript types
generate:
	$(GO) generate ./...
	npm run --silent codegen

## bench: the benchmarks, as ratios against baselines measured in the same run
bench: build deps
	./scripts/bench.sh

## fuzz: run every fuzz target for FUZZTIME each
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

clean:
	rm -rf bin frontend/dist/assets frontend/dist/*.html test-results
