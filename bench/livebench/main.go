// Command livebench measures live subscriptions end to end: the real `plumbline serve` on
// PostgreSQL, 100 WebSocket subscribers (graphql-transport-ws) following
// `subscription { events { … } }`, and a writer committing single events at a steady rate
// over REST. It reports commit-to-delivery latency over every (event, subscriber) pair and
// checks every subscriber got every event exactly once, in order. Every latency is a ratio
// against a bare LISTEN/NOTIFY round trip on the same PostgreSQL, measured in the same run
// and interleaved with the candidate in rounds. See README.md.
//
//	go run ./bench/livebench                 # about 9 minutes on 2 shared cores
//	BENCH_QUICK=1 go run ./bench/livebench   # about 2 minutes
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/plumbline/plumbline/bench/internal/benchutil"
	"github.com/plumbline/plumbline/bench/internal/binserver"
)

type config struct {
	Bin            string
	PostgresURL    string
	OutDir         string
	Quick          bool
	Rounds         int
	Duration       time.Duration // per side and round at the headline rate
	OtherDuration  time.Duration // at the other rates
	Warmup         time.Duration // untimed writes at the start of each side
	Rates          []float64
	Headline       float64 // the rate of the filter and cross-replica scenarios, and of the target
	Subscribers    int
	Writers        int // writer connections (0: by rate)
	NaiveListeners int // listener connections of baseline (b) (0: as many as subscribers)
	Headroom       int // connections baseline (b) leaves free for others
	Only           *regexp.Regexp
	Drain          time.Duration
	InProcess      bool
	AB             string // a second binary measured as a candidate too, interleaved
	CPUProfile     string
	Perf           bool
	Keep           bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "livebench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	var (
		cfg                      config
		rates, only              string
		rounds                   int
		dur, otherDur, warmupDur time.Duration
	)
	defPG := os.Getenv("PLUMBLINE_BENCH_DATABASE_URL")
	if defPG == "" {
		defPG = os.Getenv("PLUMBLINE_TEST_DATABASE_URL")
	}
	if defPG == "" {
		defPG = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	quickEnv := os.Getenv("BENCH_QUICK")
	flag.StringVar(&cfg.Bin, "bin", "bin/plumbline", "the plumbline binary (go build -o bin/plumbline ./server)")
	flag.StringVar(&cfg.PostgresURL, "pg", defPG, "PostgreSQL server; the benchmark gets a schema of its own, dropped at the end")
	flag.StringVar(&cfg.OutDir, "out", "bench-results", "directory of latest.txt (the table is appended to it) and of logs/")
	flag.BoolVar(&cfg.Quick, "quick", quickEnv == "1" || quickEnv == "true" || quickEnv == "yes", "a quick run (~2 minutes): short sides, 2 rounds (default from BENCH_QUICK)")
	flag.IntVar(&rounds, "rounds", 0, "rounds; each measures every side once, in rotating order (default 3; 2 with -quick)")
	flag.DurationVar(&dur, "duration", 0, "timed writing per side and round at the headline rate (default 20s; 3s with -quick)")
	flag.DurationVar(&otherDur, "other-duration", 0, "timed writing per side and round at the other rates (default 8s; 2s with -quick)")
	flag.DurationVar(&warmupDur, "warmup", 0, "untimed writing at the start of each side (default 1s; 500ms with -quick)")
	flag.StringVar(&rates, "rates", "100,1000,5000", "write rates, events per second")
	flag.Float64Var(&cfg.Headline, "headline", 1000, "the rate of the filtered and cross-replica scenarios and of the target")
	flag.IntVar(&cfg.Subscribers, "subscribers", 100, "WebSocket subscribers")
	flag.IntVar(&cfg.Writers, "writers", 0, "concurrent writer connections, candidate and baselines alike (default max(4, rate/250))")
	flag.IntVar(&cfg.NaiveListeners, "naive-listeners", 0, "listener connections of baseline (b) (default: as many as -subscribers, capped by what PostgreSQL's max_connections leaves free)")
	flag.IntVar(&cfg.Headroom, "pg-headroom", 50, "connections baseline (b) leaves free for everyone else on the PostgreSQL server")
	flag.StringVar(&only, "only", "", "run only the scenarios whose id matches this regexp: all/RATE, filter/RATE, cross/RATE (e.g. 'all/1000')")
	flag.DurationVar(&cfg.Drain, "drain", 30*time.Second, "how long to wait, after the last write, for every receiver to have every event")
	flag.StringVar(&cfg.AB, "ab", "", "another plumbline binary to measure as a second candidate in the same rounds (rows marked [ab]); for A/B comparisons of a change")
	flag.BoolVar(&cfg.InProcess, "inprocess", false, "run the candidate server in this process (a copy of serve's live wiring) instead of -bin: for profiling, not for the table")
	flag.StringVar(&cfg.CPUProfile, "cpuprofile", "", "with -inprocess: write a CPU profile of each candidate side's timed part to PREFIX-SCENARIO-RATE-rN.prof (pprof label side=server marks the server's goroutines)")
	flag.BoolVar(&cfg.Perf, "perf", false, "perf record -g each candidate binary during the timed part (OUT/perf-livebench-*.data)")
	flag.BoolVar(&cfg.Keep, "keep", false, "keep the PostgreSQL schema and the data directory")
	flag.Parse()

	def := func(v, full, quick time.Duration) time.Duration {
		switch {
		case v > 0:
			return v
		case cfg.Quick:
			return quick
		}
		return full
	}
	cfg.Duration = def(dur, 20*time.Second, 3*time.Second)
	cfg.OtherDuration = def(otherDur, 8*time.Second, 2*time.Second)
	cfg.Warmup = def(warmupDur, time.Second, 500*time.Millisecond)
	cfg.Rounds = rounds
	if cfg.Rounds <= 0 {
		cfg.Rounds = 3
		if cfg.Quick {
			cfg.Rounds = 2
		}
	}
	for _, r := range strings.Split(rates, ",") {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		v, err := strconv.ParseFloat(r, 64)
		if err != nil || v <= 0 {
			return fmt.Errorf("-rates: %q is not a positive number", r)
		}
		cfg.Rates = append(cfg.Rates, v)
	}
	if only != "" {
		re, err := regexp.Compile(only)
		if err != nil {
			return fmt.Errorf("-only: %w", err)
		}
		cfg.Only = re
	}
	if cfg.CPUProfile != "" && !cfg.InProcess {
		return errors.New("-cpuprofile profiles this process: use it with -inprocess (or -perf for the binary)")
	}
	if cfg.Subscribers < 1 {
		return errors.New("-subscribers: want at least 1")
	}
	if !cfg.InProcess {
		if _, err := os.Stat(cfg.Bin); err != nil {
			return fmt.Errorf("-bin: %w (build it: go build -o bin/plumbline ./server)", err)
		}
	}
	if cfg.AB != "" {
		if cfg.InProcess {
			return errors.New("-ab compares two binaries: not with -inprocess")
		}
		if _, err := os.Stat(cfg.AB); err != nil {
			return fmt.Errorf("-ab: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Join(cfg.OutDir, "logs"), 0o755); err != nil {
		return err
	}

	b := &bench{cfg: cfg, clock: &clock{t0: time.Now()}, results: map[string][]sideResult{}}
	started := time.Now()
	if err := b.setup(ctx); err != nil {
		b.cleanup()
		return err
	}
	runErr := b.runAll(ctx)
	b.cleanup()
	if err := b.report(started, runErr); err != nil {
		return err
	}
	if runErr != nil {
		return runErr
	}
	if b.failures > 0 {
		return fmt.Errorf("%d side(s) failed the completeness check", b.failures)
	}
	return nil
}

// bench is one run.
type bench struct {
	cfg      config
	clock    *clock
	admin    *admin
	tag      string // random, in the schema's and channels' names
	dbURL    string // with search_path set to the run's schema
	dataDir  string
	seq      int                     // channels made so far
	results  map[string][]sideResult // by side id (rate/side), one per round
	naive    map[float64][]int       // listeners of baseline (b) by rate, per round
	notes    []string
	failures int
}

func (b *bench) note(format string, args ...any) {
	b.notes = append(b.notes, fmt.Sprintf(format, args...))
}

// setup creates the run's schema and data directory and starts the binary once, which
// applies the migrations; 100 events (one per asset) create the assets, so that no timed
// write is the first of its asset.
func (b *bench) setup(ctx context.Context) error {
	t := make([]byte, 3)
	_, _ = rand.Read(t)
	b.tag = hex.EncodeToString(t)
	conn, err := pgx.Connect(ctx, b.cfg.PostgresURL)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL at %s: %w", b.cfg.PostgresURL, err)
	}
	b.admin = &admin{conn: conn, schema: "livebench_" + b.tag}
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{b.admin.schema}.Sanitize()); err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	if b.dbURL, err = withSearchPath(b.cfg.PostgresURL, b.admin.schema); err != nil {
		return err
	}
	if b.dataDir, err = os.MkdirTemp("", "livebench-"); err != nil {
		return err
	}
	b.naive = map[float64][]int{}
	progress("schema %s; starting %s once to apply migrations and create %d assets", b.admin.schema, b.serverName(), keyCount)
	srv, err := b.startReplica(ctx, "a", b.cfg.Bin)
	if err != nil {
		return err
	}
	defer srv.stop()
	w := newRESTWriter(srv.url(), 4)
	defer w.close()
	for i := range keyCount {
		if _, err := w.report(ctx, i); err != nil {
			return fmt.Errorf("create the assets: %w", err)
		}
	}
	return nil
}

