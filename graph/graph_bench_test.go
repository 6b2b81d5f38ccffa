package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/graph"
	"github.com/plumbline/plumbline/internal/dbtest"
	"github.com/plumbline/plumbline/store"
)

// Benchmarks of the GraphQL layer through the real executable schema, in process (no
// network): what the end-to-end benchmarks measure over HTTP, minus HTTP. PostgreSQL ones
// need PLUMBLINE_TEST_DATABASE_URL (make bench sets it) and are skipped without it.

func benchStores(b *testing.B, fn func(b *testing.B, s *store.Store)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, dbtest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, dbtest.Postgres(b)) })
}

// benchServe runs one GraphQL request and fails the benchmark on any error.
func benchServe(b *testing.B, h http.Handler, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK || bytes.Contains(w.Body.Bytes(), []byte(`"errors"`)) {
		b.Fatalf("%d %.500s", w.Code, w.Body.String())
	}
	return w
}

// benchMetadata returns a metadata object of 3–6 entries of mixed types.
func benchMetadata(rng *rand.Rand, i int) string {
	all := []string{
		fmt.Sprintf(`"row_count": %d`, rng.IntN(1e7)),
		fmt.Sprintf(`"null_fraction": %.4f`, rng.Float64()/10),
		`"owner": "team:data"`,
		fmt.Sprintf(`"dashboard": {"raw_value": "https://bi.example.com/d/%d", "type": "url"}`, i),
		`"columns": {"names": ["id", "amount", "created_at"], "count": 3}`,
		fmt.Sprintf(`"full_refresh": %t`, rng.IntN(10) == 0),
	}
	return "{" + strings.Join(all[:3+rng.IntN(4)], ", ") + "}"
}

// reportBody is a reportEvents request of n events over 100 assets: 80% materializations
// (a third partitioned) with 3–6 metadata entries, 20% check evaluations.
func reportBody(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, seed))
	var evs []string
	for range n {
		a := rng.IntN(100)
		k := fmt.Sprintf(`{"path": ["warehouse", "domain%02d", "table%03d"]}`, a%10, a)
		if rng.IntN(5) == 0 {
			evs = append(evs, fmt.Sprintf(`{"type": "ASSET_CHECK_EVALUATION", "assetKey": %s, "checkName": "not_null", "passed": %t, "metadata": {"failed_rows": %d}}`,
				k, rng.IntN(10) != 0, rng.IntN(100)))
			continue
		}
		part := ""
		if a%3 == 0 {
			part = fmt.Sprintf(`, "partition": "2026-11-%02d"`, 1+rng.IntN(28))
		}
		evs = append(evs, fmt.Sprintf(`{"type": "ASSET_MATERIALIZATION", "assetKey": %s, "dataVersion": "%016x", "runId": "run-1"%s, "metadata": %s}`,
			k, rng.Uint64(), part, benchMetadata(rng, a)))
	}
	return []byte(`{"query": "mutation($events: [EventInput!]!) { reportEvents(events: $events) { storageIds } }", "variables": {"events": [` +
		strings.Join(evs, ",") + `]}}`)
}

// discardLog is an event log that assigns ids and keeps nothing: it isolates the GraphQL
// side of reportEvents (decoding, validation, metadata) from the database.
type discardLog struct {
	plumbline.EventLog
	last atomic.Int64
}

func (l *discardLog) Append(_ context.Context, events []plumbline.Event) ([]int64, error) {
	for i := range events {
		if err := events[i].Normalize(); err != nil {
			return nil, err
		}
	}
	ids := make([]int64, len(events))
	first := l.last.Add(int64(len(events))) - int64(len(events))
	for i := range ids {
		ids[i] = first + int64(i) + 1
	}
	return ids, nil
}

