package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/internal/dbtest"
	"github.com/plumbline/plumbline/store"
)

func launchable(cmd ...string) *plumbline.PipesSpec { return &plumbline.PipesSpec{Command: cmd} }

func applyLaunchable(t *testing.T, s *store.Store) {
	t.Helper()
	no := false
	_, err := s.ApplyDefinitions(ctx, "", &plumbline.Definitions{Assets: []plumbline.AssetSpec{
		{Key: key("a"), Pipes: launchable("run", "a"), CodeVersion: "7"},
		{Key: key("b"), Pipes: launchable("run", "a")},
		{Key: key("c"), Pipes: &plumbline.PipesSpec{Command: []string{"run", "a"}, ImplicitMaterialization: &no}},
		{Key: key("other"), Pipes: launchable("other")},
		{Key: key("external")},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCreateRunQueuesLaunchableAssets(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		applyLaunchable(t, s)
		run, err := s.CreateRun(ctx, plumbline.LaunchRequest{AssetKeys: []plumbline.AssetKey{key("a"), key("b"), key("c")},
			Partition: "2026-01-01", Tags: map[string]string{"team": "data"}, LaunchedBy: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		if run.Status != plumbline.StatusQueued || run.ID == "" || run.Launch.CodeVersions["a"] != "7" ||
			len(run.Launch.Implicit) != 2 || run.Launch.Pipes.Command[1] != "a" {
			t.Errorf("run = %+v", run)
		}
		got, err := s.Run(ctx, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(run, got); diff != "" {
			t.Errorf("stored run (-created +read):\n%s", diff)
		}
		evs, _ := s.Events(ctx, plumbline.EventFilter{RunID: run.ID}, 0, 10)
		if len(evs) != 1 || evs[0].Type != plumbline.RunEnqueued || evs[0].Message != "run queued for a, b, c (partition 2026-01-01) by alice" {
			t.Errorf("events = %+v", evs)
		}
		for name, tc := range map[string]struct {
			keys []plumbline.AssetKey
			code string
			msg  string
		}{
			"UnknownAssetIsNotFound":       {[]plumbline.AssetKey{key("nope")}, plumbline.ENOTFOUND, "asset nope does not exist"},
			"ExternalAssetIsNotLaunchable": {[]plumbline.AssetKey{key("external")}, plumbline.EINVALID, "asset external has no pipes command: it is reported on, not launched here"},
			"DifferentCommandsAreRejected": {[]plumbline.AssetKey{key("a"), key("other")}, plumbline.EINVALID, "assets a and other have different pipes commands; launch them in separate runs"},
			"NoAssetsIsRejected":           {nil, plumbline.EINVALID, "a run needs at least one asset to launch"},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := s.CreateRun(ctx, plumbline.LaunchRequest{AssetKeys: tc.keys})
				if plumbline.ErrorCode(err) != tc.code || plumbline.ErrorMessage(err) != tc.msg {
					t.Errorf("err = %v (%s)", err, plumbline.ErrorCode(err))
				}
			})
		}
	})
}

func TestRunLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		applyLaunchable(t, s)
		run, _ := s.CreateRun(ctx, plumbline.LaunchRequest{AssetKeys: []plumbline.AssetKey{key("a")}})
		claimed, err := s.ClaimRuns(ctx, "w1", 5, 5)
		if err != nil || len(claimed) != 1 || claimed[0].Status != plumbline.StatusStarting || claimed[0].Worker != "w1" {
			t.Fatalf("claim: %+v %v", claimed, err)
		}
		if again, _ := s.ClaimRuns(ctx, "w2", 5, 5); len(again) != 0 {
			t.Fatalf("claimed twice: %+v", again)
		}
		started, err := s.Transition(ctx, plumbline.RunTransition{RunID: run.ID, From: []plumbline.RunStatus{plumbline.StatusStarting},
			To: plumbline.StatusStarted, PID: 4242})
		if err != nil || started.StartedAt.IsZero() || started.PID != 4242 {
			t.Fatalf("start: %+v %v", started, err)
		}
		code := 0
		done, err := s.Transition(ctx, plumbline.RunTransition{RunID: run.ID, From: []plumbline.RunStatus{plumbline.StatusStarted},
			To: plumbline.StatusSuccess, ExitCode: &code, Events: []plumbline.Event{
				{Type: plumbline.AssetMaterialization, AssetKey: key("a")},
				{Type: plumbline.Log, Message: "done"},
			}})
		if err != nil || done.EndedAt.IsZero() || *done.ExitCode != 0 {
			t.Fatalf("finish: %+v %v", done, err)
		}
		evs, _ := s.Events(ctx, plumbline.EventFilter{RunID: run.ID}, 0, 10)
		var types []plumbline.EventType
		for _, e := range evs {
			types = append(types, e.Type)
		}
		want := []plumbline.EventType{plumbline.RunEnqueued, plumbline.RunStarting, plumbline.RunStart, plumbline.AssetMaterialization, plumbline.Log, plumbline.RunSuccess}
		if diff := cmp.Diff(want, types); diff != "" {
			t.Errorf("run log (-want +got):\n%s", diff)
		}
		a, _ := s.Asset(ctx, key("a"))
		if a.LatestMaterializationID == 0 {
			t.Error("the run's materialization did not reach the asset")
		}
		_, err = s.Transition(ctx, plumbline.RunTransition{RunID: run.ID, From: []plumbline.RunStatus{plumbline.StatusStarted}, To: plumbline.StatusFailure})
		if plumbline.ErrorCode(err) != plumbline.ECONFLICT || plumbline.ErrorMessage(err) != fmt.Sprintf("run %s is SUCCESS; it cannot become FAILURE", run.ID) {
			t.Errorf("transition of a finished run: %v", err)
		}
		if _, err := s.CancelRun(ctx, run.ID, ""); plumbline.ErrorCode(err) != plumbline.ECONFLICT {
			t.Errorf("cancel of a finished run: %v", err)
		}
		byAsset, _ := s.Runs(ctx, plumbline.RunFilter{AssetKey: key("a")}, 0, 10)
		if len(byAsset) != 1 || byAsset[0].ID != run.ID {
			t.Errorf("runs of a: %+v", byAsset)
		}
	})
}