func (b *bench) cleanup() {
	if b.admin == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if b.cfg.Keep {
		progress("kept schema %s and %s", b.admin.schema, b.dataDir)
	} else {
		if _, err := b.admin.conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{b.admin.schema}.Sanitize()+" CASCADE"); err != nil {
			progress("cleanup: drop schema %s: %v", b.admin.schema, err)
		}
		if b.dataDir != "" {
			os.RemoveAll(b.dataDir)
		}
	}
	b.admin.conn.Close(ctx)
	b.admin = nil
}

func (b *bench) serverName() string {
	if b.cfg.InProcess {
		return "an in-process copy of the server"
	}
	return b.cfg.Bin
}

func (b *bench) startReplica(ctx context.Context, name, bin string) (replica, error) {
	if b.cfg.InProcess {
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		p, err := startInProcess(ctx, b.dbURL, 0, logger)
		if err != nil {
			return nil, err
		}
		if err := binserver.WaitHealthy(ctx, p.url()); err != nil {
			p.stop()
			return nil, err
		}
		return p, nil
	}
	dir := filepath.Join(b.dataDir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	s, err := binserver.Start(ctx, bin, dir, b.dbURL, filepath.Join(b.cfg.OutDir, "logs", "livebench-replica-"+name+".log"))
	if err != nil {
		return nil, err
	}
	return binary{s}, nil
}

// Sides. The baselines are measured at every rate; the candidate scenarios are "all"
// (every event, one replica), "filter" (assetKeys matching a tenth of the events) and
// "cross" (writes to replica A, subscribers on replica B).
const (
	sideA      = "a"
	sideB      = "b"
	scnAll     = "all"
	scnFilter  = "filter"
	scnCross   = "cross"
	maxPending = 10 // subscribers dialling at once
)

func rateID(r float64) string { return strconv.FormatFloat(r, 'f', -1, 64) }

func (b *bench) scenarios(rate float64) []string {
	var out []string
	for _, s := range []string{scnAll, scnFilter, scnCross} {
		if s != scnAll && rate != b.cfg.Headline {
			continue
		}
		if b.cfg.Only != nil && !b.cfg.Only.MatchString(s+"/"+rateID(rate)) {
			continue
		}
		out = append(out, s)
		if b.cfg.AB != "" {
			out = append(out, s+abSuffix)
		}
	}
	return out
}

// abSuffix marks a side of the -ab binary.
const abSuffix = "@ab"

func (b *bench) writers(rate float64) int {
	if b.cfg.Writers > 0 {
		return b.cfg.Writers
	}
	return max(4, int(math.Ceil(rate/250)))
}

// overrun is how long past its schedule a side may go on writing when the server cannot
// keep up; writes still due then are not sent (and reported).
func (b *bench) overrun(rate float64) time.Duration {
	return max(time.Second, b.duration(rate)/10)
}

func (b *bench) duration(rate float64) time.Duration {
	if rate == b.cfg.Headline {
		return b.cfg.Duration
	}
	return b.cfg.OtherDuration
}

func (b *bench) runAll(ctx context.Context) error {
	for _, rate := range b.cfg.Rates {
		scns := b.scenarios(rate)
		if len(scns) == 0 {
			continue
		}
		sides := append([]string{sideA, sideB}, scns...)
		progress("=== %s events/s: %s per side, %d writer connections, %d rounds of %s (order rotating)",
			benchutil.Thousands(rate), seconds(b.duration(rate)), b.writers(rate), b.cfg.Rounds, strings.Join(sides, ", "))
		for round := range b.cfg.Rounds {
			for j := range sides {
				if err := ctx.Err(); err != nil {
					return err
				}
				side := sides[(j+round)%len(sides)]
				res, err := b.side(ctx, side, rate, round)
				if err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					return fmt.Errorf("%s at %s/s, round %d: %w", sideLabel(side), benchutil.Thousands(rate), round+1, err)
				}
				if len(res.Problems) > 0 {
					b.failures++
					b.note("%s/%s round %d INCOMPLETE: %s", side, rateID(rate), round+1, strings.Join(res.Problems, "; "))
				}
				b.results[rateID(rate)+"/"+side] = append(b.results[rateID(rate)+"/"+side], res)
				b.progressSide(side, rate, round, res)
			}
		}
	}
	return nil
}

