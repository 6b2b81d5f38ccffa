package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"github.com/plumbline/plumbline"
)

// Writes go through one goroutine per process that commits concurrent requests together
// ("group commit"): one transaction, one lock acquisition and one fsync for all the
// requests waiting, instead of one each. Storage ids are assigned in that transaction,
// under an advisory lock on PostgreSQL (SQLite has a single writer anyway), so ids are
// committed in increasing order across all replicas.

// txFunc runs inside a write transaction before its events are appended. It may change
// other tables and return events to append after the request's own; an error rolls back
// everything it did.
type txFunc func(tx *gorm.DB, now time.Time) ([]plumbline.Event, error)

type writeReq struct {
	ctx    context.Context
	events []plumbline.Event
	fn     txFunc
	done   chan writeResult
}

type writeResult struct {
	events []plumbline.Event // as appended, with storage ids and timestamps
	err    error
}

const (
	maxGroupEvents = 20000           // events in one group transaction
	writeTimeout   = 2 * time.Minute // a group transaction's own deadline
)

var errClosed = plumbline.Errorf(plumbline.EUNAVAILABLE, "the server is shutting down")

// write queues a request for the writer and waits for its result.
func (s *Store) write(ctx context.Context, events []plumbline.Event, fn txFunc) ([]plumbline.Event, error) {
	req := &writeReq{ctx: ctx, events: events, fn: fn, done: make(chan writeResult, 1)}
	// The read lock keeps Close from stopping the writer while a request is being queued,
	// so every queued request is answered.
	s.closeLock.RLock()
	if s.closed {
		s.closeLock.RUnlock()
		return nil, errClosed
	}
	select {
	case s.writes <- req:
		s.closeLock.RUnlock()
	case <-ctx.Done():
		s.closeLock.RUnlock()
		return nil, ctx.Err()
	}
	// Once queued the request is committed or failed as a whole; waiting for the answer
	// even after ctx is done keeps the caller from reporting failure for a committed write.
	res := <-req.done
	return res.events, res.err
}

func (s *Store) writer() {
	defer close(s.done)
	for {
		var first *writeReq
		select {
		case first = <-s.writes:
		case <-s.stop:
			// Close has made sure nothing more is queued: commit what is.
			for {
				select {
				case r := <-s.writes:
					s.commitGroup([]*writeReq{r})
				default:
					return
				}
			}
		}
		group, n := []*writeReq{first}, len(first.events)
	drain:
		for n < maxGroupEvents {
			select {
			case r := <-s.writes:
				group = append(group, r)
				n += len(r.events)
			default:
				break drain
			}
		}
		s.commitGroup(group)
	}
}

// commitGroup commits a group; if the group as a whole fails, each request is retried on
// its own so that one bad request cannot fail the others.
func (s *Store) commitGroup(group []*writeReq) {
	live := group[:0]
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.done <- writeResult{err: err}
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	results, err := s.runGroup(live)
	if err != nil && len(live) > 1 {
		for _, r := range live {
			s.commitGroup([]*writeReq{r})
		}
		return
	}
	for i, r := range live {
		if err != nil {
			r.done <- writeResult{err: err}
		} else {
			r.done <- results[i]
		}
	}
}

func (s *Store) runGroup(reqs []*writeReq) (results []writeResult, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	conn, err := s.sqlDB().Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("append: connect: %w", err)
	}
	defer conn.Close()
	if s.postgres && eventsOnly(reqs) {
		return s.runEventsPG(ctx, conn, reqs)
	}
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("append: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = sqlTx.Rollback()
		}
	}()
	tx := s.db.Session(&gorm.Session{NewDB: true, Context: ctx})
	tx.Statement.ConnPool = sqlTx

	if s.postgres {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", lockKey(s.schema, lockAppend)).Error; err != nil {
			return nil, fmt.Errorf("append: lock: %w", err)
		}
	}
	var last int64
	if err := tx.Raw("SELECT COALESCE(MAX(id), 0) FROM event_log").Scan(&last).Error; err != nil {
		return nil, fmt.Errorf("append: read last id: %w", err)
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	results = make([]writeResult, len(reqs))
	var all []plumbline.Event
	for i, r := range reqs {
		events := r.events
		if r.fn != nil {
			savepoint := len(reqs) > 1
			if savepoint {
				if err := tx.Exec("SAVEPOINT req").Error; err != nil {
					return nil, err
				}
			}
			more, err := r.fn(tx, now)
			if err != nil {
				if !savepoint {
					return nil, err
				}
				if e := tx.Exec("ROLLBACK TO SAVEPOINT req").Error; e != nil {
					return nil, e
				}
				results[i].err = err
				continue
			}
			if savepoint {
				if err := tx.Exec("RELEASE SAVEPOINT req").Error; err != nil {
					return nil, err
				}
			}
			events = append(events[:len(events):len(events)], more...)
		}
		results[i].events = number(events, &last, now)
		all = append(all, results[i].events...)
	}
	newKeys, err := s.appendEvents(ctx, conn, sqlTx, tx, all, now)
	if err != nil {
		return nil, err
	}
	if s.postgres && len(all) > 0 {
		// Delivered to every listener when the transaction commits.
		if err := tx.Exec("SELECT pg_notify(?, ?)", s.channel, fmt.Sprint(last)).Error; err != nil {
			return nil, fmt.Errorf("append: notify: %w", err)
		}
	}
	if err := sqlTx.Commit(); err != nil {
		return nil, fmt.Errorf("append: commit: %w", err)
	}
	committed = true
	s.committed(newKeys, all)
	return results, nil
}

