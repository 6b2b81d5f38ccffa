package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/client"
	"github.com/plumbline/plumbline/internal/apierr"
	"github.com/plumbline/plumbline/internal/e2e"
)

func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }

// entry is a metadata entry with its value as the server wrote it, numbers exactly so
// (1, 1.0 and 1e0 differ), strings unescaped and object keys sorted.
type entry struct{ Key, Type, Value string }

func entries(m plumbline.Metadata) []entry {
	out := make([]entry, len(m))
	for i, e := range m {
		out[i] = entry{e.Key, e.Type, canonical(e.Value)}
	}
	return out
}

func canonical(raw json.RawMessage) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "invalid JSON: " + string(raw)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}

// gqlEvent is an Event as the tests read it through Query.
type gqlEvent struct {
	StorageID   string `json:"storageId"`
	Type        string `json:"type"`
	Timestamp   string `json:"timestamp"`
	AssetKey    *struct{ Path []string }
	Partition   *string            `json:"partition"`
	DataVersion *string            `json:"dataVersion"`
	Description *string            `json:"description"`
	CheckName   *string            `json:"checkName"`
	Passed      *bool              `json:"passed"`
	Severity    *string            `json:"severity"`
	Level       *string            `json:"level"`
	Message     *string            `json:"message"`
	Metadata    plumbline.Metadata `json:"metadata"`
}

const eventFields = `storageId type timestamp assetKey { path } partition dataVersion description
checkName passed severity level message metadata { key type value }`

// latest reads an asset's latest materialization, observation and checks.
func latest(t *testing.T, c *client.Client, key plumbline.AssetKey) (mat, obs *gqlEvent, checks []check) {
	t.Helper()
	var out struct {
		Asset *struct {
			LatestMaterialization *gqlEvent
			LatestObservation     *gqlEvent
			Checks                []check
		}
	}
	err := c.Query(context.Background(), `query($key: AssetKeyInput!) { asset(key: $key) {
		latestMaterialization { `+eventFields+` }
		latestObservation { `+eventFields+` }
		checks { name status latestEvaluation { `+eventFields+` } }
	} }`, map[string]any{"key": map[string]any{"path": key}}, &out)
	if err != nil {
		t.Fatalf("query asset %s: %v", key, err)
	}
	if out.Asset == nil {
		t.Fatalf("asset %s does not exist", key)
	}
	return out.Asset.LatestMaterialization, out.Asset.LatestObservation, out.Asset.Checks
}

type check struct {
	Name             string
	Status           string
	LatestEvaluation *gqlEvent
}

// eventsAfter reads every event after a storage id.
func eventsAfter(t *testing.T, c *client.Client, after int64) []gqlEvent {
	t.Helper()
	var out struct{ Events struct{ Nodes []gqlEvent } }
	err := c.Query(context.Background(), `query($after: ID) { events(after: $after, first: 10000) { nodes { `+eventFields+` } } }`,
		map[string]any{"after": strconv.FormatInt(after, 10)}, &out)
	if err != nil {
		t.Fatalf("query events: %v", err)
	}
	return out.Events.Nodes
}

func lastID(t *testing.T, c *client.Client) int64 {
	t.Helper()
	evs := eventsAfter(t, c, 0)
	if len(evs) == 0 {
		return 0
	}
	id, _ := strconv.ParseInt(evs[len(evs)-1].StorageID, 10, 64)
	return id
}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// wantError checks that err is a *plumbline.Error with the code and message.
func wantError(t *testing.T, err error, code, message string) {
	t.Helper()
	var perr *plumbline.Error
	if !errors.As(err, &perr) {
		t.Fatalf("error = %v (%T), want a *plumbline.Error %s %q", err, err, code, message)
	}
	if perr.Code != code || perr.Message != message {
		t.Errorf("error = %s %q, want %s %q", perr.Code, perr.Message, code, message)
	}
}

