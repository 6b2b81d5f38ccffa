// The drawn graph: React Flow over the laid-out model, with minimap, zoom controls and a
// fit button. It lays the graph out in the worker whenever the set of nodes or edges (not
// their state) changes, keeps the last layout on screen meanwhile, fits the view after each
// new layout, and draws simplified nodes when zoomed out. When a layout is on screen it
// sets data-layout="ready" on its container and a performance mark (plumbline:graph-ready),
// which the browser tests and the graph benchmark wait for.
import {
  Background,
  Controls,
  getViewportForBounds,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  useStore,
  type Edge,
  type MiniMapNodeProps,
  type ReactFlowState,
} from '@xyflow/react'
import '@xyflow/react/dist/style.css'
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react'
import { healthColor } from '../health.ts'
import { layoutKey, type LayoutEdge, type LayoutResult } from './layout.ts'
import { cachedLayout, requestLayout } from './layoutClient.ts'
import {
  flowEdges,
  flowNodes,
  groupsOf,
  layoutInput,
  nextFreshnessDeadline,
  worstHealth,
  type FlowNode,
  type GraphAsset,
  type GraphEdge,
} from './model.ts'
import { GraphContext, nodeTypes, type GraphContextValue } from './nodes.tsx'

/** Below this zoom nodes are drawn simplified. */
export const SIMPLE_BELOW_ZOOM = 0.55
/** Above this many edges they are drawn straight (cheaper than curves). */
const STRAIGHT_EDGES_ABOVE = 1500

/** Below this zoom edges are not drawn: a line of 1 px would be thinner than 0.15 px. */
export const NO_EDGES_BELOW_ZOOM = 0.15

const zoomedOut = (s: ReactFlowState) => s.transform[2] < SIMPLE_BELOW_ZOOM
const farOut = (s: ReactFlowState) => s.transform[2] < NO_EDGES_BELOW_ZOOM
const NO_EDGES: Edge[] = []
const MIN_ZOOM = 0.02
/** Graphs of more nodes than this are put on screen REVEAL_CHUNK nodes per task. */
const REVEAL_ABOVE = 600
const REVEAL_CHUNK = 300

export interface GraphViewProps {
  assets: readonly GraphAsset[]
  /** The edges; a new array means a new graph (the layout input is rebuilt). */
  edges: readonly GraphEdge[]
  collapsed: ReadonlySet<string>
  focus: string | null
  onFocus: (key: string) => void
  onToggleGroup: (group: string) => void
  /** A label for the graph region. */
  label: string
  height?: string
}

export function GraphView(props: GraphViewProps) {
  return (
    <ReactFlowProvider>
      <Flow {...props} />
    </ReactFlowProvider>
  )
}

function minimapColor(node: FlowNode): string {
  if (node.type === 'asset') return healthColor(node.data.health)
  if (node.type === 'group') return healthColor(worstHealth(node.data.health))
  return 'transparent'
}

const MiniMapNode = memo(function MiniMapNode({ x, y, width, height, color }: MiniMapNodeProps) {
  return <rect x={x} y={y} width={width} height={height} fill={color} rx={4} />
})

interface Laid {
  key: string
  layout: LayoutResult
  ms: number
  collapsed: ReadonlySet<string>
  edges: LayoutEdge[]
}

