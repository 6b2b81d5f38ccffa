// Package launcher runs the run queue: it claims queued runs, starts each as a process
// in its own process group, speaks the orchestrator side of the Pipes protocol with it,
// records what it reports and what it prints, and finishes the run with the status its
// process earned. Runs are claimed from the database, so several servers on one
// PostgreSQL share the queue and never start a run twice.
package launcher

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/plumbline/plumbline"
)

// Store is what the launcher needs of the database.
type Store interface {
	plumbline.RunStore
	plumbline.EventLog
}

// Config configures a Launcher. Zero fields take the defaults in parentheses.
type Config struct {
	Store Store
	// Worker names this server in the runs it claims (host-pid-random).
	Worker string
	// MaxConcurrent is the most runs in progress across the whole deployment (4).
	MaxConcurrent int
	// Poll is how often the queue is looked at when nothing wakes the launcher (1s).
	Poll time.Duration
	// Heartbeat is how often the runs in progress are marked alive (5s).
	Heartbeat time.Duration
	// LostAfter is how long a run's server may stay silent before the run is failed as
	// lost (30s). With Exclusive, runs of other workers are lost at once at start-up.
	LostAfter time.Duration
	// Exclusive says this server is the only one on its database (SQLite).
	Exclusive bool
	// GracePeriod is how long a process has to exit after SIGTERM before SIGKILL (10s).
	GracePeriod time.Duration
	// Dir holds each run's Pipes files (the system's temporary directory).
	Dir string
	// BaseDir is what a relative pipes.cwd is relative to (the working directory).
	BaseDir string
	Logger  *slog.Logger
}

// Launcher claims and runs queued runs until its context ends.
type Launcher struct {
	cfg  Config
	log  *slog.Logger
	wake chan struct{}

	mu      sync.Mutex
	running map[string]*execution
	wg      sync.WaitGroup
}

// New returns a launcher; Run starts it.
func New(cfg Config) *Launcher {
	if cfg.Worker == "" {
		cfg.Worker = WorkerName()
	}
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = 4
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 5 * time.Second
	}
	if cfg.LostAfter <= 0 {
		cfg.LostAfter = 30 * time.Second
	}
	if cfg.GracePeriod <= 0 {
		cfg.GracePeriod = 10 * time.Second
	}
	if cfg.Dir == "" {
		cfg.Dir = os.TempDir()
	}
	if cfg.BaseDir == "" {
		cfg.BaseDir, _ = os.Getwd()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Launcher{
		cfg:     cfg,
		log:     cfg.Logger.With("worker", cfg.Worker),
		wake:    make(chan struct{}, 1),
		running: map[string]*execution{},
	}
}

// WorkerName returns a name for this process: host, pid and a random suffix.
func WorkerName() string {
	host, _ := os.Hostname()
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Worker returns the name this launcher claims runs under.
func (l *Launcher) Worker() string { return l.cfg.Worker }

// Wake makes the launcher look at the queue and at cancellations now.
func (l *Launcher) Wake() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Run works the queue until ctx is done. Then it stops the processes of the runs in
// progress (SIGTERM, SIGKILL after the grace period), fails those runs as interrupted,
// and returns once they are recorded.
func (l *Launcher) Run(ctx context.Context) error {
	l.reap(ctx, true)
	poll := time.NewTicker(l.cfg.Poll)
	defer poll.Stop()
	beat := time.NewTicker(l.cfg.Heartbeat)
	defer beat.Stop()
	lastReap := time.Now()
	for {
		l.claim(ctx)
		select {
		case <-ctx.Done():
			l.shutdown()
			return nil
		case <-l.wake:
			l.checkCancels(ctx)
		case <-poll.C:
			l.checkCancels(ctx)
		case <-beat.C:
			l.heartbeat(ctx)
			if !l.cfg.Exclusive && time.Since(lastReap) > l.cfg.LostAfter/2 {
				l.reap(ctx, false)
				lastReap = time.Now()
			}
		}
	}
}

// reap fails the runs whose server stopped: at start-up on an exclusive database, every
// active run of another worker; otherwise those silent for longer than LostAfter.
func (l *Launcher) reap(ctx context.Context, startup bool) {
	var (
		failed []*plumbline.Run
		err    error
	)
	if startup && l.cfg.Exclusive {
		failed, err = l.cfg.Store.FailLostRuns(ctx, time.Time{}, l.cfg.Worker)
	} else {
		failed, err = l.cfg.Store.FailLostRuns(ctx, time.Now().Add(-l.cfg.LostAfter), "")
	}
	if err != nil {
		if ctx.Err() == nil {
			l.log.Error("launcher: fail lost runs", "err", err)
		}
		return
	}
	for _, r := range failed {
		l.log.Warn("run lost", "run", r.ID, "reason", r.Message)
	}
}

func (l *Launcher) claim(ctx context.Context) {
	l.mu.Lock()
	free := l.cfg.MaxConcurrent - len(l.running)
	l.mu.Unlock()
	if free <= 0 || ctx.Err() != nil {
		return
	}
	runs, err := l.cfg.Store.ClaimRuns(ctx, l.cfg.Worker, free, l.cfg.MaxConcurrent)
	if err != nil {
		if ctx.Err() == nil {
			l.log.Error("launcher: claim runs", "err", err)
		}
		return
	}
	for _, r := range runs {
		e := newExecution(l, r)
		l.mu.Lock()
		l.running[r.ID] = e
		l.mu.Unlock()
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			e.execute()
			l.mu.Lock()
			delete(l.running, r.ID)
			l.mu.Unlock()
			l.Wake() // a slot is free
		}()
	}
}

func (l *Launcher) active() (ids []string, execs []*execution) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, e := range l.running {
		ids = append(ids, id)
		execs = append(execs, e)
	}
	return ids, execs
}

// checkCancels asks the database which of the runs in progress were asked to stop.
func (l *Launcher) checkCancels(ctx context.Context) {
	ids, execs := l.active()
	if len(ids) == 0 {
		return
	}
	runs, err := l.cfg.Store.RunsByID(ctx, ids)
	if err != nil {
		if ctx.Err() == nil {
			l.log.Error("launcher: check cancellations", "err", err)
		}
		return
	}
	for i, r := range runs {
		if r != nil && r.Status == plumbline.StatusCanceling {
			execs[i].cancel()
		}
	}
}

func (l *Launcher) heartbeat(ctx context.Context) {
	ids, _ := l.active()
	if err := l.cfg.Store.Heartbeat(ctx, l.cfg.Worker, ids); err != nil && ctx.Err() == nil {
		l.log.Error("launcher: heartbeat", "err", err)
	}
}

func (l *Launcher) shutdown() {
	_, execs := l.active()
	for _, e := range execs {
		e.interrupt()
	}
	l.wg.Wait()
}
