package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbline/plumbline/graph"
	"github.com/plumbline/plumbline/internal/dbtest"
	"github.com/plumbline/plumbline/store"
)

// gqlClient posts GraphQL requests to the real executable schema over HTTP and keeps
// responses as raw JSON, so tests see numbers exactly as clients do.
type gqlClient struct{ h http.Handler }

type option func(vars map[string]any)

// Var sets a variable of the request.
func Var(name string, value any) option { return func(v map[string]any) { v[name] = value } }

func newClient(t *testing.T, s *store.Store) *gqlClient {
	t.Helper()
	return &gqlClient{graph.NewServer(&graph.Resolver{Log: s, Catalog: s, RunStore: s}, graph.Options{})}
}

func (c *gqlClient) raw(t *testing.T, q string, opts ...option) (data, errs json.RawMessage) {
	t.Helper()
	vars := map[string]any{}
	for _, o := range opts {
		o(vars)
	}
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	c.h.ServeHTTP(w, req)
	var resp struct {
		Data   json.RawMessage
		Errors json.RawMessage
	}
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatalf("response %d %q: %v", w.Code, w.Body.String(), err)
	}
	return resp.Data, resp.Errors
}

const platform = `
assets:
  - key: raw/orders
    group: raw
    kinds: [postgres]
    owners: [team:data]
  - key: raw/customers
    group: raw
  - key: staging/orders
    group: staging
    deps: [raw/orders]
    checks:
      - name: not_null
        blocking: true
  - key: marts/revenue
    group: marts
    deps: [staging/orders, raw/customers]
    tags: {tier: gold}
    freshness: {max_lag: 24h}
`

func apply(t *testing.T, c *gqlClient, yaml string) {
	t.Helper()
	var resp struct{ ApplyDefinitions struct{ Changed bool } }
	post(t, c, `mutation($y: String!) { applyDefinitions(yaml: $y) { changed } }`, &resp, Var("y", yaml))
}

func report(t *testing.T, c *gqlClient, events ...map[string]any) []string {
	t.Helper()
	var resp struct{ ReportEvents struct{ StorageIds []string } }
	post(t, c, `mutation($e: [EventInput!]!) { reportEvents(events: $e) { storageIds } }`, &resp, Var("e", events))
	return resp.ReportEvents.StorageIds
}

func key(s string) map[string]any { return map[string]any{"path": strings.Split(s, "/")} }

func TestReportedMaterializationShowsOnTheAsset(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		apply(t, c, platform)
		ids := report(t, c,
			map[string]any{"type": "ASSET_MATERIALIZATION", "assetKey": key("staging/orders"), "dataVersion": "v7",
				"metadata": map[string]any{"rows": 1200, "ratio": json.Number("1.0"), "dashboard": map[string]any{"raw_value": "https://x.example", "type": "url"}}},
			map[string]any{"type": "ASSET_CHECK_EVALUATION", "assetKey": key("staging/orders"), "checkName": "not_null", "passed": false},
		)
		if len(ids) != 2 {
			t.Fatalf("storage ids %v", ids)
		}
		var resp struct {
			Asset struct {
				Declared              bool
				Definition            struct{ Group string }
				LatestMaterialization struct {
					StorageID   string
					DataVersion string
					Metadata    []struct {
						Key, Type string
						Value     json.RawMessage
					}
				}
				CheckStatus string
				Checks      []struct {
					Name, Status string
					Spec         struct{ Blocking bool }
				}
				Upstream   []struct{ Key struct{ String string } }
				Downstream []struct{ Key struct{ Path []string } }
			}
		}
		post(t, c, `{ asset(key: {path: ["staging", "orders"]}) {
			declared definition { group }
			latestMaterialization { storageId dataVersion metadata { key type value } }
			checkStatus checks { name status spec { blocking } }
			upstream { key { string } } downstream { key { path } } } }`, &resp)
		a := resp.Asset
		if !a.Declared || a.Definition.Group != "staging" || a.LatestMaterialization.StorageID != ids[0] || a.LatestMaterialization.DataVersion != "v7" {
			t.Errorf("asset = %+v", a)
		}
		var meta []string
		for _, m := range a.LatestMaterialization.Metadata {
			meta = append(meta, fmt.Sprintf("%s:%s=%s", m.Key, m.Type, m.Value))
		}
		if diff := cmp.Diff([]string{`dashboard:url="https://x.example"`, `ratio:float=1.0`, `rows:int=1200`}, meta); diff != "" {
			t.Errorf("metadata (-want +got):\n%s", diff)
		}
		if a.CheckStatus != "FAILED" || len(a.Checks) != 1 || a.Checks[0].Status != "FAILED" || !a.Checks[0].Spec.Blocking {
			t.Errorf("checks: %s %+v", a.CheckStatus, a.Checks)
		}
		if len(a.Upstream) != 1 || a.Upstream[0].Key.String != "raw/orders" || len(a.Downstream) != 1 {
			t.Errorf("deps: up %+v down %+v", a.Upstream, a.Downstream)
		}
	})
}

