package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/launcher"
	"github.com/plumbline/plumbline/store"
)

// database is a store on a fresh database: SQLite in a temporary directory, or a new
// PostgreSQL schema (dropped by close) reached through search_path, as internal/dbtest does.
type database struct {
	name   string // sqlite or postgres
	store  *store.Store
	timed  *timedStore
	schema string // PostgreSQL
	base   string // PostgreSQL server URL
}

func openDatabase(ctx context.Context, name, pgURL, tmp string) (*database, error) {
	d := &database{name: name}
	var cfg store.Config
	switch name {
	case "sqlite":
		cfg.DataDir = filepath.Join(tmp, "sqlite-data")
	case "postgres":
		u, err := d.createSchema(ctx, pgURL)
		if err != nil {
			return nil, err
		}
		cfg.DatabaseURL = u
	default:
		return nil, fmt.Errorf("unknown database %q", name)
	}
	octx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	s, err := store.Open(octx, cfg)
	if err != nil {
		d.dropSchema()
		return nil, fmt.Errorf("open %s store: %w", name, err)
	}
	d.store = s
	d.timed = newTimedStore(s)
	return d, nil
}

// createSchema creates pipesbench_<random> on the server and returns a URL whose
// connections use it.
func (d *database) createSchema(ctx context.Context, base string) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, base)
	if err != nil {
		return "", fmt.Errorf("connect to PostgreSQL at %s: %w", base, err)
	}
	defer conn.Close(cctx)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	schema := "pipesbench_" + hex.EncodeToString(b)
	if _, err := conn.Exec(cctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return "", fmt.Errorf("create schema: %w", err)
	}
	d.schema, d.base = schema, base
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func (d *database) dropSchema() {
	if d.schema == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, d.base)
	if err != nil {
		progress("drop schema %s: %v", d.schema, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{d.schema}.Sanitize()+" CASCADE"); err != nil {
		progress("drop schema %s: %v", d.schema, err)
		return
	}
	d.schema = ""
}

// close closes the store and drops the PostgreSQL schema (unless keep).
func (d *database) close(keep bool) {
	if d.store != nil {
		d.store.Close()
	}
	if keep {
		if d.schema != "" {
			progress("kept PostgreSQL schema %s", d.schema)
		}
		return
	}
	d.dropSchema()
}

// timedStore is the store as the launcher sees it, noting when the calls that mark a run's
// progress return: the claim, RUN_START, each append of the run's events (the flusher's
// store.Append, i.e. the commit of a batch), and the end of the run.
type timedStore struct {
	*store.Store

	mu   sync.Mutex
	runs map[string]*runTimes
}

var _ launcher.Store = (*timedStore)(nil)

// runTimes is what the wrapper saw of one run. Times are those at which the store call
// returned, i.e. its transaction was committed, unless said otherwise.
type runTimes struct {
	claimed     time.Time
	spawned     time.Time // Transition(STARTED) called: the process has just been started
	started     time.Time // RUN_START committed
	firstAppend time.Time // the first batch of the program's events committed
	lastAppend  time.Time
	closed      time.Time // the batch carrying "Pipes session closed" committed
	finished    time.Time // the run's final status committed
	status      plumbline.RunStatus
	events      int           // events appended through Append
	appends     int           // Append calls
	maxBatch    int           // largest Append
	inAppend    time.Duration // total time inside Append
	done        chan struct{} // closed at finished
}

func newTimedStore(s *store.Store) *timedStore {
	return &timedStore{Store: s, runs: map[string]*runTimes{}}
}

// run returns the record of a run, creating it.
func (t *timedStore) run(id string) *runTimes {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.runLocked(id)
}

func (t *timedStore) runLocked(id string) *runTimes {
	r := t.runs[id]
	if r == nil {
		r = &runTimes{done: make(chan struct{})}
		t.runs[id] = r
	}
	return r
}

// snapshot returns a copy of a run's record.
func (t *timedStore) snapshot(id string) runTimes {
	t.mu.Lock()
	defer t.mu.Unlock()
	return *t.runLocked(id)
}

// forget drops a finished run's record.
func (t *timedStore) forget(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.runs, id)
}

func (t *timedStore) ClaimRuns(ctx context.Context, worker string, max, limit int) ([]*plumbline.Run, error) {
	runs, err := t.Store.ClaimRuns(ctx, worker, max, limit)
	now := time.Now()
	t.mu.Lock()
	for _, r := range runs {
		t.runLocked(r.ID).claimed = now
	}
	t.mu.Unlock()
	return runs, err
}

func (t *timedStore) Transition(ctx context.Context, tr plumbline.RunTransition) (*plumbline.Run, error) {
	called := time.Now()
	run, err := t.Store.Transition(ctx, tr)
	now := time.Now()
	if err != nil {
		return run, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.runLocked(tr.RunID)
	switch {
	case tr.To == plumbline.StatusStarted:
		r.spawned, r.started = called, now
	case tr.To.Finished() && r.finished.IsZero():
		r.finished, r.status = now, tr.To
		close(r.done)
	}
	return run, err
}

func (t *timedStore) Append(ctx context.Context, events []plumbline.Event) ([]int64, error) {
	called := time.Now()
	ids, err := t.Store.Append(ctx, events)
	now := time.Now()
	if err != nil || len(events) == 0 {
		return ids, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.runLocked(events[0].RunID)
	if r.firstAppend.IsZero() {
		r.firstAppend = now
	}
	r.lastAppend = now
	r.events += len(events)
	r.appends++
	r.maxBatch = max(r.maxBatch, len(events))
	r.inAppend += now.Sub(called)
	for i := range events {
		if events[i].Type == plumbline.EngineEvent && events[i].Message == "Pipes session closed" {
			r.closed = now
		}
	}
	return ids, err
}

// removeAll removes a directory, reporting a failure as progress.
func removeAll(dir string) {
	if err := os.RemoveAll(dir); err != nil {
		progress("remove %s: %v", dir, err)
	}
}
