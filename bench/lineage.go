package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/store"
)

// lineageSQL is the recursive CTE equivalent to lineage(key, direction: UPSTREAM, depth):
// the nodes reached within depth (each at its least distance) and the distinct edges into
// every node reached before the last layer — what the store's breadth-first walk returns.
// Rows are (0, node, ”) and (1, upstream, downstream).
const lineageSQL = `WITH RECURSIVE walk(key, depth) AS (
	SELECT %[1]s, 0
	UNION
	SELECT e.upstream, w.depth + 1 FROM walk w JOIN asset_edges e ON e.downstream = w.key WHERE w.depth < %[2]s
), nodes AS (
	SELECT key, MIN(depth) AS depth FROM walk GROUP BY key
)
SELECT 0 AS kind, key, '' AS other FROM nodes
UNION ALL
SELECT DISTINCT 1, e.upstream, e.downstream FROM nodes n JOIN asset_edges e ON e.downstream = n.key WHERE n.depth < %[2]s`

const lineageQuery = `query Lineage($key: AssetKeyInput!, $depth: Int!) {
  lineage(key: $key, direction: UPSTREAM, depth: $depth) { nodes { key { path } } edges { from { path } to { path } } truncated }
}`

type lineageResponse struct {
	Data struct {
		Lineage struct {
			Nodes []struct{ Key struct{ Path []string } }
			Edges []struct {
				From struct{ Path []string }
				To   struct{ Path []string }
			}
			Truncated bool
		}
	}
	Errors json.RawMessage
}