// eventsOnly reports whether a group only appends events (no request runs other work in
// the transaction).
func eventsOnly(reqs []*writeReq) bool {
	for _, r := range reqs {
		if r.fn != nil {
			return false
		}
	}
	return true
}

// number gives events their storage ids, after *last, and their timestamps.
func number(events []plumbline.Event, last *int64, now time.Time) []plumbline.Event {
	out := make([]plumbline.Event, len(events))
	for j, e := range events {
		*last++
		e.StorageID = *last
		if e.Timestamp.IsZero() {
			e.Timestamp = now
		} else {
			e.Timestamp = e.Timestamp.UTC().Truncate(time.Microsecond)
		}
		out[j] = e
	}
	return out
}

// committed runs after a commit: the new keys are known to exist, and the events are
// published.
func (s *Store) committed(newKeys []string, all []plumbline.Event) {
	s.rememberKeys(newKeys)
	if len(all) > 0 {
		if fn, ok := s.onCommit.Load().(func([]plumbline.Event)); ok {
			fn(all)
		}
	}
}

// eventKeys returns the string form of each event's asset key ("" for none).
func eventKeys(events []plumbline.Event) []string {
	keys := make([]string, len(events))
	for i := range events {
		if events[i].AssetKey != nil {
			keys[i] = events[i].AssetKey.String()
		}
	}
	return keys
}

// appendEvents inserts events and updates the derived tables. It returns the asset keys
// it created.
func (s *Store) appendEvents(ctx context.Context, conn *sql.Conn, sqlTx *sql.Tx, tx *gorm.DB, events []plumbline.Event, now time.Time) ([]string, error) {
	if len(events) == 0 {
		return nil, nil
	}
	keys := eventKeys(events)
	rows := make([]eventRow, len(events))
	for i := range events {
		rows[i] = newEventRow(&events[i], keys[i])
	}
	if s.postgres {
		err := conn.Raw(func(dc any) error {
			c, ok := dc.(*stdlib.Conn)
			if !ok {
				return errors.New("not a pgx connection")
			}
			_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{"event_log"}, eventColumns, copyRows(rows))
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("append: copy events: %w", err)
		}
	} else {
		err := insertRows(tx, "event_log", eventColumns, "", len(rows), func(i int) []any { return rows[i].values() })
		if err != nil {
			return nil, fmt.Errorf("append: insert events: %w", err)
		}
	}
	plan := planDerive(events, keys)
	if len(plan.order) == 0 {
		return nil, nil
	}
	newKeys, err := s.unknownKeys(ctx, sqlTx, plan.order)
	if err != nil {
		return nil, fmt.Errorf("append: update catalog: %w", err)
	}
	ts := now.UnixMicro()
	if s.postgres {
		for _, st := range plan.pgStatements(len(newKeys) > 0, ts) {
			if _, err := sqlTx.ExecContext(ctx, st.sql, st.args...); err != nil {
				return nil, fmt.Errorf("append: update catalog: %w", err)
			}
		}
	} else if err := plan.execGORM(s, tx, len(newKeys) > 0, ts); err != nil {
		return nil, fmt.Errorf("append: update catalog: %w", err)
	}
	return newKeys, nil
}

// copyRows is event rows as a CopyFrom source.
func copyRows(rows []eventRow) pgx.CopyFromSource {
	i := -1
	return pgx.CopyFromFunc(func() ([]any, error) {
		if i++; i >= len(rows) {
			return nil, nil
		}
		return rows[i].values(), nil
	})
}

// copyThreshold is the fewest events a PostgreSQL group sends with COPY; fewer go in an
// INSERT of arrays, sent with the rest of the transaction in one round trip.
const copyThreshold = 64

