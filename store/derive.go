package store

import (
	"context"
	"strings"

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

// derivePlan is what a batch of appended events changes in the tables derived from the
// event log: asset rows and their latest pointers, the latest events per partition, and
// check state. It is computed from the events alone, then applied with the statements of
// the dialect (execGORM, pgStatements).
type derivePlan struct {
	order      []string // asset keys, in the order of their first event
	assets     map[string]*latest
	merged     []string // keys whose pointers merge with the row's
	set        []string // keys wiped in this batch: pointers replace the row's
	partitions map[partKey]*latest
	parts      []partKey // partitions to upsert, in order
	wipeParts  []partKey // partitions wiped
	checks     map[checkKey]checkEval
	checkOrder []checkKey
}

// planDerive computes the plan of a batch; keys[i] is the string form of events[i]'s
// asset key ("" for none).
func planDerive(events []plumbline.Event, keys []string) *derivePlan {
	p := &derivePlan{
		assets:     map[string]*latest{},
		partitions: map[partKey]*latest{},
		checks:     map[checkKey]checkEval{},
	}
	var partOrder []partKey
	partSeen := map[partKey]bool{}
	for i := range events {
		e := &events[i]
		if e.AssetKey == nil {
			continue
		}
		key := keys[i]
		a := p.assets[key]
		if a == nil {
			a = &latest{}
			p.assets[key] = a
			p.order = append(p.order, key)
		}
		a.last = e.StorageID
		part := func() *latest {
			pk := partKey{key, e.Partition}
			pl := p.partitions[pk]
			if pl == nil {
				pl = &latest{}
				p.partitions[pk] = pl
				if !partSeen[pk] {
					partSeen[pk] = true
					partOrder = append(partOrder, pk)
				}
			}
			return pl
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
			if _, ok := p.checks[ck]; !ok {
				p.checkOrder = append(p.checkOrder, ck)
			}
			p.checks[ck] = checkEval{id: e.StorageID, passed: e.Passed, severity: e.Severity, partition: e.Partition}
		case plumbline.AssetWiped:
			if e.Partition != "" {
				pk := partKey{key, e.Partition}
				delete(p.partitions, pk)
				p.wipeParts = append(p.wipeParts, pk)
				continue
			}
			*a = latest{last: e.StorageID, wiped: true}
			for pk := range p.partitions {
				if pk.asset == key {
					delete(p.partitions, pk)
				}
			}
		}
	}
	for _, k := range p.order {
		if p.assets[k].wiped {
			p.set = append(p.set, k)
		} else {
			p.merged = append(p.merged, k)
		}
	}
	for _, pk := range partOrder {
		if _, ok := p.partitions[pk]; ok {
			p.parts = append(p.parts, pk)
		}
	}
	return p
}

// The upserts of the derived tables, each followed by the column list it inserts
// (insertRows) or preceded by unnest of one array per column (PostgreSQL).
const (
	assetColumns        = "key, location, last_materialization_id, last_observation_id, last_failure_id, last_event_id, created_at, updated_at"
	assetsMergeConflict = `ON CONFLICT (key) DO UPDATE SET
			last_materialization_id = COALESCE(excluded.last_materialization_id, assets.last_materialization_id),
			last_observation_id = COALESCE(excluded.last_observation_id, assets.last_observation_id),
			last_failure_id = CASE WHEN excluded.last_failure_id IS NOT NULL THEN excluded.last_failure_id
				WHEN excluded.last_materialization_id IS NOT NULL THEN NULL
				ELSE assets.last_failure_id END,
			last_event_id = excluded.last_event_id,
			updated_at = excluded.updated_at`
	assetsSetConflict = `ON CONFLICT (key) DO UPDATE SET
			last_materialization_id = excluded.last_materialization_id,
			last_observation_id = excluded.last_observation_id,
			last_failure_id = excluded.last_failure_id,
			last_event_id = excluded.last_event_id,
			updated_at = excluded.updated_at`
	partitionColumns   = "asset_key, partition, last_materialization_id, last_observation_id, updated_at"
	partitionsConflict = `ON CONFLICT (asset_key, partition) DO UPDATE SET
			last_materialization_id = COALESCE(excluded.last_materialization_id, asset_partitions.last_materialization_id),
			last_observation_id = COALESCE(excluded.last_observation_id, asset_partitions.last_observation_id),
			updated_at = excluded.updated_at`
	checkColumns   = "asset_key, name, last_evaluation_id, passed, severity, partition, updated_at"
	checksConflict = `ON CONFLICT (asset_key, name) DO UPDATE SET
			last_evaluation_id = excluded.last_evaluation_id,
			passed = excluded.passed,
			severity = excluded.severity,
			partition = excluded.partition,
			updated_at = excluded.updated_at`
	bumpCatalogVersionSQL = "UPDATE catalog_state SET version = version + 1 WHERE id = 1"
)

// execGORM applies the plan through GORM (SQLite, and PostgreSQL transactions that also
// run other work), one multi-row statement per table and chunk.
func (p *derivePlan) execGORM(s *Store, tx *gorm.DB, newKeys bool, ts int64) error {
	cols := strings.Split(assetColumns, ", ")
	values := func(keys []string) func(i int) []any {
		return func(i int) []any {
			a := p.assets[keys[i]]
			return []any{keys[i], "", nullID(a.mat), nullID(a.obs), nullID(a.fail), a.last, ts, ts}
		}
	}
	if len(p.merged) > 0 {
		if err := insertRows(tx, "assets", cols, assetsMergeConflict, len(p.merged), values(p.merged)); err != nil {
			return err
		}
	}
	if len(p.set) > 0 {
		if err := insertRows(tx, "assets", cols, assetsSetConflict, len(p.set), values(p.set)); err != nil {
			return err
		}
		if err := s.execIn(tx, "DELETE FROM asset_partitions WHERE ", "asset_key", p.set); err != nil {
			return err
		}
	}
	for _, pk := range p.wipeParts {
		if err := tx.Exec("DELETE FROM asset_partitions WHERE asset_key = ? AND partition = ?", pk.asset, pk.partition).Error; err != nil {
			return err
		}
	}
	if len(p.parts) > 0 {
		err := insertRows(tx, "asset_partitions", strings.Split(partitionColumns, ", "), partitionsConflict, len(p.parts), func(i int) []any {
			pl := p.partitions[p.parts[i]]
			return []any{p.parts[i].asset, p.parts[i].partition, nullID(pl.mat), nullID(pl.obs), ts}
		})
		if err != nil {
			return err
		}
	}
	if len(p.checkOrder) > 0 {
		err := insertRows(tx, "asset_checks", strings.Split(checkColumns, ", "), checksConflict, len(p.checkOrder), func(i int) []any {
			c := p.checks[p.checkOrder[i]]
			return []any{p.checkOrder[i].asset, p.checkOrder[i].name, c.id, c.passed, c.severity, nullable(c.partition), ts}
		})
		if err != nil {
			return err
		}
	}
	if newKeys {
		return tx.Exec(bumpCatalogVersionSQL).Error
	}
	return nil
}

// pgStatement is one statement with its arguments, for PostgreSQL.
type pgStatement struct {
	sql  string
	args []any
}

// pgStatements returns the statements that apply the plan on PostgreSQL: one per table,
// whatever the number of rows, each row's values passed as arrays (unnest), so that the
// statements are prepared once and sent together.
func (p *derivePlan) pgStatements(newKeys bool, ts int64) []pgStatement {
	var out []pgStatement
	assets := func(keys []string, conflict string) {
		mat, obs, fail, last := make([]*int64, len(keys)), make([]*int64, len(keys)), make([]*int64, len(keys)), make([]int64, len(keys))
		for i, k := range keys {
			a := p.assets[k]
			mat[i], obs[i], fail[i], last[i] = nullID(a.mat), nullID(a.obs), nullID(a.fail), a.last
		}
		out = append(out, pgStatement{"INSERT INTO assets (" + assetColumns + `)
			SELECT k, '', m, o, f, l, $6, $6 FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) AS t(k, m, o, f, l) ` + conflict,
			[]any{keys, mat, obs, fail, last, ts}})
	}
	if len(p.merged) > 0 {
		assets(p.merged, assetsMergeConflict)
	}
	if len(p.set) > 0 {
		assets(p.set, assetsSetConflict)
		out = append(out, pgStatement{"DELETE FROM asset_partitions WHERE asset_key = ANY($1)", []any{p.set}})
	}
	if len(p.wipeParts) > 0 {
		keys, parts := make([]string, len(p.wipeParts)), make([]string, len(p.wipeParts))
		for i, pk := range p.wipeParts {
			keys[i], parts[i] = pk.asset, pk.partition
		}
		out = append(out, pgStatement{`DELETE FROM asset_partitions
			WHERE (asset_key, partition) IN (SELECT k, p FROM unnest($1::text[], $2::text[]) AS t(k, p))`, []any{keys, parts}})
	}
	if len(p.parts) > 0 {
		n := len(p.parts)
		keys, parts, mat, obs := make([]string, n), make([]string, n), make([]*int64, n), make([]*int64, n)
		for i, pk := range p.parts {
			pl := p.partitions[pk]
			keys[i], parts[i], mat[i], obs[i] = pk.asset, pk.partition, nullID(pl.mat), nullID(pl.obs)
		}
		out = append(out, pgStatement{"INSERT INTO asset_partitions (" + partitionColumns + `)
			SELECT k, p, m, o, $5 FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[]) AS t(k, p, m, o) ` + partitionsConflict,
			[]any{keys, parts, mat, obs, ts}})
	}
	if len(p.checkOrder) > 0 {
		n := len(p.checkOrder)
		keys, names, ids, passed, sev, parts := make([]string, n), make([]string, n), make([]int64, n), make([]*bool, n), make([]string, n), make([]*string, n)
		for i, ck := range p.checkOrder {
			c := p.checks[ck]
			keys[i], names[i], ids[i], passed[i], sev[i], parts[i] = ck.asset, ck.name, c.id, c.passed, c.severity, nullable(c.partition)
		}
		out = append(out, pgStatement{"INSERT INTO asset_checks (" + checkColumns + `)
			SELECT k, n, i, p, s, pt, $7 FROM unnest($1::text[], $2::text[], $3::bigint[], $4::boolean[], $5::text[], $6::text[]) AS t(k, n, i, p, s, pt) ` + checksConflict,
			[]any{keys, names, ids, passed, sev, parts, ts}})
	}
	if newKeys {
		out = append(out, pgStatement{bumpCatalogVersionSQL, nil})
	}
	return out
}

// askKeys returns those of keys not known to exist: the ones to look for in assets.
// Keys seen before are known to exist, since asset rows are never deleted.
func (s *Store) askKeys(keys []string) []string {
	s.knownMu.RLock()
	defer s.knownMu.RUnlock()
	var ask []string
	for _, k := range keys {
		if _, ok := s.known[k]; !ok {
			ask = append(ask, k)
		}
	}
	return ask
}

// missingKeys returns those of ask that are not in found, and remembers the others.
func (s *Store) missingKeys(ask, found []string) []string {
	have := make(map[string]bool, len(found))
	for _, k := range found {
		have[k] = true
	}
	var missing, existing []string
	for _, k := range ask {
		if have[k] {
			existing = append(existing, k)
		} else {
			missing = append(missing, k)
		}
	}
	s.rememberKeys(existing)
	return missing
}

// unknownKeys returns those of keys that have no asset row yet, asking the database about
// the keys not known to exist.
func (s *Store) unknownKeys(ctx context.Context, q queryer, keys []string) ([]string, error) {
	ask := s.askKeys(keys)
	if len(ask) == 0 {
		return nil, nil
	}
	var found []string
	cond, arg := s.inParam("key", ask, 1)
	stmt := "SELECT key FROM assets WHERE " + cond
	s.read(stmt, []any{arg})
	rows, err := q.QueryContext(ctx, stmt, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		found = append(found, k)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return s.missingKeys(ask, found), nil
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
	return tx.Exec(bumpCatalogVersionSQL).Error
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// maxParams keeps one statement under SQLite's and PostgreSQL's limits on bound values.
const maxParams = 30000

// sqliteParams bounds the parameters of one statement on SQLite: the driver
// (glebarez/go-sqlite v1.21.2) looks each parameter up among all the arguments, O(n²) in
// their number (glebarez/go-sqlite#180), so 500-row statements spent half of an append
// binding. Lists of values go in one parameter instead (inParam).
const sqliteParams = 256

// insertRows inserts n rows with a multi-row INSERT per chunk, followed by suffix (an
// ON CONFLICT clause, or "").
func insertRows(tx *gorm.DB, table string, cols []string, suffix string, n int, row func(i int) []any) error {
	per := maxParams / len(cols)
	if per > 500 {
		per = 500
	}
	if tx.Dialector.Name() == "sqlite" {
		per = min(per, max(1, sqliteParams/len(cols)))
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
