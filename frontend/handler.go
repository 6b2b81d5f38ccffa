package frontend

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Cache policies: Vite names the files under assets/ by a hash of their content, so they
// never change; everything else (the HTML pages above all) is revalidated on every use,
// cheaply, with its ETag.
const (
	cacheImmutable   = "public, max-age=31536000, immutable"
	cacheRevalidate  = "no-cache"
	indexFile        = "index.html"
	graphiqlFile     = "graphiql.html"
	assetsPrefix     = "/assets/"
	minGzipSize      = 1024
	gzipWorthwhileAt = 0.9 // keep the gzip form only when it is at most 90% of the original
)

// contentTypes fixes the types of the files a Vite build emits, so they do not depend on
// the host's MIME tables (mime.TypeByExtension reads /etc/mime.types and friends).
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".map":         "application/json",
	".webmanifest": "application/manifest+json",
	".txt":         "text/plain; charset=utf-8",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".gif":         "image/gif",
	".webp":        "image/webp",
	".ico":         "image/x-icon",
	".ttf":         "font/ttf",
	".otf":         "font/otf",
	".woff":        "font/woff",
	".woff2":       "font/woff2",
	".wasm":        "application/wasm",
}

// NewHandler serves a Vite build laid out as in fsys (index.html, graphiql.html, assets/…):
//
//   - GET /graphiql serves graphiql.html;
//   - a path naming a file serves it, with an immutable cache policy under /assets/ and
//     "no-cache" (revalidate by ETag) elsewhere;
//   - a missing file under /assets/ is a 404;
//   - any other path serves index.html, so the dashboard's client-side routes deep-link.
//
// When fsys has no index.html (the dashboard was not built), the pages answer 200 with a
// short HTML page that says how to build it. Text files are gzipped for clients that accept
// it. Methods other than GET and HEAD get 405.
func NewHandler(fsys fs.FS) http.Handler {
	return &handler{fsys: fsys}
}

type handler struct {
	fsys  fs.FS
	cache sync.Map // slash-separated file name → *file; only files that exist
}

// file is a served file, read and prepared once.
type file struct {
	name        string
	contentType string
	etag        string
	data        []byte

	gzipOnce sync.Once
	gzipped  []byte // nil when not worth it
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	urlPath := path.Clean("/" + r.URL.Path)

	if urlPath == "/graphiql" {
		h.servePage(w, r, graphiqlFile)
		return
	}
	if f, err := h.open(strings.TrimPrefix(urlPath, "/")); err != nil {
		h.internalError(w, r, err)
		return
	} else if f != nil {
		h.serveFile(w, r, f)
		return
	}
	if urlPath+"/" == assetsPrefix || strings.HasPrefix(urlPath, assetsPrefix) {
		// A missing build file: a stale page asking for an old hash must not get HTML.
		http.NotFound(w, r)
		return
	}
	h.servePage(w, r, indexFile)
}

// servePage serves one of the built HTML pages, or the not-built page when it is missing.
func (h *handler) servePage(w http.ResponseWriter, r *http.Request, name string) {
	f, err := h.open(name)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	if f == nil {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", cacheRevalidate)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, "", time.Time{}, strings.NewReader(notBuiltPage))
		return
	}
	h.serveFile(w, r, f)
}

func (h *handler) serveFile(w http.ResponseWriter, r *http.Request, f *file) {
	hdr := w.Header()
	hdr.Set("Content-Type", f.contentType)
	hdr.Set("X-Content-Type-Options", "nosniff")
	if strings.HasPrefix(f.name, strings.TrimPrefix(assetsPrefix, "/")) {
		hdr.Set("Cache-Control", cacheImmutable)
	} else {
		hdr.Set("Cache-Control", cacheRevalidate)
	}
	body, etag := f.data, f.etag
	if gz := f.gzip(); gz != nil {
		hdr.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			hdr.Set("Content-Encoding", "gzip")
			body, etag = gz, strings.TrimSuffix(f.etag, `"`)+`-gz"`
		}
	}
	hdr.Set("ETag", etag)
	// ServeContent answers conditional (If-None-Match → 304), range and HEAD requests.
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(body))
}