// runEventsPG commits a group that only appends events on PostgreSQL, in two or three
// round trips instead of one per statement: the statements are pipelined (pgx batches),
// each one still run in order in the transaction, each seeing what the previous ones did.
//
//  1. BEGIN; the append lock; the last storage id; which of the batch's asset keys exist.
//  2. (large groups) COPY of the events.
//  3. (small groups: INSERT of the events;) the upserts of the derived tables; NOTIFY;
//     COMMIT.
//
// The last id is read by its own statement after the lock's: under READ COMMITTED each
// statement sees what was committed before it started, so it sees every id committed by
// the previous holder of the lock.
func (s *Store) runEventsPG(ctx context.Context, conn *sql.Conn, reqs []*writeReq) ([]writeResult, error) {
	var (
		results []writeResult
		all     []plumbline.Event
		newKeys []string
	)
	err := conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return errors.New("not a pgx connection")
		}
		c := sc.Conn()
		n := 0
		for _, r := range reqs {
			n += len(r.events)
		}
		// The asset keys, and which to ask about: with the events' own order.
		flat := make([]plumbline.Event, 0, n)
		for _, r := range reqs {
			flat = append(flat, r.events...)
		}
		keys := eventKeys(flat)
		var order []string
		seen := map[string]bool{}
		for _, k := range keys {
			if k != "" && !seen[k] {
				seen[k] = true
				order = append(order, k)
			}
		}
		ask := s.askKeys(order)

		b := &pgx.Batch{}
		b.Queue("BEGIN")
		b.Queue("SELECT pg_advisory_xact_lock($1)", lockKey(s.schema, lockAppend))
		b.Queue("SELECT COALESCE(MAX(id), 0) FROM event_log")
		if len(ask) > 0 {
			b.Queue("SELECT key FROM assets WHERE key = ANY($1)", ask)
		}
		committed := false
		defer func() {
			if !committed && !c.IsClosed() {
				rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_, _ = c.Exec(rctx, "ROLLBACK")
			}
		}()
		var last int64
		var found []string
		err := runBatch(ctx, c, b, func(br pgx.BatchResults) error {
			if _, err := br.Exec(); err != nil {
				return fmt.Errorf("begin: %w", err)
			}
			if _, err := br.Exec(); err != nil {
				return fmt.Errorf("lock: %w", err)
			}
			if err := br.QueryRow().Scan(&last); err != nil {
				return fmt.Errorf("read last id: %w", err)
			}
			if len(ask) > 0 {
				rows, err := br.Query()
				if err != nil {
					return fmt.Errorf("read assets: %w", err)
				}
				found, err = pgx.CollectRows(rows, pgx.RowTo[string])
				if err != nil {
					return fmt.Errorf("read assets: %w", err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		newKeys = s.missingKeys(ask, found)

		now := s.now().UTC().Truncate(time.Microsecond)
		results = make([]writeResult, len(reqs))
		all = make([]plumbline.Event, 0, n)
		for i, r := range reqs {
			results[i].events = number(r.events, &last, now)
			all = append(all, results[i].events...)
		}
		rows := make([]eventRow, len(all))
		for i := range all {
			rows[i] = newEventRow(&all[i], keys[i])
		}
		b = &pgx.Batch{}
		if len(rows) >= copyThreshold {
			if _, err := c.CopyFrom(ctx, pgx.Identifier{"event_log"}, eventColumns, copyRows(rows)); err != nil {
				return fmt.Errorf("copy events: %w", err)
			}
		} else if len(rows) > 0 {
			b.Queue(insertEventsSQL, eventArrays(rows)...)
		}
		ts := now.UnixMicro()
		for _, st := range planDerive(all, keys).pgStatements(len(newKeys) > 0, ts) {
			b.Queue(st.sql, st.args...)
		}
		if len(all) > 0 {
			b.Queue("SELECT pg_notify($1, $2)", s.channel, strconv.FormatInt(last, 10))
		}
		b.Queue("COMMIT")
		if err := runBatch(ctx, c, b, func(br pgx.BatchResults) error {
			for range b.Len() {
				if _, err := br.Exec(); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		committed = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("append: %w", err)
	}
	s.committed(newKeys, all)
	return results, nil
}

// runBatch sends a batch and reads its results with read.
func runBatch(ctx context.Context, c *pgx.Conn, b *pgx.Batch, read func(pgx.BatchResults) error) error {
	br := c.SendBatch(ctx, b)
	err := read(br)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return err
}

// insertEventsSQL inserts events from one array per column (eventArrays).
var insertEventsSQL = "INSERT INTO event_log (" + strings.Join(eventColumns, ", ") + `) SELECT * FROM unnest(
	$1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[],
	$8::text[], $9::text[], $10::boolean[], $11::text[], $12::text[], $13::text[], $14::text[])`

// eventArrays returns the rows as one array per column of eventColumns.
func eventArrays(rows []eventRow) []any {
	n := len(rows)
	var (
		ids, ts                                          = make([]int64, n), make([]int64, n)
		types                                            = make([]string, n)
		runs, keys, parts, versions, descs, checks, sevs = make([]*string, n), make([]*string, n), make([]*string, n), make([]*string, n), make([]*string, n), make([]*string, n), make([]*string, n)
		levels, msgs, metas                              = make([]*string, n), make([]*string, n), make([]*string, n)
		passed                                           = make([]*bool, n)
	)
	for i := range rows {
		r := &rows[i]
		ids[i], types[i], ts[i], runs[i], keys[i], parts[i], versions[i] = r.ID, r.Type, r.TS, r.RunID, r.AssetKey, r.Partition, r.DataVersion
		descs[i], checks[i], passed[i], sevs[i], levels[i], msgs[i], metas[i] = r.Description, r.CheckName, r.Passed, r.Severity, r.Level, r.Message, r.Metadata
	}
	return []any{ids, types, ts, runs, keys, parts, versions, descs, checks, passed, sevs, levels, msgs, metas}
}
