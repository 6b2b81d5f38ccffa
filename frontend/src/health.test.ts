import { describe, expect, it } from 'vitest'
import { effectiveFreshness, healthOf, statusLabel, toneOf, type HealthInput } from './health.ts'

const NOW = Date.parse('2026-11-21T12:00:00Z')
const base: HealthInput = {
  latestMaterialization: { timestamp: '2026-11-21T10:00:00Z' },
  latestObservation: null,
  latestFailure: null,
  checkStatus: 'PASSED',
  freshness: { status: 'FRESH', deadline: '2026-11-22T10:00:00Z' },
}

describe('healthOf', () => {
  it.each<[string, Partial<HealthInput>, string]>([
    ['materialized, checks passed, fresh', {}, 'healthy'],
    ['no checks run and no policy', { checkStatus: 'NOT_EVALUATED', freshness: { status: 'UNKNOWN' } }, 'healthy'],
    ['a failed check', { checkStatus: 'FAILED' }, 'failed'],
    ['a failure to materialize', { latestFailure: { timestamp: '2026-11-21T11:00:00Z' } }, 'failed'],
    ['a check warning', { checkStatus: 'WARNING' }, 'warning'],
    ['stale', { freshness: { status: 'STALE', deadline: '2026-11-21T06:00:00Z' } }, 'warning'],
    ['fresh until a deadline that has passed', { freshness: { status: 'FRESH', deadline: '2026-11-21T11:59:00Z' } }, 'warning'],
    ['failure outranks staleness', { checkStatus: 'FAILED', freshness: { status: 'STALE' } }, 'failed'],
    ['never materialized', { latestMaterialization: null, freshness: { status: 'UNKNOWN' } }, 'missing'],
    ['only observed', { latestMaterialization: null, latestObservation: { timestamp: '2026-11-21T10:00:00Z' } }, 'healthy'],
  ])('%s', (_, change, want) => {
    expect(healthOf({ ...base, ...change }, NOW)).toBe(want)
  })
})

describe('effectiveFreshness', () => {
  it('turns FRESH into STALE once the deadline passes', () => {
    expect(effectiveFreshness({ status: 'FRESH', deadline: '2026-11-21T12:00:01Z' }, NOW)).toBe('FRESH')
    expect(effectiveFreshness({ status: 'FRESH', deadline: '2026-11-21T12:00:00Z' }, NOW)).toBe('STALE')
    expect(effectiveFreshness({ status: 'UNKNOWN', deadline: null }, NOW)).toBe('UNKNOWN')
  })
})

describe('toneOf', () => {
  it('colours statuses by meaning', () => {
    expect(['PASSED', 'FRESH', 'SUCCESS'].map(toneOf)).toEqual(['ok', 'ok', 'ok'])
    expect(['FAILED', 'FAILURE', 'ERROR'].map(toneOf)).toEqual(['bad', 'bad', 'bad'])
    expect(['WARNING', 'STALE', 'CANCELED'].map(toneOf)).toEqual(['warn', 'warn', 'warn'])
    expect(['QUEUED', 'STARTED'].map(toneOf)).toEqual(['active', 'active'])
    expect(toneOf('NOT_EVALUATED')).toBe('neutral')
  })
  it('labels statuses for people', () => {
    expect(statusLabel('NOT_EVALUATED')).toBe('Not evaluated')
    expect(statusLabel('FAILURE')).toBe('Failure')
  })
})
