package pipes_test

import (
	"bytes"
	"compress/zlib"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/pipes"
)

// python3 returns the path of python3. Without it the test is skipped, except under CI=true
// where it fails.
func python3(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 is not installed, and CI needs it for the Pipes compatibility tests")
		}
		t.Skip("python3 is not installed; skipping (CI=true makes this a failure)")
	}
	return path
}

// env returns the variables of a launch by name.
func env(t *testing.T, l *pipes.Launch) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, kv := range l.Env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			t.Fatalf("env entry %q has no =", kv)
		}
		m[k] = v
	}
	return m
}

func decodeParam(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := pipes.DecodeParam(s, &v); err != nil {
		t.Fatalf("DecodeParam(%q): %v", s, err)
	}
	return v
}

func TestBootstrapWritesWhatDagsterPipesReads(t *testing.T) {
	for name, tc := range map[string]struct {
		cm           pipes.ContextMode
		mm           pipes.MessagesMode
		wantMessages func(dir string) any
	}{
		"ContextFileMessagesFile": {pipes.ContextFile, pipes.MessagesFile, func(dir string) any {
			return map[string]any{"path": filepath.Join(dir, "messages.jsonl")}
		}},
		"ContextDataMessagesStdout": {pipes.ContextData, pipes.MessagesStdout, func(string) any {
			return map[string]any{"stdio": "stdout"}
		}},
		"ContextFileMessagesStderr": {pipes.ContextFile, pipes.MessagesStderr, func(string) any {
			return map[string]any{"stdio": "stderr"}
		}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run", "1") // created by Bootstrap
			l, err := pipes.Bootstrap(dir, pipes.Context{RunID: "r1", AssetKeys: []plumbline.AssetKey{{"a"}}}, tc.cm, tc.mm)
			if err != nil {
				t.Fatal(err)
			}
			vars := env(t, l)
			if diff := cmp.Diff([]string{pipes.EnvContext, pipes.EnvMessages, pipes.EnvIsPipedProcess}, keysOf(l.Env)); diff != "" {
				t.Errorf("variables (-want +got):\n%s", diff)
			}
			if got := decodeParam(t, vars[pipes.EnvIsPipedProcess]); got != true {
				t.Errorf("%s decodes to %v, want true", pipes.EnvIsPipedProcess, got)
			}
			if diff := cmp.Diff(tc.wantMessages(dir), decodeParam(t, vars[pipes.EnvMessages])); diff != "" {
				t.Errorf("messages param (-want +got):\n%s", diff)
			}

			ctxParam := decodeParam(t, vars[pipes.EnvContext]).(map[string]any)
			var data any
			switch tc.cm {
			case pipes.ContextFile:
				path := ctxParam["path"].(string)
				if path != filepath.Join(dir, "context.json") || path != l.ContextPath {
					t.Errorf("context path %q, launch says %q, want %q", path, l.ContextPath, filepath.Join(dir, "context.json"))
				}
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				json.Unmarshal(b, &data)
			case pipes.ContextData:
				data = ctxParam["data"]
			}
			if got := data.(map[string]any)["run_id"]; got != "r1" {
				t.Errorf("run_id %v, want r1", got)
			}

			if tc.mm == pipes.MessagesFile {
				fi, err := os.Stat(l.MessagesPath)
				if err != nil || fi.Size() != 0 {
					t.Errorf("messages file: %v, size %v; want it empty", err, fi)
				}
			} else if l.MessagesPath != "" {
				t.Errorf("MessagesPath %q in stdio mode", l.MessagesPath)
			}
			if l.Mode != tc.mm {
				t.Errorf("Mode %v, want %v", l.Mode, tc.mm)
			}
		})
	}
}

func keysOf(envs []string) []string {
	var keys []string
	for _, kv := range envs {
		k, _, _ := strings.Cut(kv, "=")
		keys = append(keys, k)
	}
	return keys
}

