package launcher_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/internal/dbtest"
	"github.com/plumbline/plumbline/launcher"
	"github.com/plumbline/plumbline/store"
)

var ctx = context.Background()

func testdata(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// job declares a launchable asset (and any more keys sharing its command) running
// testdata/job.py MODE.
func job(t *testing.T, s *store.Store, mode string, p plumbline.PipesSpec, keys ...string) {
	t.Helper()
	p.Command = []string{"python3", testdata(t, "job.py"), mode}
	var specs []plumbline.AssetSpec
	for _, k := range keys {
		spec := p
		specs = append(specs, plumbline.AssetSpec{Key: plumbline.MustParseAssetKey(k), Pipes: &spec, CodeVersion: "3"})
	}
	if _, err := s.ApplyDefinitions(ctx, "", &plumbline.Definitions{Assets: specs}); err != nil {
		t.Fatal(err)
	}
}

// start runs a launcher until the test ends.
func start(t *testing.T, s *store.Store, mod func(*launcher.Config)) *launcher.Launcher {
	t.Helper()
	cfg := launcher.Config{Store: s, Poll: 50 * time.Millisecond, Heartbeat: 200 * time.Millisecond,
		GracePeriod: 500 * time.Millisecond, Exclusive: !s.Postgres(), Dir: t.TempDir()}
	if mod != nil {
		mod(&cfg)
	}
	l := launcher.New(cfg)
	c, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); l.Run(c) }()
	t.Cleanup(func() { cancel(); <-done })
	return l
}

func launch(t *testing.T, s *store.Store, l *launcher.Launcher, partition string, keys ...string) *plumbline.Run {
	t.Helper()
	var ks []plumbline.AssetKey
	for _, k := range keys {
		ks = append(ks, plumbline.MustParseAssetKey(k))
	}
	run, err := s.CreateRun(ctx, plumbline.LaunchRequest{AssetKeys: ks, Partition: partition})
	if err != nil {
		t.Fatal(err)
	}
	l.Wake()
	return run
}