function Flow({ assets, edges, collapsed, focus, onFocus, onToggleGroup, label, height }: GraphViewProps) {
  const rf = useReactFlow()
  const simple = useStore(zoomedOut)
  const far = useStore(farOut)
  // The layout depends on the keys, groups and edges only. A live update replaces one
  // asset's state, never those (new definitions come with a new edges array), so the
  // input, and its key, are worked out again only when edges or collapsed groups change.
  const input = useMemo(
    () => layoutInput(assets, edges, collapsed),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [edges, collapsed],
  )
  const key = useMemo(() => layoutKey(input.nodes, input.edges), [input])
  // The layout on screen, with the collapsed groups it was made for: until a new one
  // arrives, the old one stays drawn as it was.
  const [laid, setLaid] = useState<Laid | null>(() => {
    const hit = cachedLayout(key)
    return hit ? { key, layout: hit, ms: 0, collapsed, edges: input.edges } : null
  })
  const [error, setError] = useState<string | null>(null)
  const started = useRef(0)

  useEffect(() => {
    if (laid?.key === key) return
    let current = true
    started.current = performance.now()
    setError(null)
    requestLayout(input.nodes, input.edges, {}, key).then(
      (layout) => current && setLaid({ key, layout, ms: performance.now() - started.current, collapsed, edges: input.edges }),
      (err: unknown) => current && setError(err instanceof Error ? err.message : String(err)),
    )
    return () => {
      current = false
    }
  }, [key, input, collapsed, laid?.key])

  // Freshness deadlines pass without events: re-evaluate health when the next one does.
  const [now, setNow] = useState(() => Date.now())
  const byKey = useMemo(() => new Map(assets.map((a) => [a.key.string, a])), [assets])
  useEffect(() => {
    const next = nextFreshnessDeadline(byKey.values(), now)
    if (next === null) return
    const t = setTimeout(() => setNow(Date.now()), Math.min(next - Date.now() + 250, 2 ** 31 - 1))
    return () => clearTimeout(t)
  }, [byKey, now])

  const groups = useMemo(() => groupsOf(assets), [assets])
  const prev = useRef<Map<string, FlowNode>>(new Map())
  const nodes = useMemo(() => {
    if (!laid) return []
    const out = flowNodes(laid.layout, byKey, groups, laid.collapsed, now, focus, prev.current)
    prev.current = new Map(out.map((n) => [n.id, n]))
    return out
  }, [laid, byKey, groups, now, focus])
  const drawnEdges = useMemo(() => (laid ? flowEdges(laid.edges, laid.edges.length > STRAIGHT_EDGES_ABOVE) : []), [laid])

  // A new layout: fit the view to its bounds before any node is drawn (so none is ever
  // drawn at the old zoom), then put large graphs on screen a slice at a time, each slice
  // in its own task, so that the page keeps answering while thousands of nodes mount.
  // When all are on screen, say the graph is ready.
  const container = useRef<HTMLDivElement>(null)
  const [reveal, setReveal] = useState<{ key: string | null; count: number }>({ key: null, count: 0 })
  const total = nodes.length
  const initialCount = total > REVEAL_ABOVE ? REVEAL_CHUNK : Number.POSITIVE_INFINITY
  const count = laid && reveal.key === laid.key ? reveal.count : initialCount
  const shownNodes = useMemo(() => (count >= nodes.length ? nodes : nodes.slice(0, count)), [nodes, count])
  const allShown = count >= total

  useLayoutEffect(() => {
    if (!laid || reveal.key === laid.key) return
    const el = container.current
    if (el) {
      el.dataset.layout = 'pending'
      const b = laid.layout
      const vp = getViewportForBounds({ x: 0, y: 0, width: b.width, height: b.height }, el.clientWidth, el.clientHeight, MIN_ZOOM, 1, 0.08)
      void rf.setViewport(vp)
    }
    setReveal({ key: laid.key, count: initialCount })
  }, [laid, reveal.key, rf, initialCount])

  useEffect(() => {
    if (!laid || reveal.key !== laid.key || allShown) return
    const t = setTimeout(() => setReveal((r) => (r.key === laid.key ? { key: r.key, count: r.count + REVEAL_CHUNK } : r)), 0)
    return () => clearTimeout(t)
  }, [laid, reveal, allShown])

  const announced = useRef<string | null>(null)
  useEffect(() => {
    if (!laid || reveal.key !== laid.key || !allShown || announced.current === laid.key) return
    announced.current = laid.key
    const el = container.current
    let frame = requestAnimationFrame(() => {
      frame = requestAnimationFrame(() => {
        if (!el) return
        el.dataset.layout = 'ready'
        el.dataset.layoutKey = laid.key
        el.dataset.layoutMs = String(Math.round(laid.ms))
        performance.mark('plumbline:graph-ready', { detail: { key: laid.key, nodes: input.nodes.length, edges: input.edges.length } })
      })
    })
    return () => cancelAnimationFrame(frame)
  }, [laid, reveal.key, allShown, input])

  const fit = useCallback(() => void rf.fitView({ padding: 0.08, maxZoom: 1, duration: 200 }), [rf])
  const ctx = useMemo<GraphContextValue>(() => ({ simple, onFocus, onToggleGroup }), [simple, onFocus, onToggleGroup])
  const pending = !laid || laid.key !== key

  return (
    <div
      className="graph-view"
      ref={container}
      style={height ? { height } : undefined}
      data-testid="graph"
      data-layout="pending"
      data-nodes={input.nodes.length}
      data-edges={input.edges.length}
      role="region"
      aria-label={label}
    >
      <GraphContext.Provider value={ctx}>
        <ReactFlow
          nodes={shownNodes}
          edges={far ? NO_EDGES : drawnEdges}
          nodeTypes={nodeTypes}
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable={false}
          onlyRenderVisibleElements={nodes.length > 300}
          minZoom={MIN_ZOOM}
          maxZoom={2}
          colorMode="system"
          proOptions={{ hideAttribution: false }}
        >
          <Background gap={24} size={1} />
          <MiniMap pannable zoomable nodeColor={minimapColor} nodeComponent={MiniMapNode} ariaLabel="Minimap of the asset graph" />
          <Controls showInteractive={false} onFitView={fit} fitViewOptions={{ padding: 0.08, maxZoom: 1 }} />
        </ReactFlow>
      </GraphContext.Provider>
      {pending && !error && (
        <div className="graph-overlay" role="status">
          Laying out {input.nodes.length.toLocaleString('en-US')} nodes…
        </div>
      )}
      {error && (
        <div className="graph-overlay error" role="alert">
          Could not lay out the graph: {error}
        </div>
      )}
    </div>
  )
}
