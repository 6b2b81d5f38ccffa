// Package graph is the GraphQL adapter: resolvers translate between the schema and the
// domain, and generated.go (gqlgen) does the rest.
package graph

import (
	"context"
	"log/slog"
	"time"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/live"
)

//go:generate sh -c "cd .. && go tool gqlgen generate"

// Resolver holds the dependencies of every resolver.
type Resolver struct {
	Log      plumbline.EventLog
	Catalog  plumbline.Catalog
	RunStore plumbline.RunStore
	// Wake, when set, is called after a run is queued or cancelled, so the launcher acts
	// at once instead of at its next poll.
	Wake func()
	// Live streams the event log to subscriptions; without it they are unavailable.
	Live   *live.Hub
	Logger *slog.Logger
	// Now is the clock (time.Now when nil), for freshness.
	Now func() time.Time
}

func (r *Resolver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Resolver) wake() {
	if r.Wake != nil {
		r.Wake()
	}
}

type principalKey struct{}

// WithPrincipal returns a context that carries who is making the request.
func WithPrincipal(ctx context.Context, who string) context.Context {
	return context.WithValue(ctx, principalKey{}, who)
}

// Principal returns who is making the request, "" when unknown.
func Principal(ctx context.Context) string {
	who, _ := ctx.Value(principalKey{}).(string)
	return who
}
