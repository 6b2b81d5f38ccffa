package pipes_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/pipes"
)

func TestParseLine(t *testing.T) {
	for name, tc := range map[string]struct {
		line    string
		want    pipes.Message
		ok      bool
		wantErr string
	}{
		"PlainTextIsNotAMessage":          {line: "loading orders…"},
		"EmptyLineIsNotAMessage":          {line: ""},
		"JSONLogLineIsNotAMessage":        {line: `{"level": "info", "msg": "structured"}`},
		"BrokenJSONWithoutVersionIsNot":   {line: `{not json`},
		"JSONListIsNotAMessage":           {line: `[{"__dagster_pipes_version": "0.1"}]`},
		"VersionInsideAStringIsNot":       {line: `{"text": "\"__dagster_pipes_version\""`},
		"NestedVersionFieldIsNotAMessage": {line: `{"wrapped": {"__dagster_pipes_version": "0.1", "method": "log"}}`},
		"Message": {
			line: `{"__dagster_pipes_version": "0.1", "method": "log", "params": {"message": "hi", "level": "INFO"}}`,
			ok:   true,
			want: pipes.Message{Version: "0.1", Method: "log", Params: json.RawMessage(`{"message": "hi", "level": "INFO"}`)},
		},
		"SurroundingWhitespaceAndCRLFAreIgnored": {
			line: " \t{\"__dagster_pipes_version\":\"0.1\",\"method\":\"opened\",\"params\":{}}\r\n", ok: true,
			want: pipes.Message{Version: "0.1", Method: "opened", Params: json.RawMessage(`{}`)},
		},
		"NullParamsAreNone": {
			line: `{"__dagster_pipes_version": "0.1", "method": "closed", "params": null}`, ok: true,
			want: pipes.Message{Version: "0.1", Method: "closed"},
		},
		"MissingParamsAreNone": {
			line: `{"method": "closed", "__dagster_pipes_version": "0.2"}`, ok: true,
			want: pipes.Message{Version: "0.2", Method: "closed"},
		},
		"PythonNaNAndInfinityAreAccepted": {
			line: `{"__dagster_pipes_version": "0.1", "method": "report_custom_message", "params": {"payload": [NaN, Infinity, -Infinity, "NaN"]}}`, ok: true,
			want: pipes.Message{Version: "0.1", Method: "report_custom_message",
				Params: json.RawMessage(`{"payload": ["\u0000NaN", "\u0000Infinity", "\u0000-Infinity", "NaN"]}`)},
		},
		"TruncatedMessageIsBroken": {
			line: `{"__dagster_pipes_version": "0.1", "method": "log", "params": {"mess`, ok: true,
			wantErr: "Pipes message is not valid JSON: unexpected end of JSON input",
		},
		"TrailingGarbageIsBroken": {
			line: `{"__dagster_pipes_version": "0.1", "method": "log"} x`, ok: true,
			wantErr: "Pipes message is not valid JSON: invalid character 'x' after top-level value",
		},
		"VersionNotAString": {
			line: `{"__dagster_pipes_version": 0.1, "method": "log"}`, ok: true,
			wantErr: "Pipes message: __dagster_pipes_version must be a string, got 0.1",
		},
		"NoMethod": {
			line: `{"__dagster_pipes_version": "0.1", "params": {}}`, ok: true,
			wantErr: "Pipes message has no method",
		},
		"MethodNotAString": {
			line: `{"__dagster_pipes_version": "0.1", "method": ["log"]}`, ok: true,
			wantErr: `Pipes message: method must be a string, got ["log"]`,
		},
		"MethodEmpty": {
			line: `{"__dagster_pipes_version": "0.1", "method": ""}`, ok: true,
			wantErr: "Pipes message: method is empty",
		},
		"ParamsNotAnObject": {
			line: `{"__dagster_pipes_version": "0.1", "method": "log", "params": ["hi"]}`, ok: true,
			wantErr: `log: params must be an object or null, got ["hi"]`,
		},
		"ParamsOfAnUnknownMethodNotAnObject": {
			line: `{"__dagster_pipes_version": "0.1", "method": "shout", "params": "hi"}`, ok: true,
			wantErr: `"shout": params must be an object or null, got "hi"`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			m, ok, err := pipes.ParseLine([]byte(tc.line))
			if ok != tc.ok {
				t.Errorf("ok = %v, want %v", ok, tc.ok)
			}
			if got := errText(err); got != tc.wantErr {
				t.Errorf("error %q, want %q", got, tc.wantErr)
			}
			if err != nil && plumbline.ErrorCode(err) != plumbline.EINVALID {
				t.Errorf("error code %q, want EINVALID", plumbline.ErrorCode(err))
			}
			if diff := cmp.Diff(tc.want, m); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// line builds a message line as dagster-pipes writes it.
func line(method, params string) string {
	return `{"__dagster_pipes_version": "0.1", "method": "` + method + `", "params": ` + params + `}`
}

// handle parses and handles one line.
func handle(t *testing.T, s *pipes.Session, l string) (pipes.Result, error) {
	t.Helper()
	m, ok, err := pipes.ParseLine([]byte(l))
	if !ok || err != nil {
		t.Fatalf("ParseLine(%s) = ok %v, %v", l, ok, err)
	}
	return s.Handle(m)
}

func md(entries ...string) plumbline.Metadata {
	var m plumbline.Metadata
	for i := 0; i < len(entries); i += 3 {
		m = append(m, plumbline.MetadataEntry{Key: entries[i], Type: entries[i+1], Value: json.RawMessage(entries[i+2])})
	}
	return m
}

func ptr[T any](v T) *T { return &v }

var (
	oneTarget = pipes.Context{RunID: "r1", AssetKeys: []plumbline.AssetKey{{"warehouse", "orders"}}, PartitionKey: "2024-01-01"}
	twoTarget = pipes.Context{RunID: "r2", AssetKeys: []plumbline.AssetKey{{"a"}, {"s3/bucket", "file"}}}
	noTarget  = pipes.Context{RunID: "r0"}
)

func TestHandleTurnsMessagesIntoEvents(t *testing.T) {
	orders := plumbline.AssetKey{"warehouse", "orders"}
	for name, tc := range map[string]struct {
		ctx        pipes.Context
		line       string
		want       []plumbline.Event
		wantOutput *pipes.StreamChunk
	}{
		"OpenedIsAnEngineEvent": {oneTarget, line("opened", `{"extras": {}}`), []plumbline.Event{
			{Type: plumbline.EngineEvent, RunID: "r1", Message: "Pipes session opened"},
		}, nil},
		"OpenedKeepsExtrasAsJSON": {oneTarget, line("opened", `{"extras": {"cluster": "c1", "n": 2}, "writer": "custom"}`), []plumbline.Event{
			{Type: plumbline.EngineEvent, RunID: "r1", Message: "Pipes session opened",
				Metadata: md("extras", "json", `{"cluster":"c1","n":2}`, "writer", "json", `"custom"`)},
		}, nil},
		"ClosedIsAnEngineEvent": {oneTarget, line("closed", `{}`), []plumbline.Event{
			{Type: plumbline.EngineEvent, RunID: "r1", Message: "Pipes session closed"},
		}, nil},
		"ClosedWithNullParams": {oneTarget, line("closed", `null`), []plumbline.Event{
			{Type: plumbline.EngineEvent, RunID: "r1", Message: "Pipes session closed"},
		}, nil},
		"ClosedWithAnExceptionIsAnErrorLog": {oneTarget, line("closed", `{"exception": {"message": "ValueError: boom\n",
			"stack": ["  File \"job.py\", line 3, in <module>\n    main()\n", "  File \"job.py\", line 2, in main\n    raise ValueError(\"boom\")\n"],
			"name": "ValueError", "cause": null, "context": null}}`), []plumbline.Event{
			{Type: plumbline.Log, RunID: "r1", Level: "ERROR", Message: "ValueError: boom", Metadata: md(
				"stack", "md", `"`+"```"+`\nTraceback (most recent call last):\n  File \"job.py\", line 3, in <module>\n    main()\n  File \"job.py\", line 2, in main\n    raise ValueError(\"boom\")\nValueError: boom\n`+"```"+`"`,
				"exception", "json", `{"message":"ValueError: boom\n","stack":["  File \"job.py\", line 3, in <module>\n    main()\n","  File \"job.py\", line 2, in main\n    raise ValueError(\"boom\")\n"],"name":"ValueError","cause":null,"context":null}`)},
		}, nil},
		"ClosedWithAChainedExceptionShowsTheChain": {oneTarget, line("closed", `{"exception": {"message": "RuntimeError: load failed\n",
			"stack": ["  File \"job.py\", line 9, in <module>\n"], "name": "RuntimeError",
			"cause": {"message": "KeyError: 'id'\n", "stack": ["  File \"job.py\", line 7, in <module>\n"], "name": "KeyError", "cause": null, "context": null},
			"context": {"message": "KeyError: 'id'\n", "stack": [], "name": "KeyError", "cause": null, "context": null}}}`), []plumbline.Event{
			{Type: plumbline.Log, RunID: "r1", Level: "ERROR", Message: "RuntimeError: load failed", Metadata: md(
				"stack", "md", `"`+"```"+`\nTraceback (most recent call last):\n  File \"job.py\", line 7, in <module>\nKeyError: 'id'\n\nThe above exception was the direct cause of the following exception:\n\nTraceback (most recent call last):\n  File \"job.py\", line 9, in <module>\nRuntimeError: load failed\n`+"```"+`"`,
				"exception", "json", `{"message":"RuntimeError: load failed\n","stack":["  File \"job.py\", line 9, in <module>\n"],"name":"RuntimeError","cause":{"message":"KeyError: 'id'\n","stack":["  File \"job.py\", line 7, in <module>\n"],"name":"KeyError","cause":null,"context":null},"context":{"message":"KeyError: 'id'\n","stack":[],"name":"KeyError","cause":null,"context":null}}`)},
		}, nil},
		"ClosedWithAnExceptionThatIsJustAString": {oneTarget, line("closed", `{"exception": "it broke"}`), []plumbline.Event{
			{Type: plumbline.Log, RunID: "r1", Level: "ERROR", Message: "it broke", Metadata: md("exception", "json", `"it broke"`)},
		}, nil},
		"LogKeepsItsLevel": {oneTarget, line("log", `{"message": "careful", "level": "WARNING"}`), []plumbline.Event{
			{Type: plumbline.Log, RunID: "r1", Level: "WARNING", Message: "careful"},
		}, nil},
		"LogLevelIsNormalized": {oneTarget, line("log", `{"message": "x", "level": "warn"}`), []plumbline.Event{
			{Type: plumbline.Log, RunID: "r1", Level: "WARNING", Message: "x"},
		}, nil},
		"LogWithoutLevelIsInfo": {oneTarget, line("log", `{"message": "x"}`), []plumbline.Event{
			{Type: plumbline.Log, RunID: "r1", Level: "INFO", Message: "x"},
		}, nil},
		"LogWithANumericLevel": {oneTarget, line("log", `{"message": "x", "level": 40}`), []plumbline.Event{
			{Type: plumbline.Log, RunID: "r1", Level: "ERROR", Message: "x"},
		}, nil},
		"LogAtAnUnknownLevelIsInfoWithAWarning": {oneTarget, line("log", `{"message": "x", "level": "Level 5"}`), []plumbline.Event{
			{Type: plumbline.Log, RunID: "r1", Level: "INFO", Message: "x", Metadata: md("level", "text", `"Level 5"`)},
			{Type: plumbline.Log, RunID: "r1", Level: "WARNING",
				Message: `log: level "Level 5" is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL; recorded at INFO`},
		}, nil},
		"LogMessageWithANULIsKept": {oneTarget, line("log", `{"message": "a\u0000b"}`), []plumbline.Event{
			{Type: plumbline.Log, RunID: "r1", Level: "INFO", Message: "a\uFFFDb"},
		}, nil},
		"MaterializationOfTheOnlyTarget": {oneTarget, line("report_asset_materialization",
			`{"asset_key": null, "data_version": "v42", "metadata": {
				"rows": {"raw_value": 10, "type": "__infer__"}, "ratio": {"raw_value": 1.0, "type": "__infer__"},
				"name": {"raw_value": "orders", "type": "__infer__"}, "ok": {"raw_value": true, "type": "__infer__"},
				"none": {"raw_value": null, "type": "__infer__"}, "list": {"raw_value": [1, "x"], "type": "__infer__"},
				"nan": {"raw_value": NaN, "type": "__infer__"}, "inf": {"raw_value": -Infinity, "type": "float"},
				"big": {"raw_value": 1000000000000000000000000000000, "type": "__infer__"},
				"url": {"raw_value": "https://x", "type": "url"}, "doc": {"raw_value": "# h", "type": "md"},
				"path": {"raw_value": "/data/o.parquet", "type": "path"}, "nb": {"raw_value": "a.ipynb", "type": "notebook"},
				"obj": {"raw_value": {"a": NaN}, "type": "json"}, "n": {"raw_value": 3, "type": "float"},
				"i": {"raw_value": 3.0, "type": "int"}, "b": {"raw_value": false, "type": "bool"},
				"run": {"raw_value": "run-0", "type": "dagster_run"}, "up": {"raw_value": "raw/orders", "type": "asset"},
				"nil": {"raw_value": null, "type": "null"}, "at": {"raw_value": 1700000000.5, "type": "timestamp"},
				"schema": {"raw_value": {"columns": [{"name": "id", "type": "int"}]}, "type": "table_schema"},
				"table": {"raw_value": {"records": [{"id": 1}], "schema": []}, "type": "table"},
				"lineage": {"raw_value": {"deps_by_column": {"id": [{"asset_key": "raw/orders", "column_name": "id"}]}}, "type": "table_column_lineage"},
				"plain": 7}}`), []plumbline.Event{
			{Type: plumbline.AssetMaterialization, RunID: "r1", AssetKey: orders, Partition: "2024-01-01", DataVersion: "v42", Metadata: md(
				"rows", "int", `10`, "ratio", "float", `1.0`, "name", "text", `"orders"`, "ok", "bool", `true`,
				"none", "null", `null`, "list", "json", `[1,"x"]`, "nan", "float", `"NaN"`, "inf", "float", `"-Infinity"`,
				"big", "int", `1000000000000000000000000000000`,
				"url", "url", `"https://x"`, "doc", "md", `"# h"`, "path", "path", `"/data/o.parquet"`, "nb", "notebook", `"a.ipynb"`,
				"obj", "json", `{"a":"NaN"}`, "n", "float", `3`, "i", "int", `3`, "b", "bool", `false`,
				"run", "run", `"run-0"`, "up", "asset", `"raw/orders"`, "nil", "null", `null`, "at", "timestamp", `1700000000.5`,
				"schema", "table_schema", `{"columns":[{"name":"id","type":"int"}]}`,
				"table", "table", `{"records":[{"id":1}],"schema":[]}`,
				"lineage", "table_column_lineage", `{"deps_by_column":{"id":[{"asset_key":"raw/orders","column_name":"id"}]}}`,
				"plain", "int", `7`)},
		}, nil},
		"MaterializationWithoutParams": {oneTarget, line("report_asset_materialization", `{}`), []plumbline.Event{
			{Type: plumbline.AssetMaterialization, RunID: "r1", AssetKey: orders, Partition: "2024-01-01"},
		}, nil},
		"MaterializationNamesATargetWithEscapedSlash": {twoTarget, line("report_asset_materialization",
			`{"asset_key": "s3\\/bucket/file", "data_version": null, "metadata": null}`), []plumbline.Event{
			{Type: plumbline.AssetMaterialization, RunID: "r2", AssetKey: plumbline.AssetKey{"s3/bucket", "file"}},
		}, nil},
		"MaterializationOfAnyAssetWhenTheRunTargetsNone": {noTarget, line("report_asset_materialization",
			`{"asset_key": "x/y\\\\z/"}`), []plumbline.Event{
			{Type: plumbline.AssetMaterialization, RunID: "r0", AssetKey: plumbline.AssetKey{"x", `y\z`}},
		}, nil},
		"CheckWithDefaults": {oneTarget, line("report_asset_check",
			`{"asset_key": "warehouse/orders", "check_name": "no_nulls", "passed": true, "metadata": null, "severity": "ERROR"}`), []plumbline.Event{
			{Type: plumbline.AssetCheckEvaluation, RunID: "r1", AssetKey: orders, Partition: "2024-01-01",
				CheckName: "no_nulls", Passed: ptr(true), Severity: "ERROR"},
		}, nil},
		"CheckWarningWithMetadata": {oneTarget, line("report_asset_check",
			`{"check_name": "fresh", "passed": false, "severity": "WARN", "metadata": {"lag": {"raw_value": 3600, "type": "__infer__"}}}`), []plumbline.Event{
			{Type: plumbline.AssetCheckEvaluation, RunID: "r1", AssetKey: orders, Partition: "2024-01-01",
				CheckName: "fresh", Passed: ptr(false), Severity: "WARN", Metadata: md("lag", "int", "3600")},
		}, nil},
		"CheckWithoutSeverityIsError": {oneTarget, line("report_asset_check", `{"check_name": "c", "passed": false}`), []plumbline.Event{
			{Type: plumbline.AssetCheckEvaluation, RunID: "r1", AssetKey: orders, Partition: "2024-01-01",
				CheckName: "c", Passed: ptr(false), Severity: "ERROR"},
		}, nil},
		"CustomMessageKeepsThePayloadExactly": {oneTarget, line("report_custom_message",
			`{"payload": {"rows": 10, "ratio": 1.50, "tags": ["a"], "big": 12345678901234567890}}`), []plumbline.Event{
			{Type: plumbline.Log, RunID: "r1", Level: "INFO", Message: "custom message",
				Metadata: md("payload", "json", `{"rows":10,"ratio":1.50,"tags":["a"],"big":12345678901234567890}`)},
		}, nil},
		"CustomMessageShortStringIsTheMessage": {oneTarget, line("report_custom_message", `{"payload": "stage 2 done"}`), []plumbline.Event{
			{Type: plumbline.Log, RunID: "r1", Level: "INFO", Message: "stage 2 done", Metadata: md("payload", "json", `"stage 2 done"`)},
		}, nil},
		"CustomMessageLongStringIsNot": {oneTarget, line("report_custom_message", `{"payload": "`+strings.Repeat("x", 201)+`"}`), []plumbline.Event{
			{Type: plumbline.Log, RunID: "r1", Level: "INFO", Message: "custom message", Metadata: md("payload", "json", `"`+strings.Repeat("x", 201)+`"`)},
		}, nil},
		"CustomMessageNullPayload": {oneTarget, line("report_custom_message", `{"payload": null}`), []plumbline.Event{
			{Type: plumbline.Log, RunID: "r1", Level: "INFO", Message: "custom message", Metadata: md("payload", "json", `null`)},
		}, nil},
		"ExternalStreamIsOutput": {oneTarget, line("log_external_stream", `{"stream": "stderr", "text": "worker 3: done\n", "extras": {}}`),
			nil, &pipes.StreamChunk{Stream: "stderr", Text: "worker 3: done\n"}},
	} {
		t.Run(name, func(t *testing.T) {
			res, err := handle(t, pipes.NewSession(tc.ctx), tc.line)
			if err != nil {
				t.Fatalf("Handle: %v", err)
			}
			if diff := cmp.Diff(tc.want, res.Events); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantOutput, res.Output); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			for _, e := range res.Events {
				if err := e.Normalize(); err != nil {
					t.Errorf("event does not normalize: %v", err)
				}
			}
		})
	}
}

func TestHandleRejectsInvalidMessages(t *testing.T) {
	for name, tc := range map[string]struct {
		ctx  pipes.Context
		line string
		want string
	}{
		"UnknownMethod": {oneTarget, line("report_asset_observation", `{}`),
			`unknown Pipes method "report_asset_observation" (known: opened, closed, log, report_asset_materialization, report_asset_check, report_custom_message, log_external_stream)`},
		"LogWithoutMessage":  {oneTarget, line("log", `{"level": "INFO"}`), "log: message is missing"},
		"LogMessageNotText":  {oneTarget, line("log", `{"message": 42}`), "log: message must be a string, got 42"},
		"LogMessageNull":     {oneTarget, line("log", `{"message": null}`), "log: message must be a string, got null"},
		"LogLevelNotText":    {oneTarget, line("log", `{"message": "x", "level": ["INFO"]}`), `log: level must be a string, got ["INFO"]`},
		"LogWithoutParams":   {oneTarget, line("log", `null`), "log: message is missing"},
		"AssetKeyNotAString": {twoTarget, line("report_asset_materialization", `{"asset_key": ["a"]}`), `report_asset_materialization: asset_key must be a string, got ["a"]`},
		"AssetKeyMissingWithSeveralTargets": {twoTarget, line("report_asset_materialization", `{"asset_key": null}`),
			`report_asset_materialization: asset_key is missing and the run targets 2 assets (a, s3\/bucket/file); name one`},
		"AssetKeyMissingWithoutTargets": {noTarget, line("report_asset_check", `{"check_name": "c", "passed": true}`),
			"report_asset_check: asset_key is missing and the run targets no asset"},
		"AssetKeyNotATarget": {twoTarget, line("report_asset_materialization", `{"asset_key": "b"}`),
			`report_asset_materialization: asset_key "b" is not one of the run's targets (a, s3\/bucket/file)`},
		"AssetKeyWithAnEmptyPart": {noTarget, line("report_asset_materialization", `{"asset_key": "a//b"}`),
			`report_asset_materialization: asset key "a//b" has an empty part at position 2`},
		"AssetKeyTooLong": {noTarget, line("report_asset_materialization", `{"asset_key": "`+strings.Repeat("k", 1025)+`"}`),
			"report_asset_materialization: asset key is longer than 1024 bytes"},
		"DataVersionNotAString": {oneTarget, line("report_asset_materialization", `{"data_version": 3}`),
			"report_asset_materialization: data_version must be a string, got 3"},
		"MetadataNotAnObject": {oneTarget, line("report_asset_materialization", `{"metadata": [1]}`),
			"report_asset_materialization: metadata must be a JSON object of key to value, got a list"},
		"MetadataOfAnUnknownType": {oneTarget, line("report_asset_materialization", `{"metadata": {"x": {"raw_value": 1, "type": "bignum"}}}`),
			`report_asset_materialization: metadata "x" has unknown type "bignum" (known types: text, url, path, json, md, int, float, bool, timestamp, asset, run, table, table_schema, table_column_lineage, null, notebook)`},
		"MetadataOfTheWrongType": {oneTarget, line("report_asset_materialization", `{"metadata": {"rows": {"raw_value": "ten", "type": "int"}}}`),
			`report_asset_materialization: metadata "rows" of type int needs an integer, got a string`},
		"MetadataWithAnEmptyKey": {oneTarget, line("report_asset_check", `{"check_name": "c", "passed": true, "metadata": {"": 1}}`),
			"report_asset_check: metadata key is empty"},
		"CheckWithoutName":    {oneTarget, line("report_asset_check", `{"passed": true}`), "report_asset_check: check_name is missing"},
		"CheckNameEmpty":      {oneTarget, line("report_asset_check", `{"check_name": "", "passed": true}`), "report_asset_check: check_name is empty"},
		"CheckNameNotAString": {oneTarget, line("report_asset_check", `{"check_name": 1, "passed": true}`), "report_asset_check: check_name must be a string, got 1"},
		"PassedMissing":       {oneTarget, line("report_asset_check", `{"check_name": "c"}`), "report_asset_check: passed is missing"},
		"PassedNotABool": {oneTarget, line("report_asset_check", `{"check_name": "c", "passed": "yes"}`),
			`report_asset_check: passed must be true or false, got "yes"`},
		"PassedNull": {oneTarget, line("report_asset_check", `{"check_name": "c", "passed": null}`),
			`report_asset_check: passed must be true or false, got null`},
		"PassedNaN": {oneTarget, line("report_asset_check", `{"check_name": "c", "passed": NaN}`),
			`report_asset_check: passed must be true or false, got NaN`},
		"SeverityUnknown": {oneTarget, line("report_asset_check", `{"check_name": "c", "passed": false, "severity": "LOW"}`),
			`report_asset_check: severity must be "WARN" or "ERROR", got "LOW"`},
		"CustomMessageWithoutPayload": {oneTarget, line("report_custom_message", `{}`), "report_custom_message: payload is missing"},
		"ExternalStreamUnknown": {oneTarget, line("log_external_stream", `{"stream": "stdlog", "text": "x"}`),
			`log_external_stream: stream must be "stdout" or "stderr", got "stdlog"`},
		"ExternalStreamWithoutText": {oneTarget, line("log_external_stream", `{"stream": "stdout"}`), "log_external_stream: text is missing"},
		"LongValueIsShortenedInTheError": {oneTarget, line("report_asset_check", `{"check_name": "c", "passed": "`+strings.Repeat("y", 100)+`"}`),
			`report_asset_check: passed must be true or false, got "` + strings.Repeat("y", 56) + `...`},
	} {
		t.Run(name, func(t *testing.T) {
			res, err := handle(t, pipes.NewSession(tc.ctx), tc.line)
			if got := errText(err); got != tc.want {
				t.Errorf("error\n got %s\nwant %s", got, tc.want)
			}
			if plumbline.ErrorCode(err) != plumbline.EINVALID {
				t.Errorf("error code %q, want EINVALID", plumbline.ErrorCode(err))
			}
			if len(res.Events) > 0 || res.Output != nil {
				t.Errorf("an invalid message produced %+v", res)
			}
		})
	}
}

func TestSessionState(t *testing.T) {
	s := pipes.NewSession(twoTarget)
	check := func(step string, opened, closed bool, reported []plumbline.AssetKey) {
		t.Helper()
		if s.Opened() != opened || s.Closed() != closed {
			t.Errorf("after %s: opened %v closed %v, want %v %v", step, s.Opened(), s.Closed(), opened, closed)
		}
		if diff := cmp.Diff(reported, s.Reported()); diff != "" {
			t.Errorf("after %s: reported (-want +got):\n%s", step, diff)
		}
	}
	check("nothing", false, false, nil)
	handle(t, s, line("opened", `{"extras": {}}`))
	check("opened", true, false, nil)
	handle(t, s, line("report_asset_materialization", `{"asset_key": "s3\\/bucket/file"}`))
	handle(t, s, line("report_asset_materialization", `{"asset_key": "nope"}`)) // rejected: not a target
	handle(t, s, line("report_asset_materialization", `{"asset_key": "s3\\/bucket/file"}`))
	handle(t, s, line("report_asset_check", `{"asset_key": "a", "check_name": "c", "passed": true}`))
	check("reports", true, false, []plumbline.AssetKey{{"s3/bucket", "file"}})
	if s.Exception() != nil {
		t.Errorf("exception before closed: %+v", s.Exception())
	}
	handle(t, s, line("closed", `{"exception": {"name": "ValueError", "message": "ValueError: x\n", "stack": ["  File \"a.py\", line 1\n"],
		"cause": {"name": "KeyError", "message": "KeyError: 'k'\n", "stack": [], "cause": null, "context": null}, "context": null}}`))
	check("closed", true, true, []plumbline.AssetKey{{"s3/bucket", "file"}})
	want := &pipes.Exception{Name: "ValueError", Message: "ValueError: x\n", Stack: []string{"  File \"a.py\", line 1\n"},
		Cause: &pipes.Exception{Name: "KeyError", Message: "KeyError: 'k'\n"}}
	if diff := cmp.Diff(want, s.Exception()); diff != "" {
		t.Errorf("exception (-want +got):\n%s", diff)
	}

	// Messages after closed are still handled.
	res, err := handle(t, s, line("report_asset_materialization", `{"asset_key": "a"}`))
	if err != nil || len(res.Events) != 1 {
		t.Errorf("after closed: %v, %+v", err, res)
	}
	check("late report", true, true, []plumbline.AssetKey{{"s3/bucket", "file"}, {"a"}})
}

func TestExceptionTitle(t *testing.T) {
	for name, tc := range map[string]struct {
		e    pipes.Exception
		want string
	}{
		"PythonMessageAlreadyNamed":  {pipes.Exception{Name: "ValueError", Message: "ValueError: boom\n"}, "ValueError: boom"},
		"ModuleQualifiedName":        {pipes.Exception{Name: "DagsterPipesError", Message: "dagster_pipes.DagsterPipesError: bad\n"}, "dagster_pipes.DagsterPipesError: bad"},
		"BareMessageGetsTheName":     {pipes.Exception{Name: "ValueError", Message: "boom"}, "ValueError: boom"},
		"ExceptionWithoutAMessage":   {pipes.Exception{Name: "KeyboardInterrupt", Message: "KeyboardInterrupt\n"}, "KeyboardInterrupt"},
		"NoNameAtAll":                {pipes.Exception{Message: "something\n"}, "something"},
		"NothingAtAll":               {pipes.Exception{}, "exception"},
		"NameOnly":                   {pipes.Exception{Name: "SystemExit"}, "SystemExit"},
		"SyntaxErrorStartsAtItsLine": {pipes.Exception{Name: "SyntaxError", Message: "  File \"x.py\", line 1\n    def (\n        ^\nSyntaxError: invalid syntax\n"}, "SyntaxError: invalid syntax"},
		"NotesFollowTheMessage":      {pipes.Exception{Name: "ValueError", Message: "ValueError: boom\nwhile loading orders\n"}, "ValueError: boom\nwhile loading orders"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := tc.e.Title(); got != tc.want {
				t.Errorf("Title() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseAssetKeyReadsDagsterPipesKeys(t *testing.T) {
	for in, want := range map[string]plumbline.AssetKey{
		"orders":             {"orders"},
		"warehouse/orders":   {"warehouse", "orders"},
		`s3\/bucket/file`:    {"s3/bucket", "file"},
		`back\\slash/x`:      {`back\slash`, "x"},
		`odd\escape`:         {"oddescape"},
		"trailing/":          {"trailing"},
		"a//b":               {"a", "", "b"},
		"":                   nil,
		`s3\/bucket/file\\x`: {"s3/bucket", `file\x`},
	} {
		if diff := cmp.Diff(want, pipes.ParseAssetKey(in)); diff != "" {
			t.Errorf("ParseAssetKey(%q) (-want +got):\n%s", in, diff)
		}
	}
	// Every key Plumbline writes into the context reads back as itself.
	for _, k := range []plumbline.AssetKey{{"a"}, {"a/b", "c"}, {`a\b`, `\`, "/"}, {"ünï", "x y"}} {
		if got := pipes.ParseAssetKey(k.String()); !got.Equal(k) {
			t.Errorf("ParseAssetKey(%q) = %q, want %q", k.String(), got, k)
		}
	}
}
