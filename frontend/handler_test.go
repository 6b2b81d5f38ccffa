package frontend

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

const (
	indexHTML    = `<!doctype html><title>Plumbline</title><div id="root"></div>`
	graphiqlHTML = `<!doctype html><title>Plumbline GraphiQL</title><div id="graphiql"></div>`
)

// bigJS is large and repetitive enough to be served gzipped.
var bigJS = strings.Repeat("export const answer = 42;\n", 200)

func builtFS() fstest.MapFS {
	return fstest.MapFS{
		".gitkeep":                  {},
		"index.html":                {Data: []byte(indexHTML)},
		"graphiql.html":             {Data: []byte(graphiqlHTML)},
		"robots.txt":                {Data: []byte("User-agent: *\n")},
		"assets/index-B1a2c3.js":    {Data: []byte("console.log(1)")},
		"assets/big-D4e5f6.js":      {Data: []byte(bigJS)},
		"assets/index-C7d8e9.css":   {Data: []byte("body{margin:0}")},
		"assets/codicon-F0a1b2.ttf": {Data: []byte("\x00\x01\x00\x00font")},
		"assets/favicon-A1b2c3.svg": {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
	}
}

// notBuiltFS is what a fresh checkout embeds: only the placeholder.
func notBuiltFS() fstest.MapFS {
	return fstest.MapFS{".gitkeep": {}}
}

type response struct {
	status  int
	header  http.Header
	body    string
	rawBody []byte
}

func do(t *testing.T, h http.Handler, method, target string, header http.Header) response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(raw), rawBody: raw}
}

func TestHandlerServesBuild(t *testing.T) {
	const (
		html = "text/html; charset=utf-8"
		js   = "text/javascript; charset=utf-8"
	)
	type want struct {
		status       int
		contentType  string
		cacheControl string
		body         string // the whole body, when not empty
	}
	tests := []struct {
		name   string
		target string
		want   want
	}{
		{"RootServesIndex", "/", want{200, html, cacheRevalidate, indexHTML}},
		{"IndexFileServesIndex", "/index.html", want{200, html, cacheRevalidate, indexHTML}},
		{"ClientRouteFallsBackToIndex", "/catalog/warehouse/orders", want{200, html, cacheRevalidate, indexHTML}},
		{"ClientRouteWithDotFallsBackToIndex", "/catalog/raw/orders.csv", want{200, html, cacheRevalidate, indexHTML}},
		{"ClientRouteWithQueryFallsBackToIndex", "/runs/42?tab=logs", want{200, html, cacheRevalidate, indexHTML}},
		{"EscapedSlashFallsBackToIndex", "/catalog/raw/a%2Fb", want{200, html, cacheRevalidate, indexHTML}},
		{"GraphiQLServesItsPage", "/graphiql", want{200, html, cacheRevalidate, graphiqlHTML}},
		{"GraphiQLWithSlashServesItsPage", "/graphiql/", want{200, html, cacheRevalidate, graphiqlHTML}},
		{"GraphiQLWithQueryServesItsPage", "/graphiql?query=%7Bx%7D", want{200, html, cacheRevalidate, graphiqlHTML}},
		{"HashedScriptIsImmutable", "/assets/index-B1a2c3.js", want{200, js, cacheImmutable, "console.log(1)"}},
		{"HashedStylesheetIsImmutable", "/assets/index-C7d8e9.css", want{200, "text/css; charset=utf-8", cacheImmutable, "body{margin:0}"}},
		{"FontHasFontType", "/assets/codicon-F0a1b2.ttf", want{200, "font/ttf", cacheImmutable, ""}},
		{"SVGHasImageType", "/assets/favicon-A1b2c3.svg", want{200, "image/svg+xml", cacheImmutable, ""}},
		{"UnhashedFileIsRevalidated", "/robots.txt", want{200, "text/plain; charset=utf-8", cacheRevalidate, "User-agent: *\n"}},
		{"MissingAssetIs404NotIndex", "/assets/index-OLDHASH.js", want{404, "text/plain; charset=utf-8", "", ""}},
		{"MissingNestedAssetIs404", "/assets/x/y.js", want{404, "text/plain; charset=utf-8", "", ""}},
		{"AssetsDirectoryIs404", "/assets/", want{404, "text/plain; charset=utf-8", "", ""}},
		{"AssetsDirectoryWithoutSlashIs404", "/assets", want{404, "text/plain; charset=utf-8", "", ""}},
		{"DotfileIsNotServed", "/.gitkeep", want{200, html, cacheRevalidate, indexHTML}},
		{"DotDotStaysInside", "/assets/../index.html", want{200, html, cacheRevalidate, indexHTML}},
	}
	h := NewHandler(builtFS())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, h, http.MethodGet, tt.target, nil)
			got := want{
				status:       res.status,
				contentType:  res.header.Get("Content-Type"),
				cacheControl: res.header.Get("Cache-Control"),
			}
			if tt.want.body != "" {
				got.body = res.body
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("GET %s (-want +got):\n%s", tt.target, diff)
			}
			if res.status == 200 && res.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", res.header.Get("X-Content-Type-Options"))
			}
		})
	}
}

