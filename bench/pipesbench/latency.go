package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/bench/internal/benchutil"
	"github.com/plumbline/plumbline/pipes"
)

// latencySample is one candidate run, in seconds from just before CreateRun.
type latencySample struct {
	total    float64 // the first batch of the program's events committed
	claimed  float64 // ClaimRuns committed
	spawned  float64 // the process started (Transition to STARTED called)
	started  float64 // RUN_START committed
	finished float64 // the run's final status committed
}

// latency compares, run by run, launching the one-line emitter as a run (CreateRun and
// Wake → its first event committed) with starting the same binary and reading its first
// line from a pipe.
func (b *bench) latency(ctx context.Context, e *env, ch string) error {
	var base []float64
	var cand []latencySample
	for i := range b.cfg.LatencyRuns {
		first := i%2 == 0
		for _, side := range []bool{first, !first} {
			if side {
				v, err := b.latencyBaseline(ctx)
				if err != nil {
					return fmt.Errorf("baseline run %d: %w", i+1, err)
				}
				base = append(base, v)
				continue
			}
			s, err := b.latencyCandidate(ctx, e, ch)
			if err != nil {
				return fmt.Errorf("candidate run %d: %w", i+1, err)
			}
			cand = append(cand, s)
		}
		if (i+1)%10 == 0 || i+1 == b.cfg.LatencyRuns {
			progress("latency/%s/%s: %d/%d runs; so far p50 baseline %s, candidate %s", ch, e.db.name, i+1, b.cfg.LatencyRuns,
				ms(benchutil.Percentile(base, 50)), ms(benchutil.Percentile(pick(cand, func(s latencySample) float64 { return s.total }), 50)))
		}
	}
	total := pick(cand, func(s latencySample) float64 { return s.total })
	toStart := pick(cand, func(s latencySample) float64 { return s.started })
	startToFirst := pick(cand, func(s latencySample) float64 { return s.total - s.started })
	for _, p := range []float64{50, 90, 99} {
		bv, cv := benchutil.Percentile(base, p), benchutil.Percentile(total, p)
		b.rows = append(b.rows, row{
			Bench:     fmt.Sprintf("latency p%g, %s", p, b.latencyLabel(ch)),
			DB:        e.db.name,
			Baseline:  ms(bv),
			Candidate: ms(cv),
			Ratio:     fmt.Sprintf("%.1f×", cv/bv),
		})
	}
	three := func(v []float64) string {
		return fmt.Sprintf("%s / %s / %s", ms(benchutil.Percentile(v, 50)), ms(benchutil.Percentile(v, 90)), ms(benchutil.Percentile(v, 99)))
	}
	b.rows = append(b.rows,
		row{Bench: "  enqueue → RUN_START (p50/p90/p99)", DB: e.db.name, Baseline: "-", Candidate: three(toStart), Ratio: "-"},
		row{Bench: "  RUN_START → first event (p50/p90/p99)", DB: e.db.name, Baseline: "-", Candidate: three(startToFirst), Ratio: "-"},
	)
	b.note("latency/%s/%s medians from CreateRun: claim committed %s, process started %s, RUN_START committed %s, first event committed %s, run finished %s",
		ch, e.db.name, ms(benchutil.Median(pick(cand, func(s latencySample) float64 { return s.claimed }))),
		ms(benchutil.Median(pick(cand, func(s latencySample) float64 { return s.spawned }))), ms(benchutil.Median(toStart)), ms(benchutil.Median(total)),
		ms(benchutil.Median(pick(cand, func(s latencySample) float64 { return s.finished }))))
	progress("latency/%s/%s: p50/p90/p99 baseline %s, candidate %s", ch, e.db.name, three(base), three(total))
	return nil
}

// latencyLabel describes a latency channel.
func (b *bench) latencyLabel(ch string) string {
	if m, ok := strings.CutSuffix(ch, "-linger"); ok {
		return fmt.Sprintf("%s, program runs on %v", m, b.cfg.Linger)
	}
	return ch + ", program exits at once"
}

func pick[T any](v []T, f func(T) float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = f(x)
	}
	return out
}

// latencyBaseline starts the emitter in its one-line mode, writing to stdout by itself, and
// returns the time until its first line was read from the pipe.
func (b *bench) latencyBaseline(ctx context.Context) (float64, error) {
	cmd := exec.CommandContext(ctx, b.cfg.Emitter, "-one", "-baseline", "stdout")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	line, err := bufio.NewReader(out).ReadBytes('\n')
	d := time.Since(t0)
	_, _ = io.Copy(io.Discard, out)
	if werr := cmd.Wait(); werr != nil {
		return 0, fmt.Errorf("emitter: %w", werr)
	}
	if err != nil {
		return 0, fmt.Errorf("read the first line: %w", err)
	}
	if _, ok, perr := pipes.ParseLine(line); !ok || perr != nil {
		return 0, fmt.Errorf("first line %q is not a Pipes message", line)
	}
	return d.Seconds(), nil
}

// latencyCandidate launches the one-line emitter as a run and checks what it recorded.
func (b *bench) latencyCandidate(ctx context.Context, e *env, ch string) (latencySample, error) {
	var s latencySample
	run, t0, err := e.launch(ctx, []plumbline.AssetKey{e.one[ch]})
	if err != nil {
		return s, err
	}
	rt, err := e.wait(ctx, run.ID, time.Minute)
	if err != nil {
		return s, err
	}
	if rt.firstAppend.IsZero() {
		return s, fmt.Errorf("run %s: the program's events were never appended", run.ID)
	}
	var counts []struct {
		Type string
		N    int
	}
	err = e.db.store.DB().WithContext(ctx).Raw("SELECT type, COUNT(*) AS n FROM event_log WHERE run_id = ? AND type IN (?, ?) GROUP BY type",
		run.ID, string(plumbline.Log), string(plumbline.EngineEvent)).Scan(&counts).Error
	if err != nil {
		return s, err
	}
	got := map[string]int{}
	for _, c := range counts {
		got[c.Type] = c.N
	}
	if got[string(plumbline.Log)] != 1 || got[string(plumbline.EngineEvent)] != 2 {
		return s, fmt.Errorf("run %s recorded %v; want 1 LOG and 2 ENGINE_EVENT", run.ID, got)
	}
	since := func(t time.Time) float64 { return t.Sub(t0).Seconds() }
	s.total, s.claimed, s.spawned, s.started, s.finished = since(rt.firstAppend), since(rt.claimed), since(rt.spawned), since(rt.started), since(rt.finished)
	return s, nil
}
