import { describe, expect, it } from 'vitest'
import {
  assetKeyString,
  formatCount,
  formatDateTime,
  formatDuration,
  formatNumber,
  formatRelative,
  formatShown,
  parseAssetKeyString,
  searchToSelection,
} from './format.ts'

describe('formatNumber', () => {
  it('groups thousands', () => {
    expect(formatNumber(0)).toBe('0')
    expect(formatNumber(12345)).toBe('12,345')
  })
})

describe('formatCount', () => {
  it.each([
    [0, '0 assets'],
    [1, '1 asset'],
    [2, '2 assets'],
    [1500, '1,500 assets'],
  ])('%d', (n, want) => {
    expect(formatCount(n, 'asset')).toBe(want)
  })
  it('takes an irregular plural', () => {
    expect(formatCount(2, 'entry', 'entries')).toBe('2 entries')
  })
})

describe('formatShown', () => {
  it('says just the count when everything is shown', () => {
    expect(formatShown(3, 3, 'asset')).toBe('3 assets')
  })
  it('says how many of the total are shown', () => {
    expect(formatShown(50, 1234, 'asset')).toBe('50 of 1,234 assets')
  })
})

describe('assetKeyString', () => {
  it('joins parts with "/" and escapes "/" inside a part', () => {
    expect(assetKeyString(['warehouse', 'orders'])).toBe('warehouse/orders')
    expect(assetKeyString(['raw', 'a/b'])).toBe('raw/a\\/b')
  })
})

describe('parseAssetKeyString', () => {
  it('splits on "/" but not on "\\/"', () => {
    expect(parseAssetKeyString('raw/orders')).toEqual(['raw', 'orders'])
    expect(parseAssetKeyString('raw/a\\/b')).toEqual(['raw', 'a/b'])
    expect(parseAssetKeyString('x\\y')).toEqual(['x\\y'])
  })
  it('inverts assetKeyString', () => {
    for (const k of [['a'], ['raw', 'a/b', 'c\\d']]) expect(parseAssetKeyString(assetKeyString(k))).toEqual(k)
  })
})

describe('formatRelative', () => {
  const now = Date.parse('2026-11-21T12:00:00Z')
  it.each([
    ['2026-11-21T12:00:02Z', 'just now'],
    ['2026-11-21T11:59:30Z', '30 s ago'],
    ['2026-11-21T11:57:00Z', '3 min ago'],
    ['2026-11-21T10:00:00Z', '2 h ago'],
    ['2026-11-18T12:00:00Z', '3 d ago'],
    ['2026-11-21T12:20:00Z', 'in 20 min'],
  ])('%s', (t, want) => {
    expect(formatRelative(t, now)).toBe(want)
  })
})

describe('formatDateTime', () => {
  it('writes UTC to the second, or minute', () => {
    expect(formatDateTime('2026-11-21T18:19:00.123456Z', { utc: true })).toBe('2026-11-21 18:19:00')
    expect(formatDateTime('2026-11-21T18:19:00Z', { utc: true, seconds: false })).toBe('2026-11-21 18:19')
  })
})

describe('formatDuration', () => {
  it.each([
    [850, '850 ms'],
    [1234, '1.23 s'],
    [12_400, '12.4 s'],
    [185_000, '3 min 5 s'],
    [7_800_000, '2 h 10 min'],
  ])('%d', (ms, want) => {
    expect(formatDuration(ms)).toBe(want)
  })
})

describe('searchToSelection', () => {
  it('finds keys containing a single word', () => {
    expect(searchToSelection(' orders ')).toBe('key:"*orders*"')
    expect(searchToSelection('marts/fct')).toBe('key:"*marts/fct*"')
  })
  it('takes anything else as a selection', () => {
    expect(searchToSelection('+key:marts/fct_orders+')).toBe('+key:marts/fct_orders+')
    expect(searchToSelection('group:marts')).toBe('group:marts')
    expect(searchToSelection('a or b')).toBe('a or b')
    expect(searchToSelection('')).toBe('')
  })
})
