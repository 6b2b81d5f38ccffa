package store

import (
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/plumbline/plumbline"
)

// latest holds what a batch of events changes of one asset's pointers.
type latest struct {
	mat, obs, fail, last int64
	wiped                bool // wiped in this batch: pointers are set, not merged
}

type partKey struct{ asset, partition string }

type checkKey struct{ asset, name string }

type checkEval struct {
	id        int64
	passed    *bool
	severity  string
	partition string
}

// derive updates the tables derived from the event log for a batch of appended events:
// asset rows and their latest pointers, latest per partition, check state, and the
// catalog version when new assets appear. Returns the keys of assets it created.
func (s *Store) derive(tx *gorm.DB, events []plumbline.Event, now time.Time) ([]string, error) {
	var (
		order      []string
		assets     = map[string]*latest{}
		partitions = map[partKey]*latest{}
		partOrder  []partKey
		checks     = map[checkKey]checkEval{}
		checkOrder []checkKey
		partSeen   = map[partKey]bool{}
		wipeParts  []partKey
	)
	for i := range events {
		e := &events[i]
		if e.AssetKey == nil {
			continue
		}
		key := e.AssetKey.String()
		a := assets[key]
		if a == nil {
			a = &latest{}
			assets[key] = a
			order = append(order, key)
		}
		a.last = e.StorageID
		part := func() *latest {
			pk := partKey{key, e.Partition}
			p := partitions[pk]
			if p == nil {
				p = &latest{}
				partitions[pk] = p
				if !partSeen[pk] {
					partSeen[pk] = true
					partOrder = append(partOrder, pk)
				}
			}
			return p
		}
		switch e.Type {
		case plumbline.AssetMaterialization:
			a.mat, a.fail = e.StorageID, 0
			if e.Partition != "" {
				part().mat = e.StorageID
			}
		case plumbline.AssetObservation:
			a.obs = e.StorageID
			if e.Partition != "" {
				part().obs = e.StorageID
			}
		case plumbline.AssetFailedToMaterialize:
			a.fail = e.StorageID
		case plumbline.AssetCheckEvaluation:
			ck := checkKey{key, e.CheckName}
			if _, ok := checks[ck]; !ok {
				checkOrder = append(checkOrder, ck)
			}
			checks[ck] = checkEval{id: e.StorageID, passed: e.Passed, severity: e.Severity, partition: e.Partition}
		case plumbline.AssetWiped:
			if e.Partition != "" {
				pk := partKey{key, e.Partition}
				delete(partitions, pk)
				wipeParts = append(wipeParts, pk)
				continue
			}
			*a = latest{last: e.StorageID, wiped: true}
			for pk := range partitions {
				if pk.asset == key {
					delete(partitions, pk)
				}
			}
		}
	}
	if len(order) == 0 {
		return nil, nil
	}

	newKeys, err := s.unknownKeys(tx, order)
	if err != nil {
		return nil, err
	}
	ts := now.UnixMicro()
	var merged, set []string
	for _, k := range order {
		if assets[k].wiped {
			set = append(set, k)
		} else {
			merged = append(merged, k)
		}
	}
	cols := []string{"key", "location", "last_materialization_id", "last_observation_id", "last_failure_id", "last_event_id", "created_at", "updated_at"}
	values := func(keys []string) func(i int) []any {
		return func(i int) []any {
			a := assets[keys[i]]
			return []any{keys[i], "", nullID(a.mat), nullID(a.obs), nullID(a.fail), a.last, ts, ts}
		}
	}
	if len(merged) > 0 {
		err := insertRows(tx, "assets", cols, `ON CONFLICT (key) DO UPDATE SET
			last_materialization_id = COALESCE(excluded.last_materialization_id, assets.last_materialization_id),
			last_observation_id = COALESCE(excluded.last_observation_id, assets.last_observation_id),
			last_failure_id = CASE WHEN excluded.last_failure_id IS NOT NULL THEN excluded.last_failure_id
				WHEN excluded.last_materialization_id IS NOT NULL THEN NULL
				ELSE assets.last_failure_id END,
			last_event_id = excluded.last_event_id,
			updated_at = excluded.updated_at`, len(merged), values(merged))
		if err != nil {
			return nil, err
		}
	}
	if len(set) > 0 {
		err := insertRows(tx, "assets", cols, `ON CONFLICT (key) DO UPDATE SET
			last_materialization_id = excluded.last_materialization_id,
			last_observation_id = excluded.last_observation_id,
			last_failure_id = excluded.last_failure_id,
			last_event_id = excluded.last_event_id,
			updated_at = excluded.updated_at`, len(set), values(set))
		if err != nil {
			return nil, err
		}
		if err := inChunks(set, func(chunk []string) error {
			return tx.Exec("DELETE FROM asset_partitions WHERE asset_key IN ?", chunk).Error
		}); err != nil {
			return nil, err
		}
	}
	for _, pk := range wipeParts {
		if err := tx.Exec("DELETE FROM asset_partitions WHERE asset_key = ? AND partition = ?", pk.asset, pk.partition).Error; err != nil {
			return nil, err
		}
	}
	live := partOrder[:0]
	for _, pk := range partOrder {
		if _, ok := partitions[pk]; ok {
			live = append(live, pk)
		}
	}
	if len(live) > 0 {
		err := insertRows(tx, "asset_partitions",
			[]string{"asset_key", "partition", "last_materialization_id", "last_observation_id", "updated_at"},
			`ON CONFLICT (asset_key, partition) DO UPDATE SET
			last_materialization_id = COALESCE(excluded.last_materialization_id, asset_partitions.last_materialization_id),
			last_observation_id = COALESCE(excluded.last_observation_id, asset_partitions.last_observation_id),
			updated_at = excluded.updated_at`, len(live), func(i int) []any {
				p := partitions[live[i]]
				return []any{live[i].asset, live[i].partition, nullID(p.mat), nullID(p.obs), ts}
			})
		if err != nil {
			return nil, err
		}
	}
	if len(checkOrder) > 0 {
		err := insertRows(tx, "asset_checks",
			[]string{"asset_key", "name", "last_evaluation_id", "passed", "severity", "partition", "updated_at"},
			`ON CONFLICT (asset_key, name) DO UPDATE SET
			last_evaluation_id = excluded.last_evaluation_id,
			passed = excluded.passed,
			severity = excluded.severity,
			partition = excluded.partition,
			updated_at = excluded.updated_at`, len(checkOrder), func(i int) []any {
				c := checks[checkOrder[i]]
				return []any{checkOrder[i].asset, checkOrder[i].name, c.id, c.passed, c.severity, nullable(c.partition), ts}
			})
		if err != nil {
			return nil, err
		}
	}
	if len(newKeys) > 0 {
		if err := bumpCatalogVersion(tx); err != nil {
			return nil, err
		}
	}
	return newKeys, nil
}

