// Package live turns the event log into streams: a Hub follows the log as it is committed
// and fans new events out to subscribers, each of which can first replay the events it
// missed. Storage ids are committed in increasing order with no holes, so following the
// log by id never skips an event, and a subscriber resuming "after id N" gets exactly the
// events it has not seen.
package live

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/plumbline/plumbline"
)

// Source is the event log as the hub reads it.
type Source interface {
	Events(ctx context.Context, filter plumbline.EventFilter, after int64, limit int) ([]plumbline.Event, error)
	LastStorageID(ctx context.Context) (int64, error)
}

// Config configures a Hub. Zero fields take the defaults in parentheses.
type Config struct {
	// Buffer is how many reads of the log a subscriber may fall behind by before it is
	// cut off (1024).
	Buffer int
	// Poll is how often the log is read when nothing pokes the hub (2s): a safety net
	// for a missed notification.
	Poll time.Duration
	// Page is how many events one read of the log takes at most (1000).
	Page   int
	Logger *slog.Logger
}

// Hub follows the event log and fans its new events out to subscribers.
type Hub struct {
	src  Source
	cfg  Config
	log  *slog.Logger
	poke chan struct{}

	mu     sync.Mutex
	pos    int64 // every event up to pos has been published
	subs   map[*Subscription]struct{}
	closed bool
	ready  chan struct{}
	cutOff int64 // subscribers cut off for falling behind, since the start
}

// New returns a hub over src; Run starts it.
func New(src Source, cfg Config) *Hub {
	if cfg.Buffer <= 0 {
		cfg.Buffer = 1024
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 2 * time.Second
	}
	if cfg.Page <= 0 {
		cfg.Page = 1000
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Hub{src: src, cfg: cfg, log: cfg.Logger, poke: make(chan struct{}, 1),
		subs: map[*Subscription]struct{}{}, ready: make(chan struct{})}
}

// Notified tells the hub that events up to lastID were committed somewhere (0: unknown);
// it reads the log unless it has published them already.
func (h *Hub) Notified(lastID int64) {
	if lastID > 0 && lastID <= h.Position() {
		return
	}
	h.Poke()
}

// Poke tells the hub that events were committed. It never blocks.
func (h *Hub) Poke() {
	select {
	case h.poke <- struct{}{}:
	default:
	}
}

// Offer hands the hub events this process has just committed. When they follow the
// position it publishes them at once, saving a read of the log; otherwise (events of
// another server come first) it reads the log as Poke does. It never blocks for long.
func (h *Hub) Offer(events []plumbline.Event) {
	if len(events) == 0 {
		return
	}
	h.mu.Lock()
	next := h.pos + 1
	ready := isReady(h.ready)
	h.mu.Unlock()
	if ready && events[0].StorageID == next && contiguous(next-1, events) == len(events) {
		h.publishFrom(next-1, events)
		return
	}
	h.Poke()
}

func isReady(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// Position returns the storage id of the last event published.
func (h *Hub) Position() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.pos
}

// Subscribers returns how many subscriptions are following the hub live (not counting
// those still replaying).
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// CutOff returns how many subscribers were cut off for falling too far behind.
func (h *Hub) CutOff() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cutOff
}

