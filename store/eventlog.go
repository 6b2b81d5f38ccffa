package store

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/plumbline/plumbline"
)

// Append validates events and appends them atomically. See plumbline.EventLog.
func (s *Store) Append(ctx context.Context, events []plumbline.Event) ([]int64, error) {
	if err := ValidateBatch(events); err != nil {
		return nil, err
	}
	out, err := s.write(ctx, events, nil)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(out))
	for i, e := range out {
		ids[i] = e.StorageID
	}
	return ids, nil
}

// AppendEvents is Append returning the events as stored, with ids and timestamps.
func (s *Store) AppendEvents(ctx context.Context, events []plumbline.Event) ([]plumbline.Event, error) {
	if err := ValidateBatch(events); err != nil {
		return nil, err
	}
	return s.write(ctx, events, nil)
}

// ValidateBatch normalizes every event of a batch (see plumbline.Event.Normalize) and
// checks the batch size; errors name the event's position.
func ValidateBatch(events []plumbline.Event) error {
	if len(events) == 0 {
		return plumbline.Errorf(plumbline.EINVALID, "no events to append")
	}
	if len(events) > plumbline.MaxBatch {
		return plumbline.Errorf(plumbline.ETOOLARGE, "%d events in one batch; the limit is %d", len(events), plumbline.MaxBatch)
	}
	for i := range events {
		if err := events[i].Normalize(); err != nil {
			if len(events) == 1 {
				return err
			}
			return plumbline.Errorf(plumbline.ErrorCode(err), "event %d: %s", i, plumbline.ErrorMessage(err))
		}
	}
	return nil
}

// maxUnionKeys is the most asset keys an event query reads with one sub-query each, so
// that each uses the (asset_key, id) index in order; more keys use one list.
const maxUnionKeys = 32

// Events returns events matching filter after a storage id, ascending. See
// plumbline.EventLog.
func (s *Store) Events(ctx context.Context, f plumbline.EventFilter, after int64, limit int) ([]plumbline.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	a := &sqlArgs{s: s}
	evs, err := s.queryEvents(ctx, s.eventQuery(a, f, after, 0, limit), a.args...)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return evs, nil
}

// EventsBefore returns events before a storage id, newest first. See plumbline.EventLog.
func (s *Store) EventsBefore(ctx context.Context, f plumbline.EventFilter, before int64, limit int) ([]plumbline.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	a := &sqlArgs{s: s}
	if before <= 0 {
		before = math.MaxInt64
	}
	evs, err := s.queryEvents(ctx, s.eventQuery(a, f, 0, before, limit), a.args...)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return evs, nil
}

// eventQuery returns the query of up to limit events matching f: ascending after after, or
// with before > 0, descending before before. A filter of several asset keys, or of several
// types and nothing more selective, reads one ordered, limited sub-query per key or type,
// merged: each reads only its first rows of its index, where one query with a list would
// read every matching row to sort them.
func (s *Store) eventQuery(a *sqlArgs, f plumbline.EventFilter, after, before int64, limit int) string {
	order := " ORDER BY id"
	if before > 0 {
		order += " DESC"
	}
	single := func(f plumbline.EventFilter) string {
		q := "SELECT " + eventSelect + " FROM event_log" + s.indexFor(f, len(f.AssetKeys) == 1) + " WHERE " + eventConditions(a, f, after)
		if before > 0 {
			q += " AND id < " + a.add(before)
		}
		return q + keyCondition(a, f) + order + " LIMIT " + a.add(limit)
	}
	var parts []plumbline.EventFilter
	switch {
	case len(f.AssetKeys) > 1 && len(f.AssetKeys) <= maxUnionKeys:
		for _, k := range f.AssetKeys {
			part := f
			part.AssetKeys = []plumbline.AssetKey{k}
			parts = append(parts, part)
		}
	case len(f.Types) > 1 && len(f.AssetKeys) == 0 && f.RunID == "":
		for _, t := range f.Types {
			part := f
			part.Types = []plumbline.EventType{t}
			parts = append(parts, part)
		}
	default:
		return single(f)
	}
	subs := make([]string, len(parts))
	for i, part := range parts {
		subs[i] = "SELECT * FROM (" + single(part) + ") AS p" + strconv.Itoa(i)
	}
	return "SELECT * FROM (" + strings.Join(subs, " UNION ALL ") + ") AS u" + order + " LIMIT " + a.add(limit)
}