// wait waits for a run to reach a status matching done.
func wait(t *testing.T, s *store.Store, id string, done func(plumbline.RunStatus) bool) *plumbline.Run {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		run, err := s.Run(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if done(run.Status) {
			return run
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s still %s", id, run.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func finished(st plumbline.RunStatus) bool { return st.Finished() }

func runEvents(t *testing.T, s *store.Store, id string) []plumbline.Event {
	t.Helper()
	evs, err := s.Events(ctx, plumbline.EventFilter{RunID: id}, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func find(evs []plumbline.Event, typ plumbline.EventType, msg string) *plumbline.Event {
	for i := range evs {
		if evs[i].Type == typ && strings.Contains(evs[i].Message, msg) {
			return &evs[i]
		}
	}
	return nil
}

func output(t *testing.T, s *store.Store, id, stream string) string {
	t.Helper()
	b, _, err := s.Output(ctx, id, stream, 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestARunReportsEverythingAndSucceeds(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec plumbline.PipesSpec
	}{
		{"ContextAsDataMessagesInAFile", plumbline.PipesSpec{}},
		{"ContextAsAFile", plumbline.PipesSpec{Context: plumbline.PipesContextFile}},
		{"MessagesOnStderr", plumbline.PipesSpec{Messages: plumbline.PipesMessageStderr}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, s *store.Store) {
				job(t, s, "ok", tc.spec, "warehouse/orders")
				l := start(t, s, nil)
				run := wait(t, s, launch(t, s, l, "2026-11-20", "warehouse/orders").ID, finished)
				if run.Status != plumbline.StatusSuccess || run.ExitCode == nil || *run.ExitCode != 0 || run.PID == 0 || run.StartedAt.IsZero() {
					t.Fatalf("run = %+v", run)
				}
				evs := runEvents(t, s, run.ID)
				if e := find(evs, plumbline.Log, "working on warehouse/orders partition 2026-11-20"); e == nil || e.Level != "INFO" {
					t.Errorf("log line from the program: %+v", e)
				}
				mat := find(evs, plumbline.AssetMaterialization, "")
				if mat == nil || mat.DataVersion != "v1" || mat.Partition != "2026-11-20" || len(mat.Metadata) != 2 {
					t.Fatalf("materialization: %+v", mat)
				}
				if m, _ := mat.Metadata.Get("rows"); m.Type != "int" || string(m.Value) != "42" {
					t.Errorf("rows = %+v", m)
				}
				if m, _ := mat.Metadata.Get("ratio"); m.Type != "float" || string(m.Value) != "0.5" {
					t.Errorf("ratio = %+v", m)
				}
				if c := find(evs, plumbline.AssetCheckEvaluation, ""); c == nil || c.CheckName != "not_empty" || !*c.Passed {
					t.Errorf("check: %+v", c)
				}
				custom := find(evs, plumbline.Log, "custom message")
				if custom == nil {
					t.Fatal("custom message not in the run's log")
				}
				if p, _ := custom.Metadata.Get("payload"); !strings.Contains(string(p.Value), `"run_id":"`+run.ID+`"`) ||
					!strings.Contains(string(p.Value), `"code_version_by_asset_key":{"warehouse/orders":"3"}`) {
					t.Errorf("the context the program saw: %s", p.Value)
				}
				if find(evs, plumbline.Log, "after close") == nil {
					t.Error("a message after closed was not read")
				}
				if out := output(t, s, run.ID, plumbline.Stdout); !strings.Contains(out, "hello from stdout\n") || !strings.Contains(out, "from a worker\n") {
					t.Errorf("stdout = %q", out)
				}
				if out := output(t, s, run.ID, plumbline.Stderr); !strings.Contains(out, "hello from stderr\n") || strings.Contains(out, "__dagster_pipes_version") {
					t.Errorf("stderr = %q", out)
				}
				var types []string
				for _, e := range evs {
					if strings.HasPrefix(string(e.Type), "RUN_") {
						types = append(types, string(e.Type))
					}
				}
				if got := strings.Join(types, " "); got != "RUN_ENQUEUED RUN_STARTING RUN_START RUN_SUCCESS" {
					t.Errorf("run events: %s", got)
				}
				a, _ := s.Asset(ctx, plumbline.MustParseAssetKey("warehouse/orders"))
				if a.LatestMaterializationID != mat.StorageID {
					t.Errorf("the asset's latest materialization is %d, want the run's %d", a.LatestMaterializationID, mat.StorageID)
				}
			})
		})
	}
}

func TestAShellProgramReportsOnStdout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		_, err := s.ApplyDefinitions(ctx, "", &plumbline.Definitions{Assets: []plumbline.AssetSpec{{Key: plumbline.AssetKey{"files"},
			Pipes: &plumbline.PipesSpec{Command: []string{testdata(t, "stdio.sh")}, Messages: plumbline.PipesMessageStdout}}}})
		if err != nil {
			t.Fatal(err)
		}
		l := start(t, s, nil)
		run := wait(t, s, launch(t, s, l, "", "files").ID, finished)
		if run.Status != plumbline.StatusSuccess {
			t.Fatalf("run = %+v", run)
		}
		evs := runEvents(t, s, run.ID)
		if e := find(evs, plumbline.Log, "shell says hi"); e == nil || e.Level != "WARNING" {
			t.Errorf("log: %+v", e)
		}
		if m := find(evs, plumbline.AssetMaterialization, ""); m == nil || m.DataVersion != "sh1" {
			t.Errorf("materialization: %+v", m)
		}
		if out := output(t, s, run.ID, plumbline.Stdout); out != "shell output: targets files\na partial line at the end" {
			t.Errorf("stdout = %q", out)
		}
	})
}

