// The asset graph's layout: a pure function from nodes, edges and options to positions,
// computed with ELK's layered algorithm, left to right. The ELK engine is passed in, so the
// browser runs this in a Web Worker (layout.worker.ts) with elkjs loaded there only, and
// tests run it directly.
//
// Groups are laid out in two levels: each group's members on their own (a small graph),
// then the groups, as boxes of that size, together with the nodes outside any group. ELK's
// layered algorithm grows much faster than linearly with the graph (a 1,000-node graph
// takes tens of seconds, its compound-node mode more), so one call over 5,000 assets is
// out of the question; a hundred calls of 50 are not. A group's inner layout depends only
// on its members and the edges between them, so it is cached on its own (memo) and a
// change elsewhere does not lay it out again.

export interface LayoutNode {
  id: string
  width: number
  height: number
  /** The group box the node sits in; null or absent: at the top level. */
  group?: string | null
}

export interface LayoutEdge {
  source: string
  target: string
}

export interface LayoutOptions {
  /** Gap between two nodes of one layer (px). */
  nodeSpacing: number
  /** Gap between layers (px). */
  layerSpacing: number
  /** Padding inside a group box. */
  groupPadding: number
  /** Room for a group box's title, above its members. */
  groupTitleHeight: number
}

export interface Box {
  x: number
  y: number
  width: number
  height: number
}

export interface LayoutResult {
  /** Absolute positions of the nodes' top-left corners, with their sizes. */
  nodes: Record<string, Box>
  /** Absolute boxes of the groups that have nodes. */
  groups: Record<string, Box>
  width: number
  height: number
}

export const DEFAULT_LAYOUT_OPTIONS: LayoutOptions = {
  nodeSpacing: 16,
  layerSpacing: 56,
  groupPadding: 16,
  groupTitleHeight: 30,
}

/** The subset of elkjs's API that layout uses. */
export interface ElkEngine {
  layout(graph: ElkGraph): Promise<ElkGraph>
}

export interface ElkGraph {
  id: string
  x?: number
  y?: number
  width?: number
  height?: number
  layoutOptions?: Record<string, string>
  children?: ElkGraph[]
  edges?: Array<{ id: string; sources: string[]; targets: string[] }>
}

/** Inner layouts of groups already computed, by innerKey. */
export type LayoutMemo = Map<string, InnerLayout>

