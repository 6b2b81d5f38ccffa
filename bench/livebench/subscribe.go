package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/jackc/pgx/v5"
)

// rec is one delivery: what arrived (a storage id, or a notification's sequence number)
// and when (clock nanoseconds).
type rec struct {
	id int64
	t  int64
}

// receiver is what both sides' receivers share: the deliveries, in arrival order, and how
// the stream ended.
type receiver struct {
	recs []rec
	last atomic.Int64 // the id of the last delivery (candidates: the largest, ids ascend)
	n    atomic.Int64 // deliveries so far
	mu   sync.Mutex
	err  error // why it ended early, if it did
	done chan struct{}
}

func newReceiver(capacity int) *receiver {
	return &receiver{recs: make([]rec, 0, capacity), done: make(chan struct{})}
}

func (r *receiver) add(id, t int64) {
	r.recs = append(r.recs, rec{id, t})
	r.last.Store(id)
	r.n.Add(1)
}

func (r *receiver) fail(err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.mu.Unlock()
}

func (r *receiver) failure() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// eventsQuery is the subscription every subscriber runs: live events only (no after), $f
// the filter (null: every event).
const eventsQuery = `subscription($f: EventFilter) { events(filter: $f) { storageId timestamp type assetKey { path } } }`

// subscriber is one WebSocket client speaking graphql-transport-ws with coder/websocket,
// as client.Subscribe does, but reading each message into a reused buffer and picking the
// storage id out of it without decoding the whole message, so that 100 of them cost this
// process as little CPU as possible: the machine's cores are shared with the server.
type subscriber struct {
	*receiver
	conn *websocket.Conn
}

// dialSubscriber opens a subscription of eventsQuery on the server at base (http://…).
func dialSubscriber(ctx context.Context, hc *http.Client, base string, filter any, capacity int) (*subscriber, error) {
	u := "ws://" + strings.TrimPrefix(base, "http://") + "/graphql"
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: hc, Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", u, err)
	}
	conn.SetReadLimit(1 << 20)
	fail := func(err error) (*subscriber, error) {
		conn.CloseNow()
		return nil, err
	}
	if err := conn.Write(ctx, websocket.MessageText, []byte(`{"type":"connection_init","payload":{}}`)); err != nil {
		return fail(err)
	}
	_, ack, err := conn.Read(ctx)
	if err != nil {
		return fail(fmt.Errorf("read connection_ack: %w", err))
	}
	if msgType(ack) != "connection_ack" {
		return fail(fmt.Errorf("expected connection_ack, got %s", ack))
	}
	payload, err := json.Marshal(map[string]any{"query": eventsQuery, "variables": map[string]any{"f": filter}})
	if err != nil {
		return fail(err)
	}
	msg := append([]byte(`{"id":"1","type":"subscribe","payload":`), payload...)
	msg = append(msg, '}')
	if err := conn.Write(ctx, websocket.MessageText, msg); err != nil {
		return fail(err)
	}
	return &subscriber{receiver: newReceiver(capacity), conn: conn}, nil
}

// run reads the subscription until ctx is done or the stream ends, recording each event's
// storage id with the time its message was read. The first event is decoded in full and
// checked, so a change of the answer's shape does not go unnoticed.
//
// Reads take context.Background() and ctx ends them by closing the connection: with a
// cancellable context coder/websocket arms and disarms a context.AfterFunc around every
// read, which cost this process about 15% of its CPU per message.
func (s *subscriber) run(ctx context.Context, clock *clock) {
	defer close(s.done)
	defer s.conn.CloseNow()
	stop := context.AfterFunc(ctx, func() { s.conn.CloseNow() })
	defer stop()
	var buf bytes.Buffer
	checked := false
	for {
		_, r, err := s.conn.Reader(context.Background())
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		if err != nil {
			if ctx.Err() == nil {
				s.fail(fmt.Errorf("read: %w", err))
			}
			return
		}
		t := clock.now()
		b := buf.Bytes()
		switch typ := msgType(b); typ {
		case "next":
			id, err := storageIDOf(b)
			if err != nil {
				s.fail(err)
				return
			}
			if !checked {
				if err := checkEvent(b); err != nil {
					s.fail(err)
					return
				}
				checked = true
			}
			s.add(id, t)
		case "ping":
			if err := s.conn.Write(context.Background(), websocket.MessageText, []byte(`{"type":"pong"}`)); err != nil && ctx.Err() == nil {
				s.fail(fmt.Errorf("pong: %w", err))
				return
			}
		case "pong":
		default: // error, complete, or something unexpected: the stream is over
			s.fail(fmt.Errorf("the server ended the subscription: %s", truncate(b, 300)))
			return
		}
	}
}

// msgType returns a graphql-transport-ws message's type. gqlgen writes it last (after the
// payload, whose event has a "type" of its own), so the last "type" key is the message's.
func msgType(b []byte) string {
	const key = `"type":"`
	i := bytes.LastIndex(b, []byte(key))
	if i < 0 {
		return ""
	}
	rest := b[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

func storageIDOf(b []byte) (int64, error) {
	const key = `"storageId":"`
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return 0, fmt.Errorf("a result without a storageId: %s", truncate(b, 300))
	}
	rest := b[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return 0, fmt.Errorf("a result with a bad storageId: %s", truncate(b, 300))
	}
	return strconv.ParseInt(string(rest[:j]), 10, 64)
}

// checkEvent decodes a "next" message in full and checks it carries an event with every
// field asked for.
func checkEvent(b []byte) error {
	var m struct {
		Type    string
		Payload struct {
			Data struct {
				Events *struct {
					StorageID string
					Timestamp time.Time
					Type      string
					AssetKey  *struct{ Path []string }
				}
			}
			Errors []json.RawMessage
		}
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("decode a result: %w", err)
	}
	e := m.Payload.Data.Events
	switch {
	case len(m.Payload.Errors) > 0:
		return fmt.Errorf("a result with errors: %s", truncate(b, 300))
	case e == nil, e.StorageID == "", e.Timestamp.IsZero(), e.Type == "", e.AssetKey == nil, len(e.AssetKey.Path) == 0:
		return fmt.Errorf("an incomplete event: %s", truncate(b, 300))
	}
	return nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// listener is one PostgreSQL connection LISTENing on a channel (the baselines), recording
// each notification's payload (a sequence number) with the time it arrived.
type listener struct {
	*receiver
	conn *pgx.Conn
}

func dialListener(ctx context.Context, dbURL, channel string, capacity int) (*listener, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, fmt.Errorf("connect a listener: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		conn.Close(context.Background())
		return nil, fmt.Errorf("LISTEN: %w", err)
	}
	return &listener{receiver: newReceiver(capacity), conn: conn}, nil
}

func (l *listener) run(ctx context.Context, clock *clock) {
	defer close(l.done)
	defer l.conn.Close(context.Background())
	for {
		n, err := l.conn.WaitForNotification(ctx)
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, context.Canceled) {
				l.fail(fmt.Errorf("wait for a notification: %w", err))
			}
			return
		}
		t := clock.now()
		seq, err := strconv.ParseInt(n.Payload, 10, 64)
		if err != nil {
			l.fail(fmt.Errorf("notification payload %q: %w", n.Payload, err))
			return
		}
		l.add(seq, t)
	}
}
