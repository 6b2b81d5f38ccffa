package graph

import (
	"context"
	"sync"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/plumbline/plumbline"
)

// loaders batch the reads of one GraphQL response: every Load in the same few hundred
// microseconds becomes one IN (…) query. They live for one response only, so a
// subscription's every event sees fresh data.
type loaders struct {
	events   *dataloadgen.Loader[int64, *plumbline.Event]
	assets   *dataloadgen.Loader[string, *plumbline.Asset]
	checks   *dataloadgen.Loader[string, []plumbline.CheckState]
	parents  *dataloadgen.Loader[string, []plumbline.AssetKey]
	children *dataloadgen.Loader[string, []plumbline.AssetKey]
}

type loadersKey struct{}

const (
	loaderWait     = 250 * time.Microsecond
	loaderCapacity = 5000
)

func newLoaders(events plumbline.EventLog, catalog plumbline.Catalog) *loaders {
	opts := []dataloadgen.Option{dataloadgen.WithWait(loaderWait), dataloadgen.WithBatchCapacity(loaderCapacity)}
	neighbours := func(dir plumbline.LineageDirection) func(ctx context.Context, keys []string) ([][]plumbline.AssetKey, []error) {
		return func(ctx context.Context, keys []string) ([][]plumbline.AssetKey, []error) {
			m, err := catalog.Neighbours(ctx, parseKeys(keys), dir)
			if err != nil {
				return nil, []error{err}
			}
			out := make([][]plumbline.AssetKey, len(keys))
			for i, k := range keys {
				out[i] = m[k]
			}
			return out, nil
		}
	}
	return &loaders{
		events: dataloadgen.NewLoader(func(ctx context.Context, ids []int64) ([]*plumbline.Event, []error) {
			evs, err := events.EventsByID(ctx, ids)
			if err != nil {
				return nil, []error{err}
			}
			byID := make(map[int64]*plumbline.Event, len(evs))
			for i := range evs {
				byID[evs[i].StorageID] = &evs[i]
			}
			out := make([]*plumbline.Event, len(ids))
			for i, id := range ids {
				out[i] = byID[id]
			}
			return out, nil
		}, opts...),
		assets: dataloadgen.NewLoader(func(ctx context.Context, keys []string) ([]*plumbline.Asset, []error) {
			as, err := catalog.AssetsByKey(ctx, parseKeys(keys))
			if err != nil {
				return nil, []error{err}
			}
			return as, nil
		}, opts...),
		checks: dataloadgen.NewLoader(func(ctx context.Context, keys []string) ([][]plumbline.CheckState, []error) {
			m, err := catalog.Checks(ctx, parseKeys(keys))
			if err != nil {
				return nil, []error{err}
			}
			out := make([][]plumbline.CheckState, len(keys))
			for i, k := range keys {
				out[i] = m[k]
			}
			return out, nil
		}, opts...),
		parents:  dataloadgen.NewLoader(neighbours(plumbline.Upstream), opts...),
		children: dataloadgen.NewLoader(neighbours(plumbline.Downstream), opts...),
	}
}

// lazyLoaders makes a response's loaders the first time a resolver asks for them, so a
// response that loads nothing (most subscription events) does not pay for them.
type lazyLoaders struct {
	once    sync.Once
	l       *loaders
	events  plumbline.EventLog
	catalog plumbline.Catalog
}

func (z *lazyLoaders) get() *loaders {
	z.once.Do(func() { z.l = newLoaders(z.events, z.catalog) })
	return z.l
}

func withLoaders(ctx context.Context, events plumbline.EventLog, catalog plumbline.Catalog) context.Context {
	return context.WithValue(ctx, loadersKey{}, &lazyLoaders{events: events, catalog: catalog})
}

// loadersFor returns the response's loaders; outside a response (a resolver called
// directly) it makes fresh ones.
func (r *Resolver) loadersFor(ctx context.Context) *loaders {
	if z, ok := ctx.Value(loadersKey{}).(*lazyLoaders); ok {
		return z.get()
	}
	return newLoaders(r.Log, r.Catalog)
}

// loadEvents loads the events with the given ids; an id of 0 gives nil.
func (r *Resolver) loadEvents(ctx context.Context, ids []int64) ([]*plumbline.Event, error) {
	want := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id != 0 {
			want = append(want, id)
		}
	}
	got, err := r.loadersFor(ctx).events.LoadAll(ctx, want)
	if err != nil {
		return nil, err
	}
	out := make([]*plumbline.Event, len(ids))
	j := 0
	for i, id := range ids {
		if id != 0 {
			out[i] = got[j]
			j++
		}
	}
	return out, nil
}

func parseKeys(keys []string) []plumbline.AssetKey {
	out := make([]plumbline.AssetKey, len(keys))
	for i, k := range keys {
		out[i], _ = plumbline.ParseAssetKey(k) // key strings come from stored keys
	}
	return out
}