// unknownKeys returns those of keys that have no asset row yet. Keys seen before are
// known to exist, since asset rows are never deleted, and are not asked for again.
func (s *Store) unknownKeys(tx *gorm.DB, keys []string) ([]string, error) {
	s.knownMu.RLock()
	var ask []string
	for _, k := range keys {
		if _, ok := s.known[k]; !ok {
			ask = append(ask, k)
		}
	}
	s.knownMu.RUnlock()
	if len(ask) == 0 {
		return nil, nil
	}
	found := map[string]bool{}
	err := inChunks(ask, func(chunk []string) error {
		var have []string
		if err := tx.Raw("SELECT key FROM assets WHERE key IN ?", chunk).Scan(&have).Error; err != nil {
			return err
		}
		for _, k := range have {
			found[k] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var missing, existing []string
	for _, k := range ask {
		if found[k] {
			existing = append(existing, k)
		} else {
			missing = append(missing, k)
		}
	}
	s.rememberKeys(existing)
	return missing, nil
}

const maxKnownKeys = 1 << 20

func (s *Store) rememberKeys(keys []string) {
	if len(keys) == 0 {
		return
	}
	s.knownMu.Lock()
	if len(s.known)+len(keys) > maxKnownKeys {
		s.known = map[string]struct{}{}
	}
	for _, k := range keys {
		s.known[k] = struct{}{}
	}
	s.knownMu.Unlock()
}

func bumpCatalogVersion(tx *gorm.DB) error {
	return tx.Exec("UPDATE catalog_state SET version = version + 1 WHERE id = 1").Error
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// maxParams keeps one statement under SQLite's and PostgreSQL's limits on bound values.
const maxParams = 30000

// sqliteRows bounds the rows of one INSERT on SQLite: the driver (glebarez/go-sqlite
// v1.21.2) looks each parameter up among all the arguments, O(n²) in their number
// (glebarez/go-sqlite#180), so 500-row statements spent half of an append binding.
const sqliteRows = 32

// insertRows inserts n rows with a multi-row INSERT per chunk, followed by suffix (an
// ON CONFLICT clause, or "").
func insertRows(tx *gorm.DB, table string, cols []string, suffix string, n int, row func(i int) []any) error {
	per := maxParams / len(cols)
	if per > 500 {
		per = 500
	}
	if tx.Dialector.Name() == "sqlite" {
		per = min(per, sqliteRows)
	}
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		var b strings.Builder
		b.Grow(len(head) + (end-start)*(len(tuple)+1) + len(suffix) + 1)
		b.WriteString(head)
		args := make([]any, 0, (end-start)*len(cols))
		for i := start; i < end; i++ {
			if i > start {
				b.WriteByte(',')
			}
			b.WriteString(tuple)
			args = append(args, row(i)...)
		}
		if suffix != "" {
			b.WriteByte(' ')
			b.WriteString(suffix)
		}
		if err := tx.Exec(b.String(), args...).Error; err != nil {
			return err
		}
	}
	return nil
}

// inChunks calls fn with slices of items small enough for one IN (…) list.
func inChunks[T any](items []T, fn func(chunk []T) error) error {
	const size = 5000
	for start := 0; start < len(items); start += size {
		if err := fn(items[start:min(start+size, len(items))]); err != nil {
			return err
		}
	}
	return nil
}
