package store

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/plumbline/plumbline"
)

// OnCommit sets fn to be called after every commit of this process that appended events,
// with those events (storage ids ascending, contiguous; shared, not to be modified). It is
// called from the writer, one commit at a time in commit order, and must return at once.
func (s *Store) OnCommit(fn func(events []plumbline.Event)) { s.onCommit.Store(fn) }

var unsafeChannel = regexp.MustCompile(`[^a-z0-9_]+`)

// notifyChannel names the channel appends notify on: one per database schema, so that
// deployments (and tests) sharing a server do not wake each other.
func notifyChannel(schema string) string {
	name := "plumbline_events"
	if schema != "" && schema != "public" {
		name += "_" + unsafeChannel.ReplaceAllString(strings.ToLower(schema), "_")
	}
	if len(name) > 63 {
		name = name[:63]
	}
	return name
}

// Listen calls fn with the last storage id of every commit of events by any server on
// this PostgreSQL database, until ctx is done. It holds a connection of its own and
// reconnects after losing it (a database restart, say), calling fn(0) after each
// reconnection so the caller catches up on what it missed. On SQLite there is no other
// server, and it returns at once.
func (s *Store) Listen(ctx context.Context, fn func(lastID int64)) error {
	if !s.postgres {
		return nil
	}
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, fn)
		if ctx.Err() != nil {
			return nil
		}
		s.log.Warn("store: listening for events lost its connection; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
	return nil
}

func (s *Store) listenOnce(ctx context.Context, fn func(int64)) error {
	conn, err := pgx.Connect(ctx, s.url)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.channel}.Sanitize()); err != nil {
		return err
	}
	fn(0) // catch up on what was committed while not listening
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		id, _ := strconv.ParseInt(n.Payload, 10, 64)
		fn(id)
	}
}

// NotifyChannel returns the PostgreSQL channel appends notify on ("" on SQLite).
func (s *Store) NotifyChannel() string { return s.channel }