func TestClient(t *testing.T) {
	e2e.Each(t, func(t *testing.T, srv *e2e.Server) {
		ctx := context.Background()
		c := client.New(srv.URL, client.WithToken("secret"), client.WithUserAgent("client-test"))

		t.Run("ReportMaterializationKeepsEveryMetadataType", func(t *testing.T) {
			key := plumbline.AssetKey{"warehouse", "orders"}
			at := time.Date(2026, 11, 21, 18, 19, 0, 123456000, time.UTC)
			id, err := c.ReportMaterialization(ctx, key, client.Report{
				DataVersion: "v42", Partition: "2026-11-21", Description: "nightly build",
				Metadata: plumbline.Metadata{
					client.Int("rows", 1200),
					client.Float("ratio", 0.25),
					client.Float("whole", 3),
					client.Float("nan", math.NaN()),
					client.Bool("ok", true),
					client.Text("note", `héllo <b>"x"</b>`),
					client.URL("dashboard", "https://bi.example.com/orders?a=1&b=2"),
					client.Path("file", "/data/orders.parquet"),
					client.Markdown("doc", "# Orders"),
					client.Timestamp("at", at),
					client.JSON("config", json.RawMessage(`{"b": [1, 2.50], "a": null}`)),
					client.Asset("source", plumbline.AssetKey{"raw", "orders"}),
					{Key: "inferred", Value: json.RawMessage(`7`)},
					{Key: "wire_lookalike", Type: plumbline.MetaJSON, Value: json.RawMessage(`{"raw_value": 1, "type": "int"}`)},
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if id <= 0 {
				t.Fatalf("storage id = %d", id)
			}
			mat, _, _ := latest(t, c, key)
			if mat == nil || mat.StorageID != strconv.FormatInt(id, 10) {
				t.Fatalf("latest materialization = %+v, want storage id %d", mat, id)
			}
			if got := [3]string{str(mat.DataVersion), str(mat.Partition), str(mat.Description)}; got != [3]string{"v42", "2026-11-21", "nightly build"} {
				t.Errorf("data version, partition, description = %q", got)
			}
			want := []entry{
				{"rows", "int", `1200`},
				{"ratio", "float", `0.25`},
				{"whole", "float", `3.0`},
				{"nan", "float", `"NaN"`},
				{"ok", "bool", `true`},
				{"note", "text", `"héllo <b>\"x\"</b>"`},
				{"dashboard", "url", `"https://bi.example.com/orders?a=1&b=2"`},
				{"file", "path", `"/data/orders.parquet"`},
				{"doc", "md", `"# Orders"`},
				{"at", "timestamp", `1795285140.123456`},
				{"config", "json", `{"a":null,"b":[1,2.50]}`},
				{"source", "asset", `"raw/orders"`},
				{"inferred", "int", `7`},
				{"wire_lookalike", "json", `{"raw_value":1,"type":"int"}`},
			}
			if diff := cmp.Diff(want, entries(mat.Metadata)); diff != "" {
				t.Errorf("metadata read back (-want +got):\n%s", diff)
			}
		})

		t.Run("QueryKeepsIntegersAndFloatsApart", func(t *testing.T) {
			key := plumbline.AssetKey{"numbers"}
			if _, err := c.ReportMaterialization(ctx, key, client.Report{Metadata: plumbline.Metadata{
				client.Int("i", 3), client.Float("f", 3), client.Float("big", 1e21),
			}}); err != nil {
				t.Fatal(err)
			}
			var out map[string]any
			err := c.Query(ctx, `query($key: AssetKeyInput!) { asset(key: $key) { latestMaterialization { metadata { key type value } } } }`,
				map[string]any{"key": map[string]any{"path": []string{"numbers"}}}, &out)
			if err != nil {
				t.Fatal(err)
			}
			md := out["asset"].(map[string]any)["latestMaterialization"].(map[string]any)["metadata"].([]any)
			var got []string
			for _, e := range md {
				e := e.(map[string]any)
				got = append(got, fmt.Sprintf("%s %s %T %v", e["key"], e["type"], e["value"], e["value"]))
			}
			want := []string{"i int json.Number 3", "f float json.Number 3.0", "big float json.Number 1e+21"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("metadata decoded into interface values (-want +got):\n%s", diff)
			}
		})

		t.Run("ReportObservationOfAKeyWithEscapedParts", func(t *testing.T) {
			for _, key := range []plumbline.AssetKey{
				{"s3/bucket", "file name?.csv"},
				{"100%", `back\slash`, "#frag", "a+b=c&d"},
				{"dots", "..", "."},
				{"trailing/"},
			} {
				id, err := c.ReportObservation(ctx, key, client.Report{DataVersion: "seen-" + key.String()})
				if err != nil {
					t.Fatalf("report %q: %v", []string(key), err)
				}
				_, obs, _ := latest(t, c, key)
				if obs == nil || obs.StorageID != strconv.FormatInt(id, 10) || str(obs.DataVersion) != "seen-"+key.String() {
					t.Errorf("latest observation of %q = %+v, want storage id %d", []string(key), obs, id)
				}
				if obs != nil && !cmp.Equal(obs.AssetKey.Path, []string(key)) {
					t.Errorf("observation's key = %q, want %q", obs.AssetKey.Path, []string(key))
				}
			}
		})

		t.Run("ReportCheckRecordsAWarning", func(t *testing.T) {
			key := plumbline.AssetKey{"warehouse", "customers"}
			id, err := c.ReportCheck(ctx, key, client.CheckResult{
				Name: "row_count", Passed: false, Severity: "warn", Partition: "p1",
				Metadata: plumbline.Metadata{client.Int("rows", 12)},
			})
			if err != nil {
				t.Fatal(err)
			}
			_, _, checks := latest(t, c, key)
			if len(checks) != 1 || checks[0].Name != "row_count" || checks[0].Status != plumbline.CheckWarning {
				t.Fatalf("checks = %+v, want row_count WARNING", checks)
			}
			ev := checks[0].LatestEvaluation
			if ev.StorageID != strconv.FormatInt(id, 10) || ev.Passed == nil || *ev.Passed || str(ev.Severity) != "WARN" ||
				str(ev.Partition) != "p1" || !cmp.Equal(entries(ev.Metadata), []entry{{"rows", "int", "12"}}) {
				t.Errorf("evaluation = %+v, want storage id %d, failed, WARN, p1, rows=12", ev, id)
			}
			if _, err := c.ReportCheck(ctx, key, client.CheckResult{Name: "row_count", Passed: true}); err != nil {
				t.Fatal(err)
			}
			if _, _, checks = latest(t, c, key); checks[0].Status != plumbline.CheckPassed {
				t.Errorf("status after passing = %s, want PASSED", checks[0].Status)
			}
		})

		t.Run("ReportEventsAppendsABatchInOrder", func(t *testing.T) {
			key := plumbline.AssetKey{"batch", "target"}
			when := time.Date(2026, 1, 2, 3, 4, 5, 678901000, time.UTC)
			ids, err := c.ReportEvents(ctx, []plumbline.Event{
				{Type: plumbline.AssetMaterialization, AssetKey: key, DataVersion: "v1", Timestamp: when,
					Metadata: plumbline.Metadata{client.Float("f", 2)}},
				{Type: plumbline.AssetCheckEvaluation, AssetKey: key, CheckName: "fresh", Passed: new(true)},
				{Type: plumbline.Log, Level: "warn", Message: "almost out of disk", RunID: "run-1"},
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(ids) != 3 || ids[0] >= ids[1] || ids[1] >= ids[2] {
				t.Fatalf("storage ids = %v, want 3 increasing", ids)
			}
			evs := eventsAfter(t, c, ids[0]-1)
			if len(evs) != 3 {
				t.Fatalf("events after %d = %d, want 3", ids[0]-1, len(evs))
			}
			got := []string{
				fmt.Sprintf("%s %s %s %v", evs[0].Type, evs[0].Timestamp, str(evs[0].DataVersion), entries(evs[0].Metadata)),
				fmt.Sprintf("%s %s %v %s", evs[1].Type, str(evs[1].CheckName), *evs[1].Passed, str(evs[1].Severity)),
				fmt.Sprintf("%s %s %s", evs[2].Type, str(evs[2].Level), str(evs[2].Message)),
			}
			want := []string{
				"ASSET_MATERIALIZATION 2026-01-02T03:04:05.678901Z v1 [{f float 2.0}]",
				"ASSET_CHECK_EVALUATION fresh true ERROR",
				"LOG WARNING almost out of disk",
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("events read back (-want +got):\n%s", diff)
			}
			if ids, err := c.ReportEvents(ctx, nil); err != nil || len(ids) != 0 {
				t.Errorf("ReportEvents(nil) = %v, %v; want no ids", ids, err)
			}
		})

		t.Run("ReportEventsWritesNothingWhenOneIsInvalid", func(t *testing.T) {
			before := lastID(t, c)
			key := plumbline.AssetKey{"batch", "atomic"}
			_, err := c.ReportEvents(ctx, []plumbline.Event{
				{Type: plumbline.AssetMaterialization, AssetKey: key},
				{Type: plumbline.AssetCheckEvaluation, AssetKey: key, Passed: new(false)},
			})
			wantError(t, err, plumbline.EINVALID, `event 1: check evaluation for batch/atomic has no check name`)
			_, err = c.ReportEvents(ctx, []plumbline.Event{{Type: plumbline.RunStart}})
			wantError(t, err, plumbline.EINVALID, `event type "RUN_START" cannot be reported; reportable types are `+
				`ASSET_MATERIALIZATION, ASSET_OBSERVATION, ASSET_CHECK_EVALUATION, ASSET_FAILED_TO_MATERIALIZE, ASSET_WIPED, LOG, ENGINE_EVENT`)
			_, err = c.ReportEvents(ctx, []plumbline.Event{
				{Type: plumbline.AssetMaterialization, AssetKey: key},
				{Type: plumbline.AssetMaterialization, AssetKey: key, Metadata: plumbline.Metadata{{Key: "x", Type: "int", Value: json.RawMessage("1 2")}}},
			})
			wantError(t, err, plumbline.EINVALID, `event 1: metadata "x" is not valid JSON`)
			if after := lastID(t, c); after != before {
				t.Errorf("last storage id went from %d to %d; want nothing written", before, after)
			}
		})

		t.Run("ReportEventsOverTheBatchLimitIsTooLarge", func(t *testing.T) {
			events := make([]plumbline.Event, plumbline.MaxBatch+1)
			for i := range events {
				events[i] = plumbline.Event{Type: plumbline.Log, Message: "m"}
			}
			_, err := c.ReportEvents(ctx, events)
			wantError(t, err, plumbline.ETOOLARGE, fmt.Sprintf("%d events in one batch; the limit is %d", plumbline.MaxBatch+1, plumbline.MaxBatch))
		})

		t.Run("ApplyDefinitionsSaysWhatChanged", func(t *testing.T) {
			const v1 = `
assets:
  - key: defs/a
    group: g
  - key: defs/b
    deps: [defs/a]
`
			res, err := c.ApplyDefinitions(ctx, v1, "client-test")
			if err != nil {
				t.Fatal(err)
			}
			want := &plumbline.ApplyResult{Location: "client-test", Added: []plumbline.AssetKey{{"defs", "a"}, {"defs", "b"}},
				Updated: []plumbline.AssetKey{}, Removed: []plumbline.AssetKey{}, StorageID: res.StorageID}
			if diff := cmp.Diff(want, res); diff != "" || res.StorageID == 0 {
				t.Errorf("first apply (-want +got):\n%s", diff)
			}
			res, err = c.ApplyDefinitions(ctx, v1, "client-test")
			if err != nil {
				t.Fatal(err)
			}
			if res.Changed() || res.Unchanged != 2 || res.StorageID != 0 {
				t.Errorf("second apply = %+v, want 2 unchanged", res)
			}
			res, err = c.ApplyDefinitions(ctx, strings.Replace(v1, "group: g", "group: h", 1), "client-test")
			if err != nil {
				t.Fatal(err)
			}
			if !cmp.Equal(res.Updated, []plumbline.AssetKey{{"defs", "a"}}) || res.Unchanged != 1 {
				t.Errorf("changed apply = %+v, want defs/a updated, 1 unchanged", res)
			}
			_, err = c.ApplyDefinitions(ctx, "assets:\n  - key: defs/a\n", "")
			wantError(t, err, plumbline.ECONFLICT, `asset defs/a is already declared by location "client-test"`)
			_, err = c.ApplyDefinitions(ctx, "assets:\n  - key: defs/c\n    dep: [defs/a]\n", "")
			wantError(t, err, plumbline.EINVALID, `definitions:3:5: assets[0]: unknown field "dep" (did you mean "deps"?)`)
		})

		t.Run("ErrorsKeepTheServersCodeAndMessage", func(t *testing.T) {
			for _, tc := range []struct {
				name, query   string
				code, message string
			}{
				{"QueryNotInTheSchemaIsInvalid", `{ nope }`, plumbline.EINVALID, `Cannot query field "nope" on type "Query".`},
				{"EmptyKeyIsInvalid", `{ asset(key: {path: []}) { declared } }`, plumbline.EINVALID, "asset key is empty"},
				{"UnknownAssetIsNotFound", `{ lineage(key: {path: ["nowhere"]}, direction: BOTH) { truncated } }`, plumbline.ENOTFOUND, "asset nowhere does not exist"},
				{"PageTooLargeIsInvalid", `{ events(first: 10001) { nodes { storageId } } }`, plumbline.EINVALID, "first must be between 0 and 10000, got 10001"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					wantError(t, c.Query(ctx, tc.query, nil, nil), tc.code, tc.message)
				})
			}
			t.Run("RESTMetadataOfTheWrongTypeIsInvalid", func(t *testing.T) {
				_, err := c.ReportMaterialization(ctx, plumbline.AssetKey{"x"}, client.Report{
					Metadata: plumbline.Metadata{{Key: "n", Type: "int", Value: json.RawMessage(`"abc"`)}},
				})
				wantError(t, err, plumbline.EINVALID, `metadata "n" of type int needs an integer, got a string`)
			})
			t.Run("RESTPartitionTooLongIsInvalid", func(t *testing.T) {
				_, err := c.ReportObservation(ctx, plumbline.AssetKey{"x"}, client.Report{Partition: strings.Repeat("p", 1025)})
				wantError(t, err, plumbline.EINVALID, "partition is longer than 1024 bytes")
			})
			t.Run("RESTNonJSONAnswerIsDescribed", func(t *testing.T) {
				// The dashboard's catch-all route answers a path that is not an endpoint.
				bad := client.New(srv.URL + "/no-such-prefix")
				_, err := bad.ReportMaterialization(ctx, plumbline.AssetKey{"x"}, client.Report{})
				var perr *plumbline.Error
				if !errors.As(err, &perr) || !strings.HasPrefix(perr.Message, "POST "+srv.URL+"/no-such-prefix/report_asset_materialization/x answered ") {
					t.Errorf("error = %v, want one that names the request and its answer", err)
				}
			})
		})
	})
}

// TestClientChecksInputBeforeSending uses a server that is not there: these errors must
// come before any request.
func TestClientChecksInputBeforeSending(t *testing.T) {
	c := client.New(closedPortURL(t))
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		call    func() error
		message string
	}{
		{"EmptyKey", func() error {
			_, err := c.ReportMaterialization(ctx, nil, client.Report{})
			return err
		}, "asset key is empty"},
		{"EmptyKeyPart", func() error {
			_, err := c.ReportObservation(ctx, plumbline.AssetKey{"a", ""}, client.Report{})
			return err
		}, `asset key "a/" has an empty part at position 2`},
		{"CheckWithoutName", func() error {
			_, err := c.ReportCheck(ctx, plumbline.AssetKey{"a"}, client.CheckResult{})
			return err
		}, "check evaluation for a has no check name"},
		{"BadSeverity", func() error {
			_, err := c.ReportCheck(ctx, plumbline.AssetKey{"a"}, client.CheckResult{Name: "c", Severity: "FATAL"})
			return err
		}, `severity "FATAL" is not WARN or ERROR`},
		{"MetadataNotJSON", func() error {
			_, err := c.ReportMaterialization(ctx, plumbline.AssetKey{"a"}, client.Report{Metadata: plumbline.Metadata{client.JSON("j", json.RawMessage("{"))}})
			return err
		}, `metadata "j" is not valid JSON`},
		{"MetadataKeyTwice", func() error {
			_, err := c.ReportMaterialization(ctx, plumbline.AssetKey{"a"}, client.Report{Metadata: plumbline.Metadata{client.Int("n", 1), client.Int("n", 2)}})
			return err
		}, `metadata "n" is given twice`},
		{"MetadataKeyEmpty", func() error {
			_, err := c.ReportEvents(ctx, []plumbline.Event{{Type: plumbline.Log, Metadata: plumbline.Metadata{client.Int("", 1)}}})
			return err
		}, `metadata key is empty`},
		{"VariablesNotJSON", func() error {
			return c.Query(ctx, "{ __typename }", map[string]any{"f": func() {}}, nil)
		}, `GraphQL variables cannot be encoded as JSON: unsupported type: func()`},
	} {
		t.Run(tc.name, func(t *testing.T) { wantError(t, tc.call(), plumbline.EINVALID, tc.message) })
	}
}

// closedPortURL returns the URL of a local port nothing listens on.
func closedPortURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close()
	return url
}

func TestConnectionRefusedIsATransportError(t *testing.T) {
	url := closedPortURL(t)
	c := client.New(url)
	_, err := c.ReportMaterialization(context.Background(), plumbline.AssetKey{"a", "b"}, client.Report{})
	var te *client.TransportError
	if !errors.As(err, &te) {
		t.Fatalf("error = %v (%T), want a *client.TransportError", err, err)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("error %v does not unwrap to ECONNREFUSED", err)
	}
	prefix := "plumbline: POST " + url + "/report_asset_materialization/a/b: "
	if msg := err.Error(); !strings.HasPrefix(msg, prefix) || !strings.HasSuffix(msg, "connection refused") {
		t.Errorf("error = %q, want %q…connection refused", msg, prefix)
	}
	if code := plumbline.ErrorCode(err); code != plumbline.EINTERNAL {
		t.Errorf("ErrorCode = %q, want %q (not a server's error)", code, plumbline.EINTERNAL)
	}

	err = client.New(url).Query(context.Background(), "{ __typename }", nil, nil)
	if want := "plumbline: POST " + url + "/graphql: "; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Query error = %v, want it to start %q", err, want)
	}
}

func TestCancelledContextIsATransportError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := client.New(closedPortURL(t)).ReportEvents(ctx, []plumbline.Event{{Type: plumbline.Log}})
	var te *client.TransportError
	if !errors.As(err, &te) || !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v (%T), want a *client.TransportError unwrapping to context.Canceled", err, err)
	}
}

