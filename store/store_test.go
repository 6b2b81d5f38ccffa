package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/internal/dbtest"
	"github.com/plumbline/plumbline/store"
)

var ctx = context.Background()

func key(s string) plumbline.AssetKey { return plumbline.MustParseAssetKey(s) }

func boolp(b bool) *bool { return &b }

func mat(k string, meta ...plumbline.MetadataEntry) plumbline.Event {
	return plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key(k), Metadata: meta}
}

func mustAppend(t *testing.T, s *store.Store, events ...plumbline.Event) []int64 {
	t.Helper()
	ids, err := s.Append(ctx, events)
	if err != nil {
		t.Fatalf("append: %v", err)
	}
	return ids
}

func TestAppendAssignsIncreasingIDsAndKeepsEverything(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		meta, err := plumbline.DecodeMetadata([]byte(`{"rows": 10, "ratio": 1.0, "owner": "x", "ok": true, "schema": {"raw_value": {"columns": [{"name": "id", "type": "int"}]}, "type": "table_schema"}}`))
		if err != nil {
			t.Fatal(err)
		}
		when := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)
		in := []plumbline.Event{
			{Type: plumbline.AssetMaterialization, AssetKey: key("warehouse/orders"), Partition: "2026-01-01",
				DataVersion: "v1", Description: "nightly", Metadata: meta, RunID: "r1", Timestamp: when},
			{Type: plumbline.AssetCheckEvaluation, AssetKey: key("warehouse/orders"), CheckName: "not_null", Passed: boolp(false), Severity: "warn"},
			{Type: plumbline.Log, Message: "hello", RunID: "r1"},
		}
		ids := mustAppend(t, s, in...)
		if len(ids) != 3 || ids[0] < 1 || ids[1] != ids[0]+1 || ids[2] != ids[1]+1 {
			t.Fatalf("ids = %v, want three consecutive ids", ids)
		}
		got, err := s.EventsByID(ctx, []int64{ids[2], ids[0], 999999, ids[1]})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0].StorageID != ids[2] || got[1].StorageID != ids[0] {
			t.Fatalf("EventsByID order: %+v", got)
		}
		e := got[1]
		if !e.Timestamp.Equal(when) || e.Partition != "2026-01-01" || e.DataVersion != "v1" || e.RunID != "r1" || e.Description != "nightly" {
			t.Errorf("materialization came back as %+v", e)
		}
		if diff := cmp.Diff(meta, e.Metadata); diff != "" {
			t.Errorf("metadata changed (-want +got):\n%s", diff)
		}
		if r, _ := e.Metadata.Get("ratio"); r.Type != "float" || string(r.Value) != "1.0" {
			t.Errorf("float 1.0 came back as %s %s", r.Type, r.Value)
		}
		c := got[2]
		if c.Severity != "WARN" || c.Passed == nil || *c.Passed {
			t.Errorf("check came back as %+v", c)
		}
		if got[0].Level != "INFO" {
			t.Errorf("log level defaulted to %q, want INFO", got[0].Level)
		}
	})
}

func TestAppendRejectsInvalidBatchAndWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		_, err := s.Append(ctx, []plumbline.Event{mat("a"), {Type: plumbline.AssetCheckEvaluation, AssetKey: key("a"), CheckName: "c"}})
		if plumbline.ErrorCode(err) != plumbline.EINVALID || plumbline.ErrorMessage(err) != `event 1: check evaluation "c" for a has no passed value` {
			t.Fatalf("err = %v (%s)", err, plumbline.ErrorCode(err))
		}
		if last, _ := s.LastStorageID(ctx); last != 0 {
			t.Errorf("log has %d events after a rejected batch", last)
		}
		if _, err := s.Asset(ctx, key("a")); plumbline.ErrorCode(err) != plumbline.ENOTFOUND {
			t.Errorf("asset exists after rejected batch: %v", err)
		}
	})
}

