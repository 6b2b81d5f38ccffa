package pipes_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/pipes"
)

// FuzzHandle feeds ParseLine and Handle arbitrary lines, as a launched program may write
// anything: they must never panic; every error must be EINVALID with a message that can be
// recorded as a warning; every event must pass plumbline.Event.Normalize.
func FuzzHandle(f *testing.F) {
	for _, seed := range []string{
		// Valid messages, as dagster-pipes writes them.
		line("opened", `{"extras": {}}`),
		line("opened", `{"extras": {"cluster": {"id": 1}}}`),
		line("closed", `{}`),
		line("closed", `{"exception": {"message": "ValueError: x\n", "stack": ["  File \"a.py\", line 1, in <module>\n"], "name": "ValueError", "cause": {"message": "KeyError: 1\n", "stack": [], "name": "KeyError", "cause": null, "context": null}, "context": null}}`),
		line("log", `{"message": "hello", "level": "INFO"}`),
		line("log", `{"message": "hello", "level": "Level 5"}`),
		line("report_asset_materialization", `{"asset_key": "warehouse/orders", "data_version": "v1", "metadata": {"rows": {"raw_value": 10, "type": "__infer__"}, "r": {"raw_value": NaN, "type": "__infer__"}, "u": {"raw_value": "http://x", "type": "url"}}}`),
		line("report_asset_materialization", `{"asset_key": "s3\\/bucket/file", "data_version": null, "metadata": null}`),
		line("report_asset_check", `{"asset_key": null, "check_name": "c", "passed": false, "metadata": {"n": {"raw_value": 1.5, "type": "float"}}, "severity": "WARN"}`),
		line("report_custom_message", `{"payload": {"a": [1, 2.5, "x", null, Infinity]}}`),
		line("log_external_stream", `{"stream": "stdout", "text": "hi\n", "extras": {}}`),
		// Not messages.
		"plain output",
		`{"level": "info"}`,
		"",
		// Broken messages.
		`{"__dagster_pipes_version": "0.1", "method": "log", "params": {"mess`,
		`{"__dagster_pipes_version": 1, "method": "log"}`,
		`{"__dagster_pipes_version": "0.1", "method": "", "params": []}`,
		line("unknown", `{}`),
		line("log", `{"message": "\u0000\ud800", "level": -Infinity}`),
		line("report_asset_check", `{"check_name": "c", "passed": "yes"}`),
		line("report_asset_materialization", `{"asset_key": "a//b", "metadata": {"": 1}}`),
		line("report_asset_materialization", `{"metadata": {"x": {"raw_value": "\xff", "type": "asset"}}}`),
		line("report_asset_materialization", `{"metadata": {"x": {"raw_value": NaN, "type": "int"}}}`),
		line("closed", `{"exception": {"message": 5, "stack": "no", "name": ["x"], "cause": "c", "context": {"cause": {}}}}`),
		line("closed", `{"exception": "\xffbad"}`),
		line("report_custom_message", `{"payload": "\u0000"}`),
		"{\"__dagster_pipes_version\": \"0.1\", \"method\": \"log\", \"params\": {\"message\": \"\xff\xfe\"}}",
	} {
		f.Add(seed)
	}
	contexts := []pipes.Context{oneTarget, twoTarget, noTarget}
	f.Fuzz(func(t *testing.T, l string) {
		m, ok, err := pipes.ParseLine([]byte(l))
		if err != nil {
			if !ok {
				t.Fatalf("ParseLine returned an error for a line it says is not a message: %v", err)
			}
			checkWarning(t, "ParseLine", err)
			return
		}
		if !ok {
			return
		}
		for _, c := range contexts {
			s := pipes.NewSession(c)
			res, err := s.Handle(m)
			if err != nil {
				checkWarning(t, "Handle", err)
				if len(res.Events) > 0 || res.Output != nil {
					t.Fatalf("Handle returned both an error and %+v", res)
				}
				if m.Method == pipes.MethodClosed {
					t.Fatalf("closed was rejected: %v", err)
				}
				continue
			}
			for _, e := range res.Events {
				if e.RunID != c.RunID {
					t.Fatalf("event run id %q, want %q", e.RunID, c.RunID)
				}
				for _, entry := range e.Metadata {
					if !json.Valid(entry.Value) {
						t.Fatalf("metadata %q is not JSON: %s", entry.Key, entry.Value)
					}
				}
				if err := e.Normalize(); err != nil {
					t.Fatalf("event %+v does not normalize: %v", e, err)
				}
			}
			if m.Method == pipes.MethodClosed && !s.Closed() {
				t.Fatal("closed did not close the session")
			}
		}
	})
}

// checkWarning checks that err explains itself and can be recorded as a warning log line.
func checkWarning(t *testing.T, where string, err error) {
	t.Helper()
	if plumbline.ErrorCode(err) != plumbline.EINVALID {
		t.Fatalf("%s: error %v has code %q, want EINVALID", where, err, plumbline.ErrorCode(err))
	}
	msg := err.Error()
	if msg == "" || !utf8.ValidString(msg) || strings.ContainsRune(msg, 0) {
		t.Fatalf("%s: error message %q cannot be recorded", where, msg)
	}
	w := pipes.NewSession(oneTarget).Warning(err)
	if err := w.Normalize(); err != nil {
		t.Fatalf("%s: the warning for %q does not normalize: %v", where, msg, err)
	}
}
