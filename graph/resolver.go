// Package graph is the GraphQL adapter: resolvers translate between the schema and the
// domain, and generated.go (gqlgen) does the rest.
package graph

import (
	"log/slog"

	"github.com/plumbline/plumbline"
)

//go:generate sh -c "cd .. && go tool gqlgen generate"

// Resolver holds the dependencies of every resolver.
type Resolver struct {
	Log     plumbline.EventLog
	Catalog plumbline.Catalog
	Logger  *slog.Logger
}