func TestHandlerMissingAssetIsNotHTML(t *testing.T) {
	res := do(t, NewHandler(builtFS()), http.MethodGet, "/assets/index-OLDHASH.js", nil)
	if res.status != http.StatusNotFound || strings.Contains(res.body, "<div id=\"root\">") {
		t.Errorf("GET missing asset = %d %q, want a 404 that is not index.html", res.status, res.body)
	}
}

func TestHandlerRevalidatesWithETag(t *testing.T) {
	h := NewHandler(builtFS())
	first := do(t, h, http.MethodGet, "/", nil)
	etag := first.header.Get("ETag")
	if etag == "" || !strings.HasPrefix(etag, `"`) {
		t.Fatalf("ETag = %q, want a quoted entity tag", etag)
	}
	again := do(t, h, http.MethodGet, "/catalog/x", http.Header{"If-None-Match": {etag}})
	if again.status != http.StatusNotModified {
		t.Errorf("conditional GET = %d, want 304", again.status)
	}
	other := do(t, h, http.MethodGet, "/graphiql", http.Header{"If-None-Match": {etag}})
	if other.status != http.StatusOK {
		t.Errorf("conditional GET of another page = %d, want 200", other.status)
	}
}

func TestHandlerGzipsForClientsThatAcceptIt(t *testing.T) {
	h := NewHandler(builtFS())

	t.Run("GzippedWhenAccepted", func(t *testing.T) {
		res := do(t, h, http.MethodGet, "/assets/big-D4e5f6.js", http.Header{"Accept-Encoding": {"br, gzip;q=0.8"}})
		if got := res.header.Get("Content-Encoding"); got != "gzip" {
			t.Fatalf("Content-Encoding = %q, want gzip", got)
		}
		if got := res.header.Get("Vary"); got != "Accept-Encoding" {
			t.Errorf("Vary = %q, want Accept-Encoding", got)
		}
		if got := res.header.Get("Cache-Control"); got != cacheImmutable {
			t.Errorf("Cache-Control = %q, want %q", got, cacheImmutable)
		}
		zr, err := gzip.NewReader(bytes.NewReader(res.rawBody))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if string(plain) != bigJS {
			t.Errorf("gunzipped body differs from the file")
		}
		if len(res.rawBody) >= len(bigJS) {
			t.Errorf("gzipped body is %d bytes, the file %d", len(res.rawBody), len(bigJS))
		}
	})

	t.Run("PlainWhenNotAccepted", func(t *testing.T) {
		for _, ae := range []string{"", "br", "gzip;q=0"} {
			res := do(t, h, http.MethodGet, "/assets/big-D4e5f6.js", http.Header{"Accept-Encoding": {ae}})
			if got := res.header.Get("Content-Encoding"); got != "" {
				t.Errorf("Accept-Encoding %q: Content-Encoding = %q, want none", ae, got)
			}
			if res.body != bigJS {
				t.Errorf("Accept-Encoding %q: body differs from the file", ae)
			}
		}
	})

	t.Run("VariantsHaveDistinctETags", func(t *testing.T) {
		plain := do(t, h, http.MethodGet, "/assets/big-D4e5f6.js", nil)
		gz := do(t, h, http.MethodGet, "/assets/big-D4e5f6.js", http.Header{"Accept-Encoding": {"gzip"}})
		if plain.header.Get("ETag") == gz.header.Get("ETag") {
			t.Errorf("plain and gzip responses share ETag %q", plain.header.Get("ETag"))
		}
	})

	t.Run("SmallFileStaysPlain", func(t *testing.T) {
		res := do(t, h, http.MethodGet, "/assets/index-B1a2c3.js", http.Header{"Accept-Encoding": {"gzip"}})
		if got := res.header.Get("Content-Encoding"); got != "" {
			t.Errorf("Content-Encoding = %q, want none for a tiny file", got)
		}
	})
}