func TestCancelQueuedAndActiveRuns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		applyLaunchable(t, s)
		queued, _ := s.CreateRun(ctx, plumbline.LaunchRequest{AssetKeys: []plumbline.AssetKey{key("a")}})
		c, err := s.CancelRun(ctx, queued.ID, "bob")
		if err != nil || c.Status != plumbline.StatusCanceled || c.Message != "canceled by bob before it started" {
			t.Fatalf("cancel queued: %+v %v", c, err)
		}
		active, _ := s.CreateRun(ctx, plumbline.LaunchRequest{AssetKeys: []plumbline.AssetKey{key("a")}})
		if claimed, _ := s.ClaimRuns(ctx, "w", 1, 1); len(claimed) != 1 {
			t.Fatal("not claimed")
		}
		c, err = s.CancelRun(ctx, active.ID, "")
		if err != nil || c.Status != plumbline.StatusCanceling {
			t.Fatalf("cancel active: %+v %v", c, err)
		}
		if c, _ := s.CancelRun(ctx, active.ID, ""); c.Status != plumbline.StatusCanceling {
			t.Errorf("cancelling twice: %+v", c)
		}
		if _, err := s.CancelRun(ctx, "nope", ""); plumbline.ErrorCode(err) != plumbline.ENOTFOUND {
			t.Errorf("cancel unknown: %v", err)
		}
	})
}

func TestClaimKeepsTheConcurrencyLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		applyLaunchable(t, s)
		for i := 0; i < 5; i++ {
			if _, err := s.CreateRun(ctx, plumbline.LaunchRequest{AssetKeys: []plumbline.AssetKey{key("a")}}); err != nil {
				t.Fatal(err)
			}
		}
		first, _ := s.ClaimRuns(ctx, "w1", 10, 2)
		second, _ := s.ClaimRuns(ctx, "w2", 10, 2)
		if len(first) != 2 || len(second) != 0 {
			t.Fatalf("claimed %d then %d with a limit of 2", len(first), len(second))
		}
		all, _ := s.Runs(ctx, plumbline.RunFilter{Statuses: []plumbline.RunStatus{plumbline.StatusQueued}}, 0, 10)
		if len(all) != 3 || all[0].Seq < all[2].Seq {
			t.Errorf("queued runs, newest first: %+v", all)
		}
	})
}

