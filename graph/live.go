package graph

import (
	"context"
	"sync"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/graph/gqlmodel"
	"github.com/plumbline/plumbline/graph/model"
	"github.com/plumbline/plumbline/internal/apierr"
	"github.com/plumbline/plumbline/live"
)

// A subscription that must end with an error (its subscriber fell behind, say) records the
// error in its operation's streamError and sends a nil value; the response that nil makes
// carries the error instead of gqlgen's complaint about the null, and the stream ends.

type streamErrorKey struct{}

type streamError struct {
	mu  sync.Mutex
	err error
}

func withStreamError(ctx context.Context) context.Context {
	return context.WithValue(ctx, streamErrorKey{}, &streamError{})
}

func setStreamError(ctx context.Context, err error) {
	if s, ok := ctx.Value(streamErrorKey{}).(*streamError); ok {
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
	}
}

// takeStreamError returns the error recorded for this operation's stream, once.
func takeStreamError(ctx context.Context) error {
	s, ok := ctx.Value(streamErrorKey{}).(*streamError)
	if !ok {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.err
	s.err = nil
	return err
}

func (r *Resolver) presentStreamError(ctx context.Context, err error) *gqlerror.Error {
	if be, ok := err.(*live.ErrBehind); ok {
		return &gqlerror.Error{Message: be.Error(), Extensions: map[string]any{"code": "SUBSCRIBER_TOO_SLOW", "resumeAfter": idString(be.LastID)}}
	}
	e := r.presentError(ctx, err)
	if e.Extensions == nil {
		e.Extensions = map[string]any{"code": apierr.GraphQLCode(err)}
	}
	return e
}

// end finishes a stream: with an error, one more (nil) value makes the response that
// carries it.
func end[T any](ctx context.Context, out chan<- *T, err error) {
	if err != nil {
		setStreamError(ctx, err)
		select {
		case out <- nil:
		case <-ctx.Done():
		}
	}
	close(out)
}

// subscribe starts a hub subscription after a storage id (nil: only new events) of the
// events keep accepts (see live.Hub.Subscribe).
func (r *Resolver) subscribe(ctx context.Context, after *string, keep func(*plumbline.Event) bool) (*live.Subscription, error) {
	if r.Live == nil {
		return nil, plumbline.Errorf(plumbline.EUNAVAILABLE, "subscriptions are not available on this server")
	}
	from := int64(-1)
	if after != nil {
		id, err := storageID(after)
		if err != nil {
			return nil, err
		}
		from = id
	}
	return r.Live.Subscribe(ctx, from, keep)
}

// eventMatcher decides which events a subscription's filter lets through. A selection
// is evaluated when the subscription starts and again when the catalog may have changed:
// definitions were applied, or an asset not seen before appears.
type eventMatcher struct {
	r      *Resolver
	f      plumbline.EventFilter
	types  map[plumbline.EventType]bool
	keys   map[string]bool // static asset keys of the filter
	sel    string
	picked map[string]bool // assets the selection picks
	known  map[string]bool // assets the selection was evaluated over
	stale  bool
}

func (r *Resolver) newMatcher(ctx context.Context, in *model.EventFilter) (*eventMatcher, error) {
	m := &eventMatcher{r: r}
	if in == nil {
		return m, nil
	}
	sel := in.Selection
	in2 := *in
	in2.Selection = nil // the selection is evaluated here, not turned into a fixed key list
	f, _, err := r.eventFilter(ctx, &in2)
	if err != nil {
		return nil, err
	}
	m.f = f
	if len(f.Types) > 0 {
		m.types = map[plumbline.EventType]bool{}
		for _, t := range f.Types {
			m.types[t] = true
		}
	}
	if len(f.AssetKeys) > 0 {
		m.keys = map[string]bool{}
		for _, k := range f.AssetKeys {
			m.keys[k.String()] = true
		}
	}
	if sel != nil && *sel != "" {
		m.sel = *sel
		if err := m.refresh(ctx); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *eventMatcher) refresh(ctx context.Context) error {
	g, err := m.r.Catalog.Graph(ctx)
	if err != nil {
		return err
	}
	keys, err := m.r.selectKeys(ctx, m.sel)
	if err != nil {
		return err
	}
	m.picked = make(map[string]bool, len(keys))
	for _, k := range keys {
		m.picked[k] = true
	}
	m.known = make(map[string]bool, len(g.Nodes))
	for k := range g.Nodes {
		m.known[k] = true
	}
	m.stale = false
	return nil
}

// keep is the part of the filter the hub applies for the subscriber: everything but the
// selection, which may need the catalog. It only reads the matcher, so the hub may call it
// from its own goroutine. Definitions-applied events are kept when there is a selection:
// they tell the matcher its selection may have changed.
func (m *eventMatcher) keep(e *plumbline.Event) bool {
	if e.Type == plumbline.DefinitionsApplied && m.sel != "" {
		return true
	}
	f := &m.f
	switch {
	case m.types != nil && !m.types[e.Type],
		f.RunID != "" && e.RunID != f.RunID,
		f.Partition != "" && e.Partition != f.Partition,
		!f.Since.IsZero() && e.Timestamp.Before(f.Since),
		!f.Until.IsZero() && !e.Timestamp.Before(f.Until):
		return false
	}
	if m.keys == nil && m.sel == "" {
		return true
	}
	if e.AssetKey == nil {
		return false
	}
	return m.sel != "" || m.keys[e.AssetKey.String()]
}

func (m *eventMatcher) match(ctx context.Context, e *plumbline.Event) (bool, error) {
	if e.Type == plumbline.DefinitionsApplied && m.sel != "" {
		// A selection picks asset events; this one only says the selection may change.
		m.stale = true
		return false, nil
	}
	if !m.keep(e) {
		return false, nil
	}
	if m.keys == nil && m.sel == "" {
		return true, nil
	}
	k := e.AssetKey.String()
	if m.keys[k] {
		return true, nil
	}
	if m.sel == "" {
		return false, nil
	}
	if m.stale || !m.known[k] {
		if err := m.refresh(ctx); err != nil {
			return false, err
		}
	}
	return m.picked[k], nil
}

// streamEvents forwards the events of sub that match to out, and ends the stream after
// an event for which stop says so.
func (r *Resolver) streamEvents(ctx context.Context, sub *live.Subscription, m *eventMatcher, out chan<- *gqlmodel.Event, stop func(*plumbline.Event) bool) {
	for batch := range sub.C {
		for i := range batch {
			e := &batch[i]
			ok, err := m.match(ctx, e)
			if err != nil {
				end(ctx, out, err)
				return
			}
			if !ok {
				continue
			}
			select {
			case out <- &gqlmodel.Event{E: e}:
			case <-ctx.Done():
				close(out)
				return
			}
			if stop != nil && stop(e) {
				close(out)
				return
			}
		}
	}
	end(ctx, out, sub.Err())
}

// assetChanges lists the event types that change an asset's state.
var assetChanges = map[plumbline.EventType]bool{
	plumbline.AssetMaterialization: true, plumbline.AssetObservation: true, plumbline.AssetCheckEvaluation: true,
	plumbline.AssetFailedToMaterialize: true, plumbline.AssetWiped: true,
}

// keepAssetChanges is the hub-side filter of assetUpdated.
func keepAssetChanges(e *plumbline.Event) bool {
	return assetChanges[e.Type] || e.Type == plumbline.DefinitionsApplied
}

// streamAssets sends each changed asset of a batch once, freshly read.
func (r *Resolver) streamAssets(ctx context.Context, sub *live.Subscription, m *eventMatcher, out chan<- *gqlmodel.Asset) {
	for batch := range sub.C {
		var keys []plumbline.AssetKey
		seen := map[string]bool{}
		for i := range batch {
			e := &batch[i]
			if !assetChanges[e.Type] {
				if e.Type == plumbline.DefinitionsApplied {
					m.stale = m.sel != ""
				}
				continue
			}
			ok, err := m.match(ctx, e)
			if err != nil {
				end(ctx, out, err)
				return
			}
			if ok && !seen[e.AssetKey.String()] {
				seen[e.AssetKey.String()] = true
				keys = append(keys, e.AssetKey)
			}
		}
		if len(keys) == 0 {
			continue
		}
		assets, err := r.Catalog.AssetsByKey(ctx, keys)
		if err != nil {
			end(ctx, out, err)
			return
		}
		for _, a := range assets {
			if a == nil {
				continue
			}
			select {
			case out <- &gqlmodel.Asset{A: a}:
			case <-ctx.Done():
				close(out)
				return
			}
		}
	}
	end(ctx, out, sub.Err())
}

// finalRunEvent reports whether an event ends a run.
func finalRunEvent(e *plumbline.Event) bool {
	switch e.Type {
	case plumbline.RunSuccess, plumbline.RunFailure, plumbline.RunCanceled:
		return true
	}
	return false
}