func TestLatestPointersFollowTheLog(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		ids := mustAppend(t, s,
			mat("a"),
			plumbline.Event{Type: plumbline.AssetObservation, AssetKey: key("a")},
			plumbline.Event{Type: plumbline.AssetFailedToMaterialize, AssetKey: key("a")},
		)
		a, err := s.Asset(ctx, key("a"))
		if err != nil {
			t.Fatal(err)
		}
		if a.LatestMaterializationID != ids[0] || a.LatestObservationID != ids[1] || a.LatestFailureID != ids[2] || a.Declared() {
			t.Fatalf("asset = %+v, ids %v", a, ids)
		}
		ids2 := mustAppend(t, s, mat("a"))
		a, _ = s.Asset(ctx, key("a"))
		if a.LatestMaterializationID != ids2[0] || a.LatestFailureID != 0 || a.LatestObservationID != ids[1] {
			t.Fatalf("after a new materialization: %+v", a)
		}
		mustAppend(t, s, plumbline.Event{Type: plumbline.AssetWiped, AssetKey: key("a")})
		a, _ = s.Asset(ctx, key("a"))
		if a.LatestMaterializationID != 0 || a.LatestObservationID != 0 {
			t.Fatalf("after wipe: %+v", a)
		}
	})
}

func TestPartitionsKeepTheirOwnLatest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		p := func(part string) plumbline.Event { e := mat("daily"); e.Partition = part; return e }
		ids := mustAppend(t, s, p("2026-01-01"), p("2026-01-02"), p("2026-01-01"))
		parts, err := s.Partitions(ctx, key("daily"), "", 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []plumbline.PartitionState{{Partition: "2026-01-01", LatestMaterializationID: ids[2]}, {Partition: "2026-01-02", LatestMaterializationID: ids[1]}}
		if diff := cmp.Diff(want, parts); diff != "" {
			t.Errorf("partitions (-want +got):\n%s", diff)
		}
		a, _ := s.Asset(ctx, key("daily"))
		if a.LatestMaterializationID != ids[2] {
			t.Errorf("asset latest = %d, want %d", a.LatestMaterializationID, ids[2])
		}
	})
}

func TestChecksKeepLatestEvaluation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		ev := func(passed bool) plumbline.Event {
			return plumbline.Event{Type: plumbline.AssetCheckEvaluation, AssetKey: key("a"), CheckName: "fresh", Passed: boolp(passed)}
		}
		ids := mustAppend(t, s, ev(true), ev(false))
		checks, err := s.Checks(ctx, []plumbline.AssetKey{key("a"), key("b")})
		if err != nil {
			t.Fatal(err)
		}
		c := checks["a"]
		if len(c) != 1 || c[0].LastEvaluationID != ids[1] || c[0].Status() != plumbline.CheckFailed || len(checks["b"]) != 0 {
			t.Fatalf("checks = %+v", checks)
		}
		evals, err := s.CheckEvaluations(ctx, key("a"), "fresh", 0, 10)
		if err != nil || len(evals) != 2 || evals[0].StorageID != ids[1] {
			t.Fatalf("evaluations = %+v, %v", evals, err)
		}
	})
}

func TestEventsFilterAndPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		var in []plumbline.Event
		for i := 0; i < 30; i++ {
			k := []string{"a", "b", "c"}[i%3]
			in = append(in, mat(k))
		}
		in = append(in, plumbline.Event{Type: plumbline.Log, Message: "x", RunID: "run-1"})
		ids := mustAppend(t, s, in...)
		page, err := s.Events(ctx, plumbline.EventFilter{AssetKeys: []plumbline.AssetKey{key("a"), key("c")}}, 0, 5)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, e := range page {
			got = append(got, e.StorageID)
		}
		want := []int64{ids[0], ids[2], ids[3], ids[5], ids[6]}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("first page of a and c (-want +got):\n%s", diff)
		}
		page, _ = s.Events(ctx, plumbline.EventFilter{AssetKeys: []plumbline.AssetKey{key("a"), key("c")}}, ids[6], 100)
		if len(page) != 15 {
			t.Errorf("second page has %d events, want 15", len(page))
		}
		run, _ := s.Events(ctx, plumbline.EventFilter{RunID: "run-1"}, 0, 10)
		if len(run) != 1 || run[0].Message != "x" {
			t.Errorf("run filter: %+v", run)
		}
		typed, _ := s.Events(ctx, plumbline.EventFilter{Types: []plumbline.EventType{plumbline.Log}}, 0, 10)
		if len(typed) != 1 {
			t.Errorf("type filter: %+v", typed)
		}
		future, _ := s.Events(ctx, plumbline.EventFilter{Since: time.Now().Add(time.Hour)}, 0, 10)
		if len(future) != 0 {
			t.Errorf("since filter returned %d events", len(future))
		}
	})
}

