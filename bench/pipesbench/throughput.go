package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/bench/internal/benchutil"
	"github.com/plumbline/plumbline/pipes"
)

// emitterReport is what the emitter writes to PIPESBENCH_REPORT.
type emitterReport struct {
	Start    int64 `json:"start"`
	End      int64 `json:"end"`
	Messages int   `json:"messages"`
}

func (r emitterReport) seconds() float64 { return float64(r.End-r.Start) / 1e9 }

func readReport(path string) (emitterReport, error) {
	var r emitterReport
	b, err := os.ReadFile(path)
	if err != nil {
		return r, fmt.Errorf("the emitter's report: %w", err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("the emitter's report: %w", err)
	}
	os.Remove(path)
	return r, nil
}

// candidateRound is what one candidate run measured.
type candidateRound struct {
	rate        float64 // program messages recorded per second, RUN_START → last commit
	window      float64 // seconds, RUN_START → the batch with "closed" committed
	toSuccess   float64 // seconds, RUN_START → the run's final status committed
	emitterRate float64 // messages/s the emitter wrote while launched
	lag         float64 // seconds from the emitter's Close to the last commit
	appends     int
	maxBatch    int
	inAppend    float64 // share of the window spent inside store.Append
}

// throughput compares, round by round, the emitter writing its messages alone with the
// same emitter launched as a run, for one messages channel.
func (b *bench) throughput(ctx context.Context, e *env, ch string) error {
	n := b.cfg.Logs + b.cfg.Mats
	var base, ceiling []float64
	var cands []candidateRound
	withCeiling := ch == "file" && b.cfg.Ceiling
	// A warm-up run of the baseline, not counted; its lines, as the launcher would record
	// them, are what the ceiling appends.
	_, events, err := b.throughputBaseline(ctx, e, ch, -1, withCeiling)
	if err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	for round := range b.cfg.Rounds {
		sides := []string{"baseline", "candidate"}
		if withCeiling {
			sides = append(sides, "ceiling")
		}
		// Rotate the order each round, so that drift and warm-up favour no side.
		for i := range sides {
			side := sides[(i+round)%len(sides)]
			switch side {
			case "baseline":
				v, _, err := b.throughputBaseline(ctx, e, ch, round, false)
				if err != nil {
					return fmt.Errorf("baseline round %d: %w", round+1, err)
				}
				base = append(base, v)
			case "candidate":
				c, err := b.throughputCandidate(ctx, e, ch, round)
				if err != nil {
					return fmt.Errorf("candidate round %d: %w", round+1, err)
				}
				cands = append(cands, c)
			case "ceiling":
				v, err := b.storeCeiling(ctx, e, events, round)
				if err != nil {
					return fmt.Errorf("store.Append round %d: %w", round+1, err)
				}
				ceiling = append(ceiling, v)
			}
		}
		c := cands[round]
		extra := ""
		if withCeiling {
			extra = fmt.Sprintf("; store.Append alone %s ev/s", benchutil.Thousands(ceiling[round]))
		}
		progress("throughput/%s/%s round %d/%d: baseline %s msg/s written; candidate %s msg/s recorded (%.2fs; emitter wrote at %s msg/s, last commit %.0f ms after its Close; %d appends, largest %d, %.0f%% of the time in Append; RUN_SUCCESS after %.2fs; verified)%s",
			ch, e.db.name, round+1, b.cfg.Rounds, benchutil.Thousands(base[round]), benchutil.Thousands(c.rate), c.window, benchutil.Thousands(c.emitterRate), c.lag*1000,
			c.appends, c.maxBatch, c.inAppend*100, c.toSuccess, extra)
	}
	pick := func(f func(candidateRound) float64) []float64 {
		out := make([]float64, len(cands))
		for i, c := range cands {
			out[i] = f(c)
		}
		return out
	}
	cand := pick(func(c candidateRound) float64 { return c.rate })
	bm, cm := benchutil.Median(base), benchutil.Median(cand)
	b.rows = append(b.rows, row{
		Bench:     fmt.Sprintf("throughput, messages %s (%s msgs)", ch, benchutil.Thousands(float64(n))),
		DB:        e.db.name,
		Baseline:  benchutil.Thousands(bm) + " msg/s",
		Candidate: benchutil.Thousands(cm) + " msg/s",
		Ratio:     fmt.Sprintf("%.2f", cm/bm),
	})
	if withCeiling {
		sm := benchutil.Median(ceiling)
		b.rows = append(b.rows, row{
			Bench:     "  vs store.Append alone, same events",
			DB:        e.db.name,
			Baseline:  benchutil.Thousands(sm) + " ev/s",
			Candidate: benchutil.Thousands(cm) + " msg/s",
			Ratio:     fmt.Sprintf("%.2f", cm/sm),
		})
		b.note("throughput/%s/%s store.Append alone per round: %s ev/s", ch, e.db.name, joinRates(ceiling))
	}
	b.note("throughput/%s/%s per round: baseline %s | candidate %s msg/s; candidate medians: emitter wrote at %s msg/s while launched, last commit %.0f ms after the emitter closed, RUN_SUCCESS %.2fs after RUN_START, %.0f%% of the window inside store.Append (largest batch %.0f)",
		ch, e.db.name, joinRates(base), joinRates(cand), benchutil.Thousands(benchutil.Median(pick(func(c candidateRound) float64 { return c.emitterRate }))),
		benchutil.Median(pick(func(c candidateRound) float64 { return c.lag }))*1000, benchutil.Median(pick(func(c candidateRound) float64 { return c.toSuccess })),
		benchutil.Median(pick(func(c candidateRound) float64 { return c.inAppend }))*100, benchutil.Median(pick(func(c candidateRound) float64 { return float64(c.maxBatch) })))
	progress("throughput/%s/%s: baseline %s msg/s, candidate %s msg/s, ratio %.2f", ch, e.db.name, benchutil.Thousands(bm), benchutil.Thousands(cm), cm/bm)
	return nil
}

func joinRates(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = benchutil.Thousands(x)
	}
	return strings.Join(s, " ")
}

