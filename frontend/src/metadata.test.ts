import { describe, expect, it } from 'vitest'
import { columnLineageOf, describeConstraints, numericSeries, safeHref, tableOf, timestampOf } from './metadata.ts'

describe('safeHref', () => {
  it('allows http, https and mailto only', () => {
    expect(safeHref('https://a.example.com/x')).toBe('https://a.example.com/x')
    expect(safeHref('mailto:a@example.com')).toBe('mailto:a@example.com')
    for (const bad of ['javascript:alert(1)', ' JavaScript:alert(1)', 'data:text/html,x', 'vbscript:x', '/relative', 's3://b/k', 42]) {
      expect(safeHref(bad)).toBeNull()
    }
  })
})

describe('numericSeries', () => {
  it('collects int and float values per key, oldest first', () => {
    const s = numericSeries([
      { storageId: '3', timestamp: '2026-11-21T12:00:00Z', metadata: [{ key: 'rows', type: 'int', value: 30 }, { key: 'note', type: 'text', value: 'x' }] },
      { storageId: '1', timestamp: '2026-11-20T12:00:00Z', metadata: [{ key: 'rows', type: 'int', value: 10 }, { key: 'secs', type: 'float', value: 1.5 }] },
    ])
    expect([...s.keys()]).toEqual(['rows', 'secs'])
    expect(s.get('rows')!.map((p) => p.v)).toEqual([10, 30])
    expect(s.get('secs')!).toEqual([{ t: Date.parse('2026-11-20T12:00:00Z'), v: 1.5, storageId: '1' }])
  })
})

describe('table values', () => {
  it('reads columns from the schema when there is one', () => {
    expect(tableOf({ records: [{ b: 1, a: 2 }], schema: { columns: [{ name: 'a' }, { name: 'b' }] } })!.columns).toEqual(['a', 'b'])
    expect(tableOf({ nope: 1 })).toBeNull()
  })
  it('describes constraints', () => {
    expect(describeConstraints({ nullable: false, unique: true, other: ['x > 0'] })).toBe('not null, unique, x > 0')
    expect(describeConstraints(undefined)).toBe('')
  })
  it('reads column lineage', () => {
    expect(columnLineageOf({ deps_by_column: { id: [{ asset_key: 'raw/orders', column_name: 'order_id' }] } })).toEqual([
      { column: 'id', deps: [{ asset: 'raw/orders', column: 'order_id' }] },
    ])
  })
  it('reads timestamps in seconds', () => {
    expect(timestampOf(1.5)!.getTime()).toBe(1500)
    expect(timestampOf('x')).toBeNull()
  })
})
