package graph

import (
	"context"
	"encoding/base64"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/graph/gqlmodel"
	"github.com/plumbline/plumbline/graph/model"
	"github.com/plumbline/plumbline/selection"
)

// Page sizes.
const (
	defaultPage     = 100
	maxPage         = 10000
	defaultDepth    = 3
	maxDepth        = 100
	defaultNodes    = 1000
	maxNodes        = 10000
	maxFilterAssets = 10000
)

func invalid(format string, args ...any) error {
	return plumbline.Errorf(plumbline.EINVALID, format, args...)
}

func pageSize(first *int, def, max int) (int, error) {
	if first == nil {
		return def, nil
	}
	if *first < 0 || *first > max {
		return 0, invalid("first must be between 0 and %d, got %d", max, *first)
	}
	return *first, nil
}

func storageID(after *string) (int64, error) {
	if after == nil {
		return 0, nil
	}
	id, err := gqlmodel.ParseID(*after)
	if err != nil {
		return 0, invalid("cursor %s", err.Error())
	}
	return id, nil
}

func keyOf(in gqlmodel.AssetKeyInput) (plumbline.AssetKey, error) {
	k := plumbline.AssetKey(in.Path)
	if err := k.Validate(); err != nil {
		return nil, err
	}
	return k, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

// requested reports whether the current field's selection asks for a field by name.
func requested(ctx context.Context, name string) bool {
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == name {
			return true
		}
	}
	return false
}

// maxSelection bounds a selection's length: each term scans the catalog once.
const maxSelection = 4096

// selectKeys evaluates an asset selection over the catalog; returns sorted key strings.
func (r *Resolver) selectKeys(ctx context.Context, sel string) ([]string, error) {
	if len(sel) > maxSelection {
		return nil, invalid("selection is %d characters long; the limit is %d", len(sel), maxSelection)
	}
	g, err := r.Catalog.Graph(ctx)
	if err != nil {
		return nil, err
	}
	return selection.Select(g, sel)
}

// eventConnection pages events read forward: up to limit of them, and one more if there
// is a next page.
func eventConnection(events []plumbline.Event, limit int) *model.EventConnection {
	hasNext := len(events) > limit
	if hasNext {
		events = events[:limit]
	}
	return newEventConnection(events, &model.PageInfo{HasNextPage: hasNext})
}

// backwardConnection pages events read backward (newest first): up to limit of them, and
// one more if there is a previous page. The page itself is in ascending order.
func backwardConnection(events []plumbline.Event, limit int) *model.EventConnection {
	hasPrev := len(events) > limit
	if hasPrev {
		events = events[:limit]
	}
	slices.Reverse(events)
	return newEventConnection(events, &model.PageInfo{HasPreviousPage: hasPrev})
}

func newEventConnection(events []plumbline.Event, info *model.PageInfo) *model.EventConnection {
	nodes := gqlmodel.NewEvents(events)
	c := &model.EventConnection{Nodes: nodes, Edges: make([]*model.EventEdge, len(nodes)), PageInfo: info}
	for i, n := range nodes {
		c.Edges[i] = &model.EventEdge{Cursor: idString(n.E.StorageID), Node: n}
	}
	if len(nodes) > 0 {
		start, end := idString(nodes[0].E.StorageID), idString(nodes[len(nodes)-1].E.StorageID)
		c.PageInfo.StartCursor, c.PageInfo.EndCursor = &start, &end
	}
	return c
}

