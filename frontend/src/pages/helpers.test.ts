import { describe, expect, it } from 'vitest'
import type { EventRow } from '../components/Events.tsx'
import { scaleFor } from '../components/LineChart.tsx'
import { parseMetadata } from './asset/ReportEventDialog.tsx'
import { catalogSelection } from './CatalogPage.tsx'
import { eventFilter, mergeNewest } from './EventsPage.tsx'
import { appendOutput } from './RunPage.tsx'
import { parseStatuses } from './RunsPage.tsx'

describe('catalogSelection', () => {
  it('combines the search and the filters', () => {
    expect(catalogSelection('', {})).toBe('')
    expect(catalogSelection('orders', {})).toBe('key:"*orders*"')
    expect(catalogSelection('orders', { group: 'marts', kind: 'dbt' })).toBe('(key:"*orders*") and group:"marts" and kind:"dbt"')
    expect(catalogSelection('', { owner: 'team:data' })).toBe('owner:"team:data"')
    expect(catalogSelection('a or b', { group: 'g' })).toBe('(a or b) and group:"g"')
  })
})

describe('appendOutput', () => {
  it('advances the offset by bytes, not characters', () => {
    expect(appendOutput('', 0, 'héllo\n')).toEqual({ text: 'héllo\n', offset: 7 })
    expect(appendOutput('ab', 2, 'cd')).toEqual({ text: 'abcd', offset: 4 })
  })
  it('keeps the tail of long output', () => {
    expect(appendOutput('abcdef', 6, 'gh', 4)).toEqual({ text: 'efgh', offset: 8 })
  })
})

const ev = (id: string) => ({ storageId: id }) as EventRow

describe('mergeNewest', () => {
  it('puts newer events on top, newest first, without duplicates', () => {
    const list = [ev('5'), ev('4')]
    expect(mergeNewest(list, [ev('5'), ev('6'), ev('7')]).map((e) => e.storageId)).toEqual(['7', '6', '5', '4'])
    expect(mergeNewest(list, [ev('3')])).toBe(list)
  })
  it('keeps at most keep', () => {
    expect(mergeNewest([ev('2'), ev('1')], [ev('3')], 2).map((e) => e.storageId)).toEqual(['3', '2'])
  })
})

describe('eventFilter', () => {
  it('builds the API filter from the page parameters', () => {
    expect(eventFilter([], '', '')).toBeNull()
    expect(eventFilter(['check', 'fail'], 'group:marts', 'r1')).toEqual({
      types: ['ASSET_CHECK_EVALUATION', 'ASSET_FAILED_TO_MATERIALIZE', 'ASSET_WIPED'],
      selection: 'group:marts',
      runId: 'r1',
    })
  })
})

describe('parseMetadata', () => {
  it('takes nothing or a JSON object', () => {
    expect(parseMetadata('  ')).toEqual({ ok: true, value: null })
    expect(parseMetadata('{"rows": 3}')).toEqual({ ok: true, value: { rows: 3 } })
    expect(parseMetadata('[1]')).toMatchObject({ ok: false, error: expect.stringContaining('JSON object') })
    expect(parseMetadata('{rows')).toMatchObject({ ok: false, error: expect.stringContaining('not valid JSON') })
  })
})

describe('parseStatuses', () => {
  it('keeps known statuses', () => {
    expect(parseStatuses('FAILURE,NOPE,SUCCESS')).toEqual(['FAILURE', 'SUCCESS'])
    expect(parseStatuses(null)).toEqual([])
  })
})

describe('scaleFor', () => {
  it('maps time left to right and values bottom to top; a flat series sits in the middle', () => {
    const s = scaleFor([
      { t: 0, v: 10, storageId: '1' },
      { t: 10, v: 20, storageId: '2' },
    ])
    expect(s.x(0)).toBeLessThan(s.x(10))
    expect(s.y(20)).toBeLessThan(s.y(10))
    const flat = scaleFor([{ t: 5, v: 1, storageId: '1' }])
    expect(flat.y(1)).toBe(flat.y(1))
    expect(flat.min).toBe(1)
  })
})
