// Command bench measures Plumbline's real binary against hand-written database baselines
// on the same database, in the same run, and prints each as a ratio. See bench/README.md.
//
//	go run ./bench -bin bin/plumbline -pg postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
//
// It is run by `make bench` (scripts/bench.sh), which passes the BENCH_* environment on as
// flags.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/plumbline/plumbline/bench/internal/benchutil"
)

type config struct {
	Bin           string
	PostgresURL   string
	DBs           []string
	Only          *regexp.Regexp
	Rounds        int
	Duration      time.Duration // per side and round, throughput benchmarks
	QueryDuration time.Duration // per side and round, query benchmarks
	MinIters      int           // per side and round, query benchmarks
	Quick         bool
	OutDir        string
	RESTClients   int
	IngestClients int
	IngestBatches int // requests per side and round of the ingestion benchmark
	BatchSize     int
	Assets        int
	Layers, Width int
	SQLiteConns   int // database/sql connections of the SQLite INSERT baseline
	Keep          bool
	Perf          bool
	Strict        bool
	AB            string // another binary: measured as the baseline instead of the SQL baselines
}

type runner struct {
	cfg     config
	schemas *schemas
	tmp     string
	results []*result
	notes   []string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	var (
		cfg  config
		dbs  string
		only string
	)
	flag.StringVar(&cfg.Bin, "bin", "bin/plumbline", "the plumbline binary")
	flag.StringVar(&cfg.PostgresURL, "pg", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server; each benchmark gets a schema of its own, dropped at the end")
	flag.StringVar(&dbs, "db", "postgres,sqlite", "databases to run on")
	flag.StringVar(&only, "only", "", "run only the benchmarks whose id (ingest, rest, rest-wrk, assets, lineage; with /postgres or /sqlite) matches this regexp")
	flag.BoolVar(&cfg.Quick, "quick", false, "a quick run (about 1–2 minutes): 3 short rounds, fewer assets, a smaller lineage graph")
	flag.IntVar(&cfg.Rounds, "rounds", 0, "rounds of each comparison (default 5; 3 with -quick)")
	flag.DurationVar(&cfg.Duration, "duration", 0, "time per side and round of the REST throughput benchmarks (default 3s; 1s with -quick)")
	flag.DurationVar(&cfg.QueryDuration, "query-duration", 0, "time per side and round of query benchmarks (default 1.5s; 0.3s with -quick)")
	flag.IntVar(&cfg.MinIters, "min-iters", 3, "least runs per side and round of query benchmarks")
	flag.StringVar(&cfg.OutDir, "out", "bench-results", "directory for results and logs")
	flag.IntVar(&cfg.RESTClients, "rest-clients", 32, "concurrent clients of the single-event REST benchmark")
	flag.IntVar(&cfg.IngestClients, "ingest-clients", 4, "concurrent clients of the batch ingestion benchmark")
	flag.IntVar(&cfg.BatchSize, "batch", 1000, "events per reportEvents request")
	flag.IntVar(&cfg.IngestBatches, "ingest-batches", 0, "requests (batches) per side and round of the ingestion benchmark: a fixed amount of work, so both tables grow alike (default 40; 10 with -quick)")
	flag.IntVar(&cfg.Assets, "assets", 0, "assets of the assets-page benchmark (default 10000; 2000 with -quick)")
	flag.IntVar(&cfg.Layers, "layers", 20, "layers of the lineage graph")
	flag.IntVar(&cfg.Width, "width", 0, "assets per layer of the lineage graph (default 5000; 1000 with -quick)")
	flag.IntVar(&cfg.SQLiteConns, "sqlite-conns", 1, "database/sql connections of the SQLite INSERT baseline (1 is its fastest: see README)")
	flag.BoolVar(&cfg.Keep, "keep", false, "keep the temporary data directories and PostgreSQL schemas")
	flag.BoolVar(&cfg.Strict, "strict", false, "exit with status 1 when a target is missed")
	flag.StringVar(&cfg.AB, "ab", "", "A/B mode: another plumbline binary (e.g. built from the main branch), served on the same database and measured as the baseline side instead of the hand-written baselines")
	flag.BoolVar(&cfg.Perf, "perf", false, "record the server with `perf record -g` during candidate rounds (bench-results/perf-*.data)")
	flag.Parse()

	def := func(v *int, full, quick int) {
		if *v == 0 {
			*v = full
			if cfg.Quick {
				*v = quick
			}
		}
	}
	defDur := func(v *time.Duration, full, quick time.Duration) {
		if *v == 0 {
			*v = full
			if cfg.Quick {
				*v = quick
			}
		}
	}
	def(&cfg.Rounds, 5, 3)
	def(&cfg.Width, 5000, 1000)
	def(&cfg.IngestBatches, 40, 10)
	def(&cfg.Assets, 10000, 2000)
	defDur(&cfg.Duration, 3*time.Second, time.Second)
	defDur(&cfg.QueryDuration, 1500*time.Millisecond, 300*time.Millisecond)
	if cfg.Quick && cfg.MinIters > 1 {
		cfg.MinIters = 1
	}
	for _, d := range strings.Split(dbs, ",") {
		switch d = strings.TrimSpace(d); d {
		case "postgres", "sqlite":
			cfg.DBs = append(cfg.DBs, d)
		case "":
		default:
			return fmt.Errorf("-db %q: want postgres and/or sqlite", d)
		}
	}
	if only != "" {
		re, err := regexp.Compile(only)
		if err != nil {
			return fmt.Errorf("-only: %w", err)
		}
		cfg.Only = re
	}
	if _, err := os.Stat(cfg.Bin); err != nil {
		return fmt.Errorf("the plumbline binary: %w (build it with make go-build)", err)
	}
	bin, err := filepath.Abs(cfg.Bin)
	if err != nil {
		return err
	}
	cfg.Bin = bin
	if cfg.AB != "" {
		if cfg.AB, err = filepath.Abs(cfg.AB); err != nil {
			return err
		}
		if _, err := os.Stat(cfg.AB); err != nil {
			return fmt.Errorf("-ab: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Join(cfg.OutDir, "logs"), 0o755); err != nil {
		return err
	}

	b := &runner{cfg: cfg, schemas: newSchemas(cfg.PostgresURL)}
	b.tmp, err = os.MkdirTemp("", "plumbline-bench-")
	if err != nil {
		return err
	}
	defer func() {
		if cfg.Keep {
			progress("kept %s and the PostgreSQL schemas %s*", b.tmp, b.schemas.prefix)
			return
		}
		os.RemoveAll(b.tmp)
		b.schemas.dropAll()
	}()

	started := time.Now()
	progress("rounds %d, %v per side and round (queries %v, at least %d runs); binary %s", cfg.Rounds, cfg.Duration, cfg.QueryDuration, cfg.MinIters, cfg.Bin)
	type bench struct {
		id string
		fn func(ctx context.Context, db string) error
	}
	var failed []string
	for _, bm := range []bench{
		{"ingest", b.ingest},
		{"rest", b.rest},
		{"rest-wrk", b.restWrk},
		{"assets", b.assets},
		{"lineage", b.lineage},
	} {
		for _, db := range cfg.DBs {
			id := bm.id + "/" + db
			if (bm.id == "ingest" || bm.id == "rest-wrk") && db != "postgres" {
				continue // PostgreSQL only: the brief asks for COPY and pgbench baselines
			}
			if cfg.Only != nil && !cfg.Only.MatchString(id) {
				continue
			}
			if ctx.Err() != nil {
				break
			}
			progress("=== %s", id)
			if err := bm.fn(ctx, db); err != nil {
				if errors.Is(err, context.Canceled) {
					break
				}
				progress("%s failed: %v", id, err)
				failed = append(failed, id+": "+err.Error())
			}
		}
	}
	if err := b.report(started, failed); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d benchmark(s) could not run", len(failed))
	}
	if cfg.Strict {
		for _, r := range b.results {
			if !r.Pass {
				return errors.New("targets missed (-strict)")
			}
		}
	}
	return nil
}

// report prints the results table and writes it to OutDir/latest.txt (and the numbers
// to latest.json).
func (b *runner) report(started time.Time, failed []string) error {
	var out strings.Builder
	fmt.Fprintf(&out, "Plumbline benchmarks — %s (%s)\n", started.Format("2006-01-02 15:04:05 MST"), time.Since(started).Round(time.Second))
	fmt.Fprintf(&out, "%s, %s, %d CPUs; load average at the end: %s\n", benchutil.GitRevision(), runtime.Version(), runtime.NumCPU(), benchutil.LoadAverage())
	fmt.Fprintf(&out, "rounds %d (baseline and candidate interleaved, order alternating), %v per side and round (queries: %v, ≥ %d runs); medians of rounds\n",
		b.cfg.Rounds, b.cfg.Duration, b.cfg.QueryDuration, b.cfg.MinIters)
	if b.cfg.Quick {
		out.WriteString("QUICK MODE: short rounds, 2,000 assets, a 20,000-asset lineage graph — a smoke test, not a measurement\n")
	}
	if b.cfg.AB != "" {
		fmt.Fprintf(&out, "A/B MODE: the baseline column is %s serving the same database, not the hand-written baselines; targets do not apply\n", b.cfg.AB)
	}
	out.WriteString("\n")
	tw := tabwriter.NewWriter(&out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "benchmark\tdb\tbaseline\tcandidate\tratio\ttarget\tresult")
	fmt.Fprintln(tw, "---------\t--\t--------\t---------\t-----\t------\t------")
	pass, fail := 0, 0
	for _, r := range b.results {
		if r.Err != "" {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t-\t%s\tERROR\n", r.Name, r.DB, r.BaseLabel, r.CandLabel, r.target())
			fail++
			continue
		}
		verdict := "PASS"
		switch {
		case r.Target == 0:
			verdict = "-"
		case r.Pass:
			pass++
		default:
			verdict = "FAIL"
			fail++
		}
		ratio := fmt.Sprintf("%.2f", r.Ratio)
		if r.Latency {
			ratio += "×"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s: %s\t%s: %s\t%s\t%s\t%s\n", r.Name, r.DB, r.BaseLabel, r.format(r.BaseMed),
			r.CandLabel, r.format(r.CandMed), ratio, r.target(), verdict)
	}
	tw.Flush()
	fmt.Fprintf(&out, "\n%d passed, %d failed", pass, fail)
	if len(failed) > 0 {
		fmt.Fprintf(&out, ", %d could not run", len(failed))
	}
	out.WriteString("\n")
	for _, f := range failed {
		fmt.Fprintf(&out, "  could not run: %s\n", f)
	}
	notes := b.notes
	seen := map[string]bool{}
	for _, r := range b.results {
		if r.Note != "" && !seen[r.Note] {
			seen[r.Note] = true
			notes = append(notes, r.Name+" ["+r.DB+"]: "+r.Note)
		}
		if r.Err != "" {
			notes = append(notes, r.Name+" ["+r.DB+"]: "+r.Err)
		}
	}
	if len(notes) > 0 {
		out.WriteString("\nnotes:\n")
		for _, n := range notes {
			fmt.Fprintf(&out, "  - %s\n", n)
		}
	}
	out.WriteString("\nper-round values (baseline | candidate):\n")
	for _, r := range b.results {
		fmt.Fprintf(&out, "  %s [%s]: %s | %s\n", r.Name, r.DB, rounds(r, r.Base), rounds(r, r.Cand))
	}

	fmt.Print("\n" + out.String())
	if err := os.WriteFile(filepath.Join(b.cfg.OutDir, "latest.txt"), []byte(out.String()), 0o644); err != nil {
		return err
	}
	js, _ := json.MarshalIndent(map[string]any{"started": started, "config": b.cfg, "results": b.results, "failed": failed}, "", "  ")
	return os.WriteFile(filepath.Join(b.cfg.OutDir, "latest.json"), js, 0o644)
}

func rounds(r *result, v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		if r.Latency {
			s[i] = fmt.Sprintf("%.1f", x*1000)
		} else {
			s[i] = benchutil.Thousands(x)
		}
	}
	return strings.Join(s, " ")
}

// note adds a line under the table.
func (b *runner) note(format string, args ...any) {
	b.notes = append(b.notes, fmt.Sprintf(format, args...))
}

// logPath names a server log file under OutDir/logs.
func (b *runner) logPath(name string) string {
	return filepath.Join(b.cfg.OutDir, "logs", name+".log")
}

// serve starts the binary on a database: a new PostgreSQL schema (dbURL given) or the
// SQLite data directory dataDir.
func (b *runner) serve(ctx context.Context, name, dataDir, dbURL string) (*server, error) {
	if dataDir == "" {
		dataDir = filepath.Join(b.tmp, name+"-data")
	}
	return startServer(ctx, b.cfg.Bin, dataDir, dbURL, b.logPath(name))
}

// other starts the -ab binary on the same database as srv (nil without -ab).
func (b *runner) other(ctx context.Context, name, dataDir, dbURL string) (*server, error) {
	if b.cfg.AB == "" {
		return nil, nil
	}
	if dataDir == "" {
		dataDir = filepath.Join(b.tmp, name+"-data")
	}
	return startServer(ctx, b.cfg.AB, dataDir, dbURL, b.logPath(name+"-ab"))
}

// ab returns the side to measure as the baseline: the -ab binary's server measured as
// the candidate is (A/B mode), else the hand-written baseline.
func (b *runner) ab(other *server, baseline side, candidate func(*server) side) side {
	if other != nil {
		return candidate(other)
	}
	return baseline
}

// checkpoint runs a PostgreSQL CHECKPOINT before a side of a write benchmark, so that the
// dirty pages of the previous side are written out before this one is timed rather than
// during it.
func (b *runner) checkpoint(fn side) side {
	return func(ctx context.Context) (float64, error) {
		conn, err := pgx.Connect(ctx, b.cfg.PostgresURL)
		if err != nil {
			return 0, err
		}
		_, err = conn.Exec(ctx, "CHECKPOINT")
		conn.Close(ctx)
		if err != nil {
			return 0, fmt.Errorf("checkpoint: %w", err)
		}
		return fn(ctx)
	}
}

// perfRecord records the server with perf while fn runs, when -perf is set.
func (b *runner) perfRecord(srv *server, name string, fn side) side {
	if !b.cfg.Perf {
		return fn
	}
	return func(ctx context.Context) (float64, error) {
		out := filepath.Join(b.cfg.OutDir, "perf-"+name+".data")
		cmd := exec.Command("perf", "record", "-g", "-F", "499", "-o", out, "-p", fmt.Sprint(srv.PID()))
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			progress("perf: %v", err)
			return fn(ctx)
		}
		v, err := fn(ctx)
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		return v, err
	}
}
