package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/plumbline/plumbline/frontend"
	"github.com/plumbline/plumbline/graph"
	"github.com/plumbline/plumbline/launcher"
	"github.com/plumbline/plumbline/live"
	"github.com/plumbline/plumbline/rest"
	"github.com/plumbline/plumbline/store"
)

// newHandler wires the HTTP routes of `plumbline serve`.
func newHandler(st *store.Store, runs *launcher.Launcher, hub *live.Hub, log *slog.Logger, cfg serveConfig) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "plumbline_event_log_last_storage_id",
		Help: "The highest storage id in the event log.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		id, err := st.LastStorageID(ctx)
		if err != nil {
			return -1
		}
		return float64(id)
	}))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "plumbline_live_subscribers",
		Help: "Subscriptions following the event log live on this server.",
	}, func() float64 { return float64(hub.Subscribers()) }))
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "plumbline_live_subscribers_cut_off_total",
		Help: "Subscriptions ended because they fell too far behind (each may resume from its last storage id).",
	}, func() float64 { return float64(hub.CutOff()) }))
	m := newHTTPMetrics(reg)

	mux := http.NewServeMux()
	handle := func(pattern, route string, h http.Handler) { mux.Handle(pattern, m.instrument(route, h)) }

	gql := graph.NewServer(&graph.Resolver{Log: st, Catalog: st, RunStore: st, Wake: runs.Wake, Live: hub, Logger: log},
		graph.Options{AllowedOrigins: cfg.AllowedOrigins})
	handle("/graphql", "/graphql", withPrincipal(limitGraphQLBody(cfg.MaxBodyBytes, gql)))

	reports := http.NewServeMux()
	(&rest.Handler{Log: st, Logger: log, MaxBodyBytes: cfg.MaxBodyBytes}).Register(reports)
	for _, kind := range []string{"materialization", "observation", "check"} {
		p := "/report_asset_" + kind
		handle(p, p, reports)
		handle(p+"/", p, reports)
	}

	handle("GET /healthz", "/healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		if err := st.Ping(ctx); err != nil {
			log.Warn("health check: database", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(map[string]string{"status": "unavailable", "error": "database unreachable"})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
	}))
	handle("GET /metrics", "/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	handle("/", "/", frontend.Handler())
	return recoverer(log, logRequests(log, mux))
}

// limitGraphQLBody answers a request whose body is declared larger than max with a 413
// and a GraphQL error, and cuts off one that turns out larger while being read.
func limitGraphQLBody(max int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{
				"message":    "request body is larger than " + strconv.FormatInt(max, 10) + " bytes",
				"extensions": map[string]string{"code": "PAYLOAD_TOO_LARGE"},
			}}})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		h.ServeHTTP(w, r)
	})
}

// UserHeader names who makes a request (the CLI sends user@host). It attributes work, such
// as who launched a run; it is not authentication.
const UserHeader = "X-Plumbline-User"

func withPrincipal(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if who := strings.TrimSpace(r.Header.Get(UserHeader)); who != "" && len(who) <= 200 && utf8.ValidString(who) {
			r = r.WithContext(graph.WithPrincipal(r.Context(), who))
		}
		h.ServeHTTP(w, r)
	})
}

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plumbline_http_requests_total", Help: "HTTP requests by route, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "plumbline_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

func (m *httpMetrics) instrument(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rw := statusOf(w)
		h.ServeHTTP(rw, r)
		m.requests.WithLabelValues(route, r.Method, strconv.Itoa(rw.code())).Inc()
		m.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// statusWriter remembers the status code written. It keeps http.Flusher and the
// underlying writer reachable (Unwrap) so streaming and WebSocket upgrades still work.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func statusOf(w http.ResponseWriter) *statusWriter {
	if sw, ok := w.(*statusWriter); ok {
		return sw
	}
	return &statusWriter{ResponseWriter: w}
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

func logRequests(log *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rw := statusOf(w)
		h.ServeHTTP(rw, r)
		lvl := slog.LevelDebug
		if rw.code() >= 500 {
			lvl = slog.LevelWarn
		}
		log.Log(r.Context(), lvl, "http", "method", r.Method, "path", r.URL.Path, "status", rw.code(),
			"duration", time.Since(start).Round(time.Microsecond), "remote", r.RemoteAddr)
	})
}

// recoverer turns a panic in a handler into a logged 500 with a JSON error, instead of a
// dropped connection.
func recoverer(log *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("http: panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write([]byte(`{"error":"internal error"}` + "\n"))
			}
		}()
		h.ServeHTTP(w, r)
	})
}
