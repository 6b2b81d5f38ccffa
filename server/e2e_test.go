package main_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/plumbline/plumbline/internal/dbtest"
	"github.com/plumbline/plumbline/internal/e2e"
)

func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }

// do sends a request and returns the status and body.
func do(t *testing.T, method, u, contentType string, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// gql posts a GraphQL query and decodes its data; it fails the test on errors.
func gql(t *testing.T, srv *e2e.Server, query string, out any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	status, resp := do(t, http.MethodPost, srv.URL+"/graphql", "application/json", bytes.NewReader(body))
	var r struct {
		Data   json.RawMessage
		Errors json.RawMessage
	}
	if err := json.Unmarshal([]byte(resp), &r); err != nil || status != 200 || len(r.Errors) > 0 {
		t.Fatalf("%s: %d %s", query, status, resp)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatal(err)
	}
}

// The examples of Dagster's documentation for reporting from outside, sent as curl sends
// them, against the real binary.
func TestDagsterReportingExamplesWorkUnchanged(t *testing.T) {
	e2e.Each(t, func(t *testing.T, srv *e2e.Server) {
		for _, tc := range []struct {
			name, path, contentType, body string
		}{
			{"MaterializationKeyInPath", "/report_asset_materialization/my_asset", "", ""},
			{"MaterializationWithMetadata", "/report_asset_materialization/my_asset", "application/json",
				`{"metadata": {"rows": 10, "source": "cron"}, "data_version": "v1"}`},
			{"KeyInBody", "/report_asset_materialization/", "application/json", `{"asset_key": ["warehouse", "orders"]}`},
			{"KeyInQuery", `/report_asset_materialization/?asset_key=["warehouse","customers"]&data_version=2`, "", ""},
			{"ObservationQueryString", "/report_asset_observation/my_asset?data_version=abc", "", ""},
			{"CheckInQuery", "/report_asset_check/my_asset?check_name=my_check&passed=true", "", ""},
			{"CheckInBody", "/report_asset_check/my_asset", "application/json",
				`{"check_name": "row_count", "passed": false, "severity": "WARN", "metadata": {"rows": 0}}`},
			{"CurlDashD", "/report_asset_materialization/my_asset", "application/x-www-form-urlencoded", `{"data_version": "v2"}`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				u := srv.URL + strings.ReplaceAll(tc.path, `"`, "%22")
				status, body := do(t, http.MethodPost, u, tc.contentType, strings.NewReader(tc.body))
				if status != 200 || !strings.Contains(body, "storageId") {
					t.Errorf("POST %s = %d %s", tc.path, status, body)
				}
			})
		}
		var resp struct {
			Asset struct {
				LatestMaterialization struct {
					DataVersion string
					Metadata    []struct {
						Key, Type string
						Value     json.RawMessage
					}
				}
				Checks []struct{ Name, Status string }
			}
		}
		gql(t, srv, `{ asset(key: {path: ["my_asset"]}) { latestMaterialization { dataVersion metadata { key type value } } checks { name status } } }`, &resp)
		a := resp.Asset
		if a.LatestMaterialization.DataVersion != "v2" || len(a.Checks) != 2 || a.Checks[0].Status != "PASSED" || a.Checks[1].Status != "WARNING" {
			t.Errorf("my_asset = %+v", a)
		}
		status, body := do(t, http.MethodPost, srv.URL+"/report_asset_check/my_asset", "application/json", strings.NewReader(`{"check_name": "c"}`))
		if status != 400 || !strings.Contains(body, `missing required parameter \"passed\"`) {
			t.Errorf("check without passed: %d %s", status, body)
		}
	})
}