func (b *bench) progressSide(side string, rate float64, round int, r sideResult) {
	status := "complete"
	if len(r.Problems) > 0 {
		status = "INCOMPLETE: " + r.Problems[0]
	}
	notSent := ""
	if r.NotSent > 0 {
		notSent = fmt.Sprintf(", %d not sent", r.NotSent)
	}
	if len(r.CPU) > 0 {
		var parts []string
		for i, c := range r.CPU {
			name := "bench (subscribers, writer)"
			if i > 0 {
				name = fmt.Sprintf("replica %c", 'A'+i-1)
			}
			parts = append(parts, fmt.Sprintf("%s %.2f", name, c))
		}
		status += "; CPU cores: " + strings.Join(parts, ", ")
		if r.ServerCPUPerDelivery > 0 {
			status += fmt.Sprintf("; CPU per delivery: server %.1f µs, bench %.1f µs", r.ServerCPUPerDelivery*1e6, r.BenchCPUPerDelivery*1e6)
		}
	}
	progress("  r%d %-32s commit→delivery p50 %s p90 %s p99 %s max %s ms; send→delivery p99 %s ms; %s deliveries/s; writes %s/s of %s (ack p50 %s p99 %s ms, lag %s ms%s); %s",
		round+1, sideLabelN(side, r.Receivers), ms(r.Commit.P50), ms(r.Commit.P90), ms(r.Commit.P99), ms(r.Commit.Max), ms(r.Send.P99),
		benchutil.Thousands(r.Delivered), benchutil.Thousands(r.Written), benchutil.Thousands(r.Offered), ms(r.Ack.P50), ms(r.Ack.P99), ms(r.Lag), notSent, status)
}

