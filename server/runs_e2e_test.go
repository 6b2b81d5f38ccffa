package main_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbtest"
	"github.com/plumbline/plumbline/internal/e2e"
)

// jobDefs writes a definitions file whose assets run launcher/testdata/job.py in the
// given modes (key: mode).
func jobDefs(t *testing.T, modes map[string]string) string {
	t.Helper()
	job, err := filepath.Abs("../launcher/testdata/job.py")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("assets:\n")
	for key, mode := range modes {
		fmt.Fprintf(&b, "  - key: %s\n    pipes:\n      command: [python3, %q, %s]\n", key, job, mode)
	}
	path := filepath.Join(t.TempDir(), "plumbline.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type runJSON struct {
	ID, Status string
	Message    *string
	LaunchedBy *string
	ExitCode   *int
}

func launchRun(t *testing.T, srv *e2e.Server, key string) runJSON {
	t.Helper()
	var out struct{ LaunchRun runJSON }
	gql(t, srv, fmt.Sprintf(`mutation { launchRun(assetKeys: [{path: [%q]}]) { id status } }`, key), &out)
	return out.LaunchRun
}

func waitRun(t *testing.T, srv *e2e.Server, id string, done func(string) bool) runJSON {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var out struct{ Run runJSON }
		gql(t, srv, fmt.Sprintf(`{ run(id: %q) { id status message launchedBy exitCode } }`, id), &out)
		if done(out.Run.Status) {
			return out.Run
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s still %s", id, out.Run.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func ended(s string) bool { return s == "SUCCESS" || s == "FAILURE" || s == "CANCELED" }

func TestLaunchARunOverGraphQLAndTheCLI(t *testing.T) {
	defs := jobDefs(t, map[string]string{"orders": "ok", "broken": "exit-3"})
	e2e.Each(t, func(t *testing.T, srv *e2e.Server) {
		run := waitRun(t, srv, launchRun(t, srv, "orders").ID, ended)
		if run.Status != "SUCCESS" || *run.ExitCode != 0 {
			t.Fatalf("run = %+v", run)
		}
		var out struct {
			Run struct {
				Events struct {
					Nodes []struct{ Type string }
				}
				Stdout     string
				StdoutSize int
				Command    []string
				Assets     []struct{ Key struct{ String string } }
			}
			Asset struct {
				LatestMaterialization struct{ RunID string }
				Runs                  struct{ Nodes []struct{ ID string } }
			}
		}
		gql(t, srv, fmt.Sprintf(`{ run(id: %q) { events { nodes { type } } stdout stdoutSize command assets { key { string } } }
			asset(key: {path: ["orders"]}) { latestMaterialization { runId } runs { nodes { id } } } }`, run.ID), &out)
		if !strings.Contains(out.Run.Stdout, "hello from stdout") || out.Run.StdoutSize != len(out.Run.Stdout) ||
			out.Asset.LatestMaterialization.RunID != run.ID || len(out.Asset.Runs.Nodes) != 1 || out.Run.Assets[0].Key.String != "orders" {
			t.Errorf("run details: %+v", out)
		}

		res := srv.Run(t, "run", "launch", "broken", "--follow")
		if res.ExitCode == 0 || !strings.Contains(res.Stderr, "ended FAILURE: the process exited with code 3") ||
			!strings.Contains(res.Stdout, "giving up") || !strings.Contains(res.Stdout, "queued run") {
			t.Errorf("run launch --follow of a failing asset: %+v", res)
		}
		res = srv.Run(t, "run", "list", "--status", "FAILURE")
		if res.ExitCode != 0 || !strings.Contains(res.Stdout, "broken") || strings.Contains(res.Stdout, "orders") {
			t.Errorf("run list: %+v", res)
		}
		res = srv.Run(t, "run", "logs", run.ID, "--output")
		if res.ExitCode != 0 || !strings.Contains(res.Stdout, "[stdout] hello from stdout") || !strings.Contains(res.Stdout, "ASSET    materialization orders") {
			t.Errorf("run logs: %+v", res)
		}
		if msg, code := gqlError(t, srv, `mutation { launchRun(assetKeys: [{path: ["nope"]}]) { id } }`); msg != "asset nope does not exist" || code != "NOT_FOUND" {
			t.Errorf("launching an unknown asset: %s %s", msg, code)
		}
	}, "--defs", defs)
}

func TestCancelFromTheCLI(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PID_FILE", filepath.Join(dir, "pids"))
	srv := e2e.Start(t, "--defs", jobDefs(t, map[string]string{"slow": "sleep"}), "--run-grace-period", "500ms")
	run := launchRun(t, srv, "slow")
	waitRun(t, srv, run.ID, func(s string) bool { return s == "STARTED" })
	res := srv.Run(t, "run", "cancel", run.ID)
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "CANCELING") {
		t.Fatalf("run cancel: %+v", res)
	}
	done := waitRun(t, srv, run.ID, ended)
	if done.Status != "CANCELED" {
		t.Errorf("run = %+v", done)
	}
	var out struct {
		Events struct{ Nodes []struct{ Message string } }
	}
	gql(t, srv, fmt.Sprintf(`{ events(filter: {runId: %q, types: ["RUN_CANCELING"]}) { nodes { message } } }`, run.ID), &out)
	if len(out.Events.Nodes) != 1 || !strings.HasPrefix(out.Events.Nodes[0].Message, "cancel requested by ") {
		t.Errorf("the cancel does not say who asked: %+v", out.Events.Nodes)
	}
}

// pidsOf reads the pids job.py sleep wrote.
func pidsOf(t *testing.T, file string) []int {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(file)
		var pids []int
		for _, f := range strings.Fields(string(b)) {
			n, _ := strconv.Atoi(f)
			pids = append(pids, n)
		}
		if len(pids) == 2 {
			return pids
		}
		if time.Now().After(deadline) {
			t.Fatal("the job did not write its pids")
		}
	}
}

// A server that dies with a run in flight leaves the run to be failed as lost: at the
// next start on SQLite, and once its heartbeat is stale on PostgreSQL.
func TestARunWhoseServerDiedFailsAsLost(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			pidFile := filepath.Join(t.TempDir(), "pids")
			t.Setenv("PID_FILE", pidFile)
			args := []string{"--defs", jobDefs(t, map[string]string{"slow": "sleep"}), "--run-heartbeat", "200ms", "--run-lost-after", "2s"}
			if db == "postgres" {
				args = append(args, "--database-url", dbtest.PostgresURL(t))
			} else {
				args = append(args, "--data-dir", t.TempDir())
			}
			srv := e2e.Start(t, args...)
			run := launchRun(t, srv, "slow")
			waitRun(t, srv, run.ID, func(s string) bool { return s == "STARTED" })
			pids := pidsOf(t, pidFile)
			t.Cleanup(func() { syscall.Kill(-pids[0], syscall.SIGKILL) })
			srv.Kill()

			again := e2e.Start(t, args...)
			lost := waitRun(t, again, run.ID, ended)
			if lost.Status != "FAILURE" || lost.Message == nil || !strings.HasPrefix(*lost.Message, "process lost: the server running it") {
				t.Errorf("run after the crash: %+v", lost)
			}
		})
	}
}