// TestAnswersOfOtherServers covers answers the real server does not give: proxies,
// other versions, dagster-webserver.
func TestAnswersOfOtherServers(t *testing.T) {
	for _, tc := range []struct {
		name        string
		status      int
		contentType string
		body        string
		graphql     bool
		code        string
		message     string // "" when the call succeeds
	}{
		{"RESTErrorBodyKeepsItsMessage", 401, "application/json", `{"error": "token expired"}`, false, plumbline.EUNAUTHORIZED, "token expired"},
		{"RESTForbiddenIsUnauthorized", 403, "application/json", `{"error": "read-only token"}`, false, plumbline.EUNAUTHORIZED, "read-only token"},
		{"RESTConflict", 409, "application/json", `{"error": "busy"}`, false, plumbline.ECONFLICT, "busy"},
		{"RESTBadGatewayIsUnavailable", 502, "text/html", "<html><body>\n<h1>502 Bad Gateway</h1></body></html>", false, plumbline.EUNAVAILABLE,
			"POST {URL}/report_asset_materialization/a answered 502 Bad Gateway (text/html): <html><body> <h1>502 Bad Gateway</h1></body></html>"},
		{"DagsterEmptyAnswerHasNoStorageID", 200, "application/json", `{}`, false, "", ""},
		{"RESTSuccessThatIsNotJSON", 200, "text/plain", `ok`, false, plumbline.EINTERNAL,
			"POST {URL}/report_asset_materialization/a answered 200 OK (text/plain): ok: not a JSON object"},
		{"GraphQLCodeWins", 200, "application/json", `{"errors": [{"message": "no such run", "extensions": {"code": "NOT_FOUND"}}, {"message": "and another"}], "data": null}`, true,
			plumbline.ENOTFOUND, "no such run\nand another"},
		{"GraphQLWithoutCodeUsesTheStatus", 503, "application/json", `{"errors": [{"message": "draining"}]}`, true, plumbline.EUNAVAILABLE, "draining"},
		{"GraphQLUnknownCodeAt200IsInternal", 200, "application/json", `{"errors": [{"message": "boom", "extensions": {"code": "WEIRD"}}]}`, true, plumbline.EINTERNAL, "boom"},
		{"GraphQLAnswerThatIsNotGraphQL", 404, "text/plain", "404 page not found\n", true, plumbline.ENOTFOUND,
			"POST {URL}/graphql answered 404 Not Found (text/plain): 404 page not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got http.Header
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = r.Header.Clone()
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			c := client.New(srv.URL+"/", client.WithToken("tok"), client.WithUserAgent("ua/1"), client.WithHTTPClient(srv.Client()))
			var err error
			if tc.graphql {
				err = c.Query(context.Background(), "{ __typename }", nil, nil)
			} else {
				var id int64
				id, err = c.ReportMaterialization(context.Background(), plumbline.AssetKey{"a"}, client.Report{})
				if err == nil && id != 0 {
					t.Errorf("storage id = %d, want 0", id)
				}
			}
			if tc.message == "" {
				if err != nil {
					t.Errorf("error = %v, want none", err)
				}
			} else {
				wantError(t, err, tc.code, strings.ReplaceAll(tc.message, "{URL}", srv.URL))
			}
			if got.Get("Authorization") != "Bearer tok" || got.Get("User-Agent") != "ua/1" || got.Get("Content-Type") != "application/json" {
				t.Errorf("request headers = %v", got)
			}
		})
	}
}

