package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("append: connect: %w", err)
	}
	defer conn.Close()
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
		out := make([]plumbline.Event, len(events))
		for j, e := range events {
			last++
			e.StorageID = last
			if e.Timestamp.IsZero() {
				e.Timestamp = now
			} else {
				e.Timestamp = e.Timestamp.UTC().Truncate(time.Microsecond)
			}
			out[j] = e
		}
		results[i].events = out
		all = append(all, out...)
	}
	newKeys, err := s.appendEvents(ctx, conn, tx, all, now)
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
	s.rememberKeys(newKeys)
	if len(all) > 0 {
		if fn, ok := s.onCommit.Load().(func([]plumbline.Event)); ok {
			fn(all)
		}
	}
	return results, nil
}

// appendEvents inserts events and updates the derived tables. It returns the asset keys
// it created.
func (s *Store) appendEvents(ctx context.Context, conn *sql.Conn, tx *gorm.DB, events []plumbline.Event, now time.Time) ([]string, error) {
	if len(events) == 0 {
		return nil, nil
	}
	rows := make([]eventRow, len(events))
	for i := range events {
		rows[i] = newEventRow(&events[i])
	}
	if s.postgres {
		err := conn.Raw(func(dc any) error {
			c, ok := dc.(*stdlib.Conn)
			if !ok {
				return errors.New("not a pgx connection")
			}
			src := make([][]any, len(rows))
			for i := range rows {
				src[i] = rows[i].values()
			}
			_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{"event_log"}, eventColumns, pgx.CopyFromRows(src))
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
	newKeys, err := s.derive(tx, events, now)
	if err != nil {
		return nil, fmt.Errorf("append: update catalog: %w", err)
	}
	return newKeys, nil
}