func TestAssetsSelectionAndPaging(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		apply(t, c, platform)
		report(t, c, map[string]any{"type": "ASSET_OBSERVATION", "assetKey": key("adhoc/report")})
		type page struct {
			Assets struct {
				TotalCount int
				Nodes      []struct {
					Key      struct{ String string }
					Declared bool
				}
				PageInfo struct {
					HasNextPage bool
					EndCursor   *string
				}
			}
		}
		keys := func(p page) []string {
			var out []string
			for _, n := range p.Assets.Nodes {
				out = append(out, n.Key.String)
			}
			return out
		}
		q := `query($s: String, $f: Int, $a: String) { assets(selection: $s, first: $f, after: $a) {
			totalCount nodes { key { string } declared } pageInfo { hasNextPage endCursor } } }`
		var p page
		post(t, c, q, &p, Var("f", 3))
		if diff := cmp.Diff([]string{"adhoc/report", "marts/revenue", "raw/customers"}, keys(p)); diff != "" || !p.Assets.PageInfo.HasNextPage || p.Assets.TotalCount != 5 {
			t.Errorf("first page (-want +got):\n%s %+v", diff, p.Assets)
		}
		if p.Assets.Nodes[0].Declared {
			t.Error("a reported-only asset is shown as declared")
		}
		var p2 page
		post(t, c, q, &p2, Var("f", 3), Var("a", *p.Assets.PageInfo.EndCursor))
		if diff := cmp.Diff([]string{"raw/orders", "staging/orders"}, keys(p2)); diff != "" || p2.Assets.PageInfo.HasNextPage {
			t.Errorf("second page (-want +got):\n%s", diff)
		}
		for sel, want := range map[string][]string{
			"group:raw":                      {"raw/customers", "raw/orders"},
			`+key:"marts/revenue"`:           {"marts/revenue", "raw/customers", "staging/orders"},
			"*marts/revenue":                 {"marts/revenue", "raw/customers", "raw/orders", "staging/orders"},
			"owner:team:data":                {"raw/orders"},
			"tag:tier=gold or kind:postgres": {"marts/revenue", "raw/orders"},
		} {
			var p page
			post(t, c, q, &p, Var("s", sel))
			if diff := cmp.Diff(want, keys(p)); diff != "" || p.Assets.TotalCount != len(want) {
				t.Errorf("selection %q (-want +got):\n%s", sel, diff)
			}
		}
		if msg, code := errorOf(t, c, q, Var("s", "group:(raw")); !strings.Contains(msg, "selection") || code != "BAD_USER_INPUT" {
			t.Errorf("bad selection: %s (%s)", msg, code)
		}
	})
}