// Run follows the log until ctx is done, then ends every subscription.
func (h *Hub) Run(ctx context.Context) error {
	defer h.close()
	for {
		last, err := h.src.LastStorageID(ctx)
		if err == nil {
			h.mu.Lock()
			h.pos = last
			h.mu.Unlock()
			close(h.ready)
			break
		}
		h.log.Error("live: read the end of the log", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
	t := time.NewTicker(h.cfg.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-h.poke:
		case <-t.C:
		}
		h.catchUp(ctx)
	}
}

// maxHoleWait is how long a hole in storage ids may stay before it is taken as permanent.
// Ids are committed in order, so a hole only means a commit is not yet visible to this
// reader; waiting keeps the stream gap-free.
const maxHoleWait = 2 * time.Second

// catchUp reads and publishes every event after the position.
func (h *Hub) catchUp(ctx context.Context) {
	var holeSince time.Time
	for ctx.Err() == nil {
		pos := h.Position()
		evs, err := h.src.Events(ctx, plumbline.EventFilter{}, pos, h.cfg.Page)
		if err != nil {
			if ctx.Err() == nil {
				h.log.Error("live: read the log", "after", pos, "err", err)
			}
			return
		}
		if len(evs) == 0 {
			return
		}
		n := contiguous(pos, evs)
		if n == 0 {
			if holeSince.IsZero() {
				holeSince = time.Now()
			}
			if time.Since(holeSince) < maxHoleWait {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			h.log.Warn("live: storage ids skip", "after", pos, "next", evs[0].StorageID)
			n = 1
		}
		holeSince = time.Time{}
		h.publish(evs[:n])
		if n < len(evs) {
			continue
		}
		if len(evs) < h.cfg.Page {
			return
		}
	}
}

// contiguous returns how many events of evs follow pos without a hole.
func contiguous(pos int64, evs []plumbline.Event) int {
	for i, e := range evs {
		if e.StorageID != pos+int64(i)+1 {
			return i
		}
	}
	return len(evs)
}

// publish hands a batch that follows the position to every subscriber.
func (h *Hub) publish(batch []plumbline.Event) {
	h.publishFrom(batch[0].StorageID-1, batch)
}

// publishFrom hands every subscriber a batch that follows from, if the position is still
// from (Offer and the reader may race to publish the same events: the first one wins).
// It never waits: a subscriber whose buffer is full is cut off.
func (h *Hub) publishFrom(from int64, batch []plumbline.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.pos != from {
		if h.pos < from {
			select { // a hole: let the reader fetch what is missing
			case h.poke <- struct{}{}:
			default:
			}
		}
		return
	}
	h.pos = batch[len(batch)-1].StorageID
	for s := range h.subs {
		b := s.filter(batch)
		if len(b) == 0 {
			continue
		}
		select {
		case s.live <- b:
		default:
			s.behind = true
			h.cutOff++
			delete(h.subs, s)
			close(s.live)
			h.log.Warn("live: a subscriber fell too far behind and was cut off", "queue", h.cfg.Buffer)
		}
	}
}

func (h *Hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		delete(h.subs, s)
		close(s.live)
	}
	select {
	case <-h.ready:
	default:
		close(h.ready)
	}
}

// ErrBehind ends a subscription that fell too far behind. Subscribe again with after set
// to LastID to go on without a gap.
type ErrBehind struct{ LastID int64 }

func (e *ErrBehind) Error() string {
	return fmt.Sprintf("the subscriber fell too far behind and was cut off; subscribe again with after: %d to resume", e.LastID)
}

// Subscription is a stream of events in storage id order.
type Subscription struct {
	// C carries events in order, in batches; it is closed when the subscription ends.
	C <-chan []plumbline.Event

	out    chan []plumbline.Event
	keep   func(*plumbline.Event) bool
	live   chan []plumbline.Event // fed by the hub
	behind bool                   // set by the hub when it cut this subscriber off
	err    error
	done   chan struct{}
}

// Err returns why the subscription ended once C is closed: nil when its context ended
// or the hub stopped, an *ErrBehind when it fell behind, or a read error of the log.
func (s *Subscription) Err() error {
	<-s.done
	return s.err
}

// Subscribe streams every event with storage id > after that keep accepts (all when keep
// is nil), first from the log and then as they are committed; after < 0 means only events
// committed from now on. It ends when ctx does. keep is called from the hub's goroutine
// for every event published, so it must be cheap, and safe for concurrent use; a
// subscriber is not woken for events it does not keep.
func (h *Hub) Subscribe(ctx context.Context, after int64, keep func(*plumbline.Event) bool) (*Subscription, error) {
	select {
	case <-h.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s := &Subscription{out: make(chan []plumbline.Event), keep: keep, live: make(chan []plumbline.Event, h.cfg.Buffer), done: make(chan struct{})}
	s.C = s.out
	go s.pump(ctx, h, after)
	return s, nil
}

// filter returns the events of batch the subscription keeps (batch itself when it keeps
// them all).
func (s *Subscription) filter(batch []plumbline.Event) []plumbline.Event {
	if s.keep == nil {
		return batch
	}
	var out []plumbline.Event
	for i := range batch {
		if s.keep(&batch[i]) {
			if out == nil {
				out = make([]plumbline.Event, 0, len(batch)-i)
			}
			out = append(out, batch[i])
		}
	}
	return out
}

// pump replays, then forwards live batches, dropping what was already sent.
func (s *Subscription) pump(ctx context.Context, h *Hub, after int64) {
	defer close(s.done)
	defer close(s.out)
	cursor := after
	send := func(batch []plumbline.Event) bool {
		i := 0
		for i < len(batch) && batch[i].StorageID <= cursor {
			i++
		}
		if i == len(batch) {
			return true
		}
		select {
		case s.out <- batch[i:]:
			cursor = batch[len(batch)-1].StorageID
			return true
		case <-ctx.Done():
			return false
		}
	}
	replay := func(until int64) bool {
		for cursor < until || until < 0 {
			evs, err := h.src.Events(ctx, plumbline.EventFilter{}, cursor, h.cfg.Page)
			if err != nil {
				if ctx.Err() == nil {
					s.err = fmt.Errorf("replay the log after %d: %w", cursor, err)
				}
				return false
			}
			if until >= 0 {
				for len(evs) > 0 && evs[len(evs)-1].StorageID > until {
					evs = evs[:len(evs)-1]
				}
			}
			if len(evs) == 0 {
				return true
			}
			read := len(evs)
			last := evs[len(evs)-1].StorageID
			if kept := s.filter(evs); len(kept) > 0 && !send(kept) {
				return false
			}
			cursor = max(cursor, last) // what was read and not kept is skipped too
			if until < 0 && read < h.cfg.Page {
				return true
			}
		}
		return true
	}
	// Replay most of a backlog before joining the hub, so the live buffer only has to
	// hold what is committed during the last stretch of the replay.
	if after >= 0 && !replay(-1) {
		return
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	pos := h.pos
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		if _, ok := h.subs[s]; ok {
			delete(h.subs, s)
			close(s.live)
		}
		h.mu.Unlock()
	}()
	if after < 0 {
		cursor = pos
	} else if !replay(pos) {
		return
	}
	for {
		select {
		case batch, ok := <-s.live:
			if !ok {
				h.mu.Lock()
				behind := s.behind
				h.mu.Unlock()
				if behind {
					s.err = &ErrBehind{LastID: cursor}
				}
				return
			}
			if !send(batch) {
				return
			}
		case <-ctx.Done():
			return
		}
	}
}
