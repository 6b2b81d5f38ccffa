package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/defs"
	"github.com/plumbline/plumbline/graph"
	"github.com/plumbline/plumbline/store"
)

var update = flag.Bool("update", false, "rewrite the golden responses of TestResponsesMatchGolden")

// marshalQueries select the object types on the hot paths of responses (Event,
// MetadataEntry, AssetKey, LineageEdge, Tag) every way GraphQL allows: all fields,
// subsets, aliases, repeated fields, named and inline fragments, @skip and @include,
// __typename, nulls, in lists and alone, in queries and under other types. Their
// responses were recorded from gqlgen's generated executor (testdata/responses), and
// must stay byte for byte the same.
var marshalQueries = map[string]string{
	"EventsAllFields": `{ events(first: 50) { nodes { storageId type timestamp runId assetKey { path string } partition dataVersion
		description checkName passed severity level message metadata { key type value } } } }`,
	"EventsTypename":    `{ events(first: 50) { nodes { __typename assetKey { __typename path } metadata { __typename key } } } }`,
	"EventsAliases":     `{ events(first: 50) { nodes { id: storageId t: type k: assetKey { p: path s: string p2: path } md: metadata { v: value key k2: key } again: metadata { type } } } }`,
	"EventsRepeated":    `{ events(first: 50) { nodes { type type storageId metadata { key } metadata { value } assetKey { path } assetKey { string } } } }`,
	"EventsFragments":   `query { events(first: 50) { nodes { ...E ... on Event { passed metadata { ...M } } } } } fragment E on Event { storageId checkName assetKey { ...K } } fragment K on AssetKey { string } fragment M on MetadataEntry { type value }`,
	"EventsSkipInclude": `query($yes: Boolean!, $no: Boolean!) { events(first: 50) { nodes { storageId @skip(if: $yes) type @include(if: $yes) level @include(if: $no) metadata @skip(if: $no) { key @include(if: $no) value } ... on Event @skip(if: $yes) { message } ... @include(if: $yes) { severity } } } }`,
	"EventsEdges":       `{ events(first: 5, after: "2") { edges { cursor node { storageId assetKey { path } } } pageInfo { hasNextPage endCursor } } }`,
	"EventsFilter":      `{ events(filter: {types: ["LOG"]}) { nodes { storageId level message metadata { key } assetKey { path } } } }`,
	"AssetsPage":        `{ assets(first: 100) { nodes { key { path } latestMaterialization { storageId timestamp dataVersion metadata { key type value } } checkStatus } } }`,
	"AssetDetails": `{ asset(key: {path: ["marts", "revenue"]}) { key { path string __typename } definition { description group owners kinds
		tags { key value __typename } t2: tags { value } metadata { key type value } deps { path string } checks { name } }
		latestMaterialization(partition: "2026-11-20") { storageId partition metadata { key value } }
		checks { name assetKey { path } status latestEvaluation { storageId passed severity metadata { key type value } } }
		upstream { key { string } } downstream { key { path } }
		events(first: 3) { nodes { storageId type } edges { cursor node { storageId } } } } }`,
	"AssetPartitions": `{ asset(key: {path: ["marts", "revenue"]}) { partitions { partition latestMaterialization { storageId partition dataVersion } latestObservation { storageId } } } }`,
	"Lineage":         `{ lineage(key: {path: ["marts", "revenue"]}, direction: UPSTREAM, depth: 5) { nodes { key { path } } edges { from { path } to { path string } } truncated } }`,
	"LineageBothLayers": `{ lineage(key: {path: ["staging", "orders"]}, direction: BOTH) { nodes { __typename key { string } } layers { depth asset { key { path } } }
		edges { __typename from { __typename string } to { path } a: to { string } } } }`,
	"LineageFragments": `{ lineage(key: {path: ["marts", "revenue"]}, direction: UPSTREAM) { edges { ...on LineageEdge { from { ...on AssetKey { path } } } ...X } } } fragment X on LineageEdge { to { string } }`,
	"AssetGraph":       `{ assetGraph { nodes { key { path } } edges { from { string } to { string } } truncated } }`,
	"Checks":           `{ asset(key: {path: ["staging", "orders"]}) { checks { name assetKey { path string } spec { name blocking } latestEvaluation { storageId passed metadata { key value } } evaluations { nodes { storageId passed } } } } }`,
}

