package pipes_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/dagsterpipes"
	"github.com/plumbline/plumbline/pipes"
)

// envGoChild makes the test binary run a Go Pipes program (goChild) instead of the tests.
const envGoChild = "PIPES_TEST_GO_CHILD"

func TestMain(m *testing.M) {
	if scenario := os.Getenv(envGoChild); scenario != "" {
		os.Exit(goChild(scenario))
	}
	os.Exit(m.Run())
}

// goChild is a Go program written with dagsterpipes, as a user would write one.
func goChild(scenario string) int {
	p, err := dagsterpipes.Open()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer p.Close()
	must := func(err error) {
		if err != nil {
			fmt.Fprintln(os.Stderr, "unexpected:", err)
			os.Exit(3)
		}
	}
	switch scenario {
	case "report":
		fmt.Println("stdout: starting")
		var threshold float64
		must(p.DecodeExtra("threshold", &threshold))
		p.Log().Infof("run %s job %s partition %s target %s code %s threshold %v",
			p.RunID(), p.JobName(), p.PartitionKey(), p.AssetKeys()[0], p.CodeVersion(""), threshold)
		p.Log().Debug("at DEBUG")
		p.Log().Warning("at WARNING")
		p.Log().Error("at ERROR")
		p.Log().Critical("at CRITICAL")
		must(p.ReportAssetMaterialization(dagsterpipes.Materialization{
			DataVersion: "v1",
			Metadata: map[string]dagsterpipes.MetadataValue{
				"rows":         dagsterpipes.Int(10),
				"ratio":        dagsterpipes.Float(1),
				"nan":          dagsterpipes.Float(math.NaN()),
				"inf":          dagsterpipes.Float(math.Inf(1)),
				"text":         dagsterpipes.Text("hello"),
				"url":          dagsterpipes.URL("https://bi.example.com"),
				"path":         dagsterpipes.Path("/data/orders.parquet"),
				"nb":           dagsterpipes.Notebook("a.ipynb"),
				"doc":          dagsterpipes.Markdown("# Orders"),
				"flag":         dagsterpipes.Bool(true),
				"json":         dagsterpipes.JSON(map[string]any{"a": []int{1, 2}}),
				"at":           dagsterpipes.Timestamp(time.Unix(1700000000, 500000000)),
				"asset":        dagsterpipes.Asset("raw/orders"),
				"run":          dagsterpipes.Run("run-0"),
				"nothing":      dagsterpipes.Null(),
				"inferred":     dagsterpipes.Infer(2.5),
				"inferred_int": dagsterpipes.Infer(7),
				"whole_float":  dagsterpipes.Infer(3.0),
				"schema":       dagsterpipes.TableSchema(dagsterpipes.TableColumn{Name: "id", Type: "int"}, dagsterpipes.TableColumn{Name: "note"}),
				"table":        dagsterpipes.Table([]map[string]any{{"id": 1}}, dagsterpipes.TableColumn{Name: "id", Type: "int"}),
				"lineage": dagsterpipes.ColumnLineage(map[string][]dagsterpipes.ColumnDep{
					"id": {{AssetKey: "raw/orders", ColumnName: "order_id"}},
				}),
			},
		}))
		must(p.ReportAssetCheck(dagsterpipes.Check{CheckName: "positive", Passed: false, Severity: dagsterpipes.SeverityWarn,
			Metadata: map[string]dagsterpipes.MetadataValue{"negatives": dagsterpipes.Int(3)}}))
		must(p.ReportCustomMessage(map[string]any{"k": []int{1, 2}}))
		must(p.LogExternalStream("stderr", "from a worker\n"))
		fmt.Println("stdout: done")
	case "error":
		p.CloseWithError(fmt.Errorf("load orders: %w", &fs.PathError{Op: "open", Path: "/data/orders.csv", Err: fs.ErrNotExist}))
		return 1
	case "panic":
		var orders []int
		_ = orders[len(os.Args)+5] // index out of range
	case "concurrent":
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 200 {
					p.Log().Infof("goroutine %d line %d %s", g, i, strings.Repeat("x", 500))
				}
			})
		}
		wg.Wait()
	}
	return 0
}