// throughputBaseline runs the emitter with no orchestrator: its messages go to a plain file,
// or to a pipe this process reads and discards. The rate is the emitter's own: messages over
// the time from before dagsterpipes.Open to after Close.
//
// With events, it also returns the lines it wrote turned into the events the launcher would
// record (pipes.ParseLine, Session.Handle, the run id set), for storeCeiling.
func (b *bench) throughputBaseline(ctx context.Context, e *env, ch string, round int, events bool) (float64, []plumbline.Event, error) {
	report := filepath.Join(b.cfg.ReportsDir, fmt.Sprintf("baseline-%s-%s-%d.json", e.db.name, ch, round))
	where := "stdout"
	file := filepath.Join(b.tmp, fmt.Sprintf("baseline-%s-%d.jsonl", e.db.name, round))
	if ch == "file" {
		where = "file:" + file
		defer os.Remove(file)
	}
	cmd := exec.CommandContext(ctx, b.cfg.Emitter, "-logs", strconv.Itoa(b.cfg.Logs), "-mats", strconv.Itoa(b.cfg.Mats),
		"-baseline", where, "-targets", strconv.Itoa(b.cfg.Mats), "-prefix", e.prefix[ch])
	cmd.Env = append(os.Environ(), "PIPESBENCH_REPORT="+report)
	var lines lineCounter
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &lines, &stderr
	if err := cmd.Run(); err != nil {
		return 0, nil, fmt.Errorf("emitter: %v: %s", err, stderr.Bytes())
	}
	r, err := readReport(report)
	if err != nil {
		return 0, nil, err
	}
	want := int64(b.cfg.Logs + b.cfg.Mats + 2) // with opened and closed
	got := lines.n.Load()
	if ch == "file" {
		data, err := os.ReadFile(file)
		if err != nil {
			return 0, nil, err
		}
		got = int64(bytes.Count(data, []byte("\n")))
	}
	if got != want || r.Messages != b.cfg.Logs+b.cfg.Mats {
		return 0, nil, fmt.Errorf("the baseline wrote %d lines (reported %d messages); want %d", got, r.Messages, want)
	}
	rate := float64(r.Messages) / r.seconds()
	if !events || ch != "file" {
		return rate, nil, nil
	}
	evs, err := recordedEvents(file, e.targets[ch])
	return rate, evs, err
}