// Two stores on one PostgreSQL schema are two replicas: claiming concurrently, they never
// claim a run twice.
func TestReplicasNeverClaimARunTwice(t *testing.T) {
	url := dbtest.PostgresURL(t)
	open := func() *store.Store {
		s, err := store.Open(ctx, store.Config{DatabaseURL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	applyLaunchable(t, a)
	const runs = 40
	for i := 0; i < runs; i++ {
		if _, err := a.CreateRun(ctx, plumbline.LaunchRequest{AssetKeys: []plumbline.AssetKey{key("a")}}); err != nil {
			t.Fatal(err)
		}
	}
	var (
		mu   sync.Mutex
		seen = map[string]string{}
		wg   sync.WaitGroup
	)
	for _, w := range []struct {
		name string
		s    *store.Store
	}{{"a1", a}, {"a2", a}, {"b1", b}, {"b2", b}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := w.s.ClaimRuns(ctx, w.name, 3, runs)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, r := range got {
					if prev, dup := seen[r.ID]; dup {
						t.Errorf("run %s claimed by %s and %s", r.ID, prev, w.name)
					}
					seen[r.ID] = w.name
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != runs {
		t.Errorf("%d of %d runs claimed", len(seen), runs)
	}
}

func TestRunOutputReadsFromAnyOffset(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		applyLaunchable(t, s)
		run, _ := s.CreateRun(ctx, plumbline.LaunchRequest{AssetKeys: []plumbline.AssetKey{key("a")}})
		var off int64
		for _, chunk := range []string{"hello ", "wor", "ld\n", "\xff binary\x00 ok\n"} {
			if err := s.AppendOutput(ctx, run.ID, plumbline.Stdout, off, []byte(chunk)); err != nil {
				t.Fatal(err)
			}
			off += int64(len(chunk))
		}
		all, size, err := s.Output(ctx, run.ID, plumbline.Stdout, 0, 1<<20)
		if err != nil || string(all) != "hello world\n\xff binary\x00 ok\n" || size != off {
			t.Fatalf("all output = %q (%d) %v", all, size, err)
		}
		mid, _, _ := s.Output(ctx, run.ID, plumbline.Stdout, 7, 5)
		if string(mid) != "orld\n" {
			t.Errorf("from 7, 5 bytes = %q", mid)
		}
		none, size, _ := s.Output(ctx, run.ID, plumbline.Stderr, 0, 100)
		if len(none) != 0 || size != 0 {
			t.Errorf("stderr = %q (%d)", none, size)
		}
	})
}

func TestLostRunsFail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		applyLaunchable(t, s)
		for i := 0; i < 2; i++ {
			s.CreateRun(ctx, plumbline.LaunchRequest{AssetKeys: []plumbline.AssetKey{key("a")}})
		}
		old, _ := s.ClaimRuns(ctx, "old", 1, 10)
		alive, _ := s.ClaimRuns(ctx, "alive", 1, 10)
		time.Sleep(10 * time.Millisecond)
		cut := time.Now()
		if err := s.Heartbeat(ctx, "alive", []string{alive[0].ID}); err != nil {
			t.Fatal(err)
		}
		failed, err := s.FailLostRuns(ctx, cut, "")
		if err != nil || len(failed) != 1 || failed[0].ID != old[0].ID || failed[0].Status != plumbline.StatusFailure {
			t.Fatalf("failed = %+v %v", failed, err)
		}
		if want := "process lost: the server running it (old) stopped"; len(failed[0].Message) < len(want) || failed[0].Message[:len(want)] != want {
			t.Errorf("message = %q", failed[0].Message)
		}
		// At the start of the only server (SQLite), every active run of another worker is lost.
		failed, _ = s.FailLostRuns(ctx, time.Time{}, "new")
		if len(failed) != 1 || failed[0].ID != alive[0].ID {
			t.Errorf("at start-up: %+v", failed)
		}
	})
}
