package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// clock is the one clock of a run: nanoseconds since it started, monotonic. Senders and
// receivers all live in this process, so their times compare directly.
type clock struct{ t0 time.Time }

func (c *clock) now() int64 { return int64(time.Since(c.t0)) }

// sleepUntil sleeps until the clock reads t (or ctx is done).
func (c *clock) sleepUntil(ctx context.Context, t int64) {
	d := time.Duration(t - c.now())
	if d <= 0 {
		return
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
	case <-ctx.Done():
	}
}

// write is one paced write: when it was sent, when its commit was acknowledged, and the
// id it was given (a storage id; the sequence number for notifications).
type write struct {
	due       int64 // when it was scheduled
	send, ack int64
	id        int64
	err       error
}

// errNotSent marks a write that was not sent: the load had fallen so far behind its
// schedule that the side's time was up.
var errNotSent = errors.New("not sent: the side's time was up")

// paced runs n writes at rate per second from the given number of workers: write i is due
// at start + i/rate. A late write is sent at once, not skipped, and its lateness shows in
// the latencies measured from the send; but no write is sent after the schedule's end plus
// overrun, so that a server that cannot keep up does not stretch the side without bound
// (those writes are marked errNotSent). do performs write i and returns its id.
func paced(ctx context.Context, c *clock, n int, rate float64, workers int, overrun time.Duration, do func(ctx context.Context, w int, i int) (int64, error)) (writes []write, start int64) {
	out := make([]write, n)
	var next atomic.Int64
	start = c.now() + int64(5*time.Millisecond)
	period := float64(time.Second) / rate
	stop := start + int64(float64(n)*period) + int64(overrun)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				due := start + int64(float64(i)*period)
				if c.now() > stop {
					out[i] = write{due: due, err: errNotSent}
					continue
				}
				c.sleepUntil(ctx, due)
				send := c.now()
				id, err := do(ctx, w, i)
				out[i] = write{due: due, send: send, ack: c.now(), id: id, err: err}
			}
		}()
	}
	wg.Wait()
	return out, start
}

// restWriter reports single materializations to a server over REST, one event per
// request and so one commit per event (the server's group commit may still put
// concurrent requests in one transaction).
type restWriter struct {
	hc   *http.Client
	base string
}

func newRESTWriter(base string, conns int) *restWriter {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true, IdleConnTimeout: time.Minute}
	return &restWriter{hc: &http.Client{Transport: tr, Timeout: time.Minute}, base: base}
}

// assetKey is the key event i is reported on: 100 assets in turn, livebench/k00…k99.
func assetKey(i int) string { return fmt.Sprintf("livebench/k%02d", i%keyCount) }

const keyCount = 100

// hot reports whether event i's asset is one the filtered subscriptions ask for (k00–k09:
// a tenth of the events).
func hot(i int) bool { return i%keyCount < hotKeys }

const hotKeys = 10

// report posts event i and returns its storage id.
func (w *restWriter) report(ctx context.Context, i int) (int64, error) {
	body := `{"data_version":"v` + strconv.Itoa(i) + `","metadata":{"seq":` + strconv.Itoa(i) + `}}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.base+"/report_asset_materialization/"+assetKey(i), bytes.NewReader([]byte(body)))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.hc.Do(req)
	if err != nil {
		return 0, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("POST %s: %d %s", req.URL.Path, resp.StatusCode, truncate(b, 200))
	}
	var r struct{ StorageID string }
	if err := json.Unmarshal(b, &r); err != nil {
		return 0, fmt.Errorf("POST %s: %w (%s)", req.URL.Path, err, truncate(b, 200))
	}
	return strconv.ParseInt(r.StorageID, 10, 64)
}

func (w *restWriter) close() { w.hc.CloseIdleConnections() }

// notifier sends `SELECT pg_notify(channel, seq)` from a connection per worker, each in a
// transaction of its own (autocommit): the commit is acknowledged when Exec returns.
type notifier struct {
	conns   []*pgx.Conn
	channel string
}

func newNotifier(ctx context.Context, dbURL, channel string, conns int) (*notifier, error) {
	n := &notifier{channel: channel}
	for range conns {
		c, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			n.close()
			return nil, fmt.Errorf("connect a notifier: %w", err)
		}
		n.conns = append(n.conns, c)
	}
	return n, nil
}

func (n *notifier) notify(ctx context.Context, w, i int) (int64, error) {
	_, err := n.conns[w].Exec(ctx, "SELECT pg_notify($1, $2)", n.channel, strconv.Itoa(i))
	return int64(i), err
}

func (n *notifier) close() {
	for _, c := range n.conns {
		c.Close(context.Background())
	}
}
