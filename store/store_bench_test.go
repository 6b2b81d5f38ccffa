package store_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/internal/dbtest"
	"github.com/plumbline/plumbline/store"
)

// Benchmarks of the store on both databases. PostgreSQL ones need
// PLUMBLINE_TEST_DATABASE_URL (make bench sets it) and are skipped without it.

func benchEach(b *testing.B, fn func(b *testing.B, s *store.Store)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, dbtest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, dbtest.Postgres(b)) })
}

// benchEvents returns n events like the end-to-end ingestion benchmark's: 100 assets, a
// third of them partitioned; 80% materializations with four metadata entries of mixed
// types, 20% check evaluations.
func benchEvents(n int, seed uint64) []plumbline.Event {
	rng := rand.New(rand.NewPCG(seed, seed))
	out := make([]plumbline.Event, n)
	for i := range out {
		a := rng.IntN(100)
		k := plumbline.AssetKey{"warehouse", fmt.Sprintf("domain%02d", a%10), fmt.Sprintf("table%03d", a)}
		meta, err := plumbline.DecodeMetadata(fmt.Appendf(nil, `{"row_count": %d, "null_fraction": %.4f,
			"dashboard": {"raw_value": "https://bi.example.com/d/%d", "type": "url"}, "columns": {"names": ["id", "amount"]}}`,
			rng.IntN(1e7), rng.Float64()/10, a))
		if err != nil {
			panic(err)
		}
		if rng.IntN(5) == 0 {
			passed := rng.IntN(10) != 0
			out[i] = plumbline.Event{Type: plumbline.AssetCheckEvaluation, AssetKey: k, CheckName: "not_null", Passed: &passed, Metadata: meta[:2]}
			continue
		}
		e := plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: k, DataVersion: fmt.Sprintf("%016x", rng.Uint64()), Metadata: meta}
		if a%3 == 0 {
			e.Partition = fmt.Sprintf("2026-11-%02d", 1+rng.IntN(28))
		}
		out[i] = e
	}
	return out
}

// BenchmarkAppend appends a batch of 1,000 events (what one reportEvents request of the
// ingestion benchmark does) and a single event (one REST report), one call at a time.
func BenchmarkAppend(b *testing.B) {
	benchEach(b, func(b *testing.B, s *store.Store) {
		for _, n := range []int{1000, 1} {
			b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
				batches := make([][]plumbline.Event, 16)
				for i := range batches {
					batches[i] = benchEvents(n, uint64(i))
				}
				i := 0
				for b.Loop() {
					batch := append([]plumbline.Event(nil), batches[i%len(batches)]...)
					if _, err := s.Append(ctx, batch); err != nil {
						b.Fatal(err)
					}
					i++
				}
				b.ReportMetric(float64(i*n)/b.Elapsed().Seconds(), "events/s")
			})
		}
	})
}

// BenchmarkAppendParallel appends single events from 32 goroutines, which the writer
// commits together (group commit): the store's side of the REST benchmark.
func BenchmarkAppendParallel(b *testing.B) {
	benchEach(b, func(b *testing.B, s *store.Store) {
		events := benchEvents(1000, 7)
		b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := s.Append(ctx, []plumbline.Event{events[i%len(events)]}); err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
}

// BenchmarkCatalogReads runs the reads behind the GraphQL assets page on 2,000 declared
// assets, each with two checks and three materializations.
func BenchmarkCatalogReads(b *testing.B) {
	const n = 2000
	benchEach(b, func(b *testing.B, s *store.Store) {
		keys := make([]plumbline.AssetKey, n)
		defs := &plumbline.Definitions{}
		for i := range keys {
			keys[i] = plumbline.AssetKey{fmt.Sprintf("domain%02d", i%20), fmt.Sprintf("table%05d", i)}
			spec := plumbline.AssetSpec{Key: keys[i], Group: "g", Owners: []string{"team:data"}, Kinds: []string{"dbt"},
				Checks: []plumbline.CheckSpec{{Name: "not_null"}, {Name: "unique_id"}}}
			if i > 0 {
				spec.Deps = []plumbline.AssetKey{keys[i/2]}
			}
			defs.Assets = append(defs.Assets, spec)
		}
		if _, err := s.ApplyDefinitions(ctx, "bench", defs); err != nil {
			b.Fatal(err)
		}
		var events []plumbline.Event
		for _, e := range benchEvents(3*n, 1) {
			if e.Type == plumbline.AssetMaterialization {
				e.AssetKey = keys[len(events)%n]
				events = append(events, e)
			}
		}
		for i, k := range keys {
			passed := i%10 != 0
			events = append(events, plumbline.Event{Type: plumbline.AssetCheckEvaluation, AssetKey: k, CheckName: "not_null", Passed: &passed})
		}
		for start := 0; start < len(events); start += 5000 {
			if _, err := s.Append(ctx, events[start:min(start+5000, len(events))]); err != nil {
				b.Fatal(err)
			}
		}
		assets, err := s.ListAssets(ctx, "", n)
		if err != nil {
			b.Fatal(err)
		}
		ids := make([]int64, 0, n)
		for _, a := range assets {
			ids = append(ids, a.LatestMaterializationID)
		}

		b.Run("ListAssets", func(b *testing.B) {
			for b.Loop() {
				if as, err := s.ListAssets(ctx, "", n); err != nil || len(as) != n {
					b.Fatal(len(as), err)
				}
			}
		})
		b.Run("AssetsByKey", func(b *testing.B) {
			for b.Loop() {
				if _, err := s.AssetsByKey(ctx, keys); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("EventsByID", func(b *testing.B) {
			for b.Loop() {
				if evs, err := s.EventsByID(ctx, ids); err != nil || len(evs) == 0 {
					b.Fatal(len(evs), err)
				}
			}
		})
		b.Run("Checks", func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Checks(ctx, keys); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// BenchmarkLineage walks upstream from an asset of the last layer of a DAG of 10 layers
// of 1,000 assets, each with 3–4 parents in the layer above.
func BenchmarkLineage(b *testing.B) {
	const layers, width = 10, 1000
	benchEach(b, func(b *testing.B, s *store.Store) {
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
		if _, err := s.ApplyDefinitions(ctx, "bench", defs); err != nil {
			b.Fatal(err)
		}
		for _, depth := range []int{5, 2} {
			b.Run(fmt.Sprintf("depth=%d", depth), func(b *testing.B) {
				var g *plumbline.LineageGraph
				for b.Loop() {
					var err error
					if g, err = s.Lineage(ctx, name(layers-1, width/2), plumbline.Upstream, depth, 10000); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(g.Nodes)), "nodes")
			})
		}
	})
}