// marshalFixture loads a catalog with every kind of value the types above can hold.
func marshalFixture(t *testing.T) *graph.Resolver {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2026, 11, 20, 6, 0, 0, 123456000, time.UTC)
	s, err := store.Open(ctx, store.Config{DataDir: t.TempDir(), Now: func() time.Time { return at.Add(-time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	d, err := defs.Parse("marshal.yaml", []byte(`
assets:
  - key: raw/orders
    group: raw
    owners: [team:data]
  - key: [raw, "weird/part", "back\\slash"]
  - key: staging/orders
    deps: [raw/orders, [raw, "weird/part", "back\\slash"]]
    checks: [{name: not_null, blocking: true}, {name: fresh}]
  - key: marts/revenue
    description: "Revenue <b>daily</b> & more \u2028"
    group: marts
    owners: [team:data, alice@example.com]
    kinds: [dbt]
    tags: {tier: gold, a.b: "<x> & y"}
    metadata: {table: analytics.revenue, rows: 12}
    deps: [staging/orders]
`), defs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApplyDefinitions(ctx, "", d); err != nil {
		t.Fatal(err)
	}
	meta := func(s string) plumbline.Metadata {
		m, err := plumbline.DecodeMetadata([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	passed, failed := true, false
	events := []plumbline.Event{
		{Type: plumbline.AssetMaterialization, AssetKey: plumbline.AssetKey{"raw", "orders"}, DataVersion: "v1", RunID: "run-1",
			Metadata: meta(`{"rows": 10, "ratio": 0.5, "name": "<b>&\"quoted\"\n\u2028", "ok": true, "none": null, "obj": {"b": [1, {"c": "d"}], "a": 2},
			"u": {"raw_value": "https://x/?a=1&b=2", "type": "url"}, "t": {"raw_value": 1700000000.5, "type": "timestamp"},
			"k": {"raw_value": ["a", "b/c"], "type": "asset"}, "big": 123456789012345678901234567890, "neg": -0.0, "e": 1e-7}`)},
		{Type: plumbline.AssetMaterialization, AssetKey: plumbline.AssetKey{"marts", "revenue"}, Partition: "2026-11-20", DataVersion: "v2",
			Description: "daily run", Metadata: meta(`{"rows": 12}`)},
		{Type: plumbline.AssetObservation, AssetKey: plumbline.AssetKey{"marts", "revenue"}, Partition: "2026-11-20"},
		{Type: plumbline.AssetCheckEvaluation, AssetKey: plumbline.AssetKey{"staging", "orders"}, CheckName: "not_null", Passed: &failed,
			Severity: "WARN", Metadata: meta(`{"null_rows": 3}`)},
		{Type: plumbline.AssetCheckEvaluation, AssetKey: plumbline.AssetKey{"staging", "orders"}, CheckName: "fresh", Passed: &passed},
		{Type: plumbline.Log, Level: "warning", Message: "a log line: <script>"},
		{Type: plumbline.AssetMaterialization, AssetKey: plumbline.AssetKey{"raw", "weird/part", "back\\slash"}, Metadata: meta(`{"é": "ü", "x\ty": 1}`)},
		{Type: plumbline.AssetFailedToMaterialize, AssetKey: plumbline.AssetKey{"staging", "orders"}, Message: "boom"},
	}
	for i := range events {
		events[i].Timestamp = at.Add(time.Duration(i) * time.Minute)
	}
	if _, err := s.Append(ctx, events); err != nil {
		t.Fatal(err)
	}
	return &graph.Resolver{Log: s, Catalog: s, RunStore: s}
}

func TestResponsesMatchGolden(t *testing.T) {
	h := graph.NewServer(marshalFixture(t), graph.Options{})
	for name, q := range marshalQueries {
		t.Run(name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]any{"yes": true, "no": false}})
			req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			got := w.Body.Bytes()
			if bytes.Contains(got, []byte(`"errors"`)) {
				t.Fatalf("%s", got)
			}
			path := filepath.Join("testdata", "responses", name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("response differs from %s:\n got %s\nwant %s", path, got, want)
			}
		})
	}
}
