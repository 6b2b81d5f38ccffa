package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/launcher"
)

// env is one database with its declared assets and a running launcher.
type env struct {
	db       *database
	launcher *launcher.Launcher
	stop     func()
	targets  map[string][]plumbline.AssetKey // throughput run targets by channel
	one      map[string]plumbline.AssetKey   // the latency run's target by channel
	prefix   map[string]string               // key prefix of the targets by channel
	logPath  string
}

// setup declares the benchmark's assets and starts a launcher over the timed store, as
// `plumbline serve` does (production defaults but for the run directory).
func (b *bench) setup(ctx context.Context, d *database, tput, lat []string) (*env, error) {
	e := &env{db: d, targets: map[string][]plumbline.AssetKey{}, one: map[string]plumbline.AssetKey{}, prefix: map[string]string{}}
	report := filepath.Join(b.cfg.ReportsDir, "{run}.json")
	noImplicit := false
	var specs []plumbline.AssetSpec
	for _, ch := range tput {
		p := plumbline.PipesSpec{
			Command:                 []string{b.cfg.Emitter, "-logs", strconv.Itoa(b.cfg.Logs), "-mats", strconv.Itoa(b.cfg.Mats)},
			Env:                     map[string]string{"PIPESBENCH_REPORT": report},
			Messages:                ch,
			ImplicitMaterialization: &noImplicit, // so that a missed report shows as a missing event
		}
		e.prefix[ch] = "pb/" + ch[:1] + "/"
		for i := range b.cfg.Mats {
			k := plumbline.MustParseAssetKey(targetKey(e.prefix[ch], i))
			specs = append(specs, plumbline.AssetSpec{Key: k, Group: "pipesbench", Pipes: &p})
			e.targets[ch] = append(e.targets[ch], k)
		}
	}
	for _, ch := range lat {
		p := plumbline.PipesSpec{Command: []string{b.cfg.Emitter, "-one"}, Messages: ch}
		if m, ok := strings.CutSuffix(ch, "-linger"); ok {
			p.Messages = m
			p.Command = append(p.Command, "-linger", b.cfg.Linger.String())
		}
		k := plumbline.MustParseAssetKey("pipesbench/one/" + ch)
		specs = append(specs, plumbline.AssetSpec{Key: k, Group: "pipesbench", Pipes: &p})
		e.one[ch] = k
	}
	t := time.Now()
	actx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if _, err := d.store.ApplyDefinitions(actx, "", &plumbline.Definitions{Assets: specs}); err != nil {
		return nil, fmt.Errorf("declare the benchmark's assets: %w", err)
	}
	progress("%s: declared %d assets in %v", d.name, len(specs), time.Since(t).Round(time.Millisecond))

	e.logPath = filepath.Join(b.cfg.OutDir, "pipesbench-launcher-"+d.name+".log")
	logFile, err := os.Create(e.logPath)
	if err != nil {
		return nil, err
	}
	l := launcher.New(launcher.Config{
		Store:     d.timed,
		Exclusive: d.name == "sqlite",
		Dir:       b.cfg.LaunchDir,
		Logger:    slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	lctx, stopLauncher := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = l.Run(lctx)
	}()
	e.launcher = l
	e.stop = func() {
		stopLauncher()
		<-done
		logFile.Close()
	}
	return e, nil
}

// targetKey is the key of the i-th target; the emitter's -baseline builds the same ones.
func targetKey(prefix string, i int) string { return fmt.Sprintf("%s%05d", prefix, i) }

// launch queues a run of keys and wakes the launcher, as the launchRun mutation does. It
// returns the run and the time just before CreateRun was called.
func (e *env) launch(ctx context.Context, keys []plumbline.AssetKey) (*plumbline.Run, time.Time, error) {
	t0 := time.Now()
	run, err := e.db.store.CreateRun(ctx, plumbline.LaunchRequest{AssetKeys: keys, LaunchedBy: "pipesbench"})
	if err != nil {
		return nil, t0, fmt.Errorf("create run: %w", err)
	}
	e.launcher.Wake()
	return run, t0, nil
}

// wait waits for a run to finish and returns what the timed store saw of it. A run that
// did not succeed is an error that shows its message and captured stderr.
func (e *env) wait(ctx context.Context, id string, limit time.Duration) (runTimes, error) {
	rt := e.db.timed.run(id)
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-rt.done:
	case <-ctx.Done():
		return runTimes{}, ctx.Err()
	case <-t.C:
		return runTimes{}, fmt.Errorf("run %s did not finish within %v", id, limit)
	}
	snap := e.db.timed.snapshot(id)
	e.db.timed.forget(id)
	if snap.status != plumbline.StatusSuccess {
		msg := ""
		if run, err := e.db.store.Run(ctx, id); err == nil {
			msg = run.Message
		}
		stderr, _, _ := e.db.store.Output(ctx, id, plumbline.Stderr, 0, 2000)
		return snap, fmt.Errorf("run %s ended %s: %s; stderr: %q", id, snap.status, msg, stderr)
	}
	return snap, nil
}