func TestEventsFilterAndCursor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		apply(t, c, platform)
		var evs []map[string]any
		for i := 0; i < 5; i++ {
			evs = append(evs, map[string]any{"type": "ASSET_MATERIALIZATION", "assetKey": key("raw/orders"), "partition": fmt.Sprintf("p%d", i%2)})
			evs = append(evs, map[string]any{"type": "LOG", "message": fmt.Sprint("line ", i), "runId": "r1", "level": "warn"})
		}
		report(t, c, evs...)
		var resp struct {
			Events struct {
				Nodes []struct {
					StorageID, Type string
					Partition       *string
					Level           *string
				}
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		q := `query($f: EventFilter, $n: Int, $a: ID) { events(filter: $f, first: $n, after: $a) { nodes { storageId type partition level } pageInfo { hasNextPage endCursor } } }`
		post(t, c, q, &resp, Var("f", map[string]any{"selection": "group:raw", "partition": "p0"}), Var("n", 2))
		if len(resp.Events.Nodes) != 2 || !resp.Events.PageInfo.HasNextPage || *resp.Events.Nodes[0].Partition != "p0" {
			t.Fatalf("first page: %+v", resp.Events)
		}
		post(t, c, q, &resp, Var("f", map[string]any{"selection": "group:raw", "partition": "p0"}), Var("n", 2), Var("a", resp.Events.PageInfo.EndCursor))
		if len(resp.Events.Nodes) != 1 || resp.Events.PageInfo.HasNextPage {
			t.Fatalf("second page: %+v", resp.Events)
		}
		post(t, c, q, &resp, Var("f", map[string]any{"types": []string{"log"}, "runId": "r1"}))
		if len(resp.Events.Nodes) != 5 || *resp.Events.Nodes[0].Level != "WARNING" {
			t.Fatalf("log lines: %+v", resp.Events)
		}
		var newest struct {
			Events struct {
				Nodes    []struct{ StorageID string }
				PageInfo struct {
					HasPreviousPage bool
					StartCursor     string
				}
			}
		}
		back := `query($n: Int, $b: ID) { events(last: $n, before: $b) { nodes { storageId } pageInfo { hasPreviousPage startCursor } } }`
		post(t, c, back, &newest, Var("n", 3))
		if len(newest.Events.Nodes) != 3 || newest.Events.Nodes[2].StorageID != "11" || newest.Events.Nodes[0].StorageID != "9" || !newest.Events.PageInfo.HasPreviousPage {
			t.Errorf("newest three events: %+v", newest.Events)
		}
		post(t, c, back, &newest, Var("n", 10), Var("b", newest.Events.PageInfo.StartCursor))
		// 11 events: the definitions applied, then the ten reported.
		if len(newest.Events.Nodes) != 8 || newest.Events.Nodes[0].StorageID != "1" || newest.Events.PageInfo.HasPreviousPage {
			t.Errorf("events before 9: %+v", newest.Events)
		}
		if msg, _ := errorOf(t, c, q, Var("f", map[string]any{"types": []string{"NOPE"}})); msg != `unknown event type "NOPE"` {
			t.Errorf("unknown type: %s", msg)
		}
	})
}

func TestLineageReportsTruncation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		apply(t, c, platform)
		var resp struct {
			Lineage struct {
				Nodes     []struct{ Key struct{ String string } }
				Layers    []struct{ Depth int }
				Edges     []struct{ From, To struct{ String string } }
				Truncated bool
			}
		}
		post(t, c, `{ lineage(key: {path: ["marts","revenue"]}, direction: UPSTREAM, depth: 5) {
			nodes { key { string } } layers { depth } edges { from { string } to { string } } truncated } }`, &resp)
		if len(resp.Lineage.Nodes) != 4 || len(resp.Lineage.Edges) != 3 || resp.Lineage.Truncated || resp.Lineage.Layers[3].Depth != 2 {
			t.Errorf("lineage: %+v", resp.Lineage)
		}
		post(t, c, `{ lineage(key: {path: ["marts","revenue"]}, direction: BOTH, limit: 2) { nodes { key { string } } edges { from { string } } truncated } }`, &resp)
		if len(resp.Lineage.Nodes) != 2 || !resp.Lineage.Truncated {
			t.Errorf("limited lineage: %+v", resp.Lineage)
		}
	})
}

