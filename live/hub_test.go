package live_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/internal/dbtest"
	"github.com/plumbline/plumbline/live"
	"github.com/plumbline/plumbline/store"
)

// startHub runs a hub over s, poked by every commit, until the test ends.
func startHub(t *testing.T, s *store.Store, cfg live.Config) *live.Hub {
	t.Helper()
	h := live.New(s, cfg)
	s.OnCommit(h.Offer)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

func appendN(t *testing.T, s *store.Store, n int, key string) {
	t.Helper()
	evs := make([]plumbline.Event, n)
	for i := range evs {
		evs[i] = plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: plumbline.AssetKey{key}}
	}
	if _, err := s.Append(context.Background(), evs); err != nil {
		t.Error(err)
	}
}

// collect reads a subscription until it has n events or the deadline passes, checking
// that ids only ever increase by one.
func collect(t *testing.T, sub *live.Subscription, first int64, n int) []int64 {
	t.Helper()
	var ids []int64
	deadline := time.After(30 * time.Second)
	for len(ids) < n {
		select {
		case batch, ok := <-sub.C:
			if !ok {
				t.Fatalf("subscription ended after %d of %d events: %v", len(ids), n, sub.Err())
			}
			for _, e := range batch {
				want := first + int64(len(ids))
				if e.StorageID != want {
					t.Fatalf("got storage id %d, want %d: a gap or a duplicate", e.StorageID, want)
				}
				ids = append(ids, e.StorageID)
			}
		case <-deadline:
			t.Fatalf("only %d of %d events arrived", len(ids), n)
		}
	}
	return ids
}

func TestReplayThenLiveHasNoGapAndNoDuplicate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		h := startHub(t, s, live.Config{Page: 50})
		appendN(t, s, 300, "before")
		// Writers keep committing while subscribers join at different points.
		var wg sync.WaitGroup
		stop := make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				appendN(t, s, 1+i%7, "during")
			}
		}()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var subs []*live.Subscription
		for _, after := range []int64{0, 10, 150, 299} {
			sub, err := h.Subscribe(ctx, after, nil)
			if err != nil {
				t.Fatal(err)
			}
			subs = append(subs, sub)
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond)
		close(stop)
		wg.Wait()
		last, _ := s.LastStorageID(ctx)
		for i, after := range []int64{0, 10, 150, 299} {
			collect(t, subs[i], after+1, int(last-after))
		}
	})
}

func TestLiveOnlyStartsAtTheEnd(t *testing.T) {
	s := dbtest.SQLite(t)
	h := startHub(t, s, live.Config{})
	appendN(t, s, 5, "old")
	for h.Position() < 5 {
		time.Sleep(5 * time.Millisecond)
	}
	sub, err := h.Subscribe(context.Background(), -1, nil)
	if err != nil {
		t.Fatal(err)
	}
	for h.Subscribers() == 0 {
		time.Sleep(time.Millisecond)
	}
	appendN(t, s, 3, "new")
	collect(t, sub, 6, 3)
}

func TestASlowSubscriberIsCutOffAndCanResume(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		// One event a read, so the 40 events are 40 batches whatever the timing.
		h := startHub(t, s, live.Config{Buffer: 4, Page: 1})
		ctx := context.Background()
		slow, err := h.Subscribe(ctx, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		for h.Subscribers() == 0 {
			time.Sleep(time.Millisecond) // it has replayed the (empty) log and follows live
		}
		// Nobody reads slow while 40 separate commits are published.
		for i := 0; i < 40; i++ {
			appendN(t, s, 1, "x")
		}
		for h.Position() < 40 {
			time.Sleep(5 * time.Millisecond)
		}
		var got int64
		timeout := time.After(30 * time.Second)
	read:
		for {
			select {
			case batch, ok := <-slow.C:
				if !ok {
					break read
				}
				got = batch[len(batch)-1].StorageID
			case <-timeout:
				t.Fatal("the slow subscriber was never cut off")
			}
		}
		var behind *live.ErrBehind
		if err := slow.Err(); !errors.As(err, &behind) || behind.LastID != got {
			t.Fatalf("ended with %v after %d; want ErrBehind{%d}", err, got, got)
		}
		if got >= 40 {
			t.Fatalf("the slow subscriber received everything (%d); it was not cut off", got)
		}
		resumed, _ := h.Subscribe(ctx, behind.LastID, nil)
		collect(t, resumed, behind.LastID+1, int(40-behind.LastID))
		if want := fmt.Sprintf("subscribe again with after: %d", got); !strings.Contains(behind.Error(), want) {
			t.Errorf("message %q does not say %q", behind.Error(), want)
		}
	})
}

// Two stores on one PostgreSQL schema are two servers: a hub fed by LISTEN on one sees
// what the other commits.
func TestListenDeliversCommitsOfAnotherServer(t *testing.T) {
	url := dbtest.PostgresURL(t)
	open := func() *store.Store {
		s, err := store.Open(context.Background(), store.Config{DatabaseURL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	writer, reader := open(), open()
	h := live.New(reader, live.Config{Poll: time.Hour}) // no polling: only notifications
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go h.Run(ctx)
	go reader.Listen(ctx, h.Notified)
	sub, err := h.Subscribe(ctx, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		appendN(t, writer, 3, "remote")
	}
	collect(t, sub, 1, 30)
}

func TestAFilteredSubscriberGetsOnlyWhatItKeeps(t *testing.T) {
	s := dbtest.SQLite(t)
	h := startHub(t, s, live.Config{Page: 3})
	for i := 0; i < 5; i++ {
		appendN(t, s, 1, "a")
		appendN(t, s, 1, "b")
	}
	onlyB := func(e *plumbline.Event) bool { return e.AssetKey.String() == "b" }
	sub, err := h.Subscribe(context.Background(), 0, onlyB)
	if err != nil {
		t.Fatal(err)
	}
	// Written while the subscriber replays and joins: some are replayed, some live.
	go func() {
		for i := 0; i < 5; i++ {
			appendN(t, s, 1, "a")
			appendN(t, s, 1, "b")
		}
	}()
	var got []int64
	for len(got) < 10 {
		select {
		case batch := <-sub.C:
			for _, e := range batch {
				if e.AssetKey.String() != "b" {
					t.Fatalf("got an event of %s", e.AssetKey)
				}
				got = append(got, e.StorageID)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("got %v", got)
		}
	}
	for i, id := range got {
		if id != int64(2*i+2) {
			t.Fatalf("ids %v: want the even ones, replayed then live", got)
		}
	}
}
