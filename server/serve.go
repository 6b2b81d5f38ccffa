package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/plumbline/plumbline/defs"
	"github.com/plumbline/plumbline/launcher"
	"github.com/plumbline/plumbline/live"
	"github.com/plumbline/plumbline/store"
)

// serveConfig is the configuration of `plumbline serve`; every flag has a PLUMBLINE_*
// environment equivalent.
type serveConfig struct {
	Addr         string
	DataDir      string
	DatabaseURL  string
	Defs         string
	Location     string
	LogFormat    string
	LogLevel     string
	MaxBodyBytes int64

	MaxConcurrentRuns int
	RunHeartbeat      time.Duration
	RunLostAfter      time.Duration
	RunGracePeriod    time.Duration
	RunDir            string

	AllowedOrigins  []string
	SubscriberQueue int
}

func newServeCmd() *cobra.Command {
	var cfg serveConfig
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Plumbline server: GraphQL, REST reporting and the dashboard",
		Long: `Run the Plumbline server.

It serves GraphQL at /graphql (GraphiQL at /graphiql), Dagster-compatible reporting at
/report_asset_materialization/, /report_asset_observation/ and /report_asset_check/,
the dashboard at /, health at /healthz and Prometheus metrics at /metrics.

Every flag can be set in the environment instead: --database-url as
PLUMBLINE_DATABASE_URL, --addr as PLUMBLINE_ADDR, and so on.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serve(ctx, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", ":3000", "address to listen on")
	f.StringVar(&cfg.DataDir, "data-dir", ".plumbline", "directory for the embedded SQLite database")
	f.StringVar(&cfg.DatabaseURL, "database-url", "", "PostgreSQL URL (postgres://…); empty means SQLite in the data directory")
	f.StringVar(&cfg.Defs, "defs", "", "definitions file (plumbline.yaml) to apply at start-up")
	f.StringVar(&cfg.Location, "location", store.DefaultLocation, "definitions location the --defs file declares")
	f.StringVar(&cfg.LogFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&cfg.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.Int64Var(&cfg.MaxBodyBytes, "max-body-bytes", 64<<20, "largest request body accepted")
	f.IntVar(&cfg.MaxConcurrentRuns, "max-concurrent-runs", 4, "most runs in progress at once, across all replicas")
	f.DurationVar(&cfg.RunHeartbeat, "run-heartbeat", 5*time.Second, "how often a server marks its runs in progress alive")
	f.DurationVar(&cfg.RunLostAfter, "run-lost-after", 30*time.Second, "how long a run's server may be silent before the run fails as lost (PostgreSQL)")
	f.DurationVar(&cfg.RunGracePeriod, "run-grace-period", 10*time.Second, "how long a cancelled run's process has after SIGTERM before SIGKILL")
	f.StringVar(&cfg.RunDir, "run-dir", "", "directory for runs' Pipes files (default: the system's temporary directory)")
	f.StringSliceVar(&cfg.AllowedOrigins, "allowed-origins", nil, "origins (host patterns) whose pages may open subscriptions besides the server's own; * for any")
	f.IntVar(&cfg.SubscriberQueue, "subscriber-queue", 1024, "how many reads of the log a subscriber may fall behind by before it is cut off")
	return cmd
}

func newLogger(format, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// serve runs the server until ctx is cancelled, then shuts down gracefully: it stops
// accepting, lets requests in flight finish, and commits the writes already queued.
func serve(ctx context.Context, cfg serveConfig) error {
	log, err := newLogger(cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, store.Config{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir, Logger: log})
	if err != nil {
		return err
	}
	defer st.Close()
	if st.Postgres() {
		log.Info("database: PostgreSQL")
	} else {
		dir, _ := filepath.Abs(cfg.DataDir)
		log.Info("database: SQLite", "dir", dir)
	}
	if cfg.Defs != "" {
		if err := applyDefsFile(ctx, st, cfg.Defs, cfg.Location, log); err != nil {
			return err
		}
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	runs := launcher.New(launcher.Config{
		Store:         st,
		MaxConcurrent: cfg.MaxConcurrentRuns,
		Heartbeat:     cfg.RunHeartbeat,
		LostAfter:     cfg.RunLostAfter,
		Exclusive:     !st.Postgres(),
		GracePeriod:   cfg.RunGracePeriod,
		Dir:           cfg.RunDir,
		Logger:        log,
	})
	hub := live.New(st, live.Config{Buffer: cfg.SubscriberQueue, Logger: log})
	st.OnCommit(hub.Offer)
	liveCtx, stopLive := context.WithCancel(context.Background())
	liveDone := make(chan struct{})
	go func() {
		defer close(liveDone)
		go st.Listen(liveCtx, hub.Notified)
		_ = hub.Run(liveCtx)
	}()
	defer func() {
		stopLive()
		<-liveDone
	}()
	launcherCtx, stopLauncher := context.WithCancel(context.Background())
	launcherDone := make(chan struct{})
	go func() {
		defer close(launcherDone)
		_ = runs.Run(launcherCtx)
	}()
	defer func() {
		stopLauncher()
		<-launcherDone
	}()
	srv := &http.Server{
		Handler:           newHandler(st, runs, hub, log, cfg),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("listening", "url", "http://"+displayAddr(ln.Addr()))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("shutdown", "err", err)
	}
	// Then the runs in progress are stopped and recorded (the deferred calls above), and
	// the store commits what is queued and closes.
	return nil
}

func applyDefsFile(ctx context.Context, st *store.Store, path, location string, log *slog.Logger) error {
	d, err := defs.Load(path)
	if err != nil {
		return err
	}
	res, err := st.ApplyDefinitions(ctx, location, d)
	if err != nil {
		return fmt.Errorf("apply %s: %w", path, err)
	}
	log.Info("definitions applied", "file", path, "location", res.Location, "added", len(res.Added),
		"updated", len(res.Updated), "removed", len(res.Removed), "unchanged", res.Unchanged)
	return nil
}

// displayAddr writes a listening address as a URL host a browser can open.
func displayAddr(a net.Addr) string {
	s := a.String()
	if host, port, err := net.SplitHostPort(s); err == nil && (host == "::" || host == "0.0.0.0" || host == "") {
		return "localhost:" + port
	}
	return strings.TrimPrefix(s, "[::]")
}