// BenchmarkReportEvents sends reportEvents with 1,000 events: with an event log that keeps
// nothing (GraphQL alone), and on each database.
func BenchmarkReportEvents(b *testing.B) {
	bodies := make([][]byte, 8)
	for i := range bodies {
		bodies[i] = reportBody(1000, uint64(i))
	}
	run := func(b *testing.B, h http.Handler) {
		b.SetBytes(int64(len(bodies[0])))
		i := 0
		for b.Loop() {
			benchServe(b, h, bodies[i%len(bodies)])
			i++
		}
		b.ReportMetric(float64(i*1000)/b.Elapsed().Seconds(), "events/s")
	}
	b.Run("discard", func(b *testing.B) {
		run(b, graph.NewServer(&graph.Resolver{Log: &discardLog{}}, graph.Options{}))
	})
	benchStores(b, func(b *testing.B, s *store.Store) {
		run(b, graph.NewServer(&graph.Resolver{Log: s, Catalog: s}, graph.Options{}))
	})
}

// assetsPageData returns n declared assets, each with two checks (one evaluated) and three
// materializations with 3–6 metadata entries.
func assetsPageData(b *testing.B, n int) (*plumbline.Definitions, []plumbline.Event) {
	rng := rand.New(rand.NewPCG(3, 3))
	defs := &plumbline.Definitions{}
	var events []plumbline.Event
	for i := range n {
		k := plumbline.AssetKey{fmt.Sprintf("domain%02d", i%20), fmt.Sprintf("table%05d", i)}
		defs.Assets = append(defs.Assets, plumbline.AssetSpec{Key: k, Group: "g", Owners: []string{"team:data"},
			Kinds: []string{"dbt"}, Checks: []plumbline.CheckSpec{{Name: "not_null"}, {Name: "unique_id"}}})
		for range 3 {
			m, err := plumbline.DecodeMetadata([]byte(benchMetadata(rng, i)))
			if err != nil {
				b.Fatal(err)
			}
			events = append(events, plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: k, DataVersion: "v1", Metadata: m})
		}
		passed := i%10 != 0
		events = append(events, plumbline.Event{Type: plumbline.AssetCheckEvaluation, AssetKey: k, CheckName: "not_null", Passed: &passed})
	}
	return defs, events
}

// memoryCatalog serves the assets page from memory: what the page costs in GraphQL
// alone, with no database and no row decoding.
type memoryCatalog struct {
	plumbline.Catalog
	plumbline.EventLog
	assets []*plumbline.Asset
	checks map[string][]plumbline.CheckState
	events map[int64]plumbline.Event
}

func newMemoryCatalog(defs *plumbline.Definitions, events []plumbline.Event) *memoryCatalog {
	c := &memoryCatalog{checks: map[string][]plumbline.CheckState{}, events: map[int64]plumbline.Event{}}
	byKey := map[string]*plumbline.Asset{}
	for i := range defs.Assets {
		spec := &defs.Assets[i]
		a := &plumbline.Asset{Key: spec.Key, Spec: spec}
		c.assets = append(c.assets, a)
		byKey[spec.Key.String()] = a
		for j := range spec.Checks {
			c.checks[spec.Key.String()] = append(c.checks[spec.Key.String()],
				plumbline.CheckState{AssetKey: spec.Key, Name: spec.Checks[j].Name, Spec: &spec.Checks[j]})
		}
	}
	for i, e := range events {
		e.StorageID, e.Timestamp = int64(i+1), time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
		c.events[e.StorageID] = e
		k := e.AssetKey.String()
		switch e.Type {
		case plumbline.AssetMaterialization:
			byKey[k].LatestMaterializationID = e.StorageID
		case plumbline.AssetCheckEvaluation:
			for j := range c.checks[k] {
				if c.checks[k][j].Name == e.CheckName {
					c.checks[k][j].Passed, c.checks[k][j].LastEvaluationID = e.Passed, e.StorageID
				}
			}
		}
	}
	return c
}

func (c *memoryCatalog) ListAssets(_ context.Context, _ string, limit int) ([]*plumbline.Asset, error) {
	return c.assets[:min(limit, len(c.assets))], nil
}