func TestBootstrapContextHasAllTenKeys(t *testing.T) {
	r := [2]string{"2024-01-01", "2024-01-31"}
	for name, tc := range map[string]struct {
		c    pipes.Context
		want string
	}{
		"NullWhereUnknown": {pipes.Context{RunID: "r1"},
			`{"asset_keys":null,"code_version_by_asset_key":null,"provenance_by_asset_key":null,
			  "partition_key":null,"partition_key_range":null,"partition_time_window":null,
			  "run_id":"r1","job_name":null,"retry_number":0,"extras":{}}`},
		"EverythingKnown": {pipes.Context{
			RunID: "r2", JobName: "nightly", RetryNumber: 2,
			AssetKeys:    []plumbline.AssetKey{{"warehouse", "orders"}, {"s3/bucket", `file\x`}},
			CodeVersions: map[string]string{"warehouse/orders": "3", "elsewhere": "9"},
			PartitionKey: "2024-01-02",
			Extras:       map[string]any{"threshold": 0.5, "mode": "full"},
		}, `{"asset_keys":["warehouse/orders","s3\\/bucket/file\\\\x"],
			  "code_version_by_asset_key":{"warehouse/orders":"3","s3\\/bucket/file\\\\x":null},
			  "provenance_by_asset_key":{"warehouse/orders":null,"s3\\/bucket/file\\\\x":null},
			  "partition_key":"2024-01-02","partition_key_range":{"start":"2024-01-02","end":"2024-01-02"},
			  "partition_time_window":null,"run_id":"r2","job_name":"nightly","retry_number":2,
			  "extras":{"threshold":0.5,"mode":"full"}}`},
		"PartitionRangeWithoutKey": {pipes.Context{RunID: "r3", PartitionKeyRange: &r},
			`{"asset_keys":null,"code_version_by_asset_key":null,"provenance_by_asset_key":null,
			  "partition_key":null,"partition_key_range":{"start":"2024-01-01","end":"2024-01-31"},
			  "partition_time_window":null,"run_id":"r3","job_name":null,"retry_number":0,"extras":{}}`},
	} {
		t.Run(name, func(t *testing.T) {
			l, err := pipes.Bootstrap(t.TempDir(), tc.c, pipes.ContextData, pipes.MessagesStdout)
			if err != nil {
				t.Fatal(err)
			}
			got := decodeParam(t, env(t, l)[pipes.EnvContext]).(map[string]any)["data"]
			var want any
			if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("context data (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBootstrapRejectsBadContext(t *testing.T) {
	big := make([]byte, 200<<10) // random, so that zlib cannot shrink it
	rand.Read(big)
	for name, tc := range map[string]struct {
		c        pipes.Context
		cm       pipes.ContextMode
		wantCode string
		wantMsg  string
	}{
		"NoRunID": {pipes.Context{}, pipes.ContextFile, plumbline.EINVALID, "Pipes context has no run id"},
		"EmptyAssetKeyPart": {pipes.Context{RunID: "r", AssetKeys: []plumbline.AssetKey{{"a", ""}}}, pipes.ContextFile,
			plumbline.EINVALID, `asset key "a/" has an empty part at position 2`},
		"ExtrasNotJSON": {pipes.Context{RunID: "r", Extras: map[string]any{"f": func() {}}}, pipes.ContextFile,
			plumbline.EINVALID, "Pipes context extras are not JSON: unsupported type: func()"},
		"InlineContextTooBig": {pipes.Context{RunID: "r", Extras: map[string]any{"blob": base64.StdEncoding.EncodeToString(big)}}, pipes.ContextData,
			plumbline.ETOOLARGE, ""},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := pipes.Bootstrap(t.TempDir(), tc.c, tc.cm, pipes.MessagesFile)
			if plumbline.ErrorCode(err) != tc.wantCode {
				t.Fatalf("error %v (code %q), want code %q", err, plumbline.ErrorCode(err), tc.wantCode)
			}
			if tc.wantMsg != "" && err.Error() != tc.wantMsg {
				t.Errorf("error %q, want %q", err, tc.wantMsg)
			}
		})
	}
	t.Run("InlineContextTooBigFitsInAFile", func(t *testing.T) {
		c := pipes.Context{RunID: "r", Extras: map[string]any{"blob": base64.StdEncoding.EncodeToString(big)}}
		if _, err := pipes.Bootstrap(t.TempDir(), c, pipes.ContextFile, pipes.MessagesFile); err != nil {
			t.Errorf("Bootstrap with a context file: %v", err)
		}
	})
}

func TestBootstrapEmptiesAnOldMessagesFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, pipes.MessagesFileName), []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := pipes.Bootstrap(dir, pipes.Context{RunID: "r"}, pipes.ContextFile, pipes.MessagesFile)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(l.MessagesPath); len(b) != 0 {
		t.Errorf("messages file holds %q, want it empty", b)
	}
}

