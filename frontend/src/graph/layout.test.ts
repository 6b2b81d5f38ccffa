import ELK from 'elkjs/lib/elk.bundled.js'
import { describe, expect, it } from 'vitest'
import { layout, layoutKey, type Box, type ElkEngine, type ElkGraph, type LayoutEdge, type LayoutMemo, type LayoutNode } from './layout.ts'

const elk = new ELK() as unknown as ElkEngine

const node = (id: string, group: string | null = null): LayoutNode => ({ id, width: 200, height: 80, group })
const edge = (source: string, target: string): LayoutEdge => ({ source, target })

// raw → staging → marts, in three groups, plus an ungrouped report.
const NODES = [
  node('raw/orders', 'raw'),
  node('raw/customers', 'raw'),
  node('staging/orders', 'staging'),
  node('staging/customers', 'staging'),
  node('marts/orders', 'marts'),
  node('report'),
]
const EDGES = [
  edge('raw/orders', 'staging/orders'),
  edge('raw/customers', 'staging/customers'),
  edge('staging/orders', 'marts/orders'),
  edge('staging/customers', 'marts/orders'),
  edge('marts/orders', 'report'),
]

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
}

function inside(inner: Box, outer: Box): boolean {
  return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height
}

describe('layout', () => {
  it('places every node, left to right along the edges', async () => {
    const r = await layout(elk, NODES, EDGES)
    expect(Object.keys(r.nodes).sort()).toEqual(NODES.map((n) => n.id).sort())
    for (const e of EDGES) expect(r.nodes[e.source]!.x).toBeLessThan(r.nodes[e.target]!.x)
    for (const n of NODES) expect(r.nodes[n.id]).toMatchObject({ width: 200, height: 80 })
  })

  it('puts each group in a box that holds its members, and boxes do not overlap', async () => {
    const r = await layout(elk, NODES, EDGES)
    expect(Object.keys(r.groups).sort()).toEqual(['marts', 'raw', 'staging'])
    for (const n of NODES) if (n.group) expect(inside(r.nodes[n.id]!, r.groups[n.group]!)).toBe(true)
    const boxes = [...Object.values(r.groups), r.nodes['report']!]
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) expect(overlaps(boxes[i]!, boxes[j]!)).toBe(false)
    const all = Object.values(r.nodes)
    for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) expect(overlaps(all[i]!, all[j]!)).toBe(false)
    expect(r.width).toBeGreaterThan(0)
    expect(r.height).toBeGreaterThan(0)
  })

  it('does not depend on the order of its input', async () => {
    const a = await layout(elk, NODES, EDGES)
    const b = await layout(elk, [...NODES].reverse(), [...EDGES].reverse())
    expect(b).toEqual(a)
  })

  it('ignores self-loops, duplicate edges and edges to unknown nodes', async () => {
    const a = await layout(elk, NODES, EDGES)
    const b = await layout(elk, NODES, [...EDGES, edge('raw/orders', 'raw/orders'), EDGES[0]!, edge('raw/orders', 'nowhere')])
    expect(b).toEqual(a)
  })

  it('lays out nothing as nothing', async () => {
    expect(await layout(elk, [], [])).toEqual({ nodes: {}, groups: {}, width: 0, height: 0 })
  })

  it('takes any string as an id', async () => {
    const nodes = [node('n0'), node('\u0000weird "key"'), node('a/b\\/c', 'g')]
    const r = await layout(elk, nodes, [edge('n0', '\u0000weird "key"'), edge('\u0000weird "key"', 'a/b\\/c')])
    expect(r.nodes['n0']!.x).toBeLessThan(r.nodes['\u0000weird "key"']!.x)
    expect(r.nodes['\u0000weird "key"']!.x).toBeLessThan(r.nodes['a/b\\/c']!.x)
  })

  it('reuses the inner layout of a group that did not change', async () => {
    const calls: number[] = []
    const counting: ElkEngine = {
      layout: (g: ElkGraph) => {
        calls.push(g.children?.length ?? 0)
        return elk.layout(g)
      },
    }
    const memo: LayoutMemo = new Map()
    await layout(counting, NODES, EDGES, {}, memo)
    expect(calls).toHaveLength(4) // three groups, then the top level
    calls.length = 0
    // A new ungrouped node: only the top level is laid out again.
    const r = await layout(counting, [...NODES, node('export')], [...EDGES, edge('marts/orders', 'export')], {}, memo)
    expect(calls).toEqual([5])
    expect(r.nodes['export']!.x).toBeGreaterThan(r.nodes['marts/orders']!.x)
  })
})

describe('layoutKey', () => {
  it('is the same for the same nodes and edges in any order', () => {
    expect(layoutKey([...NODES].reverse(), [...EDGES].reverse())).toBe(layoutKey(NODES, EDGES))
  })
  it('changes with a node, an edge, a group, a size or an option', () => {
    const base = layoutKey(NODES, EDGES)
    expect(layoutKey([...NODES, node('x')], EDGES)).not.toBe(base)
    expect(layoutKey(NODES, EDGES.slice(1))).not.toBe(base)
    expect(layoutKey(NODES.map((n) => (n.id === 'report' ? { ...n, group: 'reporting' } : n)), EDGES)).not.toBe(base)
    expect(layoutKey(NODES.map((n) => (n.id === 'report' ? { ...n, width: 10 } : n)), EDGES)).not.toBe(base)
    expect(layoutKey(NODES, EDGES, { layerSpacing: 10 })).not.toBe(base)
  })
})