// open returns the regular file name in fsys, read and cached; nil when there is no such
// file (a directory, a dotfile such as the dist/.gitkeep placeholder, or nothing at all).
func (h *handler) open(name string) (*file, error) {
	if name == "" || name == "." {
		name = indexFile
	}
	if v, ok := h.cache.Load(name); ok {
		return v.(*file), nil
	}
	if !fs.ValidPath(name) || hasDotSegment(name) {
		return nil, nil
	}
	info, err := fs.Stat(h.fsys, name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) {
			return nil, nil
		}
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, nil
	}
	data, err := fs.ReadFile(h.fsys, name)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	f := &file{
		name:        name,
		contentType: contentType(name, data),
		etag:        `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`,
		data:        data,
	}
	v, _ := h.cache.LoadOrStore(name, f)
	return v.(*file), nil
}

// internalError answers 500 without details and logs them. The embedded FS does not fail;
// an injected one might.
func (h *handler) internalError(w http.ResponseWriter, r *http.Request, err error) {
	slog.ErrorContext(r.Context(), "frontend: read file", "path", r.URL.Path, "err", err)
	http.Error(w, "internal error", http.StatusInternalServerError)
}

// gzip returns the gzip-compressed contents, compressed on first use, or nil when the file
// is small, of a type that does not compress, or does not get smaller enough.
func (f *file) gzip() []byte {
	f.gzipOnce.Do(func() {
		if len(f.data) < minGzipSize || !compressible(f.contentType) {
			return
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
		if _, err := zw.Write(f.data); err != nil {
			return
		}
		if err := zw.Close(); err != nil {
			return
		}
		if float64(buf.Len()) <= gzipWorthwhileAt*float64(len(f.data)) {
			f.gzipped = buf.Bytes()
		}
	})
	return f.gzipped
}

func contentType(name string, data []byte) string {
	ext := strings.ToLower(path.Ext(name))
	if ct, ok := contentTypes[ext]; ok {
		return ct
	}
	if ct := mime.TypeByExtension(ext); ct != "" {
		return ct
	}
	return http.DetectContentType(data)
}

func compressible(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	switch mt {
	case "text/html", "text/javascript", "text/css", "text/plain", "application/json",
		"application/manifest+json", "image/svg+xml", "font/ttf", "font/otf", "application/wasm":
		return true
	}
	return false
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip (listed, and not
// with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, header := range r.Header.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(header, ",") {
			coding, params, _ := strings.Cut(part, ";")
			if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
				continue
			}
			for param := range strings.SplitSeq(params, ";") {
				k, v, _ := strings.Cut(param, "=")
				if strings.EqualFold(strings.TrimSpace(k), "q") {
					if q, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && q == 0 {
						return false
					}
				}
			}
			return true
		}
	}
	return false
}

func hasDotSegment(name string) bool {
	for seg := range strings.SplitSeq(name, "/") {
		if strings.HasPrefix(seg, ".") {
			return true
		}
	}
	return false
}

// notBuiltPage is served in place of the dashboard when the binary was built without it.
const notBuiltPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Plumbline · dashboard not built</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1.5rem; line-height: 1.5; }
code { font-family: ui-monospace, monospace; }
</style>
</head>
<body>
<h1>Plumbline</h1>
<p>The dashboard is not built: this <code>plumbline</code> binary was compiled without it.</p>
<p>Run <code>make build</code> (or <code>npm ci &amp;&amp; npm run build</code>, then
<code>go build -o bin/plumbline ./server</code>) to build it in.</p>
<p>The GraphQL API at <code>/graphql</code> works without it.</p>
</body>
</html>
`
