import { describe, expect, it } from 'vitest'
import type { LayoutResult } from './layout.ts'
import {
  flowNodes,
  focusSelection,
  groupNodeId,
  groupsOf,
  layoutInput,
  mergeAsset,
  nextFreshnessDeadline,
  UNGROUPED,
  type FlowNode,
  type GraphAsset,
} from './model.ts'

function asset(key: string, group: string | null, extra: Partial<GraphAsset> = {}): GraphAsset {
  return {
    key: { path: key.split('/'), string: key },
    declared: group !== null,
    definition: group === null ? null : { group, kinds: [], launchable: false },
    latestMaterialization: { timestamp: '2026-11-21T10:00:00Z' },
    latestObservation: null,
    latestFailure: null,
    checkStatus: 'PASSED',
    freshness: { status: 'UNKNOWN', deadline: null },
    updatedAt: '2026-11-21T10:00:00.000001Z',
    ...extra,
  }
}

const ASSETS = [asset('raw/a', 'raw'), asset('raw/b', 'raw'), asset('stg/a', 'staging'), asset('adhoc/x', null)]
const EDGES = [
  { from: 'raw/a', to: 'stg/a' },
  { from: 'raw/b', to: 'stg/a' },
  { from: 'raw/a', to: 'raw/b' },
  { from: 'stg/a', to: 'adhoc/x' },
]

describe('layoutInput', () => {
  it('puts assets in their groups, undeclared ones in the ungrouped group', () => {
    const { nodes, edges } = layoutInput(ASSETS, EDGES, new Set())
    expect(nodes.map((n) => [n.id, n.group])).toEqual([
      ['raw/a', 'raw'],
      ['raw/b', 'raw'],
      ['stg/a', 'staging'],
      ['adhoc/x', UNGROUPED],
    ])
    expect(edges).toHaveLength(4)
  })

  it('draws a collapsed group as one node, merging its edges', () => {
    const { nodes, edges } = layoutInput(ASSETS, EDGES, new Set(['raw']))
    expect(nodes.map((n) => n.id)).toEqual([groupNodeId('raw'), 'stg/a', 'adhoc/x'])
    expect(nodes[0]!.group).toBeNull()
    expect(edges).toEqual([
      { source: groupNodeId('raw'), target: 'stg/a' },
      { source: 'stg/a', target: 'adhoc/x' },
    ])
  })
})

describe('flowNodes', () => {
  const layout: LayoutResult = {
    nodes: {
      'raw/a': { x: 0, y: 0, width: 10, height: 10 },
      'raw/b': { x: 0, y: 20, width: 10, height: 10 },
      'stg/a': { x: 50, y: 0, width: 10, height: 10 },
      'adhoc/x': { x: 90, y: 0, width: 10, height: 10 },
    },
    groups: {
      raw: { x: -5, y: -5, width: 20, height: 40 },
      staging: { x: 45, y: -5, width: 20, height: 20 },
      [UNGROUPED]: { x: 85, y: -5, width: 20, height: 20 },
    },
    width: 100,
    height: 40,
  }
  const byKey = new Map(ASSETS.map((a) => [a.key.string, a]))
  const now = Date.parse('2026-11-21T12:00:00Z')

  it('places group boxes behind assets, with health counts', () => {
    const nodes = flowNodes(layout, byKey, groupsOf(ASSETS), new Set(), now, 'raw/a')
    const box = nodes.find((n) => n.id === 'box:raw')!
    expect(box).toMatchObject({ type: 'groupBox', position: { x: -5, y: -5 }, width: 20, height: 40, zIndex: -1 })
    expect(box.data).toMatchObject({ group: 'raw', count: 2, health: { healthy: 2, failed: 0, warning: 0, missing: 0 } })
    const a = nodes.find((n) => n.id === 'raw/a')!
    expect(a).toMatchObject({ type: 'asset', position: { x: 0, y: 0 }, data: { health: 'healthy', focused: true } })
  })

  it('keeps the objects of nodes that did not change, so memoized nodes do not re-render', () => {
    const first = flowNodes(layout, byKey, groupsOf(ASSETS), new Set(), now, null)
    const prev = new Map<string, FlowNode>(first.map((n) => [n.id, n]))
    const failed = asset('raw/b', 'raw', { checkStatus: 'FAILED' })
    const next = flowNodes(layout, new Map(byKey).set('raw/b', failed), groupsOf(ASSETS), new Set(), now, null, prev)
    const same = next.filter((n) => prev.get(n.id) === n).map((n) => n.id)
    expect(same.sort()).toEqual(['adhoc/x', 'box:staging', `box:${UNGROUPED}`, 'raw/a', 'stg/a'].sort())
    expect(next.find((n) => n.id === 'raw/b')!.data).toMatchObject({ health: 'failed' })
    expect(next.find((n) => n.id === 'box:raw')!.data).toMatchObject({ health: { failed: 1, healthy: 1 } })
  })
})

describe('mergeAsset', () => {
  it('takes a newer state and ignores an older one', () => {
    const old = asset('a', 'g', { updatedAt: '2026-11-21T10:00:00.000002Z' })
    const newer = asset('a', 'g', { checkStatus: 'FAILED', updatedAt: '2026-11-21T10:00:01Z' })
    const older = asset('a', 'g', { checkStatus: 'WARNING', updatedAt: '2026-11-21T09:00:00Z' })
    expect(mergeAsset(old, newer)).toBe(newer)
    expect(mergeAsset(old, older)).toBe(old)
    expect(mergeAsset(undefined, older)).toBe(older)
  })
})

describe('nextFreshnessDeadline', () => {
  it('is the earliest future deadline of a fresh asset', () => {
    const now = Date.parse('2026-11-21T12:00:00Z')
    const list = [
      asset('a', 'g', { freshness: { status: 'FRESH', deadline: '2026-11-21T15:00:00Z' } }),
      asset('b', 'g', { freshness: { status: 'FRESH', deadline: '2026-11-21T13:00:00Z' } }),
      asset('c', 'g', { freshness: { status: 'STALE', deadline: '2026-11-21T12:30:00Z' } }),
      asset('d', 'g', { freshness: { status: 'FRESH', deadline: '2026-11-21T11:00:00Z' } }),
    ]
    expect(nextFreshnessDeadline(list, now)).toBe(Date.parse('2026-11-21T13:00:00Z'))
    expect(nextFreshnessDeadline([], now)).toBeNull()
  })
})

describe('focusSelection', () => {
  it('selects the key with depth layers both ways, quoted', () => {
    expect(focusSelection('marts/fct_orders', 2)).toBe('2+key:"marts/fct_orders"+2')
    expect(focusSelection('a/b', 1)).toBe('+key:"a/b"+')
    expect(focusSelection('a/b', 0)).toBe('key:"a/b"')
    expect(focusSelection('we"ird\\/x', 1)).toBe('+key:"we\\"ird\\\\/x"+')
  })
})