// post runs a query that must succeed and decodes its data with encoding/json, so that
// numbers keep the form they have on the wire.
func post(t *testing.T, c *gqlClient, q string, out any, opts ...option) {
	t.Helper()
	data, errs := c.raw(t, q, opts...)
	if len(errs) > 0 && string(errs) != "null" {
		t.Fatalf("%s: %s", q, errs)
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
}

// errorOf posts a query that must fail and returns its first error's message and code.
func errorOf(t *testing.T, c *gqlClient, q string, opts ...option) (string, string) {
	t.Helper()
	_, raw := c.raw(t, q, opts...)
	var errs []struct {
		Message    string
		Extensions struct{ Code string }
	}
	if err := json.Unmarshal(raw, &errs); err != nil || len(errs) == 0 {
		t.Fatalf("no error from %s: %s", q, raw)
	}
	return errs[0].Message, errs[0].Extensions.Code
}

func TestBadInputGetsAClearErrorAndWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		for name, tc := range map[string]struct {
			query, msg, code string
			vars             []option
		}{
			"EmptyKeyIsRejected": {query: `{ asset(key: {path: []}) { declared } }`, msg: "asset key is empty", code: "BAD_USER_INPUT"},
			"RunEventsCannotBeReported": {
				query: `mutation { reportEvents(events: [{type: "ASSET_MATERIALIZATION", assetKey: {path: ["a"]}}, {type: "RUN_SUCCESS"}]) { storageIds } }`,
				msg:   `event 1: event type "RUN_SUCCESS" cannot be reported; reportable types are ASSET_MATERIALIZATION, ASSET_OBSERVATION, ASSET_CHECK_EVALUATION, ASSET_FAILED_TO_MATERIALIZE, ASSET_WIPED, LOG, ENGINE_EVENT`,
				code:  "BAD_USER_INPUT"},
			"CheckWithoutPassedIsRejected": {
				query: `mutation { reportEvents(events: [{type: "ASSET_CHECK_EVALUATION", assetKey: {path: ["a"]}, checkName: "c"}]) { storageIds } }`,
				msg:   `check evaluation "c" for a has no passed value`, code: "BAD_USER_INPUT"},
			"MetadataMustBeAnObject": {
				query: `mutation { reportEvents(events: [{type: "ASSET_MATERIALIZATION", assetKey: {path: ["a"]}, metadata: [1]}]) { storageIds } }`,
				msg:   "metadata must be a JSON object of key to value, got a list", code: "BAD_USER_INPUT"},
			"BadMetadataTypeIsNamed": {
				query: `mutation { reportEvents(events: [{type: "ASSET_MATERIALIZATION", assetKey: {path: ["a"]}, metadata: {n: {raw_value: "x", type: "int"}}}]) { storageIds } }`,
				msg:   `metadata "n" of type int needs an integer, got a string`, code: "BAD_USER_INPUT"},
			"BadCursorIsRejected":          {query: `{ events(after: "abc") { nodes { storageId } } }`, msg: `cursor "abc" is not a storage id (a non-negative integer)`, code: "BAD_USER_INPUT"},
			"PageTooLargeIsRejected":       {query: `{ events(first: 10001) { nodes { storageId } } }`, msg: "first must be between 0 and 10000, got 10001", code: "BAD_USER_INPUT"},
			"MissingLineageRootIsNotFound": {query: `{ lineage(key: {path: ["nope"]}, direction: BOTH) { truncated } }`, msg: "asset nope does not exist", code: "NOT_FOUND"},
			"BadDefinitionsNameTheLine": {
				query: `mutation { applyDefinitions(yaml: "assets:\n  - key: a\n    dep: [b]\n") { changed } }`,
				msg:   `definitions:3:5: assets[0]: unknown field "dep" (did you mean "deps"?)`, code: "BAD_USER_INPUT"},
			"DeepNestingIsTooComplex": {
				query: `{ assets(first: 10000) { nodes { upstream { upstream { upstream { downstream { key { string } } } } } } } }`,
				msg:   "operation has complexity", code: "COMPLEXITY_LIMIT_EXCEEDED"},
		} {
			t.Run(name, func(t *testing.T) {
				msg, code := errorOf(t, c, tc.query, tc.vars...)
				if !strings.Contains(msg, tc.msg) || code != tc.code {
					t.Errorf("got %q (%s), want %q (%s)", msg, code, tc.msg, tc.code)
				}
			})
		}
		if last, _ := s.LastStorageID(context.Background()); last != 0 {
			t.Errorf("rejected requests wrote %d events", last)
		}
	})
}

