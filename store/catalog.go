package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/plumbline/plumbline"
)

// Asset returns one asset. See plumbline.Catalog.
func (s *Store) Asset(ctx context.Context, key plumbline.AssetKey) (*plumbline.Asset, error) {
	var row assetRow
	err := s.db.WithContext(ctx).Where("key = ?", key.String()).Take(&row).Error
	if err != nil {
		return nil, notFound(err, "asset %s does not exist", key)
	}
	return row.asset()
}

// AssetsByKey returns assets in the order asked, nil where missing. See plumbline.Catalog.
func (s *Store) AssetsByKey(ctx context.Context, keys []plumbline.AssetKey) ([]*plumbline.Asset, error) {
	strs := keyStrings(keys)
	byKey := make(map[string]*plumbline.Asset, len(keys))
	db := s.db.WithContext(ctx)
	err := inChunks(strs, func(chunk []string) error {
		var rows []assetRow
		if err := db.Where("key IN ?", chunk).Find(&rows).Error; err != nil {
			return err
		}
		for i := range rows {
			a, err := rows[i].asset()
			if err != nil {
				return err
			}
			byKey[rows[i].Key] = a
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read assets: %w", err)
	}
	out := make([]*plumbline.Asset, len(keys))
	for i, k := range strs {
		out[i] = byKey[k]
	}
	return out, nil
}

// ListAssets returns assets in key order after a key. See plumbline.Catalog.
func (s *Store) ListAssets(ctx context.Context, after string, limit int) ([]*plumbline.Asset, error) {
	var rows []assetRow
	q := s.db.WithContext(ctx).Order("key").Limit(limit)
	if after != "" {
		q = q.Where("key > ?", after)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list assets: %w", err)
	}
	out := make([]*plumbline.Asset, len(rows))
	for i := range rows {
		a, err := rows[i].asset()
		if err != nil {
			return nil, fmt.Errorf("list assets: %s: %w", rows[i].Key, err)
		}
		out[i] = a
	}
	return out, nil
}

// LatestMaterializationIDs returns every asset's latest materialization id. See
// plumbline.Catalog.
func (s *Store) LatestMaterializationIDs(ctx context.Context) (map[string]int64, error) {
	var rows []struct {
		Key string
		ID  *int64
	}
	if err := s.db.WithContext(ctx).Raw("SELECT key, last_materialization_id AS id FROM assets").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("read latest materializations: %w", err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.Key] = derefInt(r.ID)
	}
	return out, nil
}

// CountAssets returns how many assets the catalog has. See plumbline.Catalog.
func (s *Store) CountAssets(ctx context.Context) (int, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&assetRow{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count assets: %w", err)
	}
	return int(n), nil
}

// Checks returns each asset's checks sorted by name. See plumbline.Catalog.
func (s *Store) Checks(ctx context.Context, keys []plumbline.AssetKey) (map[string][]plumbline.CheckState, error) {
	out := make(map[string][]plumbline.CheckState, len(keys))
	db := s.db.WithContext(ctx)
	err := inChunks(keyStrings(keys), func(chunk []string) error {
		var rows []checkRow
		if err := db.Where("asset_key IN ?", chunk).Order("asset_key, name").Find(&rows).Error; err != nil {
			return err
		}
		for i := range rows {
			out[rows[i].AssetKey] = append(out[rows[i].AssetKey], rows[i].state())
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read checks: %w", err)
	}
	return out, nil
}

// Partitions returns an asset's partitions in order. See plumbline.Catalog.
func (s *Store) Partitions(ctx context.Context, key plumbline.AssetKey, after string, limit int) ([]plumbline.PartitionState, error) {
	var rows []partitionRow
	q := s.db.WithContext(ctx).Where("asset_key = ?", key.String()).Order("partition").Limit(limit)
	if after != "" {
		q = q.Where("partition > ?", after)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read partitions: %w", err)
	}
	out := make([]plumbline.PartitionState, len(rows))
	for i, r := range rows {
		out[i] = plumbline.PartitionState{Partition: r.Partition, LatestMaterializationID: derefInt(r.LastMaterializationID), LatestObservationID: derefInt(r.LastObservationID)}
	}
	return out, nil
}

// PartitionStates returns one partition's latest events per asset. See plumbline.Catalog.
func (s *Store) PartitionStates(ctx context.Context, keys []plumbline.AssetKey, partition string) (map[string]plumbline.PartitionState, error) {
	out := map[string]plumbline.PartitionState{}
	db := s.db.WithContext(ctx)
	err := inChunks(keyStrings(keys), func(chunk []string) error {
		var rows []partitionRow
		if err := db.Where("asset_key IN ? AND partition = ?", chunk, partition).Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			out[r.AssetKey] = plumbline.PartitionState{Partition: r.Partition, LatestMaterializationID: derefInt(r.LastMaterializationID), LatestObservationID: derefInt(r.LastObservationID)}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read partitions: %w", err)
	}
	return out, nil
}

// CheckEvaluations returns a check's evaluations, newest first. See plumbline.Catalog.
func (s *Store) CheckEvaluations(ctx context.Context, key plumbline.AssetKey, name string, before int64, limit int) ([]plumbline.Event, error) {
	var rows []eventRow
	q := s.db.WithContext(ctx).
		Where("asset_key = ? AND check_name = ? AND type = ?", key.String(), name, string(plumbline.AssetCheckEvaluation)).
		Order("id DESC").Limit(limit)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read check evaluations: %w", err)
	}
	return toEvents(rows), nil
}

// Neighbours returns direct parents or children of each asset. See plumbline.Catalog.
func (s *Store) Neighbours(ctx context.Context, keys []plumbline.AssetKey, dir plumbline.LineageDirection) (map[string][]plumbline.AssetKey, error) {
	adj, err := s.adjacent(ctx, keyStrings(keys), dir)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]plumbline.AssetKey, len(adj))
	for k, ns := range adj {
		sort.Strings(ns)
		ks := make([]plumbline.AssetKey, len(ns))
		for i, n := range ns {
			ks[i] = parseStoredKey(n)
		}
		out[k] = ks
	}
	return out, nil
}

// adjacent returns the distinct parents (UPSTREAM) or children (DOWNSTREAM) of keys.
func (s *Store) adjacent(ctx context.Context, keys []string, dir plumbline.LineageDirection) (map[string][]string, error) {
	from, to := "downstream", "upstream"
	if dir == plumbline.Downstream {
		from, to = "upstream", "downstream"
	}
	out := map[string][]string{}
	db := s.db.WithContext(ctx)
	err := inChunks(keys, func(chunk []string) error {
		var rows []struct{ A, B string }
		q := "SELECT DISTINCT " + from + " AS a, " + to + " AS b FROM asset_edges WHERE " + from + " IN ?"
		if err := db.Raw(q, chunk).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			out[r.A] = append(out[r.A], r.B)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read dependencies: %w", err)
	}
	return out, nil
}

// Lineage walks the dependency graph breadth first, one query per layer. See
// plumbline.Catalog.
func (s *Store) Lineage(ctx context.Context, key plumbline.AssetKey, dir plumbline.LineageDirection, depth, limit int) (*plumbline.LineageGraph, error) {
	if _, err := s.Asset(ctx, key); err != nil {
		return nil, err
	}
	root := key.String()
	g := &plumbline.LineageGraph{Nodes: []plumbline.AssetKey{key}, Depths: []int{0}}
	seen := map[string]bool{root: true}
	edgeSeen := map[[2]string]bool{}
	dirs := []plumbline.LineageDirection{dir}
	if dir == plumbline.Both {
		dirs = []plumbline.LineageDirection{plumbline.Upstream, plumbline.Downstream}
	}
	for _, d := range dirs {
		frontier := []string{root}
		for level := 1; level <= depth && len(frontier) > 0 && !g.Truncated; level++ {
			adj, err := s.adjacent(ctx, frontier, d)
			if err != nil {
				return nil, err
			}
			var next []string
			for _, k := range frontier {
				ns := adj[k]
				sort.Strings(ns)
				for _, n := range ns {
					if !seen[n] {
						if len(g.Nodes) >= limit {
							g.Truncated = true
							continue
						}
						seen[n] = true
						next = append(next, n)
						g.Nodes = append(g.Nodes, parseStoredKey(n))
						g.Depths = append(g.Depths, level)
					}
					e := [2]string{n, k} // upstream, downstream
					if d == plumbline.Downstream {
						e = [2]string{k, n}
					}
					if seen[n] && !edgeSeen[e] {
						edgeSeen[e] = true
						g.Edges = append(g.Edges, plumbline.Edge{From: parseStoredKey(e[0]), To: parseStoredKey(e[1])})
					}
				}
			}
			frontier = next
		}
	}
	return g, nil
}

// CatalogVersion returns a number that changes whenever assets, specs or dependencies do.
func (s *Store) CatalogVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.db.WithContext(ctx).Raw("SELECT version FROM catalog_state WHERE id = 1").Scan(&v).Error; err != nil {
		return 0, fmt.Errorf("read catalog version: %w", err)
	}
	return v, nil
}

// Graph returns a snapshot of the catalog, cached until the catalog version changes. See
// plumbline.Catalog.
func (s *Store) Graph(ctx context.Context) (*plumbline.AssetGraph, error) {
	v, err := s.CatalogVersion(ctx)
	if err != nil {
		return nil, err
	}
	s.graphMu.Lock()
	defer s.graphMu.Unlock()
	if s.graph != nil && s.graph.Version == v {
		return s.graph, nil
	}
	g, err := s.loadGraph(ctx)
	if err != nil {
		return nil, err
	}
	s.graph = g
	return g, nil
}

func (s *Store) loadGraph(ctx context.Context) (*plumbline.AssetGraph, error) {
	db := s.db.WithContext(ctx)
	// Read the version first: a change that lands while loading makes the next call
	// reload, never the reverse.
	v, err := s.CatalogVersion(ctx)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		Key       string
		Location  string
		GroupName *string
		Owners    *string
		Kinds     *string
		Tags      *string
		Declared  bool
	}
	err = db.Raw("SELECT key, location, group_name, owners, kinds, tags, spec IS NOT NULL AS declared FROM assets").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("load catalog: %w", err)
	}
	g := &plumbline.AssetGraph{
		Version:  v,
		Nodes:    make(map[string]*plumbline.GraphNode, len(rows)),
		Parents:  map[string][]string{},
		Children: map[string][]string{},
	}
	for _, r := range rows {
		n := &plumbline.GraphNode{Key: parseStoredKey(r.Key), Group: deref(r.GroupName), Declared: r.Declared, Location: r.Location}
		if r.Owners != nil {
			_ = json.Unmarshal([]byte(*r.Owners), &n.Owners)
		}
		if r.Kinds != nil {
			_ = json.Unmarshal([]byte(*r.Kinds), &n.Kinds)
		}
		if r.Tags != nil {
			_ = json.Unmarshal([]byte(*r.Tags), &n.Tags)
		}
		g.Nodes[r.Key] = n
	}
	var edges []struct{ Upstream, Downstream string }
	if err := db.Raw("SELECT DISTINCT upstream, downstream FROM asset_edges").Scan(&edges).Error; err != nil {
		return nil, fmt.Errorf("load dependencies: %w", err)
	}
	for _, e := range edges {
		g.Parents[e.Downstream] = append(g.Parents[e.Downstream], e.Upstream)
		g.Children[e.Upstream] = append(g.Children[e.Upstream], e.Downstream)
	}
	for _, m := range []map[string][]string{g.Parents, g.Children} {
		for _, ns := range m {
			sort.Strings(ns)
		}
	}
	return g, nil
}