export interface InnerLayout {
  /** Positions relative to the group box's top-left corner. */
  nodes: Record<string, Box>
  width: number
  height: number
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** elkOptions are the layered settings; larger graphs get a cheaper crossing minimization. */
export function elkOptions(o: LayoutOptions, size: number): Record<string, string> {
  return {
    'elk.algorithm': 'layered',
    'elk.direction': 'RIGHT',
    'elk.spacing.nodeNode': String(o.nodeSpacing),
    'elk.layered.spacing.nodeNodeBetweenLayers': String(o.layerSpacing),
    'elk.spacing.componentComponent': String(o.nodeSpacing * 2),
    'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
    'elk.layered.thoroughness': size > 60 ? '2' : '7',
    'elk.edgeRouting': 'POLYLINE',
    'elk.randomSeed': '1',
  }
}

/**
 * flatGraph is the ELK input for nodes without hierarchy: nodes sorted by id (so the result
 * does not depend on input order) and named by their index (any string may be an asset
 * key; ELK's ids are plain), edges between them only, self-loops and duplicates dropped.
 * ids maps the ELK names back.
 */
export function flatGraph(
  nodes: ReadonlyArray<{ id: string; width: number; height: number }>,
  edges: readonly LayoutEdge[],
  o: LayoutOptions,
): { graph: ElkGraph; ids: string[] } {
  const sorted = [...nodes].sort((a, b) => cmp(a.id, b.id))
  const index = new Map(sorted.map((n, i) => [n.id, i]))
  const pairs = new Set<number>()
  const n = sorted.length
  for (const e of edges) {
    const s = index.get(e.source)
    const t = index.get(e.target)
    if (s !== undefined && t !== undefined && s !== t) pairs.add(s * n + t)
  }
  return {
    graph: {
      id: 'root',
      layoutOptions: elkOptions(o, n),
      children: sorted.map((x, i) => ({ id: 'n' + i, width: x.width, height: x.height })),
      edges: [...pairs]
        .sort((a, b) => a - b)
        .map((p, i) => ({ id: 'e' + i, sources: ['n' + Math.floor(p / n)], targets: ['n' + (p % n)] })),
    },
    ids: sorted.map((x) => x.id),
  }
}

function boxesOf(g: ElkGraph, ids: readonly string[]): Record<string, Box> {
  const out: Record<string, Box> = {}
  for (const c of g.children ?? []) {
    const id = ids[Number(c.id.slice(1))]
    if (id !== undefined) out[id] = { x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 }
  }
  return out
}

/** innerKey identifies a group's inner layout input. */
export function innerKey(group: string, members: readonly LayoutNode[], edges: readonly LayoutEdge[], o: LayoutOptions): string {
  const n = members.map((m) => `${m.id}\u0001${m.width}x${m.height}`).sort()
  const e = edges.map((x) => `${x.source}\u0001${x.target}`).sort()
  return hash53(group + '\u0003' + n.join('\u0002') + '\u0003' + e.join('\u0002') + '\u0003' + JSON.stringify(o))
}

/** The id of a group's box among the top-level units (never an asset key string). */
const unitOfGroup = (g: string) => '\u0000' + g

/**
 * layout computes the positions of nodes and the boxes of their groups with the given ELK
 * engine. memo, when given, keeps groups' inner layouts between calls.
 */
export async function layout(
  elk: ElkEngine,
  nodes: readonly LayoutNode[],
  edges: readonly LayoutEdge[],
  options: Partial<LayoutOptions> = {},
  memo?: LayoutMemo,
): Promise<LayoutResult> {
  const o = { ...DEFAULT_LAYOUT_OPTIONS, ...options }
  const result: LayoutResult = { nodes: {}, groups: {}, width: 0, height: 0 }
  if (nodes.length === 0) return result

  const groupOf = new Map<string, string | null>()
  const members = new Map<string, LayoutNode[]>()
  for (const n of nodes) {
    const g = n.group ?? null
    groupOf.set(n.id, g)
    if (g === null) continue
    let list = members.get(g)
    if (!list) members.set(g, (list = []))
    list.push(n)
  }

  // Edges inside a group, and between top-level units (groups and ungrouped nodes).
  const inner = new Map<string, LayoutEdge[]>()
  const outer: LayoutEdge[] = []
  const unit = (id: string) => {
    const g = groupOf.get(id)
    return g === null || g === undefined ? id : unitOfGroup(g)
  }
  for (const e of edges) {
    if (!groupOf.has(e.source) || !groupOf.has(e.target)) continue
    const gs = groupOf.get(e.source)
    if (gs !== null && gs !== undefined && gs === groupOf.get(e.target)) {
      let list = inner.get(gs)
      if (!list) inner.set(gs, (list = []))
      list.push(e)
    } else {
      outer.push({ source: unit(e.source), target: unit(e.target) })
    }
  }

  // 1. Each group on its own.
  const innerLayouts = new Map<string, InnerLayout>()
  for (const g of [...members.keys()].sort()) {
    const list = members.get(g)!
    const es = inner.get(g) ?? []
    const key = innerKey(g, list, es, o)
    let il = memo?.get(key)
    if (!il) {
      const { graph, ids } = flatGraph(list, es, o)
      const boxes = boxesOf(await elk.layout(graph), ids)
      const top = o.groupPadding + o.groupTitleHeight
      let right = 0
      let bottom = 0
      for (const b of Object.values(boxes)) {
        b.x += o.groupPadding
        b.y += top
        right = Math.max(right, b.x + b.width)
        bottom = Math.max(bottom, b.y + b.height)
      }
      il = { nodes: boxes, width: Math.max(right + o.groupPadding, 200), height: bottom + o.groupPadding }
      memo?.set(key, il)
    }
    innerLayouts.set(g, il)
  }

  // 2. Groups as boxes, with the ungrouped nodes.
  const units: Array<{ id: string; width: number; height: number }> = []
  for (const [g, il] of innerLayouts) units.push({ id: unitOfGroup(g), width: il.width, height: il.height })
  for (const n of nodes) if ((n.group ?? null) === null) units.push({ id: n.id, width: n.width, height: n.height })
  const unitGraph = flatGraph(units, outer, { ...o, layerSpacing: o.layerSpacing * 1.5 })
  const top = boxesOf(await elk.layout(unitGraph.graph), unitGraph.ids)

  // 3. Absolute positions.
  for (const n of nodes) {
    const g = n.group ?? null
    if (g === null) {
      const b = top[n.id]!
      result.nodes[n.id] = { ...b }
    }
  }
  for (const [g, il] of innerLayouts) {
    const gb = top[unitOfGroup(g)]!
    result.groups[g] = { x: gb.x, y: gb.y, width: il.width, height: il.height }
    for (const [id, b] of Object.entries(il.nodes)) result.nodes[id] = { x: gb.x + b.x, y: gb.y + b.y, width: b.width, height: b.height }
  }
  for (const b of [...Object.values(result.nodes), ...Object.values(result.groups)]) {
    result.width = Math.max(result.width, b.x + b.width)
    result.height = Math.max(result.height, b.y + b.height)
  }
  return result
}

/**
 * layoutKey identifies a layout input: sorted node ids (with group and size), sorted edge
 * ids and the options, hashed. Equal keys mean equal layouts, so results are cached by it.
 */
export function layoutKey(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[], options: Partial<LayoutOptions> = {}): string {
  const o = { ...DEFAULT_LAYOUT_OPTIONS, ...options }
  const n = nodes.map((x) => `${x.id}\u0001${x.group ?? ''}\u0001${x.width}x${x.height}`).sort()
  const e = edges.map((x) => `${x.source}\u0001${x.target}`).sort()
  const text = n.join('\u0002') + '\u0003' + e.join('\u0002') + '\u0003' + JSON.stringify(o)
  return `${nodes.length}:${edges.length}:${hash53(text)}`
}

/** hash53 is cyrb53, a fast 53-bit string hash (not cryptographic). */
export function hash53(str: string, seed = 0): string {
  let h1 = 0xdeadbeef ^ seed
  let h2 = 0x41c6ce57 ^ seed
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i)
    h1 = Math.imul(h1 ^ ch, 2654435761)
    h2 = Math.imul(h2 ^ ch, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36)
}
