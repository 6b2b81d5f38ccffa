// Command pipesbench measures Pipes end to end: a Go program (./emitter, using the
// dagsterpipes client) launched as a run by the launcher, in process, over a real store —
// the production code path — against the same program doing the same work with no
// orchestrator. Every result is a ratio against that baseline, measured in the same run,
// interleaved. See README.md.
//
//	go run ./bench/pipesbench -pg postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
package main

import (
	"context"
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
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/bench/internal/benchutil"
)

type config struct {
	PostgresURL string
	DBs         []string
	Channels    []string // messages channels of the throughput benchmark
	LatChannels []string // and of the latency benchmark
	Only        *regexp.Regexp
	Rounds      int
	Logs, Mats  int
	LatencyRuns int
	Quick       bool
	OutDir      string
	CPUProfile  string
	Keep        bool
	Ceiling     bool          // also time store.Append of the same events
	Linger      time.Duration // how long the *-linger latency programs keep running after their line
	Emitter     string        // the emitter binary, built at start-up
	ReportsDir  string
	LaunchDir   string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "pipesbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	var (
		cfg                    config
		dbs, chans, latChans   string
		only                   string
		rounds, logs, mats, lr int
	)
	defPG := os.Getenv("PLUMBLINE_BENCH_DATABASE_URL")
	if defPG == "" {
		defPG = os.Getenv("PLUMBLINE_TEST_DATABASE_URL")
	}
	if defPG == "" {
		defPG = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	quickEnv := os.Getenv("BENCH_QUICK")
	flag.StringVar(&cfg.PostgresURL, "pg", defPG, "PostgreSQL server; the benchmark gets a schema of its own, dropped at the end")
	flag.StringVar(&dbs, "db", "sqlite,postgres", "databases to run on")
	flag.StringVar(&chans, "channels", "file,stdout", "messages channels of the throughput benchmark (file, stdout)")
	flag.StringVar(&latChans, "latency-channels", "file,stdout,file-linger", "messages channels of the latency benchmark; -linger: the program keeps running after its line (see -linger)")
	flag.DurationVar(&cfg.Linger, "linger", 300*time.Millisecond, "how long the program of the *-linger latency channels keeps running after its log line")
	flag.StringVar(&only, "only", "", "run only the benchmarks whose id (throughput/CHANNEL/DB, latency/CHANNEL/DB) matches this regexp")
	flag.BoolVar(&cfg.Quick, "quick", quickEnv == "1" || quickEnv == "true" || quickEnv == "yes", "a quick run (about a minute): smaller runs, fewer rounds (default from BENCH_QUICK)")
	flag.IntVar(&rounds, "rounds", 0, "throughput rounds per channel and database (default 5; 2 with -quick)")
	flag.IntVar(&logs, "logs", 0, "log messages the emitter sends per throughput run (default 100000; 20000 with -quick)")
	flag.IntVar(&mats, "mats", 0, "materializations (3 metadata entries, one per target asset) per throughput run (default 10000; 2000 with -quick)")
	flag.IntVar(&lr, "latency-runs", 0, "runs per channel and database of the latency benchmark, each side (default 40; 12 with -quick)")
	flag.StringVar(&cfg.OutDir, "out", "bench-results", "directory of latest.txt, to which the results table is appended")
	flag.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of this process (launcher and store included) during each candidate throughput run to PREFIX-DB-CHANNEL-rN.prof")
	flag.BoolVar(&cfg.Ceiling, "ceiling", true, "also time store.Append of the same events alone in each file-channel round (the store's ceiling)")
	flag.BoolVar(&cfg.Keep, "keep", false, "keep the temporary directory and the PostgreSQL schema")
	flag.Parse()

	def := func(v *int, full, quick int) int {
		if *v > 0 {
			return *v
		}
		if cfg.Quick {
			return quick
		}
		return full
	}
	cfg.Rounds = def(&rounds, 5, 2)
	cfg.Logs = def(&logs, 100000, 20000)
	cfg.Mats = def(&mats, 10000, 2000)
	cfg.LatencyRuns = def(&lr, 40, 12)
	var err error
	if cfg.DBs, err = list(dbs, "sqlite", "postgres"); err != nil {
		return fmt.Errorf("-db: %w", err)
	}
	if cfg.Channels, err = list(chans, "file", "stdout"); err != nil {
		return fmt.Errorf("-channels: %w", err)
	}
	if cfg.LatChannels, err = list(latChans, "file", "stdout", "file-linger", "stdout-linger"); err != nil {
		return fmt.Errorf("-latency-channels: %w", err)
	}
	if only != "" {
		if cfg.Only, err = regexp.Compile(only); err != nil {
			return fmt.Errorf("-only: %w", err)
		}
	}
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return err
	}

	tmp, err := os.MkdirTemp("", "pipesbench-")
	if err != nil {
		return err
	}
	defer func() {
		if cfg.Keep {
			progress("kept %s", tmp)
			return
		}
		removeAll(tmp)
	}()
	cfg.ReportsDir = filepath.Join(tmp, "reports")
	cfg.LaunchDir = filepath.Join(tmp, "runs")
	for _, d := range []string{cfg.ReportsDir, cfg.LaunchDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	cfg.Emitter = filepath.Join(tmp, "emitter")
	progress("building the emitter")
	build := exec.CommandContext(ctx, goCommand(), "build", "-o", cfg.Emitter, "github.com/plumbline/plumbline/bench/pipesbench/emitter")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build the emitter: %w", err)
	}

	started := time.Now()
	progress("databases %s; throughput: %d rounds of %d logs + %d materializations per channel (%s); latency: %d runs each side per channel (%s)",
		strings.Join(cfg.DBs, ","), cfg.Rounds, cfg.Logs, cfg.Mats, strings.Join(cfg.Channels, ","), cfg.LatencyRuns, strings.Join(cfg.LatChannels, ","))
	b := &bench{cfg: cfg, tmp: tmp}
	var failed []string
	for _, db := range cfg.DBs {
		if ctx.Err() != nil {
			break
		}
		if err := b.database(ctx, db); err != nil {
			if errors.Is(err, context.Canceled) {
				break
			}
			progress("%s: %v", db, err)
			failed = append(failed, db+": "+err.Error())
		}
	}
	if err := b.report(started, failed); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if len(failed) > 0 || b.failures > 0 {
		return fmt.Errorf("%d benchmark(s) failed", len(failed)+b.failures)
	}
	return nil
}

