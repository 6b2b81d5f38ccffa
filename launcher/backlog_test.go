package launcher

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/internal/dbtest"
)

// unavailable is a real store whose event writes fail while down is set.
type unavailable struct {
	Store
	down atomic.Bool
}

func (u *unavailable) Append(ctx context.Context, events []plumbline.Event) ([]int64, error) {
	if u.down.Load() {
		return nil, errors.New("database unavailable")
	}
	return u.Store.Append(ctx, events)
}

func TestAFullBacklogMakesTheProgramWait(t *testing.T) {
	s := dbtest.SQLite(t)
	u := &unavailable{Store: s}
	u.down.Store(true)
	e := newExecution(New(Config{Store: u, Dir: t.TempDir()}), &plumbline.Run{ID: "backlog"})
	for i := range maxPending {
		e.record(plumbline.Event{Type: plumbline.Log, Level: "INFO", Message: fmt.Sprint("line ", i)})
	}
	recorded := make(chan struct{})
	go func() {
		e.record(plumbline.Event{Type: plumbline.Log, Level: "INFO", Message: "one more"})
		close(recorded)
	}()

	// A failed flush keeps every event, and makes no room.
	e.flush()
	select {
	case <-recorded:
		t.Fatal("an event was queued beyond the backlog's limit while nothing could be written")
	case <-time.After(200 * time.Millisecond):
	}

	u.down.Store(false)
	e.mu.Lock()
	e.retryAt = time.Time{} // no back-off wait in the test
	e.mu.Unlock()
	e.flush()
	select {
	case <-recorded:
	case <-time.After(30 * time.Second):
		t.Fatal("the waiting event was never queued after the backlog was written")
	}
	e.flush()
	evs, err := s.Events(context.Background(), plumbline.EventFilter{RunID: "backlog"}, 0, maxPending+10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != maxPending+1 || evs[0].Message != "line 0" || evs[maxPending-1].Message != fmt.Sprint("line ", maxPending-1) ||
		evs[maxPending].Message != "one more" {
		t.Errorf("%d events recorded (want %d, in order)", len(evs), maxPending+1)
	}
}