func sideLabel(side string) string {
	if s, ok := strings.CutSuffix(side, abSuffix); ok {
		return sideLabel(s) + " [ab]"
	}
	switch side {
	case sideA:
		return "(a) 1 LISTEN connection"
	case sideB:
		return "(b) N LISTEN connections"
	case scnAll:
		return "all events, 1 replica"
	case scnFilter:
		return "filter ~10%, 1 replica"
	case scnCross:
		return "all events, cross-replica"
	}
	return side
}

func sideLabelN(side string, n int) string {
	switch side {
	case sideA:
		return "(a) 1 LISTEN connection"
	case sideB:
		return fmt.Sprintf("(b) %d LISTEN connections", n)
	}
	return fmt.Sprintf("%s (%d subs)", sideLabel(side), n)
}

// side measures one side once.
func (b *bench) side(ctx context.Context, side string, rate float64, round int) (sideResult, error) {
	warm := int(math.Round(rate * b.cfg.Warmup.Seconds()))
	n := warm + int(math.Round(rate*b.duration(rate).Seconds()))
	// Each side starts with the previous side's dirty pages written out, so that no side is
	// timed while another's checkpoint runs.
	if _, err := b.admin.conn.Exec(ctx, "CHECKPOINT"); err != nil {
		return sideResult{}, fmt.Errorf("CHECKPOINT: %w", err)
	}
	switch side {
	case sideA:
		return b.notifySide(ctx, rate, n, 1)
	case sideB:
		listeners := b.cfg.NaiveListeners
		if listeners <= 0 {
			listeners = b.cfg.Subscribers
		}
		free, maxConns, used, err := b.admin.freeConnections(ctx)
		if err != nil {
			return sideResult{}, err
		}
		if avail := free - b.writers(rate) - b.cfg.Headroom; avail < listeners {
			if avail < 2 {
				return sideResult{}, fmt.Errorf("baseline (b) needs connections: PostgreSQL has max_connections %d, %d in use", maxConns, used)
			}
			if round == 0 {
				progress("  (b) capped at %d listener connections: max_connections %d, %d in use, %d writers, %d left free for others (-pg-headroom)", avail, maxConns, used, b.writers(rate), b.cfg.Headroom)
			}
			listeners = avail
		}
		b.naive[rate] = append(b.naive[rate], listeners)
		return b.notifySide(ctx, rate, n, listeners)
	}
	return b.candidate(ctx, side, rate, round, n)
}

// notifySide is a baseline: listeners connections LISTEN on a fresh channel while a
// notifier sends n notifications at rate, each its own transaction.
func (b *bench) notifySide(ctx context.Context, rate float64, n, listeners int) (sideResult, error) {
	b.seq++
	channel := fmt.Sprintf("livebench_%s_%d", b.tag, b.seq)
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ls := make([]*listener, listeners)
	if err := parallel(listeners, maxPending, func(i int) error {
		l, err := dialListener(ctx, b.dbURL, channel, n+16)
		ls[i] = l
		return err
	}); err != nil {
		for _, l := range ls {
			if l != nil {
				l.conn.Close(context.Background())
			}
		}
		return sideResult{}, err
	}
	recvs := make([]*receiver, listeners)
	for i, l := range ls {
		recvs[i] = l.receiver
		go l.run(lctx, b.clock)
	}
	nt, err := newNotifier(ctx, b.dbURL, channel, b.writers(rate))
	if err != nil {
		cancel()
		waitAll(recvs)
		return sideResult{}, err
	}
	writes, start := paced(ctx, b.clock, n, rate, b.writers(rate), b.overrun(rate), nt.notify)
	nt.close()
	ok := 0
	for _, w := range writes {
		if w.err == nil {
			ok++
		}
	}
	b.drain(ctx, recvs, func(r *receiver) bool { return r.n.Load() >= int64(ok) })
	cancel()
	waitAll(recvs)
	if err := ctx.Err(); err != nil {
		return sideResult{}, err
	}
	byID := make(map[int64]int, n)
	for i := range writes {
		byID[int64(i)] = i
	}
	return analyze(analysis{writes: writes, timed: start + int64(b.cfg.Warmup), rate: rate, byID: byID, expect: func(int) bool { return true }}, recvs), nil
}