func TestConcurrentAppendsNeverShareOrSkipIDs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		const writers, each = 16, 20
		var (
			mu  sync.Mutex
			all []int64
			wg  sync.WaitGroup
		)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					ids, err := s.Append(ctx, []plumbline.Event{mat("a"), mat("b")})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					all = append(all, ids...)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		seen := map[int64]bool{}
		for _, id := range all {
			if seen[id] {
				t.Fatalf("id %d given twice", id)
			}
			seen[id] = true
		}
		for id := int64(1); id <= writers*each*2; id++ {
			if !seen[id] {
				t.Fatalf("id %d missing: ids are not contiguous", id)
			}
		}
	})
}

func TestApplyDefinitionsIsIdempotentAndKeepsHistory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		defs := &plumbline.Definitions{Assets: []plumbline.AssetSpec{
			{Key: key("raw/orders"), Group: "raw", Kinds: []string{"postgres"}},
			{Key: key("stg/orders"), Group: "staging", Deps: []plumbline.AssetKey{key("raw/orders"), key("ext/source")},
				Checks: []plumbline.CheckSpec{{Name: "not_null", Blocking: true}}, Owners: []string{"team:data"}},
		}}
		r, err := s.ApplyDefinitions(ctx, "", defs)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Added) != 2 || r.StorageID == 0 || r.Location != "default" {
			t.Fatalf("first apply: %+v", r)
		}
		r, err = s.ApplyDefinitions(ctx, "", defs)
		if err != nil || r.Changed() || r.Unchanged != 2 || r.StorageID != 0 {
			t.Fatalf("second apply changed something: %+v %v", r, err)
		}
		ext, err := s.Asset(ctx, key("ext/source"))
		if err != nil || ext.Declared() {
			t.Fatalf("dep on an undeclared asset: %+v %v", ext, err)
		}
		up, _ := s.Neighbours(ctx, []plumbline.AssetKey{key("stg/orders")}, plumbline.Upstream)
		if diff := cmp.Diff([]plumbline.AssetKey{key("ext/source"), key("raw/orders")}, up["stg/orders"]); diff != "" {
			t.Errorf("upstream (-want +got):\n%s", diff)
		}
		checks, _ := s.Checks(ctx, []plumbline.AssetKey{key("stg/orders")})
		if len(checks["stg/orders"]) != 1 || checks["stg/orders"][0].Spec == nil || !checks["stg/orders"][0].Spec.Blocking {
			t.Errorf("declared check: %+v", checks)
		}
		mustAppend(t, s, mat("stg/orders"))

		// Remove stg/orders: it becomes undeclared, keeps its materialization, loses its deps.
		r, err = s.ApplyDefinitions(ctx, "", &plumbline.Definitions{Assets: defs.Assets[:1]})
		if err != nil || len(r.Removed) != 1 {
			t.Fatalf("removing apply: %+v %v", r, err)
		}
		a, _ := s.Asset(ctx, key("stg/orders"))
		if a.Declared() || a.LatestMaterializationID == 0 {
			t.Errorf("removed asset: %+v", a)
		}
		up, _ = s.Neighbours(ctx, []plumbline.AssetKey{key("stg/orders")}, plumbline.Upstream)
		if len(up["stg/orders"]) != 0 {
			t.Errorf("removed asset still has deps %v", up)
		}

		_, err = s.ApplyDefinitions(ctx, "other", defs)
		var perr *plumbline.Error
		if !errors.As(err, &perr) || perr.Code != plumbline.ECONFLICT {
			t.Errorf("declaring raw/orders from another location: %v", err)
		}
		applied, _ := s.Events(ctx, plumbline.EventFilter{Types: []plumbline.EventType{plumbline.DefinitionsApplied}}, 0, 10)
		if len(applied) != 2 {
			t.Errorf("%d DEFINITIONS_APPLIED events, want 2", len(applied))
		}
	})
}

func TestLineageWalksDepthAndLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		// a -> b -> c -> d, and a -> x
		defs := &plumbline.Definitions{Assets: []plumbline.AssetSpec{
			{Key: key("a")},
			{Key: key("b"), Deps: []plumbline.AssetKey{key("a")}},
			{Key: key("c"), Deps: []plumbline.AssetKey{key("b")}},
			{Key: key("d"), Deps: []plumbline.AssetKey{key("c")}},
			{Key: key("x"), Deps: []plumbline.AssetKey{key("a")}},
		}}
		if _, err := s.ApplyDefinitions(ctx, "", defs); err != nil {
			t.Fatal(err)
		}
		g, err := s.Lineage(ctx, key("a"), plumbline.Downstream, 2, 100)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]plumbline.AssetKey{key("a"), key("b"), key("x"), key("c")}, g.Nodes); diff != "" {
			t.Errorf("nodes (-want +got):\n%s", diff)
		}
		if len(g.Edges) != 3 || g.Truncated {
			t.Errorf("edges %v truncated %v", g.Edges, g.Truncated)
		}
		g, _ = s.Lineage(ctx, key("c"), plumbline.Both, 5, 3)
		if !g.Truncated || len(g.Nodes) != 3 {
			t.Errorf("limited walk: %+v", g)
		}
		if _, err := s.Lineage(ctx, key("nope"), plumbline.Both, 5, 3); plumbline.ErrorCode(err) != plumbline.ENOTFOUND {
			t.Errorf("lineage of a missing asset: %v", err)
		}
		graph, err := s.Graph(ctx)
		if err != nil || len(graph.Nodes) != 5 || len(graph.Children["a"]) != 2 {
			t.Fatalf("graph: %+v %v", graph, err)
		}
		mustAppend(t, s, mat("new"))
		graph2, _ := s.Graph(ctx)
		if graph2 == graph || len(graph2.Nodes) != 6 {
			t.Errorf("graph snapshot not refreshed after a new asset appeared")
		}
	})
}

func TestMetadataRoundTripsEveryType(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		raw := `{"t": "x", "u": {"raw_value": "https://x", "type": "url"}, "i": 9007199254740993, "f": 2.50,
			"b": false, "n": null, "j": {"a": [1, 2.0]}, "ts": {"raw_value": 1700000000.5, "type": "timestamp"}}`
		meta, err := plumbline.DecodeMetadata([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		ids := mustAppend(t, s, mat("m", meta...))
		got, _ := s.EventsByID(ctx, ids)
		b1, _ := json.Marshal(meta)
		b2, _ := json.Marshal(got[0].Metadata)
		if string(b1) != string(b2) {
			t.Errorf("metadata changed:\n want %s\n got  %s", b1, b2)
		}
	})
}

func TestWipeThenReportInOneBatch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		p := func(typ plumbline.EventType, part string) plumbline.Event {
			return plumbline.Event{Type: typ, AssetKey: key("w"), Partition: part}
		}
		mustAppend(t, s, p(plumbline.AssetMaterialization, "p1"), p(plumbline.AssetMaterialization, "p2"))
		ids := mustAppend(t, s,
			p(plumbline.AssetMaterialization, "p1"),
			p(plumbline.AssetWiped, "p1"),
			p(plumbline.AssetMaterialization, "p1"),
			p(plumbline.AssetWiped, ""),
			p(plumbline.AssetMaterialization, "p2"),
		)
		parts, err := s.Partitions(ctx, key("w"), "", 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []plumbline.PartitionState{{Partition: "p2", LatestMaterializationID: ids[4]}}
		if diff := cmp.Diff(want, parts); diff != "" {
			t.Errorf("partitions after wipes (-want +got):\n%s", diff)
		}
		a, _ := s.Asset(ctx, key("w"))
		if a.LatestMaterializationID != ids[4] {
			t.Errorf("latest = %d, want %d", a.LatestMaterializationID, ids[4])
		}
	})
}

func TestAppendAfterCloseFailsInsteadOfHanging(t *testing.T) {
	s := dbtest.SQLite(t)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Append(ctx, []plumbline.Event{mat("a")})
			errs <- err
		}()
	}
	s.Close()
	wg.Wait() // every append returns: committed before Close, or refused after it
	close(errs)
	for err := range errs {
		if err != nil && plumbline.ErrorCode(err) != plumbline.EUNAVAILABLE {
			t.Errorf("append during close: %v", err)
		}
	}
	if _, err := s.Append(ctx, []plumbline.Event{mat("a")}); plumbline.ErrorCode(err) != plumbline.EUNAVAILABLE {
		t.Errorf("append after close: %v", err)
	}
}

func TestMetadataTextKeepsItsBytes(t *testing.T) {
	s := dbtest.SQLite(t)
	meta, err := plumbline.DecodeMetadata([]byte(`{"sql": "select a from t where x < 3 && y > 2", "md": {"raw_value": "<b>bold</b> & co", "type": "md"}}`))
	if err != nil {
		t.Fatal(err)
	}
	ids := mustAppend(t, s, mat("a", meta...))
	got, _ := s.EventsByID(ctx, ids)
	for i, e := range got[0].Metadata {
		if string(e.Value) != string(meta[i].Value) {
			t.Errorf("%s came back as %s, want %s", e.Key, e.Value, meta[i].Value)
		}
	}
}
