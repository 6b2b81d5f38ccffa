// The asset graph's model, pure: from the API's assets and edges to the layout's input
// (collapsed groups become one node each) and, once laid out, to React Flow's nodes and
// edges. Kept apart from the components so it is tested without a browser.
import type { Edge, Node } from '@xyflow/react'
import { healthOf, type Health } from '../health.ts'
import type { LayoutEdge, LayoutNode, LayoutResult } from './layout.ts'

/** What the graph needs of an asset (the GraphAsset fragment). */
export interface GraphAsset {
  key: { path: string[]; string: string }
  declared: boolean
  definition?: { group?: string | null; kinds: string[]; launchable: boolean } | null
  latestMaterialization?: { timestamp: string } | null
  latestObservation?: { timestamp: string } | null
  latestFailure?: { timestamp: string } | null
  checkStatus: string
  freshness: { status: string; deadline?: string | null }
  updatedAt: string
}

export interface GraphEdge {
  from: string
  to: string
}

export const ASSET_NODE = { width: 236, height: 88 }
export const GROUP_NODE = { width: 236, height: 76 }
/** Node ids of collapsed groups; asset ids are key strings. */
export const GROUP_ID_PREFIX = '@@group/'
/** Assets without a group are drawn in this one. */
export const UNGROUPED = 'ungrouped'
/** Above this many assets the graph opens with its groups collapsed. */
export const COLLAPSE_GROUPS_ABOVE = 1000

export function groupOf(a: GraphAsset): string {
  return a.definition?.group || UNGROUPED
}

export function groupNodeId(group: string): string {
  return GROUP_ID_PREFIX + group
}