func (c *memoryCatalog) Checks(_ context.Context, keys []plumbline.AssetKey) (map[string][]plumbline.CheckState, error) {
	out := make(map[string][]plumbline.CheckState, len(keys))
	for _, k := range keys {
		out[k.String()] = c.checks[k.String()]
	}
	return out, nil
}

func (c *memoryCatalog) EventsByID(_ context.Context, ids []int64) ([]plumbline.Event, error) {
	out := make([]plumbline.Event, 0, len(ids))
	for _, id := range ids {
		if e, ok := c.events[id]; ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// BenchmarkAssetsPage runs the end-to-end benchmark's assets query on 2,000 declared
// assets, each with two checks and three materializations with 3–6 metadata entries: from
// memory (GraphQL execution alone), and on each database.
func BenchmarkAssetsPage(b *testing.B) {
	const n = 2000
	defs, events := assetsPageData(b, n)
	body, _ := json.Marshal(map[string]string{"query": fmt.Sprintf(
		`{ assets(first: %d) { nodes { key { path } latestMaterialization { storageId timestamp dataVersion metadata { key type value } } checkStatus } } }`, n)})
	run := func(b *testing.B, h http.Handler) {
		var size int
		for b.Loop() {
			size = benchServe(b, h, body).Body.Len()
		}
		b.ReportMetric(float64(size), "response-bytes")
	}
	b.Run("memory", func(b *testing.B) {
		c := newMemoryCatalog(defs, events)
		run(b, graph.NewServer(&graph.Resolver{Log: c, Catalog: c}, graph.Options{}))
	})
	benchStores(b, func(b *testing.B, s *store.Store) {
		ctx := context.Background()
		if _, err := s.ApplyDefinitions(ctx, "bench", defs); err != nil {
			b.Fatal(err)
		}
		for start := 0; start < len(events); start += 5000 {
			if _, err := s.Append(ctx, events[start:min(start+5000, len(events))]); err != nil {
				b.Fatal(err)
			}
		}
		run(b, graph.NewServer(&graph.Resolver{Log: s, Catalog: s}, graph.Options{}))
	})
}

// BenchmarkLineage runs an upstream lineage query on a DAG of 10 layers of 1,000 assets,
// each with 3–4 parents in the layer above, at depth 5 (hundreds of nodes) and 2.
func BenchmarkLineage(b *testing.B) {
	const layers, width = 10, 1000
	benchStores(b, func(b *testing.B, s *store.Store) {
		rng := rand.New(rand.NewPCG(4, 4))
		name := func(l, w int) plumbline.AssetKey {
			return plumbline.AssetKey{fmt.Sprintf("layer%02d", l), fmt.Sprintf("asset%05d", w)}
		}
		defs := &plumbline.Definitions{}
		for l := range layers {
			for w := range width {
				spec := plumbline.AssetSpec{Key: name(l, w)}
				if l > 0 {
					seen, parents := map[int]bool{}, 3+rng.IntN(2)
					for len(spec.Deps) < parents {
						if p := rng.IntN(width); !seen[p] {
							seen[p] = true
							spec.Deps = append(spec.Deps, name(l-1, p))
						}
					}
				}
				defs.Assets = append(defs.Assets, spec)
			}
		}
		if _, err := s.ApplyDefinitions(context.Background(), "bench", defs); err != nil {
			b.Fatal(err)
		}
		h := graph.NewServer(&graph.Resolver{Log: s, Catalog: s}, graph.Options{})
		for _, depth := range []int{5, 2} {
			b.Run(fmt.Sprintf("depth=%d", depth), func(b *testing.B) {
				body, _ := json.Marshal(map[string]any{
					"query": `query($key: AssetKeyInput!, $depth: Int!) { lineage(key: $key, direction: UPSTREAM, depth: $depth) {
						nodes { key { path } } edges { from { path } to { path } } truncated } }`,
					"variables": map[string]any{"key": map[string]any{"path": name(layers-1, width/2)}, "depth": depth}})
				for b.Loop() {
					benchServe(b, h, body)
				}
			})
		}
	})
}
