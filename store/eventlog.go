package store

import (
	"context"
	"fmt"
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
	var q string
	if n := len(f.AssetKeys); n > 1 && n <= maxUnionKeys {
		// One ordered, limited sub-query per key, merged: each reads only its first rows.
		parts := make([]string, n)
		for i, k := range f.AssetKeys {
			parts[i] = "SELECT * FROM (SELECT " + eventSelect + " FROM event_log WHERE asset_key = " + a.add(k.String()) +
				" AND " + eventConditions(a, f, after) + " ORDER BY id LIMIT " + a.add(limit) + ") AS k" + strconv.Itoa(i)
		}
		q = "SELECT * FROM (" + strings.Join(parts, " UNION ALL ") + ") AS u ORDER BY id LIMIT " + a.add(limit)
	} else {
		q = "SELECT " + eventSelect + " FROM event_log WHERE " + eventConditions(a, f, after) + keyCondition(a, f) +
			" ORDER BY id LIMIT " + a.add(limit)
	}
	evs, err := s.queryEvents(ctx, q, a.args...)
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
	q := "SELECT " + eventSelect + " FROM event_log WHERE " + eventConditions(a, f, 0)
	if before > 0 {
		q += " AND id < " + a.add(before)
	}
	q += keyCondition(a, f) + " ORDER BY id DESC LIMIT " + a.add(limit)
	evs, err := s.queryEvents(ctx, q, a.args...)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return evs, nil
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
