// Package frontend serves the browser dashboard and the GraphiQL page. Both are built by
// Vite (`npm run build`, see package.json at the repository root) into frontend/dist and
// embedded in the binary.
//
// A fresh checkout has only the committed placeholder dist/.gitkeep, so `go build` works
// before any front-end build; the handler then answers with a page that says how to build
// the dashboard.
package frontend

import (
	"embed"
	"io/fs"
	"net/http"
)

// dist is the Vite build output. "all:" keeps the dotfile placeholder, without which a
// fresh checkout's dist/ would have nothing to embed and the package would not compile.
//
//go:embed all:dist
var dist embed.FS

// Handler serves the embedded build: the dashboard's index.html for client-side routes,
// graphiql.html at /graphiql, and the hashed files under /assets/.
func Handler() http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic("frontend: " + err.Error()) // cannot happen: "dist" is a valid, embedded path
	}
	return NewHandler(sub)
}