// candidate is a scenario of the server: subscribers on a replica, a writer reporting n
// single events at rate over REST.
func (b *bench) candidate(ctx context.Context, side string, rate float64, round, n int) (sideResult, error) {
	bin := b.cfg.Bin
	scn, ab := strings.CutSuffix(side, abSuffix)
	if ab {
		bin = b.cfg.AB
	}
	srvA, err := b.startReplica(ctx, "a", bin)
	if err != nil {
		return sideResult{}, err
	}
	defer srvA.stop()
	subTo := srvA
	if scn == scnCross {
		srvB, err := b.startReplica(ctx, "b", bin)
		if err != nil {
			return sideResult{}, err
		}
		defer srvB.stop()
		subTo = srvB
	}
	var filter any
	expect := func(int) bool { return true }
	capacity := n + 16
	if scn == scnFilter {
		var keys []any
		for i := range hotKeys {
			keys = append(keys, map[string]any{"path": strings.Split(assetKey(i), "/")})
		}
		filter = map[string]any{"assetKeys": keys}
		expect = hot
		capacity = n/keyCount*hotKeys + hotKeys + 16
	}

	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: maxPending}}
	subs := make([]*subscriber, b.cfg.Subscribers)
	if err := parallel(len(subs), maxPending, func(i int) error {
		s, err := dialSubscriber(ctx, hc, subTo.url(), filter, capacity)
		subs[i] = s
		return err
	}); err != nil {
		for _, s := range subs {
			if s != nil {
				s.conn.CloseNow()
			}
		}
		return sideResult{}, fmt.Errorf("subscribe: %w", err)
	}
	recvs := make([]*receiver, len(subs))
	for i, s := range subs {
		recvs[i] = s.receiver
		go pprof.Do(sctx, pprof.Labels("side", "client"), func(ctx context.Context) { s.run(ctx, b.clock) })
	}
	w := newRESTWriter(srvA.url(), b.writers(rate))
	defer w.close()

	// The subscriptions are live-only (no after), so timing starts with a probe event (of a
	// filtered asset) that every subscriber received: then every subscription is live,
	// whatever the server took to set it up. A subscription that was not yet live when a
	// probe was committed misses it, so probes are repeated until one reaches all.
	probe, err := b.probe(ctx, w, recvs)
	if err != nil {
		cancel()
		waitAll(recvs)
		return sideResult{}, err
	}

	stopProfile := b.startProfile(strings.ReplaceAll(side, "@", "-"), rate, round, srvA, subTo)
	cpu0 := cpuTimes(srvA, subTo)
	wall0 := time.Now()
	writes, start := paced(ctx, b.clock, n, rate, b.writers(rate), b.overrun(rate), func(ctx context.Context, _ int, i int) (int64, error) { return w.report(ctx, i) })
	lastWanted := probe
	for i, wr := range writes {
		if wr.err == nil && expect(i) {
			lastWanted = max(lastWanted, wr.id)
		}
	}
	b.drain(ctx, recvs, func(r *receiver) bool { return r.last.Load() >= lastWanted })
	cpu1 := cpuTimes(srvA, subTo)
	wall := time.Since(wall0).Seconds()
	stopProfile()
	cancel()
	waitAll(recvs)
	if err := ctx.Err(); err != nil {
		return sideResult{}, err
	}
	byID := make(map[int64]int, n)
	for i, wr := range writes {
		if wr.err == nil {
			byID[wr.id] = i
		}
	}
	res := analyze(analysis{writes: writes, timed: start + int64(b.cfg.Warmup), rate: rate, byID: byID, expect: expect, ordered: true, extra: []int64{probe}, from: probe}, recvs)
	res.CPU = make([]float64, len(cpu0))
	for i := range cpu0 {
		res.CPU[i] = (cpu1[i] - cpu0[i]) / wall
	}
	deliveries := 0
	for _, r := range recvs {
		for _, d := range r.recs {
			if d.id > probe {
				deliveries++
			}
		}
	}
	if deliveries > 0 && len(cpu0) > 1 {
		var server float64
		for i := 1; i < len(cpu0); i++ {
			server += cpu1[i] - cpu0[i]
		}
		res.ServerCPUPerDelivery = server / float64(deliveries)
		res.BenchCPUPerDelivery = (cpu1[0] - cpu0[0]) / float64(deliveries)
	}
	return res, nil
}

// cpuTimes returns the CPU seconds used so far by this process and by each replica's
// process (a replica in this process counts as this process).
func cpuTimes(replicas ...replica) []float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	out := []float64{float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9}
	seen := map[int]bool{}
	for _, r := range replicas {
		if r.pid() == 0 || seen[r.pid()] {
			continue
		}
		seen[r.pid()] = true
		out = append(out, procCPU(r.pid()))
	}
	return out
}

// procCPU reads a process's user and system time from /proc, in seconds.
func procCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s) // f[0] is field 3 (state); utime and stime are fields 14 and 15
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ is 100 on Linux
}