// launched is what a launch produced, as a launcher would see it.
type launched struct {
	events   []plumbline.Event
	warnings []string
	external []pipes.StreamChunk
	stdout   string // the process's output, Pipes messages taken out
	stderr   string
	session  *pipes.Session
	exitErr  error
}

// launch runs a program under Pipes, reading its messages from the channel mm, and handles
// them with a Session, as the launcher does.
func launch(t *testing.T, c pipes.Context, cm pipes.ContextMode, mm pipes.MessagesMode, extraEnv []string, name string, args ...string) *launched {
	t.Helper()
	l, err := pipes.Bootstrap(t.TempDir(), c, cm, mm)
	if err != nil {
		t.Fatal(err)
	}
	res := &launched{session: pipes.NewSession(c)}
	var mu sync.Mutex
	handle := func(m pipes.Message) {
		r, err := res.session.Handle(m)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			res.warnings = append(res.warnings, err.Error())
			return
		}
		res.events = append(res.events, r.Events...)
		if r.Output != nil {
			res.external = append(res.external, *r.Output)
		}
	}
	bad := func(line []byte, err error) {
		mu.Lock()
		defer mu.Unlock()
		res.warnings = append(res.warnings, fmt.Sprintf("%v: %.80q", err, line))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(append(os.Environ(), extraEnv...), l.Env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	tailDone := make(chan error, 1)
	if mm == pipes.MessagesFile {
		go func() {
			tailer := pipes.Tailer{Poll: 10 * time.Millisecond, OnLongLine: func(e *pipes.LineTooLongError) { bad(e.Head, e) }}
			tailDone <- tailer.Tail(ctx, l.MessagesPath, stop, func(line []byte) {
				m, ok, err := pipes.ParseLine(line)
				switch {
				case !ok:
					bad(line, errors.New("not a Pipes message"))
				case err != nil:
					bad(line, err)
				default:
					handle(m)
				}
			})
		}()
	} else {
		tailDone <- nil
	}
	var wg sync.WaitGroup
	var outBuf, errBuf bytes.Buffer
	read := func(r io.Reader, buf *bytes.Buffer, carries bool) {
		defer wg.Done()
		if !carries {
			io.Copy(buf, r)
			return
		}
		if err := pipes.SplitStream(r, handle, bad, func(p []byte) { buf.Write(p) }); err != nil {
			bad(nil, err)
		}
	}
	wg.Add(2)
	go read(stdout, &outBuf, mm == pipes.MessagesStdout)
	go read(stderr, &errBuf, mm == pipes.MessagesStderr)
	wg.Wait()
	res.exitErr = cmd.Wait()
	close(stop)
	if err := <-tailDone; err != nil {
		t.Fatalf("tail: %v", err)
	}
	res.stdout, res.stderr = outBuf.String(), errBuf.String()
	return res
}

// summary shows an event on one line.
func summary(e plumbline.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", e.Type)
	for _, f := range []string{e.RunID, e.Level, e.AssetKey.String(), e.Partition, e.DataVersion, e.CheckName, e.Severity} {
		if f != "" {
			b.WriteString(" " + f)
		}
	}
	if e.Passed != nil {
		fmt.Fprintf(&b, " passed=%v", *e.Passed)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, " %q", e.Message)
	}
	for _, m := range e.Metadata {
		if m.Key == "stack" || m.Key == "exception" {
			fmt.Fprintf(&b, " %s:%s", m.Key, m.Type)
			continue
		}
		fmt.Fprintf(&b, " %s:%s=%s", m.Key, m.Type, m.Value)
	}
	return b.String()
}

func summaries(events []plumbline.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, summary(e))
	}
	return out
}

var launchModes = []struct {
	name string
	cm   pipes.ContextMode
	mm   pipes.MessagesMode
}{
	{"ContextFileMessagesFile", pipes.ContextFile, pipes.MessagesFile},
	{"ContextDataMessagesFile", pipes.ContextData, pipes.MessagesFile},
	{"ContextFileMessagesStdout", pipes.ContextFile, pipes.MessagesStdout},
	{"ContextDataMessagesStdout", pipes.ContextData, pipes.MessagesStdout},
	{"ContextFileMessagesStderr", pipes.ContextFile, pipes.MessagesStderr},
	{"ContextDataMessagesStderr", pipes.ContextData, pipes.MessagesStderr},
}