func TestAPageOfAssetsCostsAConstantNumberOfQueries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		var b strings.Builder
		b.WriteString("assets:\n")
		for i := 0; i < 200; i++ {
			fmt.Fprintf(&b, "  - key: a/%03d\n    checks: [{name: c}]\n", i)
			if i > 0 {
				fmt.Fprintf(&b, "    deps: [a/%03d]\n", i-1)
			}
		}
		apply(t, c, b.String())
		var evs []map[string]any
		for i := 0; i < 200; i++ {
			evs = append(evs, map[string]any{"type": "ASSET_MATERIALIZATION", "assetKey": key(fmt.Sprintf("a/%03d", i))},
				map[string]any{"type": "ASSET_CHECK_EVALUATION", "assetKey": key(fmt.Sprintf("a/%03d", i)), "checkName": "c", "passed": true})
		}
		report(t, c, evs...)
		cost := func(first int) int64 {
			before := s.Reads()
			var resp struct {
				Assets struct{ Nodes []json.RawMessage }
			}
			post(t, c, `query($n: Int) { assets(first: $n) { nodes { key { string } latestMaterialization { storageId metadata { key } }
				checkStatus checks { name latestEvaluation { passed } } upstream { key { string } latestMaterialization { storageId } } } } }`,
				&resp, Var("n", first))
			if len(resp.Assets.Nodes) != first {
				t.Fatalf("got %d assets, want %d", len(resp.Assets.Nodes), first)
			}
			return s.Reads() - before
		}
		// Loaders batch by time as well as by field, so the exact count may vary by one or
		// two; what must not happen is a count that grows with the page.
		const bound = 8
		small, large := cost(10), cost(200)
		if small > bound || large > bound {
			t.Errorf("10 assets cost %d queries, 200 cost %d; want at most %d for any page", small, large, bound)
		}
		t.Logf("a page of assets with latest events, checks and upstream costs %d queries", large)
	})
}

func TestAssetOrdersAndGraph(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		apply(t, c, platform)
		report(t, c, map[string]any{"type": "ASSET_MATERIALIZATION", "assetKey": key("raw/orders")})
		report(t, c, map[string]any{"type": "ASSET_MATERIALIZATION", "assetKey": key("marts/revenue")})
		type page struct {
			Assets struct {
				Nodes    []struct{ Key struct{ String string } }
				PageInfo struct{ EndCursor string }
			}
		}
		keys := func(p page) (out []string) {
			for _, n := range p.Assets.Nodes {
				out = append(out, n.Key.String)
			}
			return out
		}
		q := `query($o: AssetOrder, $d: Boolean, $n: Int, $a: String) { assets(orderBy: $o, descending: $d, first: $n, after: $a) {
			nodes { key { string } } pageInfo { endCursor } } }`
		var p page
		post(t, c, q, &p, Var("o", "LAST_MATERIALIZATION"), Var("d", true))
		if diff := cmp.Diff([]string{"marts/revenue", "raw/orders", "raw/customers", "staging/orders"}, keys(p)); diff != "" {
			t.Errorf("most recently materialized first (-want +got):\n%s", diff)
		}
		post(t, c, q, &p, Var("o", "GROUP"), Var("n", 2))
		first := keys(p)
		post(t, c, q, &p, Var("o", "GROUP"), Var("n", 2), Var("a", p.Assets.PageInfo.EndCursor))
		if diff := cmp.Diff([]string{"marts/revenue", "raw/customers", "raw/orders", "staging/orders"}, append(first, keys(p)...)); diff != "" {
			t.Errorf("by group, two pages (-want +got):\n%s", diff)
		}
		if msg, _ := errorOf(t, c, q, Var("o", "GROUP"), Var("a", "raw/orders")); !strings.Contains(msg, "is not a cursor of this order") {
			t.Errorf("a key cursor in group order: %s", msg)
		}

		var g struct {
			AssetGraph struct {
				Nodes []struct {
					Key       struct{ String string }
					Freshness struct{ Status string }
				}
				Edges     []struct{ From, To struct{ String string } }
				Truncated bool
			}
		}
		post(t, c, `{ assetGraph(selection: "*marts/revenue") { nodes { key { string } freshness { status } } edges { from { string } to { string } } truncated } }`, &g)
		if len(g.AssetGraph.Nodes) != 4 || len(g.AssetGraph.Edges) != 3 || g.AssetGraph.Truncated {
			t.Errorf("graph: %+v", g.AssetGraph)
		}
		for _, n := range g.AssetGraph.Nodes {
			want := "UNKNOWN"
			if n.Key.String == "marts/revenue" {
				want = "FRESH" // 24h max lag, materialized just now
			}
			if n.Freshness.Status != want {
				t.Errorf("%s freshness %s, want %s", n.Key.String, n.Freshness.Status, want)
			}
		}
		post(t, c, `{ assetGraph(limit: 2) { nodes { key { string } } truncated } }`, &g)
		if len(g.AssetGraph.Nodes) != 2 || !g.AssetGraph.Truncated {
			t.Errorf("limited graph: %+v", g.AssetGraph)
		}
	})
}
