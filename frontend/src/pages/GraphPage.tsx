// The home page: the asset graph, narrowed by a selection typed in the search box, or
// focused on one asset and N layers around it; groups collapse; nodes change colour as
// assetUpdated reports new states.
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react'
import { ErrorBox, Empty, Loading } from '../components/States.tsx'
import { searchToSelection } from '../format.ts'
import { graphql } from '../gql'
import type { GraphAssetFragment } from '../gql/graphql.ts'
import { GraphView } from '../graph/GraphView.tsx'
import { COLLAPSE_GROUPS_ABOVE, focusSelection, groupOf, mergeAsset } from '../graph/model.ts'
import { useLive } from '../live.ts'
import { useSearchParams, useSlashToFocus } from '../router.tsx'
import { useQuery } from '../useQuery.ts'

/**
 * The most assets one graph shows: the API's default limit. (Its maximum, 20,000, puts a
 * query for this many nodes with their state over the complexity limit.)
 */
export const GRAPH_LIMIT = 10000

export const AssetGraphQuery = graphql(`
  query AssetGraph($selection: String, $limit: Int) {
    assetGraph(selection: $selection, limit: $limit) {
      nodes {
        ...GraphAsset
      }
      edges {
        from {
          string
        }
        to {
          string
        }
      }
      truncated
    }
  }
`)

export const GraphAssetUpdatedSubscription = graphql(`
  subscription GraphAssetUpdated($selection: String) {
    assetUpdated(selection: $selection) {
      ...GraphAsset
    }
  }
`)

export const DefinitionsAppliedSubscription = graphql(`
  subscription DefinitionsApplied {
    events(filter: { types: ["DEFINITIONS_APPLIED"] }) {
      storageId
    }
  }
`)

const DEPTHS = [1, 2, 3, 4, 5]

