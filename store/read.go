package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"sync"

	"github.com/plumbline/plumbline"
)

// Rows of the hot tables scanned with database/sql into plain values (no reflection), and
// turned into domain values directly.

// eventSelect lists event_log's columns in the order eventScan reads them.
var eventSelect = strings.Join(eventColumns, ", ")

// eventScan holds one event_log row as scanned.
type eventScan struct {
	id, ts                                                      int64
	typ                                                         string
	runID, key, part, version, desc, check, sev, level, msg, md sql.NullString
	passed                                                      sql.NullBool
}

func (r *eventScan) dest() []any {
	return []any{&r.id, &r.typ, &r.ts, &r.runID, &r.key, &r.part, &r.version, &r.desc, &r.check, &r.passed, &r.sev, &r.level, &r.msg, &r.md}
}

func (r *eventScan) event() plumbline.Event {
	e := plumbline.Event{
		StorageID:   r.id,
		Type:        plumbline.EventType(r.typ),
		Timestamp:   fromMicros(r.ts),
		RunID:       r.runID.String,
		Partition:   r.part.String,
		DataVersion: r.version.String,
		Description: r.desc.String,
		CheckName:   r.check.String,
		Severity:    r.sev.String,
		Level:       r.level.String,
		Message:     r.msg.String,
	}
	if r.passed.Valid {
		p := r.passed.Bool
		e.Passed = &p
	}
	if r.key.Valid {
		e.AssetKey = parseStoredKey(r.key.String)
	}
	if r.md.Valid {
		e.Metadata = decodeMetadata(r.md.String)
	}
	return e
}

// scanEvents reads the events of rows, calling each with every one, and closes rows.
func (s *Store) scanEvents(rows *sql.Rows, each func(plumbline.Event)) error {
	defer rows.Close()
	var r eventScan
	dest := r.dest()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		each(r.event())
	}
	return rows.Err()
}

// queryEvents runs a query of events and returns them in the order of its rows.
func (s *Store) queryEvents(ctx context.Context, q string, args ...any) ([]plumbline.Event, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var out []plumbline.Event
	err = s.scanEvents(rows, func(e plumbline.Event) { out = append(out, e) })
	return out, err
}

// assetSelect lists the columns of assets that assetScan reads.
const assetSelect = "key, spec, location, last_materialization_id, last_observation_id, last_failure_id, last_event_id, created_at, updated_at"

type assetScan struct {
	key, location        string
	spec                 sql.NullString
	mat, obs, fail, last sql.NullInt64
	createdAt, updatedAt int64
}

func (r *assetScan) dest() []any {
	return []any{&r.key, &r.spec, &r.location, &r.mat, &r.obs, &r.fail, &r.last, &r.createdAt, &r.updatedAt}
}

func (s *Store) scanAssets(rows *sql.Rows, each func(key string, a *plumbline.Asset)) error {
	defer rows.Close()
	var r assetScan
	dest := r.dest()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		a := &plumbline.Asset{
			Key:                     parseStoredKey(r.key),
			Location:                r.location,
			LatestMaterializationID: r.mat.Int64,
			LatestObservationID:     r.obs.Int64,
			LatestFailureID:         r.fail.Int64,
			LastEventID:             r.last.Int64,
			CreatedAt:               fromMicros(r.createdAt),
			UpdatedAt:               fromMicros(r.updatedAt),
		}
		if r.spec.Valid {
			spec, err := s.specs.asset(r.spec.String)
			if err != nil {
				return err
			}
			a.Spec = spec
		}
		each(r.key, a)
	}
	return rows.Err()
}

// checkSelect lists the columns of asset_checks that scanChecks reads.
const checkSelect = "asset_key, name, spec, last_evaluation_id, passed, severity, partition, updated_at"

func (s *Store) scanChecks(rows *sql.Rows, each func(key string, c plumbline.CheckState)) error {
	defer rows.Close()
	var (
		key, name       string
		spec, sev, part sql.NullString
		eval            sql.NullInt64
		passed          sql.NullBool
		updatedAt       int64
	)
	dest := []any{&key, &name, &spec, &eval, &passed, &sev, &part, &updatedAt}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		c := plumbline.CheckState{
			AssetKey:         parseStoredKey(key),
			Name:             name,
			LastEvaluationID: eval.Int64,
			Severity:         sev.String,
			Partition:        part.String,
			UpdatedAt:        fromMicros(updatedAt),
		}
		if passed.Valid {
			p := passed.Bool
			c.Passed = &p
		}
		if spec.Valid {
			c.Spec = s.specs.check(spec.String)
		}
		each(key, c)
	}
	return rows.Err()
}

// specCache shares decoded specs between reads of the same spec text, so that a page of
// assets decodes only the specs it has not met before. The specs are shared: like the
// catalog snapshot, they must not be modified.
type specCache struct {
	mu     sync.RWMutex
	assets map[string]*plumbline.AssetSpec
	checks map[string]*plumbline.CheckSpec
}

// maxCachedSpecs bounds each map of the cache; a full map is emptied.
const maxCachedSpecs = 1 << 16

func (c *specCache) asset(text string) (*plumbline.AssetSpec, error) {
	c.mu.RLock()
	spec, ok := c.assets[text]
	c.mu.RUnlock()
	if ok {
		return spec, nil
	}
	spec = new(plumbline.AssetSpec)
	if err := json.Unmarshal([]byte(text), spec); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.assets == nil || len(c.assets) >= maxCachedSpecs {
		c.assets = map[string]*plumbline.AssetSpec{}
	}
	c.assets[text] = spec
	c.mu.Unlock()
	return spec, nil
}

func (c *specCache) check(text string) *plumbline.CheckSpec {
	c.mu.RLock()
	spec, ok := c.checks[text]
	c.mu.RUnlock()
	if ok {
		return spec
	}
	spec = new(plumbline.CheckSpec)
	_ = json.Unmarshal([]byte(text), spec) // written by ApplyDefinitions
	c.mu.Lock()
	if c.checks == nil || len(c.checks) >= maxCachedSpecs {
		c.checks = map[string]*plumbline.CheckSpec{}
	}
	c.checks[text] = spec
	c.mu.Unlock()
	return spec
}

// sqlArgs collects the arguments of a statement and names their placeholders.
type sqlArgs struct {
	s    *Store
	args []any
}

// add adds an argument and returns its placeholder.
func (a *sqlArgs) add(v any) string {
	a.args = append(a.args, v)
	return a.s.ph(len(a.args))
}

// in adds a list of values as one argument and returns the condition "col is one of them".
func (a *sqlArgs) in(col string, values any) string {
	cond, arg := a.s.inParam(col, values, len(a.args)+1)
	a.args = append(a.args, arg)
	return cond
}