func parseTypes(types []string) ([]plumbline.EventType, error) {
	out := make([]plumbline.EventType, 0, len(types))
	for _, s := range types {
		t, err := plumbline.ParseEventType(s)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// eventFilter turns the GraphQL filter into the domain's, resolving an asset selection to
// its keys. ok is false when the filter can match nothing (a selection of no assets).
func (r *Resolver) eventFilter(ctx context.Context, in *model.EventFilter) (f plumbline.EventFilter, ok bool, err error) {
	if in == nil {
		return f, true, nil
	}
	if f.Types, err = parseTypes(in.Types); err != nil {
		return f, false, err
	}
	for i, k := range in.AssetKeys {
		key, err := keyOf(*k)
		if err != nil {
			return f, false, invalid("assetKeys[%d]: %s", i, plumbline.ErrorMessage(err))
		}
		f.AssetKeys = append(f.AssetKeys, key)
	}
	if sel := strings.TrimSpace(deref(in.Selection)); sel != "" {
		keys, err := r.selectKeys(ctx, sel)
		if err != nil {
			return f, false, err
		}
		if len(keys) == 0 {
			return f, false, nil
		}
		if len(keys)+len(f.AssetKeys) > maxFilterAssets {
			return f, false, invalid("the selection matches %d assets; an event filter takes at most %d", len(keys), maxFilterAssets)
		}
		f.AssetKeys = append(f.AssetKeys, parseKeys(keys)...)
	}
	f.RunID = deref(in.RunID)
	f.Partition = deref(in.Partition)
	if in.Since != nil {
		f.Since = *in.Since
	}
	if in.Until != nil {
		f.Until = *in.Until
	}
	return f, true, nil
}

// eventFromInput turns one reported event into the domain's.
func eventFromInput(in *gqlmodel.EventInput) (plumbline.Event, error) {
	t := plumbline.EventType(strings.ToUpper(strings.TrimSpace(in.Type)))
	if !t.Reportable() {
		names := make([]string, len(plumbline.ReportableEventTypes))
		for i, r := range plumbline.ReportableEventTypes {
			names[i] = string(r)
		}
		return plumbline.Event{}, invalid("event type %q cannot be reported; reportable types are %s", in.Type, strings.Join(names, ", "))
	}
	e := plumbline.Event{
		Type:        t,
		RunID:       deref(in.RunID),
		Partition:   deref(in.Partition),
		DataVersion: deref(in.DataVersion),
		Description: deref(in.Description),
		CheckName:   deref(in.CheckName),
		Passed:      in.Passed,
		Severity:    deref(in.Severity),
		Level:       deref(in.Level),
		Message:     deref(in.Message),
	}
	if in.AssetKey != nil {
		e.AssetKey = plumbline.AssetKey(in.AssetKey.Path)
		if e.AssetKey == nil {
			e.AssetKey = plumbline.AssetKey{}
		}
	}
	if in.Metadata.Err != nil {
		return plumbline.Event{}, in.Metadata.Err
	}
	e.Metadata = in.Metadata.Entries
	if in.Timestamp != nil {
		e.Timestamp = *in.Timestamp
		if e.Timestamp.After(time.Now().Add(24 * time.Hour)) {
			return plumbline.Event{}, invalid("timestamp %s is in the future", e.Timestamp.Format(time.RFC3339))
		}
	}
	return e, nil
}

func (r *Resolver) wrapAssets(ctx context.Context, assets []*plumbline.Asset) []*gqlmodel.Asset {
	l := r.loadersFor(ctx)
	out := make([]*gqlmodel.Asset, 0, len(assets))
	for _, a := range assets {
		if a == nil {
			continue
		}
		l.assets.Prime(a.Key.String(), a)
		out = append(out, &gqlmodel.Asset{A: a})
	}
	return out
}

// loadAssets loads assets by key, leaving out keys that do not exist.
func (r *Resolver) loadAssets(ctx context.Context, keys []plumbline.AssetKey) ([]*gqlmodel.Asset, error) {
	strs := make([]string, len(keys))
	for i, k := range keys {
		strs[i] = k.String()
	}
	as, err := r.loadersFor(ctx).assets.LoadAll(ctx, strs)
	if err != nil {
		return nil, err
	}
	out := make([]*gqlmodel.Asset, 0, len(as))
	for _, a := range as {
		if a != nil {
			out = append(out, &gqlmodel.Asset{A: a})
		}
	}
	return out, nil
}

// keysOnly reports whether fields ask nothing of assets but their keys (and __typename):
// the assets of a lineage walk or of the catalog graph, which exist by construction (asset
// rows are never deleted), can then be answered from their keys without being read.
func keysOnly(fields []graphql.CollectedField) bool {
	if len(fields) == 0 {
		return false // not in a response: a resolver called directly
	}
	for _, f := range fields {
		if f.Name != "key" && f.Name != "__typename" {
			return false
		}
	}
	return true
}

// keyAssets wraps keys as assets known only by their keys: for selections of keysOnly.
func keyAssets(keys []plumbline.AssetKey) []*gqlmodel.Asset {
	assets := make([]plumbline.Asset, len(keys))
	out := make([]*gqlmodel.Asset, len(keys))
	for i, k := range keys {
		assets[i].Key = k
		out[i] = &gqlmodel.Asset{A: &assets[i]}
	}
	return out
}

// assetsOf loads the assets of keys for fields, or only wraps the keys when fields ask
// nothing else; then prefetches what the fields ask of them.
func (r *Resolver) assetsOf(ctx context.Context, keys []plumbline.AssetKey, fields []graphql.CollectedField) ([]*gqlmodel.Asset, error) {
	if keysOnly(fields) {
		return keyAssets(keys), nil
	}
	assets, err := r.loadAssets(ctx, keys)
	if err != nil {
		return nil, err
	}
	r.prefetch(ctx, assets, fields)
	return assets, nil
}

// Nested lists (each asset's upstream, each edge's node) are resolved one list at a
// time, so their batch resolvers would cost a query per list. The resolvers that return
// assets therefore look ahead at what is asked of them and load it for all at once;
// the nested resolvers then find it in the loaders' cache.

// selected returns the fields selected under the current field, following a path of
// field names (none: the current field's own selection).
func selected(ctx context.Context, path ...string) []graphql.CollectedField {
	if graphql.GetFieldContext(ctx) == nil {
		return nil
	}
	fields := graphql.CollectFieldsCtx(ctx, nil)
	for _, name := range path {
		var next []graphql.CollectedField
		for _, f := range fields {
			if f.Name == name {
				next = append(next, graphql.CollectFields(graphql.GetOperationContext(ctx), f.Selections, nil)...)
			}
		}
		fields = next
	}
	return fields
}

// prefetch loads what fields ask of assets, for all of them at once.
func (r *Resolver) prefetch(ctx context.Context, assets []*gqlmodel.Asset, fields []graphql.CollectedField) {
	if len(assets) == 0 || len(fields) == 0 {
		return
	}
	l := r.loadersFor(ctx)
	keys := make([]string, len(assets))
	for i, a := range assets {
		keys[i] = a.A.Key.String()
	}
	var (
		ids  []int64
		wg   sync.WaitGroup
		done = map[string]bool{}
	)
	load := func(name string, f func()) {
		if done[name] {
			return
		}
		done[name] = true
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	for _, f := range fields {
		switch f.Name {
		case "latestMaterialization", "latestObservation", "latestFailure":
			if len(f.Arguments) > 0 {
				continue // a partition's latest: read per batch
			}
			for _, a := range assets {
				switch f.Name {
				case "latestMaterialization":
					ids = append(ids, a.A.LatestMaterializationID)
				case "latestObservation":
					ids = append(ids, a.A.LatestObservationID)
				default:
					ids = append(ids, a.A.LatestFailureID)
				}
			}
		case "checks", "checkStatus":
			evaluations := false
			if f.Name == "checks" {
				for _, c := range graphql.CollectFields(graphql.GetOperationContext(ctx), f.Selections, nil) {
					evaluations = evaluations || c.Name == "latestEvaluation"
				}
			}
			load(f.Name, func() {
				lists, err := l.checks.LoadAll(ctx, keys)
				if err != nil || !evaluations {
					return
				}
				var evalIDs []int64
				for _, cs := range lists {
					for _, c := range cs {
						evalIDs = append(evalIDs, c.LastEvaluationID)
					}
				}
				_, _ = r.loadEvents(ctx, evalIDs)
			})
		case "upstream":
			load(f.Name, func() { _, _ = l.parents.LoadAll(ctx, keys) })
		case "downstream":
			load(f.Name, func() { _, _ = l.children.LoadAll(ctx, keys) })
		}
	}
	if len(ids) > 0 {
		load("events", func() { _, _ = r.loadEvents(ctx, ids) })
	}
	wg.Wait()
}

// neighbours resolves upstream or downstream for a batch of assets.
func (r *Resolver) neighbours(ctx context.Context, objs []*gqlmodel.Asset, dir plumbline.LineageDirection) ([][]*gqlmodel.Asset, error) {
	l := r.loadersFor(ctx)
	loader := l.parents
	if dir == plumbline.Downstream {
		loader = l.children
	}
	keys := make([]string, len(objs))
	for i, o := range objs {
		keys[i] = o.A.Key.String()
	}
	lists, err := loader.LoadAll(ctx, keys)
	if err != nil {
		return nil, err
	}
	var all []plumbline.AssetKey
	for _, ks := range lists {
		all = append(all, ks...)
	}
	fields := selected(ctx)
	if keysOnly(fields) {
		out := make([][]*gqlmodel.Asset, len(objs))
		for i, ks := range lists {
			out[i] = keyAssets(ks)
		}
		return out, nil
	}
	assets, err := r.loadAssets(ctx, all)
	if err != nil {
		return nil, err
	}
	byKey := make(map[string]*gqlmodel.Asset, len(assets))
	for _, a := range assets {
		byKey[a.A.Key.String()] = a
	}
	r.prefetch(ctx, assets, fields)
	out := make([][]*gqlmodel.Asset, len(objs))
	for i, ks := range lists {
		out[i] = make([]*gqlmodel.Asset, 0, len(ks))
		for _, k := range ks {
			if a := byKey[k.String()]; a != nil {
				out[i] = append(out[i], a)
			}
		}
	}
	return out, nil
}

// latest resolves a latest-event field for a batch of assets: from the asset's own
// pointer, or from the named partition's.
func (r *Resolver) latest(ctx context.Context, objs []*gqlmodel.Asset, partition *string, pick func(*plumbline.Asset) int64, pickPart func(plumbline.PartitionState) int64) ([]*gqlmodel.Event, error) {
	ids := make([]int64, len(objs))
	if partition == nil {
		for i, o := range objs {
			ids[i] = pick(o.A)
		}
	} else {
		keys := make([]plumbline.AssetKey, len(objs))
		for i, o := range objs {
			keys[i] = o.A.Key
		}
		states, err := r.Catalog.PartitionStates(ctx, keys, *partition)
		if err != nil {
			return nil, err
		}
		for i, o := range objs {
			if st, ok := states[o.A.Key.String()]; ok {
				ids[i] = pickPart(st)
			}
		}
	}
	return r.eventsByID(ctx, ids)
}

func (r *Resolver) eventsByID(ctx context.Context, ids []int64) ([]*gqlmodel.Event, error) {
	evs, err := r.loadEvents(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*gqlmodel.Event, len(evs))
	for i, e := range evs {
		if e != nil {
			out[i] = &gqlmodel.Event{E: e}
		}
	}
	return out, nil
}

func (r *Resolver) checks(ctx context.Context, objs []*gqlmodel.Asset) ([][]plumbline.CheckState, error) {
	keys := make([]string, len(objs))
	for i, o := range objs {
		keys[i] = o.A.Key.String()
	}
	return r.loadersFor(ctx).checks.LoadAll(ctx, keys)
}

// worstStatus summarizes an asset's checks: FAILED if any failed, else WARNING if any
// warned, else PASSED if any passed, else NOT_EVALUATED.
func worstStatus(checks []plumbline.CheckState) string {
	rank := map[string]int{plumbline.CheckNotEvaluated: 0, plumbline.CheckPassed: 1, plumbline.CheckWarning: 2, plumbline.CheckFailed: 3}
	worst := plumbline.CheckNotEvaluated
	for i := range checks {
		if s := checks[i].Status(); rank[s] > rank[worst] {
			worst = s
		}
	}
	return worst
}

func keyList(keys []plumbline.AssetKey) []plumbline.AssetKey {
	if keys == nil {
		return []plumbline.AssetKey{}
	}
	return keys
}

// maxOutput is the most captured output one stdout or stderr field returns.
const maxOutput = 1 << 20

func (r *Resolver) output(ctx context.Context, runID, stream string, offset *int) (string, error) {
	off := 0
	if offset != nil {
		off = *offset
	}
	if off < 0 {
		return "", invalid("offset must not be negative, got %d", off)
	}
	b, _, err := r.RunStore.Output(ctx, runID, stream, int64(off), maxOutput)
	if err != nil {
		return "", err
	}
	return strings.ToValidUTF8(string(b), "\uFFFD"), nil
}

// runConnection pages runs newest first; the cursor is a run's sequence number.
func (r *Resolver) runConnection(ctx context.Context, f plumbline.RunFilter, first *int, after *string) (*model.RunConnection, error) {
	n, err := pageSize(first, defaultPage, maxPage)
	if err != nil {
		return nil, err
	}
	before, err := storageID(after)
	if err != nil {
		return nil, err
	}
	runs, err := r.RunStore.Runs(ctx, f, before, n+1)
	if err != nil {
		return nil, err
	}
	hasNext := len(runs) > n
	if hasNext {
		runs = runs[:n]
	}
	c := &model.RunConnection{Nodes: make([]*gqlmodel.Run, len(runs)), Edges: make([]*model.RunEdge, len(runs)),
		PageInfo: &model.PageInfo{HasNextPage: hasNext}}
	for i, run := range runs {
		c.Nodes[i] = &gqlmodel.Run{R: run}
		c.Edges[i] = &model.RunEdge{Cursor: idString(run.Seq), Node: c.Nodes[i]}
	}
	if len(runs) > 0 {
		start, end := idString(runs[0].Seq), idString(runs[len(runs)-1].Seq)
		c.PageInfo.StartCursor, c.PageInfo.EndCursor = &start, &end
	}
	return c, nil
}

// assetPageResult is one page of the assets query.
type assetPageResult struct {
	assets  []*plumbline.Asset
	hasNext bool
	total   int
	offset  int // of the first asset, when paging by offset; -1 when paging by key
}

// cursor of the i-th asset of the page: its key in key order, an offset otherwise.
func (p *assetPageResult) cursor(i int, a *plumbline.Asset) string {
	if p.offset < 0 {
		return a.Key.String()
	}
	return offsetCursor(p.offset + i + 1)
}

func offsetCursor(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(n)))
}

func parseOffsetCursor(s string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	rest, ok := strings.CutPrefix(string(b), "offset:")
	n, err2 := strconv.Atoi(rest)
	if err != nil || !ok || err2 != nil || n < 0 {
		return 0, invalid("cursor %q is not a cursor of this order of assets", s)
	}
	return n, nil
}

// assetPage reads a page of assets. In key order it pages by key, so pages stay right
// while assets are added; in other orders it sorts the selection and pages by offset.
func (r *Resolver) assetPage(ctx context.Context, sel string, n int, after *string, order model.AssetOrder, desc bool) (*assetPageResult, error) {
	p := &assetPageResult{offset: -1}
	var err error
	if order == model.AssetOrderKey && !desc {
		if sel == "" {
			if p.assets, err = r.Catalog.ListAssets(ctx, deref(after), n+1); err != nil {
				return nil, err
			}
			if p.hasNext = len(p.assets) > n; p.hasNext {
				p.assets = p.assets[:n]
			}
			if requested(ctx, "totalCount") {
				if p.total, err = r.Catalog.CountAssets(ctx); err != nil {
					return nil, err
				}
			}
			return p, nil
		}
		keys, err := r.selectKeys(ctx, sel)
		if err != nil {
			return nil, err
		}
		start := 0
		if after != nil {
			start = sort.SearchStrings(keys, *after)
			if start < len(keys) && keys[start] == *after {
				start++
			}
		}
		end := min(start+n, len(keys))
		p.total, p.hasNext = len(keys), end < len(keys)
		p.assets, err = r.Catalog.AssetsByKey(ctx, parseKeys(keys[start:end]))
		return p, err
	}

	g, err := r.Catalog.Graph(ctx)
	if err != nil {
		return nil, err
	}
	var keys []string
	if sel != "" {
		if keys, err = r.selectKeys(ctx, sel); err != nil {
			return nil, err
		}
	} else {
		keys = make([]string, 0, len(g.Nodes))
		for k := range g.Nodes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
	}
	switch order {
	case model.AssetOrderKey:
		slices.Reverse(keys)
	case model.AssetOrderGroup:
		group := func(k string) string {
			if node := g.Nodes[k]; node != nil {
				return node.Group
			}
			return ""
		}
		sort.SliceStable(keys, func(i, j int) bool {
			gi, gj := group(keys[i]), group(keys[j])
			if gi != gj {
				return (gi < gj) != desc
			}
			return keys[i] < keys[j]
		})
	case model.AssetOrderLastMaterialization:
		ids, err := r.Catalog.LatestMaterializationIDs(ctx)
		if err != nil {
			return nil, err
		}
		sort.SliceStable(keys, func(i, j int) bool {
			a, b := ids[keys[i]], ids[keys[j]]
			switch {
			case a == b:
				return keys[i] < keys[j]
			case a == 0 || b == 0: // never materialized: last either way
				return b == 0
			case desc:
				return a > b
			default:
				return a < b
			}
		})
	}
	start := 0
	if after != nil {
		if start, err = parseOffsetCursor(*after); err != nil {
			return nil, err
		}
	}
	start = min(start, len(keys))
	end := min(start+n, len(keys))
	p.offset, p.total, p.hasNext = start, len(keys), end < len(keys)
	p.assets, err = r.Catalog.AssetsByKey(ctx, parseKeys(keys[start:end]))
	return p, err
}

// Graph sizes.
const (
	defaultGraphNodes = 10000
	maxGraphNodes     = 20000
)

// assetGraph returns the selected part of the catalog (its first limit assets in key
// order) and the dependencies among them.
func (r *Resolver) assetGraph(ctx context.Context, sel string, limit int) (*gqlmodel.AssetGraph, error) {
	g, err := r.Catalog.Graph(ctx)
	if err != nil {
		return nil, err
	}
	var keys []string
	if sel != "" {
		if keys, err = r.selectKeys(ctx, sel); err != nil {
			return nil, err
		}
	} else {
		keys = make([]string, 0, len(g.Nodes))
		for k := range g.Nodes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
	}
	out := &gqlmodel.AssetGraph{}
	if len(keys) > limit {
		keys, out.Truncated = keys[:limit], true
	}
	in := make(map[string]bool, len(keys))
	for _, k := range keys {
		in[k] = true
	}
	for _, k := range keys {
		key := g.Nodes[k].Key
		for _, parent := range g.Parents[k] {
			if in[parent] {
				out.Edges = append(out.Edges, &gqlmodel.LineageEdge{From: g.Nodes[parent].Key, To: key})
			}
		}
		out.Keys = append(out.Keys, key)
	}
	return out, nil
}