// recordedEvents reads a messages file as the launcher does, without a store: each line
// through pipes.ParseLine and Session.Handle, each event given a run id and normalized.
func recordedEvents(path string, targets []plumbline.AssetKey) ([]plumbline.Event, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	runID := fmt.Sprintf("pipesbench-ceiling-%d", time.Now().UnixNano())
	session := pipes.NewSession(pipes.Context{RunID: runID, AssetKeys: targets})
	var out []plumbline.Event
	for line := range bytes.SplitSeq(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		m, ok, err := pipes.ParseLine(line)
		if err != nil || !ok {
			return nil, fmt.Errorf("line %q is not a Pipes message: %v", line, err)
		}
		res, err := session.Handle(m)
		if err != nil {
			return nil, err
		}
		for _, ev := range res.Events {
			ev.RunID = runID
			if err := ev.Normalize(); err != nil {
				return nil, err
			}
			out = append(out, ev)
		}
	}
	return out, nil
}

// lineCounter counts the lines written to it.
type lineCounter struct{ n atomic.Int64 }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.n.Add(int64(bytes.Count(p, []byte("\n"))))
	return len(p), nil
}

// throughputCandidate launches the emitter as a run and measures from the run's RUN_START
// to the commit of the batch holding its last message; then checks the event log.
func (b *bench) throughputCandidate(ctx context.Context, e *env, ch string, round int) (candidateRound, error) {
	var c candidateRound
	if b.cfg.CPUProfile != "" {
		path := fmt.Sprintf("%s-%s-%s-r%d.prof", b.cfg.CPUProfile, e.db.name, ch, round+1)
		f, err := os.Create(path)
		if err != nil {
			return c, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return c, err
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	run, _, err := e.launch(ctx, e.targets[ch])
	if err != nil {
		return c, err
	}
	rt, err := e.wait(ctx, run.ID, 10*time.Minute)
	if err != nil {
		return c, err
	}
	if b.cfg.CPUProfile != "" {
		pprof.StopCPUProfile() // before the checks below; the deferred stop does nothing then
	}
	runStart, err := eventTime(ctx, e, run.ID, plumbline.RunStart)
	if err != nil {
		return c, err
	}
	if err := b.verifyRun(ctx, e, run.ID, e.prefix[ch]); err != nil {
		return c, fmt.Errorf("run %s (%s): %w", run.ID, rt.status, err)
	}
	if rt.closed.IsZero() {
		return c, fmt.Errorf("run %s: no batch carried the session's closed message", run.ID)
	}
	rep, err := readReport(filepath.Join(b.cfg.ReportsDir, run.ID+".json"))
	if err != nil {
		return c, err
	}
	n := float64(b.cfg.Logs + b.cfg.Mats)
	c.window = rt.closed.Sub(runStart).Seconds()
	c.rate = n / c.window
	c.toSuccess = rt.finished.Sub(runStart).Seconds()
	c.emitterRate = float64(rep.Messages) / rep.seconds()
	c.lag = rt.closed.Sub(time.Unix(0, rep.End)).Seconds()
	c.appends, c.maxBatch = rt.appends, rt.maxBatch
	c.inAppend = rt.inAppend.Seconds() / rt.closed.Sub(rt.spawned).Seconds() // from the process start: a first flush may begin before RUN_START commits
	return c, nil
}

// eventTime returns the timestamp of a run's event of a type.
func eventTime(ctx context.Context, e *env, runID string, t plumbline.EventType) (time.Time, error) {
	evs, err := e.db.store.Events(ctx, plumbline.EventFilter{RunID: runID, Types: []plumbline.EventType{t}}, 0, 2)
	if err != nil {
		return time.Time{}, err
	}
	if len(evs) != 1 {
		return time.Time{}, fmt.Errorf("run %s has %d %s events", runID, len(evs), t)
	}
	return evs[0].Timestamp, nil
}

// verifyRun checks a throughput run's events: exactly the program's logs, in order, and its
// materializations, one per target with its three metadata entries, plus the session's
// opened and closed and the run's own status events — nothing else.
func (b *bench) verifyRun(ctx context.Context, e *env, runID, prefix string) error {
	db := e.db.store.DB().WithContext(ctx)
	var counts []struct {
		Type string
		N    int
	}
	if err := db.Raw("SELECT type, COUNT(*) AS n FROM event_log WHERE run_id = ? GROUP BY type", runID).Scan(&counts).Error; err != nil {
		return err
	}
	want := map[string]int{
		string(plumbline.Log): b.cfg.Logs, string(plumbline.AssetMaterialization): b.cfg.Mats,
		string(plumbline.EngineEvent): 2, string(plumbline.RunEnqueued): 1, string(plumbline.RunStarting): 1,
		string(plumbline.RunStart): 1, string(plumbline.RunSuccess): 1,
	}
	got := map[string]int{}
	for _, c := range counts {
		got[c.Type] = c.N
	}
	for t, n := range want {
		if got[t] != n {
			return fmt.Errorf("%d %s events in the log, want %d (all: %v)", got[t], t, n, got)
		}
	}
	if len(got) != len(want) {
		return fmt.Errorf("unexpected event types in the run's log: %v", got)
	}
	// The logs, in storage-id order, are the emitter's lines in the order it sent them.
	var msgs []string
	if err := db.Raw("SELECT message FROM event_log WHERE run_id = ? AND type = ? AND level = 'INFO' ORDER BY id", runID, string(plumbline.Log)).
		Scan(&msgs).Error; err != nil {
		return err
	}
	if len(msgs) != b.cfg.Logs {
		return fmt.Errorf("%d INFO logs, want %d", len(msgs), b.cfg.Logs)
	}
	for i, m := range msgs {
		if want := fmt.Sprintf("processed chunk %d of %d: %d rows in %d ms", i, b.cfg.Logs, 1000+i%977, 3+i%41); m != want {
			return fmt.Errorf("log %d is %q, want %q", i, m, want)
		}
	}
	var keys []string
	if err := db.Raw("SELECT asset_key FROM event_log WHERE run_id = ? AND type = ? AND description IS NULL ORDER BY id", runID, string(plumbline.AssetMaterialization)).
		Scan(&keys).Error; err != nil {
		return err
	}
	if len(keys) != b.cfg.Mats {
		return fmt.Errorf("%d reported materializations, want %d", len(keys), b.cfg.Mats)
	}
	for i, k := range keys {
		if k != targetKey(prefix, i) {
			return fmt.Errorf("materialization %d is of %s, want %s", i, k, targetKey(prefix, i))
		}
	}
	evs, err := e.db.store.Events(ctx, plumbline.EventFilter{RunID: runID, Types: []plumbline.EventType{plumbline.AssetMaterialization}}, 0, 1)
	if err != nil {
		return err
	}
	if len(evs) != 1 || len(evs[0].Metadata) != 3 || evs[0].DataVersion != "v00000000" {
		return fmt.Errorf("first materialization %+v: want 3 metadata entries and data version v00000000", evs)
	}
	return nil
}

// storeCeiling appends the events a run records straight to the store, MaxBatch per call
// (the launcher's largest batch) — what the store alone sustains for this workload.
func (b *bench) storeCeiling(ctx context.Context, e *env, events []plumbline.Event, round int) (float64, error) {
	t0 := time.Now()
	for start := 0; start < len(events); start += plumbline.MaxBatch {
		batch := events[start:min(start+plumbline.MaxBatch, len(events))]
		if _, err := e.db.store.Append(ctx, batch); err != nil {
			return 0, err
		}
	}
	return float64(len(events)) / time.Since(t0).Seconds(), nil
}