var paramValues = map[string]any{
	"Bool":      true,
	"Path":      map[string]any{"path": "/tmp/run 1/messages.jsonl"},
	"Stdio":     map[string]any{"stdio": "stderr"},
	"Unicode":   map[string]any{"data": map[string]any{"run_id": "ünï<&>", "extras": map[string]any{"emoji": "🦆"}}},
	"Nested":    map[string]any{"data": map[string]any{"asset_keys": []any{"a/b", `c\/d`}, "retry_number": 3.0, "x": nil}},
	"EmptyList": []any{},
}

func TestEncodeParamRoundTrips(t *testing.T) {
	for name, v := range paramValues {
		t.Run(name, func(t *testing.T) {
			s, err := pipes.EncodeParam(v)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(v, decodeParam(t, s)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestEncodeParamIsWhatPythonDecodes(t *testing.T) {
	py := python3(t)
	for name, v := range paramValues {
		t.Run(name, func(t *testing.T) {
			s, err := pipes.EncodeParam(v)
			if err != nil {
				t.Fatal(err)
			}
			// decode_param, as dagster-pipes writes it.
			out, err := exec.Command(py, "-c", `import base64, json, sys, zlib
print(json.dumps(json.loads(zlib.decompress(base64.b64decode(sys.argv[1])).decode("utf-8"))))`, s).Output()
			if err != nil {
				t.Fatalf("python3: %v", err)
			}
			var got any
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("python3 printed %q: %v", out, err)
			}
			if diff := cmp.Diff(v, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeParamReadsWhatPythonEncodes(t *testing.T) {
	py := python3(t)
	for name, v := range paramValues {
		t.Run(name, func(t *testing.T) {
			in, _ := json.Marshal(v)
			// encode_param, as dagster-pipes writes it (json.dumps with its default separators).
			out, err := exec.Command(py, "-c", `import base64, json, sys, zlib
print(base64.b64encode(zlib.compress(json.dumps(json.loads(sys.argv[1])).encode("utf-8"))).decode("utf-8"))`, string(in)).Output()
			if err != nil {
				t.Fatalf("python3: %v", err)
			}
			if diff := cmp.Diff(v, decodeParam(t, string(bytes.TrimSpace(out)))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	t.Run("EncodedTrueIsTheDocumentedConstant", func(t *testing.T) {
		// dagster-pipes' encode_env_var(True), which Dagster's own examples set in
		// DAGSTER_PIPES_IS_DAGSTER_PIPED_PROCESS.
		if got := decodeParam(t, "eJwrKSpNBQAEeQHB"); got != true {
			t.Errorf("got %v, want true", got)
		}
	})
}

func TestDecodeParamSaysWhichLayerIsBroken(t *testing.T) {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte("not json"))
	zw.Close()
	notJSON := base64.StdEncoding.EncodeToString(z.Bytes())
	for name, tc := range map[string]struct{ in, want string }{
		"NotBase64": {"%%%", "Pipes parameter is not base64: illegal base64 data at input byte 0"},
		"NotZlib":   {base64.StdEncoding.EncodeToString([]byte("plain")), "Pipes parameter is not zlib-compressed: zlib: invalid header"},
		"NotJSON":   {notJSON, "Pipes parameter is not JSON: invalid character 'o' in literal null (expecting 'u')"},
	} {
		t.Run(name, func(t *testing.T) {
			var v any
			err := pipes.DecodeParam(tc.in, &v)
			if err == nil || err.Error() != tc.want || plumbline.ErrorCode(err) != plumbline.EINVALID {
				t.Errorf("error %v, want EINVALID %q", err, tc.want)
			}
		})
	}
	t.Run("UnpaddedBase64IsAccepted", func(t *testing.T) {
		s, _ := pipes.EncodeParam(map[string]string{"stdio": "stdout"})
		if got := decodeParam(t, strings.TrimRight(s, "=")); !cmp.Equal(got, map[string]any{"stdio": "stdout"}) {
			t.Errorf("got %v", got)
		}
	})
}