// Two servers on one PostgreSQL share the queue: every run starts exactly once, and both
// servers take runs.
func TestReplicasShareTheRunQueue(t *testing.T) {
	url := dbtest.PostgresURL(t)
	defs := jobDefs(t, map[string]string{"quick": "first-of-two"})
	a := e2e.Start(t, "--database-url", url, "--defs", defs, "--max-concurrent-runs", "4")
	b := e2e.Start(t, "--database-url", url, "--defs", defs, "--max-concurrent-runs", "4")
	const n = 12
	var ids []string
	for i := 0; i < n; i++ {
		srv := a
		if i%2 == 1 {
			srv = b
		}
		ids = append(ids, launchRun(t, srv, "quick").ID)
	}
	for _, id := range ids {
		if r := waitRun(t, a, id, ended); r.Status != "SUCCESS" {
			t.Errorf("run %s: %+v", id, r)
		}
	}
	var out struct {
		Events struct {
			Nodes []struct {
				RunID   string
				Message string
			}
		}
	}
	gql(t, b, `{ events(filter: {types: ["RUN_STARTING"]}, first: 1000) { nodes { runId message } } }`, &out)
	starts, workers := map[string]int{}, map[string]bool{}
	for _, e := range out.Events.Nodes {
		starts[e.RunID]++
		workers[strings.TrimPrefix(e.Message, "run claimed by ")] = true
	}
	for _, id := range ids {
		if starts[id] != 1 {
			t.Errorf("run %s was claimed %d times", id, starts[id])
		}
	}
	if len(workers) != 2 {
		t.Logf("claims by %d servers (%v); both usually take some", len(workers), workers)
	}
}

func gqlError(t *testing.T, srv *e2e.Server, query string) (string, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	_, resp := do(t, "POST", srv.URL+"/graphql", "application/json", strings.NewReader(string(body)))
	var r struct {
		Errors []struct {
			Message    string
			Extensions struct{ Code string }
		}
	}
	if err := json.Unmarshal([]byte(resp), &r); err != nil || len(r.Errors) == 0 {
		t.Fatalf("no error: %s", resp)
	}
	return r.Errors[0].Message, r.Errors[0].Extensions.Code
}
