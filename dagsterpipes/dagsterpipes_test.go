package dagsterpipes_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbline/plumbline/dagsterpipes"
)

// bootstrap returns a LookupEnv with the variables an orchestrator sets: the context inline
// and messages to the given channel.
func bootstrap(t testing.TB, data map[string]any, messages map[string]any) func(string) (string, bool) {
	t.Helper()
	vars := map[string]string{}
	for name, v := range map[string]any{dagsterpipes.EnvContext: map[string]any{"data": data}, dagsterpipes.EnvMessages: messages} {
		enc, err := dagsterpipes.EncodeParam(v)
		if err != nil {
			t.Fatal(err)
		}
		vars[name] = enc
	}
	return func(name string) (string, bool) { v, ok := vars[name]; return v, ok }
}

func contextData(assetKeys ...string) map[string]any {
	var keys any
	if assetKeys != nil {
		keys = assetKeys
	}
	return map[string]any{
		"asset_keys": keys, "code_version_by_asset_key": nil, "provenance_by_asset_key": nil,
		"partition_key": nil, "partition_key_range": nil, "partition_time_window": nil,
		"run_id": "r1", "job_name": nil, "retry_number": 0, "extras": map[string]any{},
	}
}

// openStdout opens a session whose messages go to the returned buffer.
func openStdout(t *testing.T, data map[string]any) (*dagsterpipes.Context, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	p, err := dagsterpipes.OpenWith(dagsterpipes.Options{
		LookupEnv: bootstrap(t, data, map[string]any{"stdio": "stdout"}),
		Stdout:    &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p, &out
}

func lines(b *bytes.Buffer) []string {
	return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
}

func TestMessagesAreWrittenAsDagsterPipesWritesThem(t *testing.T) {
	p, out := openStdout(t, contextData("warehouse/orders"))
	p.Log().Info("loading")
	p.Log().Warningf("%d rows skipped", 3)
	must(t, p.ReportAssetMaterialization(dagsterpipes.Materialization{DataVersion: "v1",
		Metadata: map[string]dagsterpipes.MetadataValue{"rows": dagsterpipes.Int(10), "url": dagsterpipes.URL("https://x")}}))
	must(t, p.ReportAssetCheck(dagsterpipes.Check{CheckName: "c", Passed: true}))
	must(t, p.ReportCustomMessage([]any{1, "two", nil}))
	must(t, p.LogExternalStream("stdout", "worker\n"))
	must(t, p.Close())
	want := []string{
		`{"__dagster_pipes_version":"0.1","method":"opened","params":{"extras":{}}}`,
		`{"__dagster_pipes_version":"0.1","method":"log","params":{"level":"INFO","message":"loading"}}`,
		`{"__dagster_pipes_version":"0.1","method":"log","params":{"level":"WARNING","message":"3 rows skipped"}}`,
		`{"__dagster_pipes_version":"0.1","method":"report_asset_materialization","params":{"asset_key":"warehouse/orders","data_version":"v1","metadata":{"rows":{"raw_value":10,"type":"int"},"url":{"raw_value":"https://x","type":"url"}}}}`,
		`{"__dagster_pipes_version":"0.1","method":"report_asset_check","params":{"asset_key":"warehouse/orders","check_name":"c","metadata":null,"passed":true,"severity":"ERROR"}}`,
		`{"__dagster_pipes_version":"0.1","method":"report_custom_message","params":{"payload":[1,"two",null]}}`,
		`{"__dagster_pipes_version":"0.1","method":"log_external_stream","params":{"extras":{},"stream":"stdout","text":"worker\n"}}`,
		`{"__dagster_pipes_version":"0.1","method":"closed","params":{}}`,
	}
	if diff := cmp.Diff(want, lines(out)); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestMetadataValuesAreWhatDagsterPipesSends(t *testing.T) {
	for name, tc := range map[string]struct {
		v    dagsterpipes.MetadataValue
		want string
	}{
		"Int":         {dagsterpipes.Int(int64(-3)), `{"raw_value":-3,"type":"int"}`},
		"IntOfUint64": {dagsterpipes.Int(uint64(math.MaxUint64)), `{"raw_value":18446744073709551615,"type":"int"}`},
		"Float":       {dagsterpipes.Float(2.5), `{"raw_value":2.5,"type":"float"}`},
		"WholeFloat":  {dagsterpipes.Float(3), `{"raw_value":3.0,"type":"float"}`},
		"LargeFloat":  {dagsterpipes.Float(1e21), `{"raw_value":1e+21,"type":"float"}`},
		"NaN":         {dagsterpipes.Float(math.NaN()), `{"raw_value":"\u0000NaN","type":"float"}`},
		"Text":        {dagsterpipes.Text("a<b>&c"), `{"raw_value":"a\u003cb\u003e\u0026c","type":"text"}`},
		"URL":         {dagsterpipes.URL("https://x"), `{"raw_value":"https://x","type":"url"}`},
		"Path":        {dagsterpipes.Path("/p"), `{"raw_value":"/p","type":"path"}`},
		"Notebook":    {dagsterpipes.Notebook("n.ipynb"), `{"raw_value":"n.ipynb","type":"notebook"}`},
		"Markdown":    {dagsterpipes.Markdown("# h"), `{"raw_value":"# h","type":"md"}`},
		"Bool":        {dagsterpipes.Bool(false), `{"raw_value":false,"type":"bool"}`},
		"JSON":        {dagsterpipes.JSON(map[string]int{"a": 1}), `{"raw_value":{"a":1},"type":"json"}`},
		"JSONRaw":     {dagsterpipes.JSON(json.RawMessage(`[1, 2]`)), `{"raw_value":[1,2],"type":"json"}`},
		"Timestamp":   {dagsterpipes.Timestamp(time.Unix(1700000000, 250000000)), `{"raw_value":1700000000.25,"type":"timestamp"}`},
		"Asset":       {dagsterpipes.Asset("raw/orders"), `{"raw_value":"raw/orders","type":"asset"}`},
		"Run":         {dagsterpipes.Run("r0"), `{"raw_value":"r0","type":"dagster_run"}`},
		"Null":        {dagsterpipes.Null(), `{"raw_value":null,"type":"null"}`},
		"Infer":       {dagsterpipes.Infer("x"), `{"raw_value":"x","type":"__infer__"}`},
		"InferFloat":  {dagsterpipes.Infer(float32(1)), `{"raw_value":1.0,"type":"__infer__"}`},
		"ZeroIsInfer": {dagsterpipes.MetadataValue{}, `{"raw_value":null,"type":"__infer__"}`},
		"TableSchema": {dagsterpipes.TableSchema(dagsterpipes.TableColumn{Name: "id", Type: "int", Constraints: &dagsterpipes.ColumnConstraints{Unique: true}}, dagsterpipes.TableColumn{Name: "n", Description: "note"}), `{"raw_value":{"columns":[{"name":"id","type":"int","constraints":{"nullable":false,"unique":true}},{"name":"n","type":"string","description":"note"}]},"type":"table_schema"}`},
		"Table":       {dagsterpipes.Table(nil), `{"raw_value":{"records":[],"schema":[]},"type":"table"}`},
		"ColumnLineage": {dagsterpipes.ColumnLineage(map[string][]dagsterpipes.ColumnDep{"id": {{AssetKey: "a", ColumnName: "x"}}}),
			`{"raw_value":{"deps_by_column":{"id":[{"asset_key":"a","column_name":"x"}]}},"type":"table_column_lineage"}`},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := json.Marshal(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestNonFiniteFloatsAreWrittenAsPythonWritesThem(t *testing.T) {
	p, out := openStdout(t, contextData("a"))
	must(t, p.ReportAssetMaterialization(dagsterpipes.Materialization{Metadata: map[string]dagsterpipes.MetadataValue{
		"nan": dagsterpipes.Float(math.NaN()), "pos": dagsterpipes.Infer(math.Inf(1)), "neg": dagsterpipes.Float(math.Inf(-1)),
	}}))
	want := `{"__dagster_pipes_version":"0.1","method":"report_asset_materialization","params":{"asset_key":"a","data_version":null,"metadata":{"nan":{"raw_value":NaN,"type":"float"},"neg":{"raw_value":-Infinity,"type":"float"},"pos":{"raw_value":Infinity,"type":"__infer__"}}}}`
	if got := lines(out)[1]; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if err := p.ReportCustomMessage(map[string]float64{"x": math.NaN()}); err == nil {
		t.Error("a NaN inside a payload was accepted; encoding/json cannot write it")
	}
}

func TestReportingFollowsDagsterPipesRules(t *testing.T) {
	for name, tc := range map[string]struct {
		targets []string
		call    func(p *dagsterpipes.Context) error
		want    string
	}{
		"KeyNeededWhenSeveralTargets": {[]string{"a", "b"}, func(p *dagsterpipes.Context) error {
			return p.ReportAssetMaterialization(dagsterpipes.Materialization{})
		}, "dagsterpipes: report_asset_materialization: no asset key given and the run targets 2 assets (a, b)"},
		"KeyMustBeATarget": {[]string{"a", "b"}, func(p *dagsterpipes.Context) error {
			return p.ReportAssetCheck(dagsterpipes.Check{AssetKey: "c", CheckName: "x"})
		}, `dagsterpipes: report_asset_check: asset key "c" is not one of the run's targets (a, b)`},
		"KeyNeededWhenNoTargets": {nil, func(p *dagsterpipes.Context) error {
			return p.ReportAssetMaterialization(dagsterpipes.Materialization{})
		}, "dagsterpipes: report_asset_materialization: no asset key given and the run targets no asset"},
		"AnyKeyWhenNoTargets": {nil, func(p *dagsterpipes.Context) error {
			return p.ReportAssetMaterialization(dagsterpipes.Materialization{AssetKey: "anything"})
		}, ""},
		"MaterializedOnce": {[]string{"a"}, func(p *dagsterpipes.Context) error {
			p.ReportAssetMaterialization(dagsterpipes.Materialization{})
			return p.ReportAssetMaterialization(dagsterpipes.Materialization{AssetKey: "a"})
		}, `dagsterpipes: report_asset_materialization: asset "a" was already reported materialized`},
		"CheckNeedsAName": {[]string{"a"}, func(p *dagsterpipes.Context) error {
			return p.ReportAssetCheck(dagsterpipes.Check{Passed: true})
		}, "dagsterpipes: report_asset_check: the check has no name"},
		"SeverityIsWarnOrError": {[]string{"a"}, func(p *dagsterpipes.Context) error {
			return p.ReportAssetCheck(dagsterpipes.Check{CheckName: "c", Severity: "LOW"})
		}, `dagsterpipes: report_asset_check: severity must be "WARN" or "ERROR", got "LOW"`},
		"MetadataKeyNotEmpty": {[]string{"a"}, func(p *dagsterpipes.Context) error {
			return p.ReportAssetCheck(dagsterpipes.Check{CheckName: "c", Metadata: map[string]dagsterpipes.MetadataValue{"": dagsterpipes.Int(1)}})
		}, "dagsterpipes: report_asset_check: a metadata key is empty"},
		"StreamIsStdoutOrStderr": {[]string{"a"}, func(p *dagsterpipes.Context) error {
			return p.LogExternalStream("stdlog", "x")
		}, `dagsterpipes: log_external_stream: stream must be "stdout" or "stderr", got "stdlog"`},
		"NothingAfterClose": {[]string{"a"}, func(p *dagsterpipes.Context) error {
			p.Close()
			return p.ReportCustomMessage("late")
		}, "dagsterpipes: the Pipes context is closed"},
	} {
		t.Run(name, func(t *testing.T) {
			p, _ := openStdout(t, contextData(tc.targets...))
			err := tc.call(p)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("error %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAccessorsReadTheContext(t *testing.T) {
	data := contextData("warehouse/orders", `s3\/bucket/file`)
	data["code_version_by_asset_key"] = map[string]any{"warehouse/orders": "3", `s3\/bucket/file`: nil}
	data["partition_key"] = "2024-01-02"
	data["partition_key_range"] = map[string]any{"start": "2024-01-02", "end": "2024-01-02"}
	data["job_name"] = "nightly"
	data["retry_number"] = 2
	data["extras"] = map[string]any{"threshold": 0.5, "tables": []string{"a", "b"}}
	p, _ := openStdout(t, data)

	start, end, ok := p.PartitionKeyRange()
	_, assetKeyErr := p.AssetKey()
	var tables []string
	decodeErr := p.DecodeExtra("tables", &tables)
	threshold, hasThreshold := p.Extra("threshold")
	_, hasMissing := p.Extra("missing")
	got := map[string]any{
		"IsPiped": p.IsPiped(), "RunID": p.RunID(), "JobName": p.JobName(), "RetryNumber": p.RetryNumber(),
		"AssetKeys": p.AssetKeys(), "AssetKeyError": fmt.Sprint(assetKeyErr),
		"CodeVersion": p.CodeVersion("warehouse/orders"), "CodeVersionNone": p.CodeVersion(`s3\/bucket/file`),
		"PartitionKey": p.PartitionKey(), "PartitionKeyRange": []any{start, end, ok},
		"Extras": p.Extras(), "Extra": []any{threshold, hasThreshold, hasMissing},
		"DecodeExtra": []any{tables, decodeErr}, "DecodeMissing": fmt.Sprint(p.DecodeExtra("missing", &tables)),
	}
	want := map[string]any{
		"IsPiped": true, "RunID": "r1", "JobName": "nightly", "RetryNumber": 2,
		"AssetKeys":     []string{"warehouse/orders", `s3\/bucket/file`},
		"AssetKeyError": `dagsterpipes: the run targets 2 assets (warehouse/orders, s3\/bucket/file), not one`,
		"CodeVersion":   "3", "CodeVersionNone": "",
		"PartitionKey": "2024-01-02", "PartitionKeyRange": []any{"2024-01-02", "2024-01-02", true},
		"Extras": map[string]any{"threshold": 0.5, "tables": []any{"a", "b"}}, "Extra": []any{0.5, true, false},
		"DecodeExtra": []any{[]string{"a", "b"}, nil}, "DecodeMissing": `dagsterpipes: extra "missing" was not passed`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestWithoutAnOrchestratorEverythingIsANoOp(t *testing.T) {
	var stderr, stdout bytes.Buffer
	p, err := dagsterpipes.OpenWith(dagsterpipes.Options{
		LookupEnv: func(string) (string, bool) { return "", false },
		Stdout:    &stdout, Stderr: &stderr,
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.IsPiped() {
		t.Error("IsPiped() = true")
	}
	want := "dagsterpipes: this process was not launched by a Dagster Pipes orchestrator (DAGSTER_PIPES_CONTEXT is not set); calls to the Pipes context do nothing\n"
	if stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
	p.Log().Info("x")
	key, err := p.AssetKey()
	errs := []error{err,
		p.ReportAssetMaterialization(dagsterpipes.Materialization{}),
		p.ReportAssetCheck(dagsterpipes.Check{}),
		p.ReportCustomMessage(func() {}),
		p.LogExternalStream("x", "y"),
		p.CloseWithError(errors.New("x")),
		p.Close(),
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	if key != "" || p.AssetKeys() != nil || p.RunID() != "" || len(p.Extras()) != 0 || stdout.Len() != 0 {
		t.Errorf("key %q keys %v run %q extras %v stdout %q", key, p.AssetKeys(), p.RunID(), p.Extras(), stdout.String())
	}
}

func TestOpenReportsABadBootstrap(t *testing.T) {
	enc := func(v any) string { s, _ := dagsterpipes.EncodeParam(v); return s }
	missing := filepath.Join(t.TempDir(), "nope.json")
	good := enc(map[string]any{"data": contextData()})
	for name, tc := range map[string]struct {
		context, messages string
		want              string
	}{
		"ContextNotBase64":     {"%%%", enc(map[string]any{"stdio": "stdout"}), "dagsterpipes: DAGSTER_PIPES_CONTEXT: not base64: illegal base64 data at input byte 0"},
		"ContextWithoutAPlace": {enc(map[string]any{"bucket": "b"}), enc(map[string]any{"stdio": "stdout"}), `dagsterpipes: DAGSTER_PIPES_CONTEXT holds neither "path" nor "data"`},
		"ContextFileMissing":   {enc(map[string]any{"path": missing}), enc(map[string]any{"stdio": "stdout"}), "dagsterpipes: read context: open " + missing + ": no such file or directory"},
		"MessagesUnset":        {good, "", "dagsterpipes: DAGSTER_PIPES_MESSAGES is not set"},
		"MessagesBadStream":    {good, enc(map[string]any{"stdio": "stdlog"}), `dagsterpipes: DAGSTER_PIPES_MESSAGES: stdio must be "stdout" or "stderr", got "stdlog"`},
		"MessagesWithoutPlace": {good, enc(map[string]any{"bucket": "b"}), `dagsterpipes: DAGSTER_PIPES_MESSAGES holds neither "path" nor "stdio"`},
		"MessagesDirMissing":   {good, enc(map[string]any{"path": filepath.Join(missing, "m.jsonl")}), "dagsterpipes: open messages file: open " + filepath.Join(missing, "m.jsonl") + ": no such file or directory"},
	} {
		t.Run(name, func(t *testing.T) {
			vars := map[string]string{dagsterpipes.EnvContext: tc.context, dagsterpipes.EnvMessages: tc.messages}
			_, err := dagsterpipes.OpenWith(dagsterpipes.Options{LookupEnv: func(n string) (string, bool) { v, ok := vars[n]; return v, ok }})
			if err == nil || err.Error() != tc.want {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestCloseWithErrorSendsTheErrorChain(t *testing.T) {
	p, out := openStdout(t, contextData("a"))
	cause := &os.PathError{Op: "open", Path: "/x", Err: os.ErrNotExist}
	must(t, p.CloseWithError(fmt.Errorf("load: %w", cause)))
	must(t, p.Close()) // a second close does nothing
	ls := lines(out)
	if len(ls) != 2 {
		t.Fatalf("messages %q, want opened and one closed", ls)
	}
	var msg struct {
		Params struct {
			Exception struct {
				Name, Message string
				Stack         []string
				Cause         *struct {
					Name, Message string
					Stack         []string
					Cause         *struct{ Name, Message string }
				}
				Context *struct{}
			}
		}
	}
	if err := json.Unmarshal([]byte(ls[1]), &msg); err != nil {
		t.Fatal(err)
	}
	e := msg.Params.Exception
	if e.Name != "error" || e.Message != "error: load: open /x: file does not exist\n" || e.Context != nil ||
		e.Cause == nil || e.Cause.Name != "fs.PathError" || e.Cause.Stack == nil || len(e.Cause.Stack) != 0 ||
		e.Cause.Cause == nil || e.Cause.Cause.Message != "error: file does not exist\n" {
		t.Errorf("exception %s", ls[1])
	}
	if n := len(e.Stack); n == 0 || !strings.Contains(e.Stack[n-1], "dagsterpipes_test.TestCloseWithErrorSendsTheErrorChain\n") ||
		!strings.HasPrefix(e.Stack[n-1], `  File "`) || !strings.Contains(e.Stack[n-1], `dagsterpipes_test.go", line `) {
		t.Errorf("stack %q does not end where CloseWithError was called", e.Stack)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("pipe closed") }

func TestCloseReturnsTheFirstWriteError(t *testing.T) {
	var w writerSwitch
	p, err := dagsterpipes.OpenWith(dagsterpipes.Options{
		LookupEnv: bootstrap(t, contextData("a"), map[string]any{"stdio": "stderr"}),
		Stderr:    &w,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.fail = true
	p.Log().Info("lost")
	if err := p.Close(); err == nil || err.Error() != "dagsterpipes: write message: pipe closed" {
		t.Errorf("Close() = %v", err)
	}
}

// writerSwitch writes to a buffer until fail is set.
type writerSwitch struct {
	bytes.Buffer
	fail bool
}

func (w *writerSwitch) Write(p []byte) (int, error) {
	if w.fail {
		return failingWriter{}.Write(p)
	}
	return w.Buffer.Write(p)
}

func TestMessagesFileIsAppendedTo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "messages.jsonl")
	if err := os.WriteFile(path, []byte("earlier\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := dagsterpipes.OpenWith(dagsterpipes.Options{LookupEnv: bootstrap(t, contextData("a"), map[string]any{"path": path})})
	if err != nil {
		t.Fatal(err)
	}
	p.Log().Info("x")
	must(t, p.Close())
	b, _ := os.ReadFile(path)
	want := "earlier\n" +
		`{"__dagster_pipes_version":"0.1","method":"opened","params":{"extras":{}}}` + "\n" +
		`{"__dagster_pipes_version":"0.1","method":"log","params":{"level":"INFO","message":"x"}}` + "\n" +
		`{"__dagster_pipes_version":"0.1","method":"closed","params":{}}` + "\n"
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("file (-want +got):\n%s", diff)
	}
}