func TestRunsFailWithTheReasonInTheirLog(t *testing.T) {
	for _, tc := range []struct {
		mode, msg string
		spec      plumbline.PipesSpec
	}{
		{"exit-3", "the process exited with code 3", plumbline.PipesSpec{}},
		{"raise", "the process exited with code 1", plumbline.PipesSpec{}},
		{"raise-exit-0", "the program raised RuntimeError: reported but exited 0", plumbline.PipesSpec{}},
		{"never-open", "the process exited without opening a Pipes session", plumbline.PipesSpec{}},
		{"sleep", "timed out after 1s", plumbline.PipesSpec{Timeout: plumbline.Duration(time.Second)}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			s := dbtest.SQLite(t)
			t.Setenv("PID_FILE", filepath.Join(t.TempDir(), "pids"))
			job(t, s, tc.mode, tc.spec, "a")
			l := start(t, s, nil)
			run := wait(t, s, launch(t, s, l, "", "a").ID, finished)
			if run.Status != plumbline.StatusFailure || run.Message != tc.msg {
				t.Errorf("run ended %s: %q, want FAILURE: %q", run.Status, run.Message, tc.msg)
			}
			evs := runEvents(t, s, run.ID)
			if e := find(evs, plumbline.RunFailure, tc.msg); e == nil {
				t.Errorf("no RUN_FAILURE saying %q", tc.msg)
			}
			if a, _ := s.Asset(ctx, plumbline.AssetKey{"a"}); a.LatestMaterializationID != 0 {
				t.Error("a failed run materialized its asset")
			}
			if tc.mode == "raise" {
				e := find(evs, plumbline.Log, "ValueError: bad orders")
				if e == nil || e.Level != "ERROR" {
					t.Fatalf("the exception is not in the log: %+v", evs)
				}
				if st, ok := e.Metadata.Get("stack"); !ok || !strings.Contains(string(st.Value), "job.py") {
					t.Errorf("stack = %s", st.Value)
				}
			}
		})
	}
}

func TestMalformedMessagesAreWarningsAndTheRunGoesOn(t *testing.T) {
	s := dbtest.SQLite(t)
	job(t, s, "bad-lines", plumbline.PipesSpec{}, "a")
	l := start(t, s, nil)
	run := wait(t, s, launch(t, s, l, "", "a").ID, finished)
	if run.Status != plumbline.StatusSuccess {
		t.Fatalf("run = %+v", run)
	}
	evs := runEvents(t, s, run.ID)
	for _, want := range []string{"this is not json", "teleport"} {
		if e := find(evs, plumbline.Log, want); e == nil || e.Level != "WARNING" {
			t.Errorf("no warning about %q: %+v", want, e)
		}
	}
}

func TestImplicitMaterializationOfUnreportedTargets(t *testing.T) {
	s := dbtest.SQLite(t)
	no := false
	job(t, s, "first-of-two", plumbline.PipesSpec{}, "a", "b")
	// c shares the command but turns implicit materialization off.
	_, err := s.ApplyDefinitions(ctx, "other", &plumbline.Definitions{Assets: []plumbline.AssetSpec{{Key: plumbline.AssetKey{"c"},
		Pipes: &plumbline.PipesSpec{Command: []string{"python3", testdata(t, "job.py"), "first-of-two"}, ImplicitMaterialization: &no}}}})
	if err != nil {
		t.Fatal(err)
	}
	l := start(t, s, nil)
	run := wait(t, s, launch(t, s, l, "p1", "a", "b", "c").ID, finished)
	if run.Status != plumbline.StatusSuccess {
		t.Fatalf("run = %+v", run)
	}
	for k, want := range map[string]string{"a": "", "b": "implicit", "c": "none"} {
		a, _ := s.Asset(ctx, plumbline.AssetKey{k})
		if want == "none" {
			if a.LatestMaterializationID != 0 {
				t.Errorf("%s was materialized implicitly although its spec says not to", k)
			}
			continue
		}
		evs, _ := s.EventsByID(ctx, []int64{a.LatestMaterializationID})
		if len(evs) != 1 || !strings.HasPrefix(evs[0].Description, want) || evs[0].RunID != run.ID || evs[0].Partition != "p1" {
			t.Errorf("%s: latest materialization %+v", k, evs)
		}
	}
}

// processGone reports whether no process with this pid exists any more.
func processGone(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == syscall.ESRCH
}