func list(s string, allowed ...string) ([]string, error) {
	var out []string
	for _, x := range strings.Split(s, ",") {
		x = strings.TrimSpace(x)
		if x == "" {
			continue
		}
		if !slices.Contains(allowed, x) {
			return nil, fmt.Errorf("%q: want %s", x, strings.Join(allowed, " and/or "))
		}
		out = append(out, x)
	}
	return out, nil
}

func goCommand() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}

// bench holds the results.
type bench struct {
	cfg      config
	tmp      string
	rows     []row
	notes    []string
	failures int
}

// row is one line of the results table.
type row struct {
	Bench, DB           string
	Baseline, Candidate string
	Ratio               string
}

func (b *bench) selected(id string) bool { return b.cfg.Only == nil || b.cfg.Only.MatchString(id) }

func (b *bench) note(format string, args ...any) {
	b.notes = append(b.notes, fmt.Sprintf(format, args...))
}

// database runs every selected benchmark on one database.
func (b *bench) database(ctx context.Context, name string) error {
	var tput, lat []string
	for _, ch := range b.cfg.Channels {
		if b.selected("throughput/" + ch + "/" + name) {
			tput = append(tput, ch)
		}
	}
	for _, ch := range b.cfg.LatChannels {
		if b.selected("latency/" + ch + "/" + name) {
			lat = append(lat, ch)
		}
	}
	if len(tput)+len(lat) == 0 {
		return nil
	}
	progress("=== %s: setting up", name)
	d, err := openDatabase(ctx, name, b.cfg.PostgresURL, b.tmp)
	if err != nil {
		return err
	}
	defer d.close(b.cfg.Keep)
	env, err := b.setup(ctx, d, tput, lat)
	if err != nil {
		return err
	}
	defer env.stop()
	for _, ch := range tput {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		progress("=== throughput/%s/%s", ch, name)
		if err := b.throughput(ctx, env, ch); err != nil {
			if errors.Is(err, context.Canceled) {
				return err
			}
			b.failures++
			b.rows = append(b.rows, row{Bench: "throughput, messages " + ch, DB: name, Baseline: "ERROR", Candidate: "ERROR", Ratio: "-"})
			b.note("throughput/%s/%s: %v", ch, name, err)
			progress("throughput/%s/%s failed: %v", ch, name, err)
		}
	}
	for _, ch := range lat {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		progress("=== latency/%s/%s", ch, name)
		if err := b.latency(ctx, env, ch); err != nil {
			if errors.Is(err, context.Canceled) {
				return err
			}
			b.failures++
			b.rows = append(b.rows, row{Bench: "latency, " + b.latencyLabel(ch), DB: name, Baseline: "ERROR", Candidate: "ERROR", Ratio: "-"})
			b.note("latency/%s/%s: %v", ch, name, err)
			progress("latency/%s/%s failed: %v", ch, name, err)
		}
	}
	return nil
}