func TestHandlerMethods(t *testing.T) {
	h := NewHandler(builtFS())

	t.Run("HeadHasHeadersButNoBody", func(t *testing.T) {
		res := do(t, h, http.MethodHead, "/assets/index-B1a2c3.js", nil)
		if res.status != 200 || res.body != "" || res.header.Get("Cache-Control") != cacheImmutable {
			t.Errorf("HEAD = %d %q Cache-Control %q", res.status, res.body, res.header.Get("Cache-Control"))
		}
	})

	t.Run("PostIsRejected", func(t *testing.T) {
		res := do(t, h, http.MethodPost, "/", nil)
		if res.status != http.StatusMethodNotAllowed || res.header.Get("Allow") != "GET, HEAD" {
			t.Errorf("POST = %d, Allow %q; want 405, GET, HEAD", res.status, res.header.Get("Allow"))
		}
	})
}

func TestHandlerNotBuilt(t *testing.T) {
	h := NewHandler(notBuiltFS())
	for _, target := range []string{"/", "/catalog/warehouse/orders", "/graphiql", "/index.html"} {
		t.Run("PageSaysHowToBuild"+strings.ReplaceAll(target, "/", "_"), func(t *testing.T) {
			res := do(t, h, http.MethodGet, target, nil)
			if res.status != http.StatusOK {
				t.Errorf("GET %s = %d, want 200", target, res.status)
			}
			if got := res.header.Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q, want html", got)
			}
			if got := res.header.Get("Cache-Control"); got != cacheRevalidate {
				t.Errorf("Cache-Control = %q, want %q", got, cacheRevalidate)
			}
			for _, want := range []string{"dashboard is not built", "make build"} {
				if !strings.Contains(res.body, want) {
					t.Errorf("body does not mention %q:\n%s", want, res.body)
				}
			}
		})
	}

	t.Run("AssetIs404", func(t *testing.T) {
		if res := do(t, h, http.MethodGet, "/assets/index-B1a2c3.js", nil); res.status != http.StatusNotFound {
			t.Errorf("GET asset = %d, want 404", res.status)
		}
	})

	t.Run("PlaceholderIsNotServed", func(t *testing.T) {
		res := do(t, h, http.MethodGet, "/.gitkeep", nil)
		if !strings.Contains(res.body, "make build") {
			t.Errorf("GET /.gitkeep = %d %q, want the not-built page", res.status, res.body)
		}
	})
}

func TestHandlerReadErrorIs500(t *testing.T) {
	res := do(t, NewHandler(failingFS{}), http.MethodGet, "/", nil)
	if res.status != http.StatusInternalServerError || strings.Contains(res.body, "disk on fire") {
		t.Errorf("GET / on a failing FS = %d %q, want 500 without details", res.status, res.body)
	}
}

// TestEmbeddedHandler checks the real embedded build, whichever it is: a built dashboard,
// or only the placeholder of a fresh checkout. Either way / is a 200 HTML page.
func TestEmbeddedHandler(t *testing.T) {
	h := Handler()
	res := do(t, h, http.MethodGet, "/", nil)
	if res.status != http.StatusOK || res.header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET / = %d %q, want 200 html", res.status, res.header.Get("Content-Type"))
	}
	if _, err := fs.Stat(dist, "dist/index.html"); err != nil {
		t.Logf("dashboard not built (%v): checked the not-built page", err)
		return
	}
	for _, target := range []string{"/graphiql", "/catalog/warehouse/orders"} {
		if res := do(t, h, http.MethodGet, target, nil); res.status != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", target, res.status)
		}
	}
	entries, err := fs.ReadDir(dist, "dist/assets")
	if err != nil || len(entries) == 0 {
		t.Fatalf("built dashboard has no assets: %v", err)
	}
	res = do(t, h, http.MethodGet, "/assets/"+entries[0].Name(), nil)
	if res.status != http.StatusOK || res.header.Get("Cache-Control") != cacheImmutable {
		t.Errorf("GET /assets/%s = %d, Cache-Control %q", entries[0].Name(), res.status, res.header.Get("Cache-Control"))
	}
}

type failingFS struct{}

func (failingFS) Open(string) (fs.File, error) { return nil, errDiskOnFire }

var errDiskOnFire = &fs.PathError{Op: "open", Path: "index.html", Err: errString("disk on fire")}

type errString string

func (e errString) Error() string { return string(e) }