func TestCancelStopsTheWholeProcessGroup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		pidFile := filepath.Join(t.TempDir(), "pids")
		t.Setenv("PID_FILE", pidFile)
		job(t, s, "sleep", plumbline.PipesSpec{}, "a")
		l := start(t, s, nil)
		run := launch(t, s, l, "", "a")
		wait(t, s, run.ID, func(st plumbline.RunStatus) bool { return st == plumbline.StatusStarted })
		var pids []int
		for deadline := time.Now().Add(30 * time.Second); len(pids) < 2; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the job did not write its pids")
			}
			b, _ := os.ReadFile(pidFile)
			pids = pids[:0]
			for _, f := range strings.Fields(string(b)) {
				n, _ := strconv.Atoi(f)
				pids = append(pids, n)
			}
		}
		if _, err := s.CancelRun(ctx, run.ID, "tester"); err != nil {
			t.Fatal(err)
		}
		l.Wake()
		done := wait(t, s, run.ID, finished)
		if done.Status != plumbline.StatusCanceled {
			t.Errorf("run = %+v", done)
		}
		// The parent ignored SIGTERM and its child was never signalled by it: both went
		// with the process group.
		for deadline := time.Now().Add(10 * time.Second); !processGone(pids[0]) || !processGone(pids[1]); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("processes %v outlived the cancelled run", pids)
			}
		}
		if err := syscall.Kill(-pids[0], 0); err != syscall.ESRCH {
			t.Errorf("process group %d still exists: %v", pids[0], err)
		}
	})
}

func TestConcurrencyLimitHoldsRunsInTheQueue(t *testing.T) {
	s := dbtest.SQLite(t)
	t.Setenv("PID_FILE", filepath.Join(t.TempDir(), "pids"))
	job(t, s, "sleep", plumbline.PipesSpec{}, "a")
	l := start(t, s, func(c *launcher.Config) { c.MaxConcurrent = 1 })
	first := launch(t, s, l, "", "a")
	second := launch(t, s, l, "", "a")
	wait(t, s, first.ID, func(st plumbline.RunStatus) bool { return st == plumbline.StatusStarted })
	time.Sleep(300 * time.Millisecond)
	if r, _ := s.Run(ctx, second.ID); r.Status != plumbline.StatusQueued {
		t.Errorf("second run is %s with a limit of 1", r.Status)
	}
	s.CancelRun(ctx, first.ID, "")
	l.Wake()
	wait(t, s, second.ID, func(st plumbline.RunStatus) bool { return st == plumbline.StatusStarted })
	s.CancelRun(ctx, second.ID, "")
	l.Wake()
	wait(t, s, second.ID, finished)
}

func TestManyMessagesAreAllRecorded(t *testing.T) {
	s := dbtest.SQLite(t)
	_, err := s.ApplyDefinitions(ctx, "", &plumbline.Definitions{Assets: []plumbline.AssetSpec{{Key: plumbline.AssetKey{"a"},
		Pipes: &plumbline.PipesSpec{Command: []string{"python3", testdata(t, "job.py"), "chatty", "5000"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	l := start(t, s, nil)
	run := wait(t, s, launch(t, s, l, "", "a").ID, finished)
	evs, _ := s.Events(ctx, plumbline.EventFilter{RunID: run.ID, Types: []plumbline.EventType{plumbline.Log}}, 0, 10000)
	if run.Status != plumbline.StatusSuccess || len(evs) != 5000 || evs[4999].Message != "line 4999" {
		t.Errorf("run %s with %d log lines", run.Status, len(evs))
	}
}

func TestUnstartableCommandFailsTheRun(t *testing.T) {
	s := dbtest.SQLite(t)
	_, err := s.ApplyDefinitions(ctx, "", &plumbline.Definitions{Assets: []plumbline.AssetSpec{{Key: plumbline.AssetKey{"a"},
		Pipes: &plumbline.PipesSpec{Command: []string{"no-such-program-xyz"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	l := start(t, s, nil)
	run := wait(t, s, launch(t, s, l, "", "a").ID, finished)
	if run.Status != plumbline.StatusFailure || !strings.Contains(run.Message, `cannot start no-such-program-xyz: exec: "no-such-program-xyz": executable file not found`) {
		t.Errorf("run = %+v", run)
	}
}