var e2eContext = pipes.Context{
	RunID: "run-42", JobName: "nightly", RetryNumber: 1,
	AssetKeys:    []plumbline.AssetKey{{"warehouse", "orders"}},
	CodeVersions: map[string]string{"warehouse/orders": "7"},
	PartitionKey: "2024-01-01",
	Extras:       map[string]any{"threshold": 0.5},
}

func TestPythonProgramIsUnderstoodOverEveryChannel(t *testing.T) {
	py := python3(t)
	program := filepath.Join("testdata", "pipes_program.py")
	want := []string{
		`ENGINE_EVENT run-42 "Pipes session opened"`,
		`LOG run-42 INFO "custom message" payload:json=` + `{"context":{"asset_keys":["warehouse/orders"],"code_version_by_asset_key":{"warehouse/orders":"7"},"provenance_by_asset_key":{"warehouse/orders":null},"partition_key":"2024-01-01","partition_key_range":{"start":"2024-01-01","end":"2024-01-01"},"partition_time_window":null,"run_id":"run-42","job_name":"nightly","retry_number":1,"extras":{"threshold":0.5}}}`,
		`LOG run-42 DEBUG "at DEBUG"`,
		`LOG run-42 INFO "at INFO"`,
		`LOG run-42 WARNING "at WARNING"`,
		`LOG run-42 ERROR "at ERROR"`,
		`LOG run-42 CRITICAL "at CRITICAL"`,
		`LOG run-42 INFO "at Level 5" level:text="Level 5"`,
		`LOG run-42 WARNING "log: level \"Level 5\" is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL; recorded at INFO"`,
		`ASSET_MATERIALIZATION run-42 warehouse/orders 2024-01-01 v1 rows:int=10 ratio:float=1.0 name:text="orders" ok:bool=true ` +
			`nothing:null=null nan:float="NaN" big:int=1000000000000000000000000000000 list:json=[1,"x"] ` +
			`dashboard:url="https://bi.example.com" doc:md="# Orders" source:asset="raw/orders" run:run="run-0" ` +
			`at:timestamp=1700000000.5 schema:table_schema={"columns":[{"name":"id","type":"int"}]}`,
		`ASSET_CHECK_EVALUATION run-42 warehouse/orders 2024-01-01 positive WARN passed=false`,
		`ENGINE_EVENT run-42 "Pipes session closed"`,
	}
	for _, mode := range launchModes {
		t.Run(mode.name, func(t *testing.T) {
			res := launch(t, e2eContext, mode.cm, mode.mm, nil, py, program, "report")
			if res.exitErr != nil {
				t.Fatalf("exit: %v\nstderr:\n%s", res.exitErr, res.stderr)
			}
			if diff := cmp.Diff(want, summaries(res.events)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if len(res.warnings) > 0 {
				t.Errorf("warnings: %q", res.warnings)
			}
			if diff := cmp.Diff([]pipes.StreamChunk{{Stream: "stderr", Text: "from a worker\n"}}, res.external); diff != "" {
				t.Errorf("external output (-want +got):\n%s", diff)
			}
			if res.stdout != "stdout: starting\nstdout: done\n" || res.stderr != "stderr: starting\n" {
				t.Errorf("output: stdout %q, stderr %q", res.stdout, res.stderr)
			}
			s := res.session
			if !s.Opened() || !s.Closed() || s.Exception() != nil {
				t.Errorf("session: opened %v closed %v exception %+v", s.Opened(), s.Closed(), s.Exception())
			}
			if diff := cmp.Diff([]plumbline.AssetKey{{"warehouse", "orders"}}, s.Reported()); diff != "" {
				t.Errorf("reported (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPythonProgramThatRaisesClosesWithTheException(t *testing.T) {
	py := python3(t)
	program := filepath.Join("testdata", "pipes_program.py")
	for _, mode := range launchModes[:3] {
		t.Run(mode.name, func(t *testing.T) {
			res := launch(t, e2eContext, mode.cm, mode.mm, nil, py, program, "fail")
			var exit *exec.ExitError
			if !errors.As(res.exitErr, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("exit: %v, want status 1", res.exitErr)
			}
			want := []string{
				`ENGINE_EVENT run-42 "Pipes session opened"`,
				`LOG run-42 ERROR "RuntimeError: could not load orders" stack:md exception:json`,
			}
			if diff := cmp.Diff(want, summaries(res.events)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			exc := res.session.Exception()
			if exc == nil || exc.Name != "RuntimeError" || exc.Message != "RuntimeError: could not load orders\n" ||
				exc.Cause == nil || exc.Cause.Name != "KeyError" || exc.Cause.Message != "KeyError: 'orders'\n" {
				t.Fatalf("exception %+v", exc)
			}
			if n := len(exc.Stack); n == 0 || !strings.Contains(exc.Stack[n-1], `pipes_program.py", line`) || !strings.Contains(exc.Stack[n-1], "in fail") {
				t.Errorf("stack %q does not end in fail()", exc.Stack)
			}
			stack, _ := res.events[1].Metadata.Get("stack")
			var md string
			json.Unmarshal(stack.Value, &md)
			for _, part := range []string{"```\nTraceback (most recent call last):\n", "KeyError: 'orders'\n",
				"\nThe above exception was the direct cause of the following exception:\n\n", "RuntimeError: could not load orders\n```"} {
				if !strings.Contains(md, part) {
					t.Errorf("stack markdown lacks %q:\n%s", part, md)
				}
			}
			if !strings.Contains(res.stderr, "Traceback") {
				t.Errorf("stderr lacks Python's own traceback: %q", res.stderr)
			}
		})
	}
}

func TestPythonProgramOutputWithoutAFinalNewlineIsKept(t *testing.T) {
	py := python3(t)
	res := launch(t, e2eContext, pipes.ContextData, pipes.MessagesStdout, nil, py, filepath.Join("testdata", "pipes_program.py"), "partial")
	if res.exitErr != nil {
		t.Fatal(res.exitErr)
	}
	if res.stdout != "no newline at the end" {
		t.Errorf("stdout %q", res.stdout)
	}
	if diff := cmp.Diff([]string{`ENGINE_EVENT run-42 "Pipes session opened"`, `LOG run-42 INFO "bye"`, `ENGINE_EVENT run-42 "Pipes session closed"`},
		summaries(res.events)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestGoClientIsUnderstoodOverEveryChannel(t *testing.T) {
	want := []string{
		`ENGINE_EVENT run-42 "Pipes session opened"`,
		`LOG run-42 INFO "run run-42 job nightly partition 2024-01-01 target warehouse/orders code 7 threshold 0.5"`,
		`LOG run-42 DEBUG "at DEBUG"`,
		`LOG run-42 WARNING "at WARNING"`,
		`LOG run-42 ERROR "at ERROR"`,
		`LOG run-42 CRITICAL "at CRITICAL"`,
		`ASSET_MATERIALIZATION run-42 warehouse/orders 2024-01-01 v1 asset:asset="raw/orders" at:timestamp=1700000000.5 ` +
			`doc:md="# Orders" flag:bool=true inf:float="Infinity" inferred:float=2.5 inferred_int:int=7 json:json={"a":[1,2]} ` +
			`lineage:table_column_lineage={"deps_by_column":{"id":[{"asset_key":"raw/orders","column_name":"order_id"}]}} ` +
			`nan:float="NaN" nb:notebook="a.ipynb" nothing:null=null path:path="/data/orders.parquet" ratio:float=1.0 rows:int=10 ` +
			`run:run="run-0" schema:table_schema={"columns":[{"name":"id","type":"int"},{"name":"note","type":"string"}]} ` +
			`table:table={"records":[{"id":1}],"schema":[{"name":"id","type":"int"}]} text:text="hello" ` +
			`url:url="https://bi.example.com" whole_float:float=3.0`,
		`ASSET_CHECK_EVALUATION run-42 warehouse/orders 2024-01-01 positive WARN passed=false negatives:int=3`,
		`LOG run-42 INFO "custom message" payload:json={"k":[1,2]}`,
		`ENGINE_EVENT run-42 "Pipes session closed"`,
	}
	for _, mode := range launchModes {
		t.Run(mode.name, func(t *testing.T) {
			res := launch(t, e2eContext, mode.cm, mode.mm, []string{envGoChild + "=report"}, os.Args[0])
			if res.exitErr != nil {
				t.Fatalf("exit: %v\nstderr:\n%s", res.exitErr, res.stderr)
			}
			if diff := cmp.Diff(want, summaries(res.events)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if len(res.warnings) > 0 {
				t.Errorf("warnings: %q", res.warnings)
			}
			if diff := cmp.Diff([]pipes.StreamChunk{{Stream: "stderr", Text: "from a worker\n"}}, res.external); diff != "" {
				t.Errorf("external output (-want +got):\n%s", diff)
			}
			if res.stdout != "stdout: starting\nstdout: done\n" || res.stderr != "" {
				t.Errorf("output: stdout %q, stderr %q", res.stdout, res.stderr)
			}
			if s := res.session; !s.Opened() || !s.Closed() || s.Exception() != nil || len(s.Reported()) != 1 {
				t.Errorf("session: opened %v closed %v exception %+v reported %v", s.Opened(), s.Closed(), s.Exception(), s.Reported())
			}
		})
	}
}

func TestGoClientClosesWithAnError(t *testing.T) {
	res := launch(t, e2eContext, pipes.ContextFile, pipes.MessagesFile, []string{envGoChild + "=error"}, os.Args[0])
	var exit *exec.ExitError
	if !errors.As(res.exitErr, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1", res.exitErr)
	}
	if diff := cmp.Diff([]string{
		`ENGINE_EVENT run-42 "Pipes session opened"`,
		`LOG run-42 ERROR "error: load orders: open /data/orders.csv: file does not exist" stack:md exception:json`,
	}, summaries(res.events)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	exc := res.session.Exception()
	if exc == nil || exc.Cause == nil || exc.Cause.Name != "fs.PathError" || exc.Cause.Message != "fs.PathError: open /data/orders.csv: file does not exist\n" ||
		exc.Cause.Cause == nil || exc.Cause.Cause.Title() != "error: file does not exist" {
		t.Fatalf("exception %+v", exc)
	}
	if n := len(exc.Stack); n == 0 || !strings.Contains(exc.Stack[n-1], "in github.com/plumbline/plumbline/pipes_test.goChild") ||
		!strings.Contains(exc.Stack[n-1], `e2e_test.go", line `) {
		t.Errorf("stack %q does not end where CloseWithError was called", exc.Stack)
	}
}

func TestGoClientReportsAPanic(t *testing.T) {
	res := launch(t, e2eContext, pipes.ContextData, pipes.MessagesStdout, []string{envGoChild + "=panic"}, os.Args[0])
	var exit *exec.ExitError
	if !errors.As(res.exitErr, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("exit: %v, want status 2 (a panic)", res.exitErr)
	}
	if diff := cmp.Diff([]string{
		`ENGINE_EVENT run-42 "Pipes session opened"`,
		`LOG run-42 ERROR "panic: runtime error: index out of range [6] with length 0" stack:md exception:json`,
	}, summaries(res.events)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	exc := res.session.Exception()
	if n := len(exc.Stack); n == 0 || !strings.Contains(exc.Stack[n-1], "in github.com/plumbline/plumbline/pipes_test.goChild") {
		t.Errorf("stack %q does not end in the panicking function", exc.Stack)
	}
	if !strings.Contains(res.stderr, "index out of range") {
		t.Errorf("the panic did not go on: stderr %q", res.stderr)
	}
}

func TestGoClientWritesWholeLinesFromManyGoroutines(t *testing.T) {
	for _, mode := range []pipes.MessagesMode{pipes.MessagesFile, pipes.MessagesStdout} {
		t.Run(mode.String(), func(t *testing.T) {
			res := launch(t, e2eContext, pipes.ContextFile, mode, []string{envGoChild + "=concurrent"}, os.Args[0])
			if res.exitErr != nil || len(res.warnings) > 0 {
				t.Fatalf("exit %v, warnings %q", res.exitErr, res.warnings)
			}
			if n := len(res.events); n != 8*200+2 {
				t.Errorf("%d events, want %d", n, 8*200+2)
			}
		})
	}
}
