package store

import (
	"context"
	"fmt"
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
// that each uses the (asset_key, id) index in order; more keys use one IN list.
const maxUnionKeys = 32

// Events returns events matching filter after a storage id, ascending. See
// plumbline.EventLog.
func (s *Store) Events(ctx context.Context, f plumbline.EventFilter, after int64, limit int) ([]plumbline.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	db := s.db.WithContext(ctx)
	where, args := eventConditions(f, after)
	var rows []eventRow
	if n := len(f.AssetKeys); n > 1 && n <= maxUnionKeys {
		// One ordered, limited sub-query per key, merged: each reads only its first rows.
		parts := make([]string, n)
		var all []any
		for i, k := range f.AssetKeys {
			parts[i] = "SELECT * FROM (SELECT * FROM event_log WHERE asset_key = ? AND " + where +
				" ORDER BY id LIMIT ?) AS k" + fmt.Sprint(i)
			all = append(all, k.String())
			all = append(all, args...)
			all = append(all, limit)
		}
		q := "SELECT * FROM (" + strings.Join(parts, " UNION ALL ") + ") AS u ORDER BY id LIMIT ?"
		if err := db.Raw(q, append(all, limit)...).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
	} else {
		q := db.Model(&eventRow{}).Where(where, args...)
		switch len(f.AssetKeys) {
		case 0:
		case 1:
			q = q.Where("asset_key = ?", f.AssetKeys[0].String())
		default:
			q = q.Where("asset_key IN ?", keyStrings(f.AssetKeys))
		}
		if err := q.Order("id").Limit(limit).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
	}
	return toEvents(rows), nil
}

// EventsBefore returns events before a storage id, newest first. See plumbline.EventLog.
func (s *Store) EventsBefore(ctx context.Context, f plumbline.EventFilter, before int64, limit int) ([]plumbline.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	where, args := eventConditions(f, 0)
	q := s.db.WithContext(ctx).Model(&eventRow{}).Where(where, args...)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	switch len(f.AssetKeys) {
	case 0:
	case 1:
		q = q.Where("asset_key = ?", f.AssetKeys[0].String())
	default:
		q = q.Where("asset_key IN ?", keyStrings(f.AssetKeys))
	}
	var rows []eventRow
	if err := q.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return toEvents(rows), nil
}

// eventConditions builds the WHERE clause of an event query, except for asset keys.
func eventConditions(f plumbline.EventFilter, after int64) (string, []any) {
	conds := []string{"id > ?"}
	args := []any{after}
	if len(f.Types) == 1 {
		conds = append(conds, "type = ?")
		args = append(args, string(f.Types[0]))
	} else if len(f.Types) > 1 {
		types := make([]string, len(f.Types))
		for i, t := range f.Types {
			types[i] = string(t)
		}
		conds = append(conds, "type IN ?")
		args = append(args, types)
	}
	if f.RunID != "" {
		conds = append(conds, "run_id = ?")
		args = append(args, f.RunID)
	}
	if f.Partition != "" {
		conds = append(conds, "partition = ?")
		args = append(args, f.Partition)
	}
	if !f.Since.IsZero() {
		conds = append(conds, "ts >= ?")
		args = append(args, f.Since.UnixMicro())
	}
	if !f.Until.IsZero() {
		conds = append(conds, "ts < ?")
		args = append(args, f.Until.UnixMicro())
	}
	return strings.Join(conds, " AND "), args
}

// EventsByID returns events by storage id, in the order asked. See plumbline.EventLog.
func (s *Store) EventsByID(ctx context.Context, ids []int64) ([]plumbline.Event, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	byID := make(map[int64]*eventRow, len(ids))
	db := s.db.WithContext(ctx)
	err := inChunks(ids, func(chunk []int64) error {
		var rows []eventRow
		if err := db.Where("id IN ?", chunk).Find(&rows).Error; err != nil {
			return err
		}
		for i := range rows {
			byID[rows[i].ID] = &rows[i]
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read events by id: %w", err)
	}
	out := make([]plumbline.Event, 0, len(ids))
	for _, id := range ids {
		if r, ok := byID[id]; ok {
			out = append(out, r.event())
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

func toEvents(rows []eventRow) []plumbline.Event {
	out := make([]plumbline.Event, len(rows))
	for i := range rows {
		out[i] = rows[i].event()
	}
	return out
}

func keyStrings(keys []plumbline.AssetKey) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.String()
	}
	return out
}
