import { describe, expect, it } from 'vitest'
import { assetKeyString, formatCount, formatNumber, formatShown } from './format.ts'

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
