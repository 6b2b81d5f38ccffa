package graph

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"slices"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/graph/model"
	"github.com/plumbline/plumbline/internal/apierr"
)

// ComplexityLimit bounds the cost of one operation. Lists cost their child complexity
// once per 100 items asked for (upstream/downstream as 10 items), so a page of 10,000
// assets with their latest events is fine, and a query nested ten lists deep is not.
const ComplexityLimit = 20000

// Options configure the GraphQL server's transports.
type Options struct {
	// AllowedOrigins are the origins (host patterns, as coder/websocket matches them)
	// whose pages may open subscriptions besides the server's own; "*" allows any.
	AllowedOrigins []string
	// KeepAlive is how often subscriptions are pinged (10s).
	KeepAlive time.Duration
}

// NewServer returns the GraphQL server over r: POST, GET and WebSocket (graphql-transport-ws
// and graphql-ws) transports, a parsed-query cache, automatic persisted queries, a
// complexity limit, per-response loaders, errors mapped to their codes, and panics
// recovered.
func NewServer(r *Resolver, o Options) *handler.Server {
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	if o.KeepAlive <= 0 {
		o.KeepAlive = 10 * time.Second
	}
	srv := handler.New(NewExecutableSchema(Config{Resolvers: r, Complexity: complexity()}))
	accept := websocket.AcceptOptions{OriginPatterns: o.AllowedOrigins}
	if slices.Contains(o.AllowedOrigins, "*") {
		accept = websocket.AcceptOptions{InsecureSkipVerify: true}
	}
	srv.AddTransport(transport.Websocket{
		Implementation:        transport.CoderWebsocketImplementation{AcceptOptions: accept},
		KeepAlivePingInterval: o.KeepAlive,
	})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(postTransport{}) // transport.POST, without reflection: see transport.go
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	srv.Use(extension.FixedComplexityLimit(ComplexityLimit))
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(withStreamError(ctx))
	})
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(withLoaders(ctx, r.Log, r.Catalog))
		// Only the response to a stream's closing nil has errors (gqlgen's complaint about
		// the null): a response to an event sent just before must keep its data.
		if resp != nil && len(resp.Errors) > 0 {
			if err := takeStreamError(ctx); err != nil {
				resp.Data = []byte("null")
				resp.Errors = gqlerror.List{r.presentStreamError(ctx, err)}
			}
		}
		return resp
	})
	srv.SetErrorPresenter(r.presentError)
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		r.Logger.Error("graphql: panic", "panic", v, "stack", string(debug.Stack()))
		return errors.New("panic in resolver")
	})
	return srv
}

// presentError shows domain errors with their message and code, and hides everything
// else behind "internal error" after logging it.
func (r *Resolver) presentError(ctx context.Context, err error) *gqlerror.Error {
	gerr := graphql.DefaultErrorPresenter(ctx, err)
	var perr *plumbline.Error
	if errors.As(err, &perr) || !apierr.Internal(err) {
		err = apierr.Normalize(err)
		gerr.Message = plumbline.ErrorMessage(err)
		setCode(gerr, apierr.GraphQLCode(err))
		return gerr
	}
	var gq *gqlerror.Error
	if errors.As(err, &gq) && gq.Err == nil {
		return gerr // parse and validation errors: already written for clients
	}
	r.Logger.ErrorContext(ctx, "graphql: internal error", "path", gerr.Path.String(), "err", err)
	gerr.Message = "internal error"
	setCode(gerr, apierr.GraphQLCode(err))
	return gerr
}

func setCode(e *gqlerror.Error, code string) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = code
}

func complexity() ComplexityRoot {
	var c ComplexityRoot
	pages := func(child int, first *int) int {
		n := defaultPage
		if first != nil {
			n = *first
		}
		return child * max(1, (n+99)/100)
	}
	c.Query.Assets = func(child int, _ *string, first *int, _ *string, _ *model.AssetOrder, _ *bool) int {
		return pages(child, first)
	}
	c.Query.AssetGraph = func(child int, _ *string, limit *int) int {
		if limit == nil {
			limit = new(int)
			*limit = defaultGraphNodes
		}
		return pages(child, limit)
	}
	c.AssetGraph.Nodes = func(child int) int { return child } // the limit already counts the nodes
	c.Query.Events = func(child int, _ *model.EventFilter, first *int, _ *string, last *int, _ *string) int {
		if last != nil {
			return pages(child, last)
		}
		return pages(child, first)
	}
	c.Asset.Events = func(child int, _ []string, _ *string, first *int, _ *string) int { return pages(child, first) }
	c.Asset.Partitions = func(child int, first *int, _ *string) int { return pages(child, first) }
	c.AssetCheck.Evaluations = func(child int, first *int, _ *string) int { return pages(child, first) }
	c.Asset.Upstream = func(child int) int { return child * 10 }
	c.Asset.Downstream = func(child int) int { return child * 10 }
	c.LineageGraph.Nodes = func(child int) int { return child * 10 }
	c.LineageGraph.Layers = func(child int) int { return child * 10 }
	return c
}
