package store_test

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/internal/dbtest"
	"github.com/plumbline/plumbline/store"
)

// TestReadsNeverScanTheLog runs every read of the store's API, with every filter, and asks
// the database for the plan of each query it sent: none may read the event log from end to
// end. On PostgreSQL sequential scans are disabled while planning, so a Seq Scan in a plan
// means no index can answer the query; SQLite shows a full scan as "SCAN event_log" (a
// walk of the table by its primary key, as an unfiltered page does, reads only the page).
func TestReadsNeverScanTheLog(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		defs := &plumbline.Definitions{Assets: []plumbline.AssetSpec{
			{Key: key("raw/orders"), Checks: []plumbline.CheckSpec{{Name: "not_null"}}, Pipes: &plumbline.PipesSpec{Command: []string{"true"}}},
			{Key: key("marts/revenue"), Deps: []plumbline.AssetKey{key("raw/orders")}},
		}}
		if _, err := s.ApplyDefinitions(ctx, "plans", defs); err != nil {
			t.Fatal(err)
		}
		var evs []plumbline.Event
		for i := range 200 {
			evs = append(evs,
				plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("raw/orders"), Partition: fmt.Sprintf("2026-11-%02d", 1+i%28), RunID: "r1"},
				plumbline.Event{Type: plumbline.AssetCheckEvaluation, AssetKey: key("raw/orders"), CheckName: "not_null", Passed: boolp(i%2 == 0)},
				plumbline.Event{Type: plumbline.Log, Message: "line", RunID: "r1"})
		}
		mustAppend(t, s, evs...)
		run, err := s.CreateRun(ctx, plumbline.LaunchRequest{AssetKeys: []plumbline.AssetKey{key("raw/orders")}})
		if err != nil {
			t.Fatal(err)
		}

		type sent struct {
			query string
			args  []any
		}
		var (
			mu   sync.Mutex
			seen = map[string]sent{}
		)
		s.TraceReads(func(q string, args []any) {
			mu.Lock()
			defer mu.Unlock()
			if _, ok := seen[q]; !ok {
				seen[q] = sent{q, append([]any(nil), args...)}
			}
		})
		since := time.Now().Add(-time.Hour)
		orders := []plumbline.AssetKey{key("raw/orders")}
		for _, f := range []plumbline.EventFilter{
			{},
			{Types: []plumbline.EventType{plumbline.AssetMaterialization}},
			{Types: []plumbline.EventType{plumbline.AssetMaterialization, plumbline.AssetCheckEvaluation}},
			{AssetKeys: orders},
			{AssetKeys: orders, Types: []plumbline.EventType{plumbline.AssetMaterialization}},
			{AssetKeys: orders, Partition: "2026-11-03"},
			{RunID: "r1"},
			{RunID: "r1", Types: []plumbline.EventType{plumbline.Log}},
			{Since: since},
			{Since: since, Until: time.Now().Add(time.Hour)},
		} {
			if _, err := s.Events(ctx, f, 0, 50); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Events(ctx, f, 100, 50); err != nil {
				t.Fatal(err)
			}
			if _, err := s.EventsBefore(ctx, f, 500, 50); err != nil {
				t.Fatal(err)
			}
		}
		for _, err := range []error{
			ignore(s.EventsByID(ctx, []int64{1, 2, 3})),
			ignore(s.LastStorageID(ctx)),
			ignore(s.Asset(ctx, key("raw/orders"))),
			ignore(s.AssetsByKey(ctx, orders)),
			ignore(s.ListAssets(ctx, "", 10)),
			ignore(s.LatestMaterializationIDs(ctx)),
			ignore(s.CountAssets(ctx)),
			ignore(s.Checks(ctx, orders)),
			ignore(s.Partitions(ctx, key("raw/orders"), "", 10)),
			ignore(s.PartitionStates(ctx, orders, "2026-11-03")),
			ignore(s.CheckEvaluations(ctx, key("raw/orders"), "not_null", 0, 10)),
			ignore(s.CheckEvaluations(ctx, key("raw/orders"), "not_null", 300, 10)),
			ignore(s.Neighbours(ctx, orders, plumbline.Downstream)),
			ignore(s.Lineage(ctx, key("marts/revenue"), plumbline.Upstream, 3, 100)),
			ignore(s.Runs(ctx, plumbline.RunFilter{}, 0, 10)),
			ignore(s.Runs(ctx, plumbline.RunFilter{AssetKey: key("raw/orders"), Statuses: []plumbline.RunStatus{plumbline.StatusQueued}}, 0, 10)),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Run(ctx, run.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Output(ctx, run.ID, plumbline.Stdout, 0, 100); err != nil {
			t.Fatal(err)
		}
		s.TraceReads(nil)

		logQueries := 0
		for _, q := range seen {
			if !strings.Contains(q.query, "event_log") {
				continue
			}
			logQueries++
			plan := explain(t, s, q.query, q.args)
			t.Logf("%s\n  %s", q.query, strings.ReplaceAll(plan, "\n", "\n  "))
			if fullScan(s, plan) {
				t.Errorf("reads the whole event log:\n%s\nplan:\n%s", q.query, plan)
			}
		}
		if logQueries < 10 {
			t.Fatalf("only %d distinct queries of the event log were traced", logQueries)
		}
	})
}

func ignore[T any](_ T, err error) error { return err }

// explain returns the database's plan for q with args.
func explain(t *testing.T, s *store.Store, q string, args []any) string {
	t.Helper()
	db := s.DB().WithContext(ctx)
	var lines []string
	if s.Postgres() {
		tx := db.Begin()
		defer tx.Rollback()
		if err := tx.Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
			t.Fatal(err)
		}
		rows, err := tx.Statement.ConnPool.QueryContext(ctx, "EXPLAIN "+q, args...)
		if err != nil {
			t.Fatalf("explain %s: %v", q, err)
		}
		defer rows.Close()
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, line)
		}
		return strings.Join(lines, "\n")
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := sqlDB.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "\n")
}

var sqliteScan = regexp.MustCompile(`(?m)^SCAN (event_log|e)\b(.*)$`)

// fullScan reports whether plan reads the whole event log.
func fullScan(s *store.Store, plan string) bool {
	if s.Postgres() {
		return strings.Contains(plan, "Seq Scan on event_log")
	}
	for _, m := range sqliteScan.FindAllStringSubmatch(plan, -1) {
		if !strings.Contains(m[2], "USING INDEX") && !strings.Contains(m[2], "USING COVERING INDEX") {
			return true
		}
	}
	return false
}