func TestNewAddsHTTPToAURLWithoutScheme(t *testing.T) {
	if got := client.New("localhost:3000/").URL(); got != "http://localhost:3000" {
		t.Errorf("URL() = %q", got)
	}
	if got := client.New("https://plumbline.example.com/api/").URL(); got != "https://plumbline.example.com/api" {
		t.Errorf("URL() = %q", got)
	}
}

// TestErrorCodesRoundTrip checks that the client reads back every code the server's
// table writes.
func TestErrorCodesRoundTrip(t *testing.T) {
	for _, code := range []string{plumbline.EINVALID, plumbline.ENOTFOUND, plumbline.ECONFLICT, plumbline.EUNAUTHORIZED,
		plumbline.ETOOLARGE, plumbline.EUNAVAILABLE, plumbline.EINTERNAL} {
		err := plumbline.Errorf(code, "x")
		if got := apierr.CodeForHTTPStatus(apierr.HTTPStatus(err)); got != code {
			t.Errorf("code of HTTP status %d = %q, want %q", apierr.HTTPStatus(err), got, code)
		}
		if got, ok := apierr.CodeForGraphQL(apierr.GraphQLCode(err)); got != code || !ok {
			t.Errorf("code of GraphQL %q = %q, %v; want %q", apierr.GraphQLCode(err), got, ok, code)
		}
	}
}