// lineage is benchmark 4: an upstream lineage walk over HTTP on a layered DAG of
// layers×width assets, vs. the equivalent recursive CTE run directly. Two walks from the
// same asset of the last layer: depth 5 (wide: hundreds of nodes) and depth 2 (narrow).
func (b *runner) lineage(ctx context.Context, db string) error {
	defs := b.dagDefs()
	d, err := b.load(ctx, db, "lineage", func(st *store.Store) error {
		_, err := st.ApplyDefinitions(ctx, "bench", defs)
		return err
	})
	if err != nil {
		return err
	}
	srv, err := b.serve(ctx, "lineage-"+db, d.dataDir, d.dbURL)
	if err != nil {
		return err
	}
	defer srv.Stop()
	if err := d.open(ctx); err != nil {
		return err
	}
	defer d.close()

	other, err := b.other(ctx, "lineage-"+db, d.dataDir, d.dbURL)
	if err != nil {
		return err
	}
	if other != nil {
		defer other.Stop()
	}
	root := dagKey(b.cfg.Layers-1, b.cfg.Width/2)
	hc := newHTTPClient(1)

	// The least a GraphQL request over HTTP costs here, for scale: { __typename }.
	var floorResp bytes.Buffer
	floor, err := latency(ctx, b.cfg.QueryDuration, 50, func(ctx context.Context) error {
		return post(ctx, hc, srv.URL+"/graphql", []byte(`{"query":"{ __typename }"}`), &floorResp)
	})
	if err != nil {
		return err
	}
	progress("GraphQL/HTTP floor on %s: { __typename } takes %.2f ms", db, floor*1000)
	b.note("lineage [%s]: the floor of a GraphQL request over HTTP ({ __typename }) measured %.2f ms", db, floor*1000)
	for _, walk := range []struct {
		name  string
		depth int
	}{{"wide", 5}, {"narrow", 2}} {
		q := fmt.Sprintf(lineageSQL, "$1::text COLLATE \"C\"", "$2")
		args := []any{root.String(), walk.depth}
		if db == "sqlite" {
			q = fmt.Sprintf(lineageSQL, "?1", "?2")
		}
		body, _ := json.Marshal(map[string]any{"query": lineageQuery,
			"variables": map[string]any{"key": map[string]any{"path": root}, "depth": walk.depth}})
		var resp bytes.Buffer
		query := func(srv *server) func(ctx context.Context) error {
			return func(ctx context.Context) error {
				if err := post(ctx, hc, srv.URL+"/graphql", body, &resp); err != nil {
					return err
				}
				if !bytes.HasPrefix(resp.Bytes(), []byte(`{"data":{"lineage":{"nodes":[`)) {
					return fmt.Errorf("lineage answered %.500s", resp.Bytes())
				}
				return nil
			}
		}
		candidate := query(srv)
		candidateOn := func(srv *server) side {
			return func(ctx context.Context) (float64, error) {
				return latency(ctx, b.cfg.QueryDuration, b.cfg.MinIters, query(srv))
			}
		}
		var (
			kind        int64
			key, down   string
			nodes       = map[string]bool{}
			edges       = map[[2]string]bool{}
			keep        bool
			nNode, nEdg int
		)
		baseline := func(ctx context.Context) error {
			nNode, nEdg = 0, 0
			return d.query(ctx, q, args, []any{&kind, &key, &down}, func() {
				if kind == 0 {
					nNode++
				} else {
					nEdg++
				}
				if keep {
					if kind == 0 {
						nodes[key] = true
					} else {
						edges[[2]string{key, down}] = true
					}
				}
			})
		}

		// Run each once and check they return the same nodes and edges.
		if err := candidate(ctx); err != nil {
			return err
		}
		var got lineageResponse
		if err := json.Unmarshal(resp.Bytes(), &got); err != nil {
			return fmt.Errorf("decode lineage response: %w", err)
		}
		keep = true
		if err := baseline(ctx); err != nil {
			return fmt.Errorf("baseline query: %w", err)
		}
		keep = false
		g := got.Data.Lineage
		if g.Truncated {
			return fmt.Errorf("the %s walk was truncated at %d nodes: pick a smaller graph or depth", walk.name, len(g.Nodes))
		}
		if len(g.Nodes) != len(nodes) || len(g.Edges) != len(edges) {
			return fmt.Errorf("%s walk: GraphQL %d nodes and %d edges, SQL %d and %d", walk.name, len(g.Nodes), len(g.Edges), len(nodes), len(edges))
		}
		for _, n := range g.Nodes {
			if k := plumbline.AssetKey(n.Key.Path).String(); !nodes[k] {
				return fmt.Errorf("%s walk: GraphQL has node %s, SQL does not", walk.name, k)
			}
		}
		for _, e := range g.Edges {
			if k := [2]string{plumbline.AssetKey(e.From.Path).String(), plumbline.AssetKey(e.To.Path).String()}; !edges[k] {
				return fmt.Errorf("%s walk: GraphQL has edge %s -> %s, SQL does not", walk.name, k[0], k[1])
			}
		}
		progress("GraphQL and SQL agree: %s walk, depth %d from %s: %d nodes, %d edges; response %d KB",
			walk.name, walk.depth, root, len(nodes), len(edges), resp.Len()/1024)
		b.compare(ctx, comparison{
			Name: fmt.Sprintf("4 lineage UPSTREAM depth %d (%s: %d nodes, %d edges)", walk.depth, walk.name, len(nodes), len(edges)),
			DB:   db, Latency: true, Target: 2, BaseLabel: "recursive CTE", CandLabel: "GraphQL/HTTP",
			Note: fmt.Sprintf("graph of %d layers × %d assets, 3–4 parents each in the layer above (%d assets)", b.cfg.Layers, b.cfg.Width, b.cfg.Layers*b.cfg.Width),
		}, b.ab(other, func(ctx context.Context) (float64, error) {
			return latency(ctx, b.cfg.QueryDuration, b.cfg.MinIters, baseline)
		}, candidateOn), b.perfRecord(srv, "lineage-"+walk.name+"-"+db, candidateOn(srv)))
		if walk.name == "wide" {
			progress("baseline plan (%s):\n%s", db, strings.TrimSpace(d.explain(ctx, q, args)))
		}
	}
	return nil
}

func (b *runner) dagDefs() *plumbline.Definitions { return layeredDAG(b.cfg.Layers, b.cfg.Width) }
