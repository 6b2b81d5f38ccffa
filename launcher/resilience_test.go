package launcher_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/internal/dbtest"
	"github.com/plumbline/plumbline/launcher"
	"github.com/plumbline/plumbline/store"
)

// outage is a real store whose event and output writes fail while it is down, as they
// do while the database restarts under a running program.
type outage struct {
	launcher.Store
	down                   atomic.Bool
	failedEvents, failedIO atomic.Int64
}

var errDown = errors.New("database unavailable")

func (o *outage) Append(ctx context.Context, events []plumbline.Event) ([]int64, error) {
	if o.down.Load() {
		o.failedEvents.Add(1)
		return nil, errDown
	}
	return o.Store.Append(ctx, events)
}

func (o *outage) AppendOutput(ctx context.Context, runID, stream string, offset int64, data []byte) error {
	if o.down.Load() {
		o.failedIO.Add(1)
		return errDown
	}
	return o.Store.AppendOutput(ctx, runID, stream, offset, data)
}

func TestEventsAndOutputWaitOutADatabaseOutage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		job(t, s, "ok", plumbline.PipesSpec{}, "warehouse/orders")
		o := &outage{Store: s}
		o.down.Store(true)
		l := start(t, s, func(c *launcher.Config) { c.Store = o })
		run := launch(t, s, l, "", "warehouse/orders")

		// The program runs and ends while nothing it reports can be written.
		deadline := time.Now().Add(30 * time.Second)
		for o.failedEvents.Load() < 2 || o.failedIO.Load() < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("writes never attempted: %d event and %d output failures", o.failedEvents.Load(), o.failedIO.Load())
			}
			time.Sleep(10 * time.Millisecond)
		}
		o.down.Store(false)

		run = wait(t, s, run.ID, finished)
		if run.Status != plumbline.StatusSuccess {
			t.Fatalf("run = %+v", run)
		}
		evs := runEvents(t, s, run.ID)
		for _, want := range []struct {
			typ plumbline.EventType
			msg string
		}{{plumbline.Log, "working on warehouse/orders"}, {plumbline.AssetMaterialization, ""},
			{plumbline.AssetCheckEvaluation, ""}, {plumbline.Log, "after close"}} {
			if find(evs, want.typ, want.msg) == nil {
				t.Errorf("no %s %q among the run's events", want.typ, want.msg)
			}
		}
		// In the order the program reported them.
		var order []string
		for _, e := range evs {
			if e.Type == plumbline.Log || e.Type == plumbline.AssetMaterialization {
				order = append(order, string(e.Type)+" "+e.Message)
			}
		}
		if got := strings.Join(order, ", "); !strings.Contains(got, "LOG working on warehouse/orders partition None, ASSET_MATERIALIZATION , ") {
			t.Errorf("events out of order: %s", got)
		}
		if out := output(t, s, run.ID, plumbline.Stdout); out != "hello from stdout\nfrom a worker\n" {
			t.Errorf("stdout = %q", out)
		}
		if out := output(t, s, run.ID, plumbline.Stderr); out != "hello from stderr\n" {
			t.Errorf("stderr = %q", out)
		}
	})
}

func TestALongTargetListArrivesInAFile(t *testing.T) {
	s := dbtest.SQLite(t)
	const n = 5000 // 5,000 keys of 16 bytes: more than the environment is given
	specs := make([]plumbline.AssetSpec, n)
	keys := make([]plumbline.AssetKey, n)
	for i := range specs {
		keys[i] = plumbline.AssetKey{"many", fmt.Sprintf("asset_%05d", i)}
		specs[i] = plumbline.AssetSpec{Key: keys[i], Pipes: &plumbline.PipesSpec{
			Command: []string{testdata(t, "many_keys.sh")}, Messages: plumbline.PipesMessageStdout}}
	}
	if _, err := s.ApplyDefinitions(ctx, "", &plumbline.Definitions{Assets: specs}); err != nil {
		t.Fatal(err)
	}
	l := start(t, s, nil)
	for _, c := range []struct {
		keys []plumbline.AssetKey
		want string
	}{
		{keys[:3], "env: 3 keys\n"},
		{keys, "file: 5000 keys, first many/asset_00000\n"},
	} {
		run, err := s.CreateRun(ctx, plumbline.LaunchRequest{AssetKeys: c.keys})
		if err != nil {
			t.Fatal(err)
		}
		l.Wake()
		run = wait(t, s, run.ID, finished)
		if run.Status != plumbline.StatusSuccess {
			t.Fatalf("run of %d targets = %+v", len(c.keys), run)
		}
		if out := output(t, s, run.ID, plumbline.Stdout); out != c.want {
			t.Errorf("run of %d targets: stdout = %q, want %q", len(c.keys), out, c.want)
		}
	}
}