// probe writes probe events until one reaches every subscriber, and returns its id.
func (b *bench) probe(ctx context.Context, w *restWriter, recvs []*receiver) (int64, error) {
	deadline := time.Now().Add(30 * time.Second)
	for attempt := 1; ; attempt++ {
		probe, err := w.report(ctx, 0)
		if err != nil {
			return 0, fmt.Errorf("probe: %w", err)
		}
		next := time.Now().Add(2 * time.Second)
		for time.Now().Before(next) {
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			got := 0
			for _, r := range recvs {
				if r.last.Load() >= probe {
					got++
				}
			}
			if got == len(recvs) {
				if attempt > 1 {
					progress("  probe %d reached every subscriber at attempt %d", probe, attempt)
				}
				return probe, nil
			}
			for _, r := range recvs {
				select {
				case <-r.done:
					return 0, fmt.Errorf("a subscription ended before timing started: %v", r.failure())
				default:
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("no probe event reached every subscriber within 30s")
		}
	}
}

// drain waits until every receiver has what it should (reached), has ended, or the drain
// time is over.
func (b *bench) drain(ctx context.Context, recvs []*receiver, reached func(*receiver) bool) {
	deadline := time.Now().Add(b.cfg.Drain)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		if allReached(recvs, reached) {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func allReached(recvs []*receiver, reached func(*receiver) bool) bool {
	for _, r := range recvs {
		select {
		case <-r.done:
			continue // ended early; analyze reports why
		default:
		}
		if !reached(r) {
			return false
		}
	}
	return true
}

func waitAll(recvs []*receiver) {
	for _, r := range recvs {
		<-r.done
	}
}

// parallel runs fn(0…n-1), at most width at once, and returns the first error.
func parallel(n, width int, fn func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	sem := make(chan struct{}, width)
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(i); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

// startProfile starts the profiles asked for over a candidate's timed part and returns
// what stops them.
func (b *bench) startProfile(scn string, rate float64, round int, replicas ...replica) func() {
	name := fmt.Sprintf("%s-%s-r%d", scn, rateID(rate), round+1)
	var stops []func()
	if b.cfg.CPUProfile != "" {
		path := b.cfg.CPUProfile + "-" + name + ".prof"
		if f, err := os.Create(path); err != nil {
			progress("cpuprofile: %v", err)
		} else if err := pprof.StartCPUProfile(f); err != nil {
			progress("cpuprofile: %v", err)
			f.Close()
		} else {
			stops = append(stops, func() { pprof.StopCPUProfile(); f.Close(); progress("  CPU profile: %s", path) })
		}
	}
	if b.cfg.Perf {
		seen := map[int]bool{}
		for i, r := range replicas {
			if r.pid() == 0 || seen[r.pid()] {
				continue
			}
			seen[r.pid()] = true
			path := filepath.Join(b.cfg.OutDir, fmt.Sprintf("perf-livebench-%s-%c.data", name, 'a'+i))
			cmd := exec.Command("perf", "record", "-F", "999", "-g", "-p", strconv.Itoa(r.pid()), "-o", path)
			cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
			if err := cmd.Start(); err != nil {
				progress("perf: %v", err)
				continue
			}
			stops = append(stops, func() {
				_ = cmd.Process.Signal(os.Interrupt)
				_ = cmd.Wait()
				progress("  perf data: %s (perf report -i %s --no-children)", path, path)
			})
		}
	}
	return func() {
		for _, s := range stops {
			s()
		}
	}
}

// report prints the results table on stdout and appends it to OutDir/latest.txt.
func (b *bench) report(started time.Time, runErr error) error {
	var out strings.Builder
	fmt.Fprintf(&out, "Plumbline live subscriptions benchmark (bench/livebench) — %s (%s)\n", started.Format("2006-01-02 15:04:05 MST"), time.Since(started).Round(time.Second))
	fmt.Fprintf(&out, "%s, %s, %d CPUs; load average at the end: %s\n", benchutil.GitRevision(), runtime.Version(), runtime.NumCPU(), benchutil.LoadAverage())
	server := "bin: " + b.cfg.Bin
	if b.cfg.InProcess {
		server = "IN-PROCESS copy of the server's live wiring (a profiling run, not comparable with the binary)"
	}
	fmt.Fprintf(&out, "%s on PostgreSQL; %d WebSocket subscribers (graphql-transport-ws); single-event REST writes, paced (open loop); %d rounds, sides in rotating order; medians of the rounds' percentiles\n",
		server, b.cfg.Subscribers, b.cfg.Rounds)
	fmt.Fprintf(&out, "timed writing per side: %s at %s/s, %s at other rates, after %s untimed warm-up\n",
		seconds(b.cfg.Duration), benchutil.Thousands(b.cfg.Headline), seconds(b.cfg.OtherDuration), seconds(b.cfg.Warmup))
	if b.cfg.Quick {
		out.WriteString("QUICK MODE: short sides and 2 rounds — a smoke test, not a measurement\n")
	}
	out.WriteString("\n")
	tw := tabwriter.NewWriter(&out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\trate\tsubs\twrites/s done\tcandidate p50/p99 ms\t(a) 1 LISTEN p50/p99\tp99 ÷ (a)\t(b) N LISTEN p50/p99\tp99 ÷ (b)\tdelivered/s\tcomplete")
	fmt.Fprintln(tw, "--------\t----\t----\t-------------\t--------------------\t--------------------\t---------\t--------------------\t---------\t-----------\t--------")
	type target struct {
		ratioA, ratioB float64
		ok, rate       bool
	}
	var ab []string
	var tgt *target
	for _, rate := range b.cfg.Rates {
		ra, rb := b.results[rateID(rate)+"/"+sideA], b.results[rateID(rate)+"/"+sideB]
		a, bb := summarize(ra), summarize(rb)
		for _, scn := range b.scenarios(rate) {
			rc := b.results[rateID(rate)+"/"+scn]
			if len(rc) == 0 {
				continue
			}
			c := summarize(rc)
			ratio := func(base summary) string {
				if base.rounds == 0 || base.p99 <= 0 {
					return "-"
				}
				return fmt.Sprintf("%.1f×", float64(c.p99)/float64(base.p99))
			}
			complete := fmt.Sprintf("yes (%d/%d)", c.complete, c.rounds)
			if c.complete < c.rounds {
				complete = fmt.Sprintf("NO (%d/%d rounds complete)", c.complete, c.rounds)
			}
			nb := "N"
			if ls := b.naive[rate]; len(ls) > 0 {
				nb = strconv.Itoa(ls[0])
			}
			written := benchutil.Thousands(c.written)
			reached := c.written >= 0.95*rate
			if !reached {
				written += " (short)"
			}
			fmt.Fprintf(tw, "%s\t%s/s\t%d\t%s\t%s / %s\t%s / %s\t%s\t%s / %s (%s conns)\t%s\t%s\t%s\n",
				sideLabel(scn), benchutil.Thousands(rate), b.cfg.Subscribers, written, ms(c.p50), ms(c.p99), ms(a.p50), ms(a.p99), ratio(a),
				ms(bb.p50), ms(bb.p99), nb, ratio(bb), benchutil.Thousands(c.delivered), complete)
			if scn == scnAll && rate == b.cfg.Headline && a.p99 > 0 {
				tgt = &target{ratioA: float64(c.p99) / float64(a.p99), ok: c.complete == c.rounds, rate: reached}
				if bb.p99 > 0 {
					tgt.ratioB = float64(c.p99) / float64(bb.p99)
				}
			}
			if base, isAB := strings.CutSuffix(scn, abSuffix); isAB {
				if o := summarize(b.results[rateID(rate)+"/"+base]); o.rounds > 0 && o.p99 > 0 && o.delivered > 0 {
					line := fmt.Sprintf("%s at %s/s: p50 %s → %s ms, p99 %s → %s ms (%.2f×), writes/s %s → %s, delivered/s %s → %s (%.2f×)",
						sideLabel(base), benchutil.Thousands(rate), ms(o.p50), ms(c.p50), ms(o.p99), ms(c.p99), float64(c.p99)/float64(o.p99),
						benchutil.Thousands(o.written), benchutil.Thousands(c.written), benchutil.Thousands(o.delivered), benchutil.Thousands(c.delivered), c.delivered/o.delivered)
					if o.cpuPerDelivery > 0 && c.cpuPerDelivery > 0 {
						line += fmt.Sprintf(", server CPU per delivery %.0f → %.0f µs (%.2f×)", o.cpuPerDelivery*1e6, c.cpuPerDelivery*1e6, c.cpuPerDelivery/o.cpuPerDelivery)
					}
					ab = append(ab, line)
				}
			}
		}
	}
	tw.Flush()
	if tgt != nil {
		verdict := "MET"
		if tgt.ratioA > 3 || !tgt.ok || !tgt.rate {
			verdict = "MISSED"
		}
		fmt.Fprintf(&out, "\ntarget: all events, 1 replica, %s/s: candidate p99 ≤ 3× the bare LISTEN/NOTIFY round trip (a): %.1f× — %s", benchutil.Thousands(b.cfg.Headline), tgt.ratioA, verdict)
		if !tgt.ok {
			out.WriteString(" (incomplete delivery)")
		}
		if !tgt.rate {
			out.WriteString(" (the server did not sustain the write rate)")
		}
		if tgt.ratioB > 0 {
			fmt.Fprintf(&out, "; against (b), the naive one-LISTEN-connection-per-subscriber design: %.1f×", tgt.ratioB)
		}
		out.WriteString("\n")
	}
	fmt.Fprintf(&out, `
latency = from the write's commit acknowledgement (the writer got the HTTP 200 with the storage id; for the
  baselines, Exec of SELECT pg_notify returned) to the receiver reading the message, over every (event,
  receiver) pair of the timed part; each round's p50/p99 over all pairs, then the median over rounds.
  It can be negative: the server publishes a commit to subscribers before it answers the writer.
(a) = 1 connection LISTENing, a notifier sending SELECT pg_notify(channel, seq) at the same rate from the
  same number of connections as the writer, one transaction each: the bare round trip. The target is
  judged against (a): it is the literal reading ("the bare round trip"), and the strictest.
(b) = the naive design: every subscriber holds its own LISTEN connection, all on one channel, same notifier.
candidate = %d WebSocket subscribers to subscription { events { storageId timestamp type assetKey
  { path } } } ("filter": events(filter: {assetKeys: 10 of the 100 assets written in turn}), a tenth
  of the events; "cross-replica": writes to replica A, subscribers on replica B, one schema); timing
  starts after a probe event reached every subscriber; complete = every subscriber had every event
  from the probe on exactly once, in storage id order.
CPU per delivery (below) = CPU seconds of the replica processes / deliveries, from the probe to the
  end of the drain: the server's cost of one event to one subscriber, writes included.
delivered/s = deliveries to all receivers together per second, over the timed part.
writes/s done = single-event commits per second the writer got acknowledged ("short": under 95%% of the rate;
  the writer has a fixed number of connections, so a server slowed down by its fan-out gets fewer
  writes; a write still due %s after the schedule's end is not sent).
`, b.cfg.Subscribers, "max(1s, duration/10)")
	if len(ab) > 0 {
		fmt.Fprintf(&out, "\nA/B, %s → %s (medians of rounds):\n", b.cfg.Bin, b.cfg.AB)
		for _, l := range ab {
			fmt.Fprintf(&out, "  %s\n", l)
		}
	}
	b.writeNotes(&out)
	if runErr != nil {
		fmt.Fprintf(&out, "\nthe run stopped early: %v\n", runErr)
	}
	fmt.Print("\n" + out.String())
	f, err := os.OpenFile(filepath.Join(b.cfg.OutDir, "latest.txt"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(f, "\n"+out.String()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeNotes lists per-round values and the other measurements behind the table.
func (b *bench) writeNotes(out *strings.Builder) {
	out.WriteString("\nper round (commit→delivery p50/p99/max ms | send→delivery p99 | writer: ack p50/p99 ms, writes/s, lag ms, CPU cores used by this process/replica A/replica B):\n")
	for _, rate := range b.cfg.Rates {
		sides := append([]string{sideA, sideB}, b.scenarios(rate)...)
		for _, side := range sides {
			rs := b.results[rateID(rate)+"/"+side]
			if len(rs) == 0 {
				continue
			}
			var parts []string
			for _, r := range rs {
				p := fmt.Sprintf("%s/%s/%s | %s | %s/%s, %s, %s", ms(r.Commit.P50), ms(r.Commit.P99), ms(r.Commit.Max), ms(r.Send.P99),
					ms(r.Ack.P50), ms(r.Ack.P99), benchutil.Thousands(r.Written), ms(r.Lag))
				if r.NotSent > 0 {
					p += fmt.Sprintf(" (%d not sent)", r.NotSent)
				}
				if len(r.CPU) > 0 {
					var c []string
					for _, v := range r.CPU {
						c = append(c, fmt.Sprintf("%.2f", v))
					}
					p += ", cores " + strings.Join(c, "/")
				}
				if r.ServerCPUPerDelivery > 0 {
					p += fmt.Sprintf(", server %.0f µs CPU/delivery", r.ServerCPUPerDelivery*1e6)
				}
				if len(r.Problems) > 0 {
					p += " INCOMPLETE"
				}
				parts = append(parts, p)
			}
			fmt.Fprintf(out, "  %s/s %s: %s\n", benchutil.Thousands(rate), sideLabelN(side, rs[0].Receivers), strings.Join(parts, "; "))
		}
	}
	for _, rate := range b.cfg.Rates {
		ls := b.naive[rate]
		if len(ls) > 0 && ls[0] < b.cfg.Subscribers {
			fmt.Fprintf(out, "  note: at %s/s, baseline (b) had %v listener connections, not %d: PostgreSQL's max_connections leaves no more (-pg-headroom %d leaves that many for others)\n",
				benchutil.Thousands(rate), ls, b.cfg.Subscribers, b.cfg.Headroom)
		}
	}
	for _, n := range b.notes {
		fmt.Fprintf(out, "  - %s\n", n)
	}
}

// summary is a side's medians over rounds.
type summary struct {
	rounds, complete   int
	p50, p99           int64
	delivered, written float64
	cpuPerDelivery     float64 // server CPU seconds per delivery
}

func summarize(rs []sideResult) summary {
	s := summary{rounds: len(rs)}
	var p50, p99 []int64
	var del, wr, cpd []float64
	for _, r := range rs {
		wr = append(wr, r.Written)
		if r.ServerCPUPerDelivery > 0 {
			cpd = append(cpd, r.ServerCPUPerDelivery)
		}
		p50 = append(p50, r.Commit.P50)
		p99 = append(p99, r.Commit.P99)
		del = append(del, r.Delivered)
		if len(r.Problems) == 0 {
			s.complete++
		}
	}
	s.p50, s.p99, s.delivered, s.written, s.cpuPerDelivery = benchutil.Median(p50), benchutil.Median(p99), benchutil.Median(del), benchutil.Median(wr), benchutil.Median(cpd)
	return s
}

// progress prints a progress line on stderr.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s livebench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