// ---- the command line ----

// run runs a command that must succeed and returns its standard output.
func run(t *testing.T, srv *e2e.Server, args ...string) string {
	t.Helper()
	res := srv.Run(t, args...)
	if res.ExitCode != 0 {
		t.Fatalf("plumbline %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), res.ExitCode, res.Stdout, res.Stderr)
	}
	return res.Stdout
}

var storageIDLine = regexp.MustCompile(`: storage id (\d+)\n$`)

// reportedID reads the storage id a report command printed.
func reportedID(t *testing.T, out string) int64 {
	t.Helper()
	m := storageIDLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("output %q has no storage id", out)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// table splits a table's lines into fields, after checking that the columns line up:
// every line has its second field where the header has its second column.
func table(t *testing.T, out string) [][]string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	col := strings.Index(lines[0], strings.Fields(lines[0])[1])
	var rows [][]string
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) > 1 && strings.Index(l, " "+f[1]) != col-1 {
			t.Errorf("line %q: second column not at %d:\n%s", l, col, out)
		}
		rows = append(rows, f)
	}
	return rows
}

var timeField = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)

// withoutTimes replaces times in table fields with "TIME".
func withoutTimes(rows [][]string) [][]string {
	for _, r := range rows {
		for i, f := range r {
			if timeField.MatchString(f) {
				r[i] = "TIME"
			}
		}
	}
	return rows
}

