package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/plumbline/plumbline"
)

// Asset returns one asset. See plumbline.Catalog.
func (s *Store) Asset(ctx context.Context, key plumbline.AssetKey) (*plumbline.Asset, error) {
	as, err := s.AssetsByKey(ctx, []plumbline.AssetKey{key})
	if err != nil {
		return nil, err
	}
	if as[0] == nil {
		return nil, plumbline.Errorf(plumbline.ENOTFOUND, "asset %s does not exist", key)
	}
	return as[0], nil
}

// AssetsByKey returns assets in the order asked, nil where missing. See plumbline.Catalog.
func (s *Store) AssetsByKey(ctx context.Context, keys []plumbline.AssetKey) ([]*plumbline.Asset, error) {
	strs := keyStrings(keys)
	out := make([]*plumbline.Asset, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	a := &sqlArgs{s: s}
	var q string
	if len(strs) == 1 {
		q = "SELECT " + assetSelect + " FROM assets WHERE key = " + a.add(strs[0])
	} else {
		q = "SELECT " + assetSelect + " FROM assets WHERE " + a.in("key", strs)
	}
	rows, err := s.query(ctx, q, a.args...)
	if err != nil {
		return nil, fmt.Errorf("read assets: %w", err)
	}
	byKey := make(map[string]*plumbline.Asset, len(keys))
	if err := s.scanAssets(rows, func(k string, asset *plumbline.Asset) { byKey[k] = asset }); err != nil {
		return nil, fmt.Errorf("read assets: %w", err)
	}
	for i, k := range strs {
		out[i] = byKey[k]
	}
	return out, nil
}

// ListAssets returns assets in key order after a key. See plumbline.Catalog.
func (s *Store) ListAssets(ctx context.Context, after string, limit int) ([]*plumbline.Asset, error) {
	a := &sqlArgs{s: s}
	q := "SELECT " + assetSelect + " FROM assets"
	if after != "" {
		q += " WHERE key > " + a.add(after)
	}
	q += " ORDER BY key LIMIT " + a.add(limit)
	rows, err := s.query(ctx, q, a.args...)
	if err != nil {
		return nil, fmt.Errorf("list assets: %w", err)
	}
	out := make([]*plumbline.Asset, 0, min(limit, 10000))
	if err := s.scanAssets(rows, func(_ string, asset *plumbline.Asset) { out = append(out, asset) }); err != nil {
		return nil, fmt.Errorf("list assets: %w", err)
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
	if len(keys) == 0 {
		return out, nil
	}
	a := &sqlArgs{s: s}
	q := "SELECT " + checkSelect + " FROM asset_checks WHERE " + a.in("asset_key", keyStrings(keys)) + " ORDER BY asset_key, name"
	rows, err := s.query(ctx, q, a.args...)
	if err == nil {
		err = s.scanChecks(rows, func(key string, c plumbline.CheckState) { out[key] = append(out[key], c) })
	}
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
	if len(keys) == 0 {
		return out, nil
	}
	a := &sqlArgs{s: s}
	q := "SELECT asset_key, last_materialization_id, last_observation_id FROM asset_partitions WHERE " +
		a.in("asset_key", keyStrings(keys)) + " AND partition = " + a.add(partition)
	rows, err := s.query(ctx, q, a.args...)
	if err != nil {
		return nil, fmt.Errorf("read partitions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			key      string
			mat, obs sql.NullInt64
		)
		if err := rows.Scan(&key, &mat, &obs); err != nil {
			return nil, fmt.Errorf("read partitions: %w", err)
		}
		out[key] = plumbline.PartitionState{Partition: partition, LatestMaterializationID: mat.Int64, LatestObservationID: obs.Int64}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read partitions: %w", err)
	}
	return out, nil
}

// CheckEvaluations returns a check's evaluations, newest first. See plumbline.Catalog.
func (s *Store) CheckEvaluations(ctx context.Context, key plumbline.AssetKey, name string, before int64, limit int) ([]plumbline.Event, error) {
	a := &sqlArgs{s: s}
	index := ""
	if !s.postgres {
		index = " INDEXED BY event_log_asset_check" // see indexFor
	}
	q := "SELECT " + eventSelect + " FROM event_log" + index + " WHERE asset_key = " + a.add(key.String()) + " AND check_name = " + a.add(name) +
		" AND type = " + a.add(string(plumbline.AssetCheckEvaluation))
	if before > 0 {
		q += " AND id < " + a.add(before)
	}
	q += " ORDER BY id DESC LIMIT " + a.add(limit)
	evs, err := s.queryEvents(ctx, q, a.args...)
	if err != nil {
		return nil, fmt.Errorf("read check evaluations: %w", err)
	}
	return evs, nil
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
	if len(keys) == 0 {
		return out, nil
	}
	a := &sqlArgs{s: s}
	q := "SELECT DISTINCT " + from + ", " + to + " FROM asset_edges WHERE " + a.in(from, keys)
	rows, err := s.query(ctx, q, a.args...)
	if err != nil {
		return nil, fmt.Errorf("read dependencies: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, n string
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("read dependencies: %w", err)
		}
		out[k] = append(out[k], n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read dependencies: %w", err)
	}
	return out, nil
}

// Lineage walks the dependency graph breadth first, on the catalog snapshot (see Graph):
// one query, for the catalog's version. See plumbline.Catalog.
func (s *Store) Lineage(ctx context.Context, key plumbline.AssetKey, dir plumbline.LineageDirection, depth, limit int) (*plumbline.LineageGraph, error) {
	snap, err := s.Graph(ctx)
	if err != nil {
		return nil, err
	}
	root := key.String()
	if snap.Nodes[root] == nil {
		return nil, plumbline.Errorf(plumbline.ENOTFOUND, "asset %s does not exist", key)
	}
	nodeKey := func(k string) plumbline.AssetKey {
		if n := snap.Nodes[k]; n != nil {
			return n.Key
		}
		return parseStoredKey(k) // an edge to an asset with no row: not written by this store
	}
	g := &plumbline.LineageGraph{Nodes: []plumbline.AssetKey{key}, Depths: []int{0}}
	seen := map[string]bool{root: true}
	edgeSeen := map[[2]string]bool{}
	dirs := []plumbline.LineageDirection{dir}
	if dir == plumbline.Both {
		dirs = []plumbline.LineageDirection{plumbline.Upstream, plumbline.Downstream}
	}
	for _, d := range dirs {
		adj := snap.Parents
		if d == plumbline.Downstream {
			adj = snap.Children
		}
		frontier := []string{root}
		for level := 1; level <= depth && len(frontier) > 0 && !g.Truncated; level++ {
			var next []string
			for _, k := range frontier {
				for _, n := range adj[k] { // sorted and distinct
					if !seen[n] {
						if len(g.Nodes) >= limit {
							g.Truncated = true
							continue
						}
						seen[n] = true
						next = append(next, n)
						g.Nodes = append(g.Nodes, nodeKey(n))
						g.Depths = append(g.Depths, level)
					}
					e := [2]string{n, k} // upstream, downstream
					if d == plumbline.Downstream {
						e = [2]string{k, n}
					}
					if seen[n] && !edgeSeen[e] {
						edgeSeen[e] = true
						g.Edges = append(g.Edges, plumbline.Edge{From: nodeKey(e[0]), To: nodeKey(e[1])})
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
	// Read the version first: a change that lands while loading makes the next call
	// reload, never the reverse.
	v, err := s.CatalogVersion(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, "SELECT key, location, group_name, owners, kinds, tags, spec IS NOT NULL FROM assets")
	if err != nil {
		return nil, fmt.Errorf("load catalog: %w", err)
	}
	g := &plumbline.AssetGraph{
		Version:  v,
		Nodes:    map[string]*plumbline.GraphNode{},
		Parents:  map[string][]string{},
		Children: map[string][]string{},
	}
	err = func() error {
		defer rows.Close()
		var (
			key, location              string
			group, owners, kinds, tags sql.NullString
			declared                   bool
		)
		for rows.Next() {
			if err := rows.Scan(&key, &location, &group, &owners, &kinds, &tags, &declared); err != nil {
				return err
			}
			n := &plumbline.GraphNode{Key: parseStoredKey(key), Group: group.String, Declared: declared, Location: location}
			if owners.Valid {
				_ = json.Unmarshal([]byte(owners.String), &n.Owners)
			}
			if kinds.Valid {
				_ = json.Unmarshal([]byte(kinds.String), &n.Kinds)
			}
			if tags.Valid {
				_ = json.Unmarshal([]byte(tags.String), &n.Tags)
			}
			g.Nodes[key] = n
		}
		return rows.Err()
	}()
	if err != nil {
		return nil, fmt.Errorf("load catalog: %w", err)
	}
	rows, err = s.query(ctx, "SELECT DISTINCT upstream, downstream FROM asset_edges")
	if err != nil {
		return nil, fmt.Errorf("load dependencies: %w", err)
	}
	err = func() error {
		defer rows.Close()
		var up, down string
		for rows.Next() {
			if err := rows.Scan(&up, &down); err != nil {
				return err
			}
			g.Parents[down] = append(g.Parents[down], up)
			g.Children[up] = append(g.Children[up], down)
		}
		return rows.Err()
	}()
	if err != nil {
		return nil, fmt.Errorf("load dependencies: %w", err)
	}
	for _, m := range []map[string][]string{g.Parents, g.Children} {
		for _, ns := range m {
			sort.Strings(ns)
		}
	}
	return g, nil
}
