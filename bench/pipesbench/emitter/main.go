// Command emitter is the load generator of the Pipes benchmark (bench/pipesbench): a Go
// program that reports through the dagsterpipes client as fast as it can.
//
// Launched by Plumbline it reads the bootstrap environment like any Pipes program. With
// -baseline it plays the orchestrator's part itself: it builds the same bootstrap (a context
// with the same targets, messages to a plain file or to stdout) and hands it to
// dagsterpipes.OpenWith, so the baseline writes the very same lines through the very same
// encoder, with nobody reading them but the kernel.
//
//	emitter -logs 100000 -mats 10000           # launched by Plumbline (messages wherever it says)
//	emitter -logs 100000 -mats 10000 -baseline file:/tmp/m.jsonl -targets 10000 -prefix pb/f/
//	emitter -one -baseline stdout              # one log line on stdout, then close
//	emitter -one -linger 300ms                 # one log line, then 300ms of "work", then close
//
// When PIPESBENCH_REPORT names a file, the emitter writes its own timing there as JSON:
// {"start": unix ns before Open, "end": unix ns after Close, "messages": N}; "{run}" in the
// name stands for the run id the launcher gives in PLUMBLINE_RUN_ID.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/plumbline/plumbline/dagsterpipes"
)

// Report is what the emitter writes to PIPESBENCH_REPORT.
type Report struct {
	Start    int64 `json:"start"` // unix ns, before dagsterpipes.Open
	End      int64 `json:"end"`   // unix ns, after Close returned
	Messages int   `json:"messages"`
}

func main() {
	var (
		logs     = flag.Int("logs", 100000, "log messages to send")
		mats     = flag.Int("mats", 10000, "materializations to send, one per target, spread evenly among the logs")
		one      = flag.Bool("one", false, "send one log line and close (latency mode)")
		linger   = flag.Duration("linger", 0, "with -one: wait this long after the log line before closing, as a program still at work would")
		baseline = flag.String("baseline", "", "no orchestrator: write the messages to file:PATH or to stdout by itself")
		targets  = flag.Int("targets", 0, "with -baseline: the run's targets, PREFIX00000 … (as the benchmark declares them)")
		prefix   = flag.String("prefix", "pb/f/", "with -baseline: prefix of the target keys")
	)
	flag.Parse()
	if err := run(*logs, *mats, *one, *linger, *baseline, *targets, *prefix); err != nil {
		fmt.Fprintln(os.Stderr, "emitter:", err)
		os.Exit(1)
	}
}

func run(logs, mats int, one bool, linger time.Duration, baseline string, targets int, prefix string) error {
	opts := dagsterpipes.Options{}
	if baseline != "" {
		env, err := bootstrap(baseline, targets, prefix)
		if err != nil {
			return err
		}
		opts.LookupEnv = func(name string) (string, bool) {
			v, ok := env[name]
			return v, ok
		}
	}
	start := time.Now()
	pipes, err := dagsterpipes.OpenWith(opts)
	if err != nil {
		return err
	}
	if !pipes.IsPiped() {
		return errors.New("not launched through Pipes (use -baseline to run alone)")
	}
	sent := 0
	if one {
		pipes.Log().Info("hello from the emitter")
		sent = 1
		time.Sleep(linger)
	} else {
		if sent, err = emit(pipes, logs, mats); err != nil {
			pipes.CloseWithError(err)
			return err
		}
	}
	if err := pipes.Close(); err != nil {
		return err
	}
	end := time.Now()
	if path := os.Getenv("PIPESBENCH_REPORT"); path != "" {
		path = strings.ReplaceAll(path, "{run}", os.Getenv("PLUMBLINE_RUN_ID"))
		b, _ := json.Marshal(Report{Start: start.UnixNano(), End: end.UnixNano(), Messages: sent})
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// emit sends logs log lines and mats materializations, one after every logs/mats lines,
// each of the next target in order.
func emit(pipes *dagsterpipes.Context, logs, mats int) (int, error) {
	keys := pipes.AssetKeys()
	if len(keys) < mats {
		return 0, fmt.Errorf("%d materializations asked for but the run targets %d assets (an asset is reported once per run)", mats, len(keys))
	}
	every := logs + 1
	if mats > 0 {
		every = max(logs/mats, 1)
	}
	log := pipes.Log()
	m, sent := 0, 0
	for i := range logs {
		log.Infof("processed chunk %d of %d: %d rows in %d ms", i, logs, 1000+i%977, 3+i%41)
		sent++
		if (i+1)%every == 0 && m < mats {
			if err := materialize(pipes, keys[m], m); err != nil {
				return sent, err
			}
			m++
			sent++
		}
	}
	for ; m < mats; m++ {
		if err := materialize(pipes, keys[m], m); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

func materialize(pipes *dagsterpipes.Context, key string, i int) error {
	return pipes.ReportAssetMaterialization(dagsterpipes.Materialization{
		AssetKey:    key,
		DataVersion: fmt.Sprintf("v%08x", i),
		Metadata: map[string]dagsterpipes.MetadataValue{
			"dagster/row_count": dagsterpipes.Int(120000 + i),
			"path":              dagsterpipes.Path("s3://warehouse/" + strings.ReplaceAll(key, "/", ".") + ".parquet"),
			"duration_s":        dagsterpipes.Float(1.25 + float64(i%100)/100),
		},
	})
}

// bootstrap builds the environment an orchestrator would give: the context inline, with
// the targets, and messages to a file or to stdout.
func bootstrap(where string, targets int, prefix string) (map[string]string, error) {
	keys := make([]string, targets)
	for i := range keys {
		keys[i] = TargetKey(prefix, i)
	}
	ctx, err := dagsterpipes.EncodeParam(map[string]any{"data": map[string]any{
		"asset_keys": keys, "code_version_by_asset_key": nil, "provenance_by_asset_key": nil,
		"partition_key": nil, "partition_key_range": nil, "partition_time_window": nil,
		"run_id": "baseline", "job_name": "__ASSET_JOB", "retry_number": 0, "extras": map[string]any{},
	}})
	if err != nil {
		return nil, err
	}
	var msgs any
	switch {
	case where == "stdout":
		msgs = map[string]string{"stdio": "stdout"}
	case strings.HasPrefix(where, "file:"):
		msgs = map[string]string{"path": strings.TrimPrefix(where, "file:")}
	default:
		return nil, fmt.Errorf("-baseline %q: want file:PATH or stdout", where)
	}
	m, err := dagsterpipes.EncodeParam(msgs)
	if err != nil {
		return nil, err
	}
	return map[string]string{dagsterpipes.EnvContext: ctx, dagsterpipes.EnvMessages: m}, nil
}

// TargetKey is the key of the i-th target; the benchmark declares the same ones.
func TargetKey(prefix string, i int) string { return fmt.Sprintf("%s%05d", prefix, i) }