// report prints the results table on stdout and appends it to OutDir/latest.txt.
func (b *bench) report(started time.Time, failed []string) error {
	var out strings.Builder
	fmt.Fprintf(&out, "Plumbline Pipes benchmark (bench/pipesbench) — %s (%s)\n", started.Format("2006-01-02 15:04:05 MST"), time.Since(started).Round(time.Second))
	fmt.Fprintf(&out, "%s, %s, %d CPUs; load average at the end: %s\n", benchutil.GitRevision(), runtime.Version(), runtime.NumCPU(), benchutil.LoadAverage())
	fmt.Fprintf(&out, "throughput: %d logs + %d materializations (3 metadata entries each) per run, %d rounds, baseline and candidate interleaved (order alternating), medians\n",
		b.cfg.Logs, b.cfg.Mats, b.cfg.Rounds)
	fmt.Fprintf(&out, "latency: %d runs each side, interleaved (order alternating); percentiles by nearest rank\n", b.cfg.LatencyRuns)
	if b.cfg.Quick {
		out.WriteString("QUICK MODE: small runs and few rounds — a smoke test, not a measurement\n")
	}
	out.WriteString("\n")
	tw := tabwriter.NewWriter(&out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "benchmark\tdatabase\tbaseline\tcandidate\tratio")
	fmt.Fprintln(tw, "---------\t--------\t--------\t---------\t-----")
	for _, r := range b.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Bench, r.DB, r.Baseline, r.Candidate, r.Ratio)
	}
	tw.Flush()
	fmt.Fprintf(&out, `
throughput: baseline = the emitter writing the same lines by itself (file: a plain file; stdout: a pipe
  this process drains), messages/s from before dagsterpipes.Open to after Close; candidate = the same
  emitter launched as a run: messages recorded per second from the run's RUN_START to the commit of the
  batch holding its last message (every run checked: exactly the %s logs in order and %s
  materializations, plus the session's opened/closed and the run's status events); ratio =
  candidate/baseline, higher is better. "vs store.Append alone": baseline = store.Append of the same
  events, %s per call, with nothing else running (the store's ceiling); ratio = candidate/ceiling.
latency: baseline = fork/exec of the emitter to its first line read from a pipe; candidate = CreateRun
  and Wake to the commit of the first batch of the program's events ("program runs on": it keeps running
  after its line instead of exiting); ratio = candidate/baseline, lower is better; %d runs each side
  (below 100 runs, p99 is the slowest). The two breakdown lines split the candidate at RUN_START's commit.
`, benchutil.Thousands(float64(b.cfg.Logs)), benchutil.Thousands(float64(b.cfg.Mats)), benchutil.Thousands(plumbline.MaxBatch), b.cfg.LatencyRuns)
	for _, f := range failed {
		fmt.Fprintf(&out, "  could not run: %s\n", f)
	}
	if len(b.notes) > 0 {
		out.WriteString("\nnotes:\n")
		for _, n := range b.notes {
			fmt.Fprintf(&out, "  - %s\n", n)
		}
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

// progress prints a progress line on stderr.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s pipesbench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func ms(d float64) string {
	switch {
	case d < 0.01:
		return fmt.Sprintf("%.2f ms", d*1000)
	case d < 0.1:
		return fmt.Sprintf("%.1f ms", d*1000)
	}
	return fmt.Sprintf("%.0f ms", d*1000)
}