// indexFor returns, on SQLite, the INDEXED BY clause of the index that serves an event
// query best: the query names one asset key (oneKey), or one run. SQLite keeps no
// statistics unless told to, and without them it may walk (type, id) through every event
// of a type where (asset_key, id) or (run_id, id) would read only the page. PostgreSQL's
// planner has statistics: "" there.
func (s *Store) indexFor(f plumbline.EventFilter, oneKey bool) string {
	if s.postgres {
		return ""
	}
	switch {
	case oneKey && f.Partition != "":
		return " INDEXED BY event_log_asset_partition"
	case oneKey:
		return " INDEXED BY event_log_asset"
	case f.RunID != "":
		return " INDEXED BY event_log_run"
	}
	return ""
}

// keyCondition returns the condition on asset keys of a filter, with its leading AND.
func keyCondition(a *sqlArgs, f plumbline.EventFilter) string {
	switch len(f.AssetKeys) {
	case 0:
		return ""
	case 1:
		return " AND asset_key = " + a.add(f.AssetKeys[0].String())
	default:
		return " AND " + a.in("asset_key", keyStrings(f.AssetKeys))
	}
}

// eventConditions returns the WHERE clause of an event query, except for asset keys.
func eventConditions(a *sqlArgs, f plumbline.EventFilter, after int64) string {
	conds := []string{"id > " + a.add(after)}
	if len(f.Types) == 1 {
		conds = append(conds, "type = "+a.add(string(f.Types[0])))
	} else if len(f.Types) > 1 {
		types := make([]string, len(f.Types))
		for i, t := range f.Types {
			types[i] = string(t)
		}
		conds = append(conds, a.in("type", types))
	}
	if f.RunID != "" {
		conds = append(conds, "run_id = "+a.add(f.RunID))
	}
	if f.Partition != "" {
		conds = append(conds, "partition = "+a.add(f.Partition))
	}
	if !f.Since.IsZero() {
		conds = append(conds, "ts >= "+a.add(f.Since.UnixMicro()))
	}
	if !f.Until.IsZero() {
		conds = append(conds, "ts < "+a.add(f.Until.UnixMicro()))
	}
	return strings.Join(conds, " AND ")
}

// EventsByID returns events by storage id, in the order asked. See plumbline.EventLog.
func (s *Store) EventsByID(ctx context.Context, ids []int64) ([]plumbline.Event, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	a := &sqlArgs{s: s}
	q := "SELECT " + eventSelect + " FROM event_log WHERE " + a.in("id", ids)
	rows, err := s.query(ctx, q, a.args...)
	if err != nil {
		return nil, fmt.Errorf("read events by id: %w", err)
	}
	byID := make(map[int64]int, len(ids))
	var evs []plumbline.Event
	if err := s.scanEvents(rows, func(e plumbline.Event) {
		byID[e.StorageID] = len(evs)
		evs = append(evs, e)
	}); err != nil {
		return nil, fmt.Errorf("read events by id: %w", err)
	}
	out := make([]plumbline.Event, 0, len(ids))
	for _, id := range ids {
		if i, ok := byID[id]; ok {
			out = append(out, evs[i])
		}
	}
	return out, nil
}

// LastStorageID returns the highest storage id. See plumbline.EventLog.
func (s *Store) LastStorageID(ctx context.Context) (int64, error) {
	var last int64
	err := s.db.WithContext(ctx).Raw("SELECT COALESCE(MAX(id), 0) FROM event_log").Scan(&last).Error
	if err != nil {
		return 0, fmt.Errorf("read last storage id: %w", err)
	}
	return last, nil
}

func keyStrings(keys []plumbline.AssetKey) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.String()
	}
	return out
}
