#!/bin/sh
# make bench: the Go micro-benchmarks (raw output and a benchstat summary under
# bench-results/), then the end-to-end benchmarks of bin/plumbline against hand-written
# baselines on the same database (go run ./bench), which end with the results table
# (also in bench-results/latest.txt). See bench/README.md.
#
# Environment (all optional):
#   BENCH_QUICK=1            a quick run (~1–2 minutes): fewer, shorter rounds
#   BENCH_ROUNDS=N           rounds of each end-to-end comparison (default 5, quick 3)
#   BENCH_DURATION=3s        time per side and round of the REST throughput benchmarks
#   BENCH_QUERY_DURATION=1.5s time per side and round of the query benchmarks
#   BENCH_ONLY=REGEXP        end-to-end benchmarks to run, by id: ingest, rest, rest-wrk,
#                            assets, lineage, with /postgres or /sqlite (e.g. 'assets|lineage/sqlite')
#   BENCH_DB=postgres,sqlite databases of the end-to-end benchmarks
#   BENCH_MICRO=0            skip the Go micro-benchmarks (BENCH_E2E=0 skips the others,
#                            BENCH_UI=0 the dashboard's graph in Chromium)
#   BENCH_MICRO_COUNT=N      -count of the micro-benchmarks (default 6, what benchstat needs
#                            for a confidence interval; quick 1)
#   BENCH_MICRO_TIME=T       -benchtime of the micro-benchmarks (default 300ms, quick 1x)
#   BENCH_PERF=1             record the server with perf during candidate rounds
#   BENCH_STRICT=1           exit non-zero when a target is missed (default: only when a
#                            benchmark cannot run)
#   BENCH_ARGS='…'           more flags for go run ./bench (go run ./bench -h lists them)
#   PLUMBLINE_BENCH_DATABASE_URL  PostgreSQL server (default PLUMBLINE_TEST_DATABASE_URL,
#                            else postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)
set -eu
cd "$(dirname "$0")/.."

GO=${GO:-go}
out=bench-results
mkdir -p "$out"
say() { echo "$(date +%H:%M:%S) bench: $*" >&2; }

case ${BENCH_QUICK:-0} in
1 | true | yes) quick=1 ;;
*) quick=0 ;;
esac
PLUMBLINE_TEST_DATABASE_URL=${PLUMBLINE_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
export PLUMBLINE_TEST_DATABASE_URL
pg=${PLUMBLINE_BENCH_DATABASE_URL:-$PLUMBLINE_TEST_DATABASE_URL}

if ! pg_isready -q -d "$pg" 2>/dev/null && ! psql -Atqc 'SELECT 1' "$pg" >/dev/null 2>&1; then
	say "PostgreSQL does not answer at $pg; the PostgreSQL benchmarks will fail (make deps starts it)"
fi
if ! command -v wrk >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		say "installing wrk"
		apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
	else
		say "wrk is not installed: the wrk/pgbench benchmark will not run (apt-get install -y wrk)"
	fi
fi

# 1. Go micro-benchmarks, one package at a time (packages in parallel would disturb each
# other), into bench-results/micro.txt; the previous run's is kept as micro-prev.txt.
if [ "${BENCH_MICRO:-1}" != 0 ]; then
	if [ "$quick" = 1 ]; then count=1; benchtime=1x; else count=6; benchtime=300ms; fi
	count=${BENCH_MICRO_COUNT:-$count}
	benchtime=${BENCH_MICRO_TIME:-$benchtime}
	[ -s "$out/micro.txt" ] && mv "$out/micro.txt" "$out/micro-prev.txt"
	: >"$out/micro.txt"
	for pkg in . ./store ./graph ./rest ./selection; do
		say "micro-benchmarks: $pkg (-count $count -benchtime $benchtime)"
		if ! $GO test -run '^$' -bench "${BENCH_MICRO_FILTER:-.}" -benchmem -count "$count" -benchtime "$benchtime" "$pkg" >"$out/micro-pkg.txt" 2>&1; then
			cat "$out/micro-pkg.txt" >&2
			say "micro-benchmarks of $pkg failed"
			exit 1
		fi
		grep -E '^(goos|goarch|pkg|cpu|Benchmark)' "$out/micro-pkg.txt" | tee -a "$out/micro.txt" | grep '^Benchmark' | sed 's/^/    /' >&2 || true
	done
	rm -f "$out/micro-pkg.txt"
	benchstat="$GO run golang.org/x/perf/cmd/benchstat@latest"
	if $benchstat "$out/micro.txt" >"$out/micro-benchstat.txt" 2>"$out/benchstat.err"; then
		say "micro-benchmark summary: $out/micro-benchstat.txt (raw: $out/micro.txt)"
		if [ -s "$out/micro-prev.txt" ] && $benchstat "$out/micro-prev.txt" "$out/micro.txt" >"$out/micro-vs-prev.txt" 2>/dev/null; then
			say "compared with the previous run: $out/micro-vs-prev.txt"
		fi
		rm -f "$out/benchstat.err"
	else
		say "benchstat did not run ($(head -c 300 "$out/benchstat.err")); the raw output $out/micro.txt is in benchstat's format"
	fi
fi

# 2. End-to-end benchmarks against the real binary.
if [ "${BENCH_E2E:-1}" != 0 ]; then
	set -- -bin bin/plumbline -pg "$pg" -out "$out"
	[ "$quick" = 1 ] && set -- "$@" -quick
	[ -n "${BENCH_ROUNDS:-}" ] && set -- "$@" -rounds "$BENCH_ROUNDS"
	[ -n "${BENCH_DURATION:-}" ] && set -- "$@" -duration "$BENCH_DURATION"
	[ -n "${BENCH_QUERY_DURATION:-}" ] && set -- "$@" -query-duration "$BENCH_QUERY_DURATION"
	[ -n "${BENCH_ONLY:-}" ] && set -- "$@" -only "$BENCH_ONLY"
	[ -n "${BENCH_DB:-}" ] && set -- "$@" -db "$BENCH_DB"
	[ "${BENCH_PERF:-0}" = 1 ] && set -- "$@" -perf
	[ "${BENCH_STRICT:-0}" = 1 ] && set -- "$@" -strict
	# shellcheck disable=SC2086 # BENCH_ARGS is a list of flags
	$GO run ./bench "$@" ${BENCH_ARGS:-}
	# Pipes (launcher throughput and latency) and live subscriptions append their tables to
	# bench-results/latest.txt, which ./bench has just written.
	say "Pipes benchmark (bench/pipesbench)"
	$GO run ./bench/pipesbench -pg "$pg" -out "$out" -db "${BENCH_DB:-sqlite,postgres}" ${BENCH_ROUNDS:+-rounds "$BENCH_ROUNDS"}
	say "live subscriptions benchmark (bench/livebench)"
	$GO run ./bench/livebench -bin bin/plumbline -pg "$pg" -out "$out"
	# The dashboard's asset graph in Chromium: navigation → laid-out graph, 200/2,000/5,000 assets.
	if [ "${BENCH_UI:-1}" != 0 ]; then
		say "dashboard graph benchmark (npm run bench:graph)"
		[ "$quick" = 1 ] && export GRAPH_BENCH_RUNS=1
		PLUMBLINE_BIN=bin/plumbline npm run --silent bench:graph
	fi
	if [ "${BENCH_MICRO:-1}" != 0 ] && [ -s "$out/micro-benchstat.txt" ]; then
		echo "Go micro-benchmarks: $out/micro-benchstat.txt (raw, benchstat format: $out/micro.txt)"
	fi
fi