export function GraphPage() {
  const [params, setParams] = useSearchParams()
  const q = params.get('q') ?? ''
  const focus = params.get('focus')
  const depth = Math.min(9, Math.max(1, Number(params.get('depth')) || 2))
  const selection = focus ? focusSelection(focus, depth) : searchToSelection(q)

  const result = useQuery(AssetGraphQuery, { selection: selection || null, limit: GRAPH_LIMIT }, { keepPrevious: true })
  const { refetch, setData } = result
  const graph = result.data?.assetGraph

  // Live: apply each asset's new state; an asset not drawn yet (or new definitions)
  // changes the graph's shape, so it is loaded again.
  const refetchSoon = useRef<ReturnType<typeof setTimeout> | null>(null)
  const scheduleRefetch = useCallback(() => {
    if (refetchSoon.current !== null) return
    refetchSoon.current = setTimeout(() => {
      refetchSoon.current = null
      refetch()
    }, 300)
  }, [refetch])
  // The keys drawn, and updates that arrived before the graph had loaded (the subscription
  // starts with the query, so that no change falls between the two).
  const drawn = useRef<ReadonlySet<string>>(new Set())
  const early = useRef(new Map<string, GraphAssetFragment>())
  useEffect(() => {
    drawn.current = new Set((graph?.nodes ?? []).map((n) => n.key.string))
  }, [graph?.nodes])
  const apply = useCallback(
    (updates: GraphAssetFragment[]) =>
      setData((d) => {
        let nodes = d.assetGraph.nodes
        for (const update of updates) {
          const i = nodes.findIndex((n) => n.key.string === update.key.string)
          if (i < 0) continue
          const merged = mergeAsset(nodes[i], update)
          if (merged === nodes[i]) continue
          if (nodes === d.assetGraph.nodes) nodes = nodes.slice()
          nodes[i] = merged
        }
        return nodes === d.assetGraph.nodes ? d : { assetGraph: { ...d.assetGraph, nodes } }
      }),
    [setData],
  )
  const loaded = graph !== undefined
  useEffect(() => {
    if (!loaded || early.current.size === 0) return
    const updates = [...early.current.values()]
    early.current.clear()
    apply(updates)
    if (updates.some((u) => !drawn.current.has(u.key.string))) scheduleRefetch()
  }, [loaded, apply, scheduleRefetch])
  const onUpdate = useCallback(
    (data: { assetUpdated: GraphAssetFragment }) => {
      const update = data.assetUpdated
      if (!loaded) {
        early.current.set(update.key.string, update)
        return
      }
      if (drawn.current.has(update.key.string)) apply([update])
      else scheduleRefetch()
    },
    [loaded, apply, scheduleRefetch],
  )
  const live = useLive(GraphAssetUpdatedSubscription, { selection: selection || null }, onUpdate, { onResync: refetch })
  useLive(DefinitionsAppliedSubscription, {}, scheduleRefetch, { enabled: graph !== undefined })

  // Groups: all collapsed in large graphs, else all expanded; each can be toggled.
  const groupsParam = params.get('groups')
  const allCollapsed = groupsParam === 'collapsed' || (groupsParam !== 'expanded' && (graph?.nodes.length ?? 0) > COLLAPSE_GROUPS_ABOVE)
  const [toggled, setToggled] = useState<ReadonlySet<string>>(new Set())
  const groupNames = useMemo(() => new Set((graph?.nodes ?? []).map(groupOf)), [graph?.nodes])
  const collapsed = useMemo(() => {
    const s = new Set<string>()
    for (const g of groupNames) if (allCollapsed !== toggled.has(g)) s.add(g)
    return s
  }, [groupNames, allCollapsed, toggled])
  const onToggleGroup = useCallback((g: string) => {
    setToggled((t) => {
      const n = new Set(t)
      if (!n.delete(g)) n.add(g)
      return n
    })
  }, [])
  const setAll = (mode: 'collapsed' | 'expanded') => {
    setToggled(new Set())
    setParams({ groups: mode })
  }

  const onFocus = useCallback((key: string) => setParams({ focus: key, q: null }, { push: true }), [setParams])
  const edges = useMemo(() => (graph?.edges ?? []).map((e) => ({ from: e.from.string, to: e.to.string })), [graph?.edges])

  // The search box.
  const input = useRef<HTMLInputElement>(null)
  useSlashToFocus(input)
  const [text, setText] = useState(q)
  const [lastQ, setLastQ] = useState(q)
  if (q !== lastQ) {
    setLastQ(q)
    setText(q)
  }
  const submit = (e: FormEvent) => {
    e.preventDefault()
    setParams({ q: text.trim(), focus: null }, { push: true })
  }

  return (
    <section aria-labelledby="page-title" className="graph-page">
      <div className="page-header">
        <h1 id="page-title">Asset graph</h1>
        <p className="muted" data-testid="graph-count" aria-live="polite">
          {graph &&
            `${graph.nodes.length.toLocaleString('en-US')} asset${graph.nodes.length === 1 ? '' : 's'} · ${graph.edges.length.toLocaleString('en-US')} edge${graph.edges.length === 1 ? '' : 's'}`}
          {live.status === 'reconnecting' && ' · reconnecting…'}
        </p>
      </div>
      <form className="toolbar" role="search" onSubmit={submit}>
        <input
          ref={input}
          type="search"
          className="search"
          aria-label="Asset selection"
          placeholder="Select assets: orders, +key:marts/fct_orders+, group:marts, owner:team:data, kind:dbt…  (press /)"
          value={text}
          onChange={(e) => setText(e.target.value)}
          data-testid="graph-search"
          spellCheck={false}
          autoComplete="off"
        />
        <button type="submit">Filter</button>
        {(q || focus) && (
          <button type="button" onClick={() => setParams({ q: null, focus: null }, { push: true })}>
            Show all
          </button>
        )}
        <span className="toolbar-spacer" />
        <button type="button" onClick={() => setAll('expanded')} disabled={collapsed.size === 0}>
          Expand groups
        </button>
        <button type="button" onClick={() => setAll('collapsed')} disabled={collapsed.size === groupNames.size}>
          Collapse groups
        </button>
      </form>
      {focus && (
        <div className="focus-bar" data-testid="focus-bar">
          Focused on <span className="asset-key">{focus}</span>,
          <label>
            {' '}
            <select value={depth} onChange={(e) => setParams({ depth: e.target.value })} aria-label="Layers up- and downstream">
              {DEPTHS.map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>{' '}
            layer{depth === 1 ? '' : 's'} up- and downstream.
          </label>{' '}
          <button type="button" className="link-button" onClick={() => setParams({ focus: null, depth: null }, { push: true })}>
            Clear focus
          </button>
        </div>
      )}
      {result.status === 'error' && <ErrorBox title={graph ? 'Could not apply the selection.' : 'Could not load the asset graph.'} error={result.error} />}
      {graph?.truncated && (
        <p className="notice">
          Showing the first {GRAPH_LIMIT.toLocaleString('en-US')} assets of the selection; narrow it to see the rest.
        </p>
      )}
      {result.status === 'loading' && !graph && <Loading>Loading the asset graph…</Loading>}
      {graph && graph.nodes.length === 0 && (
        <Empty title={selection ? 'No asset matches the selection.' : 'No assets yet.'} testId="graph-empty">
          {selection ? (
            <p>
              Nothing matched <code>{selection}</code>.
            </p>
          ) : (
            <p>
              Declare assets in a <code>plumbline.yaml</code> and apply it with <code>plumbline defs apply</code>, or report a
              materialization: <code>curl -X POST {window.location.origin}/report_asset_materialization/warehouse/orders</code>
            </p>
          )}
        </Empty>
      )}
      {graph && graph.nodes.length > 0 && (
        <GraphView
          assets={graph.nodes}
          edges={edges}
          collapsed={collapsed}
          focus={focus}
          onFocus={onFocus}
          onToggleGroup={onToggleGroup}
          label="Asset graph"
        />
      )}
    </section>
  )
}
