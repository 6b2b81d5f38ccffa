package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/pprof"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/bench/internal/binserver"
	"github.com/plumbline/plumbline/graph"
	"github.com/plumbline/plumbline/live"
	"github.com/plumbline/plumbline/rest"
	"github.com/plumbline/plumbline/store"
)

// replica is a running Plumbline server.
type replica interface {
	url() string
	pid() int // 0 in process
	stop() error
}

// binary is a running `plumbline serve`.
type binary struct{ *binserver.Server }

func (s binary) url() string { return s.URL }
func (s binary) pid() int    { return s.PID() }
func (s binary) stop() error { return s.Stop() }

// inProcess is a bench-only copy of the live-subscription wiring of `plumbline serve`
// (server/serve.go and server/routes.go: store.Open, live.New with OnCommit(hub.Offer) and
// Listen(hub.Poke), graph.NewServer and the REST handler) running in this process, so that
// a CPU profile of this process shows where the server's time goes. It leaves out what
// these requests do not touch (the launcher, metrics, request logging, the dashboard).
// Everything it starts runs under the pprof label side=server; the benchmark's own clients
// are side=client.
type inProcess struct {
	URL    string
	st     *store.Store
	srv    *http.Server
	cancel context.CancelFunc
	done   chan struct{}
}

func startInProcess(ctx context.Context, dbURL string, queue int, logger *slog.Logger) (*inProcess, error) {
	var p *inProcess
	var err error
	pprof.Do(context.Background(), pprof.Labels("side", "server"), func(lctx context.Context) {
		p, err = startInProcessLabelled(ctx, lctx, dbURL, queue, logger)
	})
	return p, err
}

func startInProcessLabelled(ctx, lctx context.Context, dbURL string, queue int, logger *slog.Logger) (*inProcess, error) {
	st, err := store.Open(ctx, store.Config{DatabaseURL: dbURL, Logger: logger})
	if err != nil {
		return nil, err
	}
	hub := live.New(st, live.Config{Buffer: queue, Logger: logger})
	st.OnCommit(hub.Offer)
	liveCtx, cancel := context.WithCancel(lctx)
	p := &inProcess{st: st, cancel: cancel, done: make(chan struct{})}
	hubDone := make(chan struct{})
	go func() {
		defer close(hubDone)
		go st.Listen(liveCtx, hub.Notified)
		_ = hub.Run(liveCtx)
	}()
	mux := http.NewServeMux()
	gql := graph.NewServer(&graph.Resolver{Log: st, Catalog: st, RunStore: st, Live: hub, Logger: logger}, graph.Options{})
	mux.Handle("/graphql", gql)
	reports := http.NewServeMux()
	(&rest.Handler{Log: st, Logger: logger}).Register(reports)
	mux.Handle("/report_asset_materialization/", reports)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `{"status":"ok"}`) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		<-hubDone
		st.Close()
		return nil, err
	}
	p.URL = "http://" + ln.Addr().String()
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return lctx }}
	go func() {
		defer close(p.done)
		_ = p.srv.Serve(ln)
		<-hubDone
	}()
	return p, nil
}

func (p *inProcess) url() string { return p.URL }
func (p *inProcess) pid() int    { return 0 }

func (p *inProcess) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	p.cancel() // ends the hub, and with it every subscription
	err := p.srv.Shutdown(ctx)
	<-p.done
	if e := p.st.Close(); err == nil {
		err = e
	}
	return err
}

// withSearchPath returns base with search_path=schema.
func withSearchPath(base, schema string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// admin is this process's own connection to PostgreSQL: schema set-up and clean-up,
// CHECKPOINT, the position of the log, connection counts.
type admin struct {
	conn   *pgx.Conn
	schema string
}

// freeConnections returns how many more connections PostgreSQL would accept now.
func (a *admin) freeConnections(ctx context.Context) (free, max, used int, err error) {
	err = a.conn.QueryRow(ctx, `SELECT current_setting('max_connections')::int, (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int`).Scan(&max, &used)
	return max - used, max, used, err
}