/** groupsOf lists each group's members' key strings, groups in name order. */
export function groupsOf(assets: readonly GraphAsset[]): Map<string, string[]> {
  const m = new Map<string, string[]>()
  for (const a of assets) {
    const g = groupOf(a)
    let list = m.get(g)
    if (!list) m.set(g, (list = []))
    list.push(a.key.string)
  }
  return new Map([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/**
 * layoutInput is what to lay out: assets of expanded groups in their group, one node per
 * collapsed group, and the edges between them (an edge into or out of a collapsed group
 * ends at the group; edges inside one disappear; duplicates merge).
 */
export function layoutInput(
  assets: readonly GraphAsset[],
  edges: readonly GraphEdge[],
  collapsed: ReadonlySet<string>,
): { nodes: LayoutNode[]; edges: LayoutEdge[] } {
  const nodeOf = new Map<string, string>()
  const nodes: LayoutNode[] = []
  const groupsSeen = new Set<string>()
  for (const a of assets) {
    const g = groupOf(a)
    if (collapsed.has(g)) {
      const id = groupNodeId(g)
      nodeOf.set(a.key.string, id)
      if (!groupsSeen.has(g)) {
        groupsSeen.add(g)
        nodes.push({ id, ...GROUP_NODE, group: null })
      }
    } else {
      nodeOf.set(a.key.string, a.key.string)
      nodes.push({ id: a.key.string, ...ASSET_NODE, group: g })
    }
  }
  const seen = new Set<string>()
  const out: LayoutEdge[] = []
  for (const e of edges) {
    const s = nodeOf.get(e.from)
    const t = nodeOf.get(e.to)
    if (s === undefined || t === undefined || s === t) continue
    const id = s + '\u0000' + t
    if (seen.has(id)) continue
    seen.add(id)
    out.push({ source: s, target: t })
  }
  return { nodes, edges: out }
}

export interface HealthCounts {
  failed: number
  warning: number
  healthy: number
  missing: number
}

export function worstHealth(c: HealthCounts): Health {
  return c.failed > 0 ? 'failed' : c.warning > 0 ? 'warning' : c.healthy > 0 ? 'healthy' : 'missing'
}

export type AssetNodeData = { asset: GraphAsset; health: Health; focused: boolean }
export type GroupNodeData = { group: string; count: number; health: HealthCounts; collapsed: boolean }
export type AssetFlowNode = Node<AssetNodeData, 'asset'>
export type GroupFlowNode = Node<GroupNodeData, 'group' | 'groupBox'>
export type FlowNode = AssetFlowNode | GroupFlowNode

/**
 * flowNodes places the laid-out nodes for React Flow: group boxes behind their members,
 * collapsed groups, and assets with their health. prev, the previous call's nodes by id,
 * lets nodes whose data and position did not change keep their identity, so memoized node
 * components do not re-render when one asset changes.
 */
export function flowNodes(
  layout: LayoutResult,
  assets: ReadonlyMap<string, GraphAsset>,
  groups: ReadonlyMap<string, string[]>,
  collapsed: ReadonlySet<string>,
  now: number,
  focus: string | null,
  prev?: ReadonlyMap<string, FlowNode>,
): FlowNode[] {
  const out: FlowNode[] = []
  const healthOfKey = new Map<string, Health>()
  for (const [k, a] of assets) healthOfKey.set(k, healthOf(a, now))
  const keep = <T extends FlowNode>(n: T): T => {
    const p = prev?.get(n.id)
    if (
      p &&
      p.type === n.type &&
      p.position.x === n.position.x &&
      p.position.y === n.position.y &&
      p.width === n.width &&
      p.height === n.height &&
      shallowEqual(p.data as Record<string, unknown>, n.data as Record<string, unknown>)
    ) {
      return p as T
    }
    return n
  }
  for (const [g, members] of groups) {
    const counts: HealthCounts = { failed: 0, warning: 0, healthy: 0, missing: 0 }
    for (const k of members) counts[healthOfKey.get(k) ?? 'missing']++
    const isCollapsed = collapsed.has(g)
    const box = isCollapsed ? layout.nodes[groupNodeId(g)] : layout.groups[g]
    if (!box) continue
    const prevGroup = prev?.get(isCollapsed ? groupNodeId(g) : 'box:' + g)
    const health = prevGroup && shallowEqual(prevGroup.data.health as unknown as Record<string, unknown>, counts as unknown as Record<string, unknown>) ? (prevGroup.data as GroupNodeData).health : counts
    out.push(
      keep<GroupFlowNode>({
        id: isCollapsed ? groupNodeId(g) : 'box:' + g,
        type: isCollapsed ? 'group' : 'groupBox',
        position: { x: box.x, y: box.y },
        width: box.width,
        height: box.height,
        data: { group: g, count: members.length, health, collapsed: isCollapsed },
        draggable: false,
        selectable: false,
        connectable: false,
        focusable: isCollapsed,
        zIndex: isCollapsed ? 0 : -1,
      }),
    )
  }
  for (const [k, a] of assets) {
    const box = layout.nodes[k]
    if (!box) continue
    out.push(
      keep<AssetFlowNode>({
        id: k,
        type: 'asset',
        position: { x: box.x, y: box.y },
        width: box.width,
        height: box.height,
        data: { asset: a, health: healthOfKey.get(k)!, focused: k === focus },
        draggable: false,
        selectable: false,
        connectable: false,
      }),
    )
  }
  return out
}

function shallowEqual(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  for (const k of ka) if (a[k] !== b[k]) return false
  return true
}

/** flowEdges are the drawn edges: those of the layout input, straight lines in large graphs. */
export function flowEdges(edges: readonly LayoutEdge[], large: boolean): Edge[] {
  return edges.map((e) => ({
    id: e.source + '->' + e.target,
    source: e.source,
    target: e.target,
    type: large ? 'straight' : 'default',
    focusable: false,
    selectable: false,
  }))
}

/**
 * mergeAsset applies a live update: the new state of an asset replaces the old one unless
 * it is older (updatedAt), as when an update raced the query that loaded the graph.
 */
export function mergeAsset<T extends Pick<GraphAsset, 'updatedAt'>>(current: T | undefined, update: T): T {
  if (current && Date.parse(update.updatedAt) < Date.parse(current.updatedAt)) return current
  return update
}

/** nextFreshnessDeadline is the earliest deadline after now of an asset still FRESH. */
export function nextFreshnessDeadline(assets: Iterable<GraphAsset>, now: number): number | null {
  let next: number | null = null
  for (const a of assets) {
    if (a.freshness.status !== 'FRESH' || !a.freshness.deadline) continue
    const t = Date.parse(a.freshness.deadline)
    if (t > now && (next === null || t < next)) next = t
  }
  return next
}

/** focusSelection is the selection of an asset with depth layers up- and downstream. */
export function focusSelection(key: string, depth: number): string {
  const q = '"' + key.replaceAll('\\', '\\\\').replaceAll('"', '\\"') + '"'
  const d = Math.max(0, Math.floor(depth))
  if (d === 0) return `key:${q}`
  return `${d === 1 ? '' : d}+key:${q}+${d === 1 ? '' : d}`
}