func TestServerBasics(t *testing.T) {
	srv := e2e.Start(t, "--max-body-bytes", "1000")
	if status, body := do(t, http.MethodGet, srv.URL+"/healthz", "", nil); status != 200 || !strings.Contains(body, `"ok"`) {
		t.Errorf("healthz: %d %s", status, body)
	}
	q := url.QueryEscape(`{ assets(first: 1) { totalCount } }`)
	if status, body := do(t, http.MethodGet, srv.URL+"/graphql?query="+q, "", nil); status != 200 || !strings.Contains(body, `"totalCount":0`) {
		t.Errorf("GraphQL over GET: %d %s", status, body)
	}
	big := `{"query": "{ assets { totalCount } }", "variables": {"pad": "` + strings.Repeat("x", 2000) + `"}}`
	if status, body := do(t, http.MethodPost, srv.URL+"/graphql", "application/json", strings.NewReader(big)); status != 413 || !strings.Contains(body, "PAYLOAD_TOO_LARGE") {
		t.Errorf("oversized GraphQL body: %d %s", status, body)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	fmt.Fprint(zw, `{"metadata": {"n": 1}}`)
	zw.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/report_asset_materialization/zipped", &gz)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Content-Encoding", "gzip")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("gzip report: %v %v", resp, err)
	}
	status, body := do(t, http.MethodGet, srv.URL+"/metrics", "", nil)
	if status != 200 || !strings.Contains(body, `plumbline_http_requests_total{code="200",method="POST",route="/report_asset_materialization"} 1`) ||
		!strings.Contains(body, "plumbline_event_log_last_storage_id 1") {
		t.Errorf("metrics: %d\n%s", status, body)
	}
	if status, body := do(t, http.MethodGet, srv.URL+"/graphiql", "", nil); status != 200 || !strings.Contains(strings.ToLower(body), "<html") {
		t.Errorf("graphiql: %d", status)
	}
}

// Writes answered 200 before a SIGTERM are all there after a restart: shutdown lets
// requests in flight finish and commits what the writer has queued.
func TestGracefulShutdownKeepsAcceptedWrites(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			var args []string
			if db == "postgres" {
				args = []string{"--database-url", dbtest.PostgresURL(t)}
			} else {
				args = []string{"--data-dir", t.TempDir()}
			}
			srv := e2e.Start(t, args...)
			var (
				wg       sync.WaitGroup
				mu       sync.Mutex
				accepted int
			)
			for w := 0; w < 8; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ; i++ {
						resp, err := http.Post(fmt.Sprintf("%s/report_asset_materialization/w/%d", srv.URL, i%5), "application/json", nil)
						if err != nil {
							return
						}
						resp.Body.Close()
						if resp.StatusCode != 200 {
							return
						}
						mu.Lock()
						accepted++
						n := accepted
						mu.Unlock()
						if n == 200 {
							go srv.Stop()
						}
					}
				}()
			}
			wg.Wait()
			if err := srv.Stop(); err != nil {
				t.Fatalf("stop: %v", err)
			}
			again := e2e.Start(t, args...)
			var resp struct {
				Events struct{ Nodes []struct{ StorageID string } }
			}
			gql(t, again, `{ events(first: 10000) { nodes { storageId } } }`, &resp)
			if got := len(resp.Events.Nodes); got < accepted {
				t.Errorf("%d writes were answered 200 but %d are stored", accepted, got)
			}
		})
	}
}

func TestStartupWithBadDefinitionsFailsNamingTheLine(t *testing.T) {
	bin := e2e.Build(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "plumbline.yaml")
	if err := os.WriteFile(path, []byte("assets:\n  - key: a\n    owners: [nobody]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--defs", path)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("serve started with a bad definitions file:\n%s", out)
	}
	if !strings.Contains(string(out), path+":3:14:") || !strings.Contains(string(out), "owners") {
		t.Errorf("error does not name the line and field:\n%s", out)
	}
}

func TestEnvironmentConfiguresServe(t *testing.T) {
	bin := e2e.Build(t)
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "PLUMBLINE_DATA_DIR="+t.TempDir(), "PLUMBLINE_LOG_FORMAT=yaml")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), `--log-format "yaml": want text or json`) {
		t.Errorf("PLUMBLINE_LOG_FORMAT was not read: %v\n%s", err, out)
	}
}