const cliDefs = `assets:
  - key: raw/orders
    group: raw
  - key: raw/customers
    group: raw
  - key: marts/orders
    group: marts
    deps: [raw/orders, raw/customers]
    checks:
      - name: no_null_ids
`

func TestCLI(t *testing.T) {
	e2e.Each(t, func(t *testing.T, srv *e2e.Server) {
		c := client.New(srv.URL)
		dir := t.TempDir()

		t.Run("ReportMaterializationWithEachMetadataForm", func(t *testing.T) {
			out := run(t, srv, "report", "materialization", "warehouse/orders",
				"--data-version", "v7", "--partition", "2026-11-21", "--description", "built by cron",
				"-m", "rows=42", "-m", "neg=-7", "-m", "ratio=0.5", "-m", "sci=1e6", "-m", "ok=true", "-m", "off=false",
				"--metadata", "note=hello world", "--metadata", "zip=007", "--metadata", "huge=123456789012345678901234567890",
				"--metadata", "eq=a=b", "--metadata", "empty=",
				"-m", "dashboard:url=https://bi.example.com/d?x=1", "-m", "n:int=5", "-m", "f:float=1", "-m", "t:text=42",
				"-m", "at:timestamp=2026-11-21T18:19:00Z", "-m", "cfg:json={\"a\": [1, 2.0]}", "-m", "up:asset=raw/orders",
				"--metadata-json", `{"plain": 1.50, "typed": {"raw_value": 3, "type": "float"}}`)
			id := reportedID(t, out)
			if want := fmt.Sprintf("reported materialization of warehouse/orders: storage id %d\n", id); out != want {
				t.Errorf("output = %q, want %q", out, want)
			}
			mat, _, _ := latest(t, c, plumbline.AssetKey{"warehouse", "orders"})
			if mat == nil || mat.StorageID != strconv.FormatInt(id, 10) {
				t.Fatalf("latest materialization = %+v, want storage id %d", mat, id)
			}
			if got := [3]string{str(mat.DataVersion), str(mat.Partition), str(mat.Description)}; got != [3]string{"v7", "2026-11-21", "built by cron"} {
				t.Errorf("data version, partition, description = %q", got)
			}
			want := []entry{
				{"plain", "float", "1.50"},
				{"typed", "float", "3"},
				{"rows", "int", "42"},
				{"neg", "int", "-7"},
				{"ratio", "float", "0.5"},
				{"sci", "float", "1e6"},
				{"ok", "bool", "true"},
				{"off", "bool", "false"},
				{"note", "text", `"hello world"`},
				{"zip", "text", `"007"`},
				{"huge", "text", `"123456789012345678901234567890"`},
				{"eq", "text", `"a=b"`},
				{"empty", "text", `""`},
				{"dashboard", "url", `"https://bi.example.com/d?x=1"`},
				{"n", "int", "5"},
				{"f", "float", "1"},
				{"t", "text", `"42"`},
				{"at", "timestamp", "1795285140"},
				{"cfg", "json", `{"a":[1,2.0]}`},
				{"up", "asset", `"raw/orders"`},
			}
			if diff := cmp.Diff(want, entries(mat.Metadata)); diff != "" {
				t.Errorf("metadata (-want +got):\n%s", diff)
			}
		})

		t.Run("ReportObservationOfAnEscapedKey", func(t *testing.T) {
			out := run(t, srv, "report", "observation", `s3\/bucket/orders.csv`, "--data-version", "etag-1")
			id := reportedID(t, out)
			if want := fmt.Sprintf("reported observation of s3\\/bucket/orders.csv: storage id %d\n", id); out != want {
				t.Errorf("output = %q, want %q", out, want)
			}
			if _, obs, _ := latest(t, c, plumbline.AssetKey{"s3/bucket", "orders.csv"}); obs == nil || str(obs.DataVersion) != "etag-1" {
				t.Errorf("latest observation = %+v, want data version etag-1", obs)
			}
		})

		t.Run("ReportCheckFailedWithWarning", func(t *testing.T) {
			out := run(t, srv, "report", "check", "warehouse/orders", "--check", "row_count", "--failed", "--severity", "WARN", "-m", "rows=3")
			id := reportedID(t, out)
			if want := fmt.Sprintf("reported check row_count of warehouse/orders (failed, WARN): storage id %d\n", id); out != want {
				t.Errorf("output = %q, want %q", out, want)
			}
			_, _, checks := latest(t, c, plumbline.AssetKey{"warehouse", "orders"})
			if len(checks) != 1 || checks[0].Status != plumbline.CheckWarning || checks[0].LatestEvaluation.StorageID != strconv.FormatInt(id, 10) {
				t.Errorf("checks = %+v, want row_count WARNING from storage id %d", checks, id)
			}
		})

		t.Run("BadInputIsReportedAndExitsOne", func(t *testing.T) {
			for _, tc := range []struct {
				name   string
				args   []string
				stderr string
			}{
				{"MetadataWithoutValue", []string{"report", "materialization", "a", "--metadata", "rows"},
					`--metadata "rows": expected key=value (or key:type=value)`},
				{"MetadataOfTheWrongType", []string{"report", "materialization", "a", "-m", "n:int=many"},
					`--metadata "n:int=many": metadata "n" of type int needs an integer, got a string`},
				{"MetadataOfAnUnknownType", []string{"report", "materialization", "a", "-m", "n:integr=5"},
					`--metadata "n:integr=5": metadata "n" has unknown type "integr" (known types: text, url, path, json, md, int, float, bool, timestamp, asset, run, table, table_schema, table_column_lineage, null, notebook)`},
				{"MetadataWithoutKey", []string{"report", "observation", "a", "-m", "=5"}, `--metadata "=5": the key is empty`},
				{"MetadataTwice", []string{"report", "materialization", "a", "-m", "n=1", "--metadata-json", `{"n": 2}`},
					`--metadata "n=1": "n" is already given`},
				{"MetadataJSONNotAnObject", []string{"report", "materialization", "a", "--metadata-json", `[1]`},
					`--metadata-json: metadata must be a JSON object of key to value, got a list`},
				{"PassedAndFailed", []string{"report", "check", "a", "--check", "c", "--passed", "--failed"}, "give one of --passed and --failed, not both"},
				{"NeitherPassedNorFailed", []string{"report", "check", "a", "--check", "c"}, "give --passed or --failed"},
				{"NoCheckName", []string{"report", "check", "a", "--passed"}, `required flag(s) "check" not set`},
				{"BadSeverity", []string{"report", "check", "a", "--check", "c", "--failed", "--severity", "FATAL"},
					`--severity: severity "FATAL" is not WARN or ERROR`},
				{"NoKey", []string{"report", "materialization"}, "give the asset key, e.g. plumbline report materialization warehouse/orders"},
				{"TwoKeys", []string{"report", "observation", "a", "b"}, `give one asset key, not 2 (a key's parts are separated by "/": warehouse/orders)`},
				{"KeyWithAnEmptyPart", []string{"report", "materialization", "a//b"}, `asset key "a//b" has an empty part at position 2`},
				{"ServerRejects", []string{"report", "materialization", "a", "--partition", strings.Repeat("p", 1025)}, "partition is longer than 1024 bytes"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					res := srv.Run(t, tc.args...)
					if want := "plumbline: " + tc.stderr + "\n"; res.ExitCode != 1 || res.Stderr != want || res.Stdout != "" {
						t.Errorf("exit %d, stdout %q, stderr %q; want exit 1, stderr %q", res.ExitCode, res.Stdout, res.Stderr, want)
					}
				})
			}
		})

		t.Run("ServerNotRunning", func(t *testing.T) {
			url := closedPortURL(t)
			res := srv.Run(t, "--url", url, "report", "materialization", "a")
			want := regexp.MustCompile(`^plumbline: POST ` + regexp.QuoteMeta(url) + `/report_asset_materialization/a: dial tcp .*connection refused\n` +
				`\(is the Plumbline server running there\? Give its address with --url or PLUMBLINE_URL\)\n$`)
			if res.ExitCode != 1 || !want.MatchString(res.Stderr) {
				t.Errorf("exit %d, stderr %q; want exit 1 and %s", res.ExitCode, res.Stderr, want)
			}
		})

		t.Run("URLFlagWinsOverTheEnvironment", func(t *testing.T) {
			ctx := context.Background()
			cmd := srv.Command(ctx, "--url", srv.URL, "report", "observation", "flag/over/env")
			cmd.Env = append(cmd.Env, "PLUMBLINE_URL="+closedPortURL(t))
			if out, err := cmd.CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "reported observation of flag/over/env: storage id ") {
				t.Errorf("%v: %s", err, out)
			}
		})

		t.Run("DefsApply", func(t *testing.T) {
			file := filepath.Join(dir, "plumbline.yaml")
			if err := os.WriteFile(file, []byte(cliDefs), 0o644); err != nil {
				t.Fatal(err)
			}
			out := run(t, srv, "defs", "apply", "-f", file)
			want := "applied " + file + " to location default: 3 added, 0 updated, 0 removed, 0 unchanged\n" +
				"  added    marts/orders\n  added    raw/customers\n  added    raw/orders\n"
			if out != want {
				t.Errorf("first apply printed:\n%s\nwant:\n%s", out, want)
			}
			out = run(t, srv, "defs", "apply", "-f", file)
			if want := "applied " + file + " to location default: 0 added, 0 updated, 0 removed, 3 unchanged\n"; out != want {
				t.Errorf("second apply printed %q, want %q", out, want)
			}
			res := srv.RunInput(t, "assets:\n  - key: elsewhere/x\n", "defs", "apply", "-f", "-", "--location", "other")
			if want := "applied stdin to location other: 1 added, 0 updated, 0 removed, 0 unchanged\n  added    elsewhere/x\n"; res.ExitCode != 0 || res.Stdout != want {
				t.Errorf("apply from stdin: exit %d, stdout %q, stderr %q; want %q", res.ExitCode, res.Stdout, res.Stderr, want)
			}
			res = srv.RunInput(t, "assets:\n  - key: raw/orders\n", "defs", "apply", "-f", "-", "--location", "other")
			if want := "plumbline: asset raw/orders is already declared by location \"default\"\n"; res.ExitCode != 1 || res.Stderr != want {
				t.Errorf("conflicting apply: exit %d, stderr %q; want %q", res.ExitCode, res.Stderr, want)
			}
		})

		t.Run("DefsApplyReportsTheLineOfAMistakeWithoutTheServer", func(t *testing.T) {
			file := filepath.Join(dir, "broken.yaml")
			broken := strings.Replace(cliDefs, "deps: [raw/orders", "dep: [raw/orders", 1)
			if err := os.WriteFile(file, []byte(broken), 0o644); err != nil {
				t.Fatal(err)
			}
			// The server is not contacted: the mistake is found here.
			res := srv.Run(t, "--url", closedPortURL(t), "defs", "apply", "-f", file)
			want := "plumbline: " + file + `:8:5: assets[2]: unknown field "dep" (did you mean "deps"?)` + "\n"
			if res.ExitCode != 1 || res.Stderr != want || res.Stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1, stderr %q", res.ExitCode, res.Stdout, res.Stderr, want)
			}
			res = srv.Run(t, "defs", "apply", "-f", filepath.Join(dir, "missing.yaml"))
			if res.ExitCode != 1 || !strings.Contains(res.Stderr, "missing.yaml: no such file or directory") {
				t.Errorf("missing file: exit %d, stderr %q", res.ExitCode, res.Stderr)
			}
		})

		t.Run("AssetsOfASelection", func(t *testing.T) {
			run(t, srv, "report", "materialization", "raw/orders")
			run(t, srv, "report", "check", "raw/orders", "--check", "fresh", "--failed")
			got := withoutTimes(table(t, run(t, srv, "assets", "--selection", "group:raw")))
			want := [][]string{
				{"KEY", "GROUP", "DECLARED", "LAST", "MATERIALIZATION", "CHECKS"},
				{"raw/customers", "raw", "yes", "-", "-"},
				{"raw/orders", "raw", "yes", "TIME", "FAILED"},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("assets --selection group:raw (-want +got):\n%s", diff)
			}
			// Paging through every asset, two at a time, as JSON lines.
			var keys []string
			for _, line := range strings.Split(strings.TrimSpace(run(t, srv, "assets", "--json", "--page-size", "2")), "\n") {
				var a struct {
					Key struct{ String string }
				}
				if err := json.Unmarshal([]byte(line), &a); err != nil {
					t.Fatalf("line %q: %v", line, err)
				}
				keys = append(keys, a.Key.String)
			}
			var all struct {
				Assets struct {
					Nodes []struct{ Key struct{ String string } }
				}
			}
			if err := c.Query(context.Background(), `{ assets(first: 10000) { nodes { key { string } } } }`, nil, &all); err != nil {
				t.Fatal(err)
			}
			var want2 []string
			for _, n := range all.Assets.Nodes {
				want2 = append(want2, n.Key.String)
			}
			if diff := cmp.Diff(want2, keys); diff != "" || len(keys) < 5 {
				t.Errorf("assets --json --page-size 2 (-want +got):\n%s", diff)
			}
			res := srv.Run(t, "assets", "--selection", "group:(")
			if res.ExitCode != 1 || !strings.HasPrefix(res.Stderr, "plumbline: ") {
				t.Errorf("bad selection: exit %d, stderr %q", res.ExitCode, res.Stderr)
			}
		})

		t.Run("EventsShowsTheMostRecent", func(t *testing.T) {
			for i := range 6 {
				run(t, srv, "report", "observation", "events/probe", "--data-version", fmt.Sprint("v", i))
			}
			all := eventsAfter(t, c, 0)
			last5 := all[len(all)-5:]
			got := table(t, run(t, srv, "events", "--limit", "5"))
			if len(got) != 6 {
				t.Fatalf("events --limit 5 printed %d lines, want a header and 5", len(got))
			}
			if diff := cmp.Diff([]string{"ID", "TIME", "TYPE", "KEY", "PARTITION", "MESSAGE"}, got[0]); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			for i, e := range last5 {
				if row := got[i+1]; row[0] != e.StorageID || row[2] != e.Type || row[3] != "events/probe" || strings.Join(row[5:], " ") != "data version "+str(e.DataVersion) {
					t.Errorf("row %d = %q, want event %s %s", i+1, row, e.StorageID, e.Type)
				}
			}

			// A type far back in the log: found by looking back in ever larger windows.
			var defsApplied []gqlEvent
			for _, e := range all {
				if e.Type == string(plumbline.DefinitionsApplied) {
					defsApplied = append(defsApplied, e)
				}
			}
			out := run(t, srv, "events", "--type", "definitions_applied", "--limit", "1000", "--json")
			var ids []string
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				var e gqlEvent
				if err := json.Unmarshal([]byte(line), &e); err != nil {
					t.Fatalf("line %q: %v", line, err)
				}
				ids = append(ids, e.StorageID)
			}
			var want []string
			for _, e := range defsApplied {
				want = append(want, e.StorageID)
			}
			if diff := cmp.Diff(want, ids); diff != "" || len(want) == 0 {
				t.Errorf("events --type definitions_applied (-want +got):\n%s", diff)
			}

			got = table(t, run(t, srv, "events", "--selection", "key:warehouse/orders", "--type", "ASSET_CHECK_EVALUATION", "-n", "1"))
			if len(got) != 2 || got[1][2] != "ASSET_CHECK_EVALUATION" || strings.Join(got[1][5:], " ") != "check row_count failed (WARN)" {
				t.Errorf("events of a selection = %q", got)
			}
			if res := srv.Run(t, "events", "--type", "NOPE"); res.ExitCode != 1 || res.Stderr != "plumbline: --type: unknown event type \"NOPE\"\n" {
				t.Errorf("bad type: exit %d, stderr %q", res.ExitCode, res.Stderr)
			}
		})
	})
}
