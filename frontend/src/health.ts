// Health of an asset and the colours and labels of statuses. Pure; the colours are CSS
// variables (styles.css) so both themes apply.

export type Health = 'failed' | 'warning' | 'healthy' | 'missing'

export interface HealthInput {
  latestMaterialization?: { timestamp: string } | null
  latestObservation?: { timestamp: string } | null
  latestFailure?: { timestamp: string } | null
  checkStatus: string
  freshness: { status: string; deadline?: string | null }
}

/**
 * effectiveFreshness is the freshness now: the API's status, except that a FRESH asset
 * whose deadline has passed is STALE (time moves on without events).
 */
export function effectiveFreshness(f: { status: string; deadline?: string | null }, now: number): string {
  if (f.status === 'FRESH' && f.deadline && Date.parse(f.deadline) <= now) return 'STALE'
  return f.status
}

/**
 * healthOf ranks an asset's state, worst first: a failure to materialize (newer than the
 * latest materialization, as the API reports it) or a failed check is "failed"; a check
 * warning or staleness is "warning"; an asset never materialized nor observed is
 * "missing"; anything else is "healthy".
 */
export function healthOf(a: HealthInput, now: number): Health {
  if (a.latestFailure || a.checkStatus === 'FAILED') return 'failed'
  if (a.checkStatus === 'WARNING' || effectiveFreshness(a.freshness, now) === 'STALE') return 'warning'
  if (!a.latestMaterialization && !a.latestObservation) return 'missing'
  return 'healthy'
}

export const HEALTH_LABEL: Record<Health, string> = {
  failed: 'Failed',
  warning: 'Warning',
  healthy: 'Healthy',
  missing: 'Never materialized',
}

/** The CSS colour of a health (a variable of styles.css). */
export function healthColor(h: Health): string {
  return `var(--health-${h})`
}

export type Tone = 'ok' | 'warn' | 'bad' | 'neutral' | 'active'

/** toneOf maps any status the API returns (checks, freshness, runs, log levels) to a tone. */
export function toneOf(status: string | null | undefined): Tone {
  switch (status) {
    case 'PASSED':
    case 'FRESH':
    case 'SUCCESS':
      return 'ok'
    case 'WARNING':
    case 'WARN':
    case 'STALE':
    case 'CANCELING':
    case 'CANCELED':
      return 'warn'
    case 'FAILED':
    case 'FAILURE':
    case 'ERROR':
    case 'CRITICAL':
      return 'bad'
    case 'QUEUED':
    case 'STARTING':
    case 'STARTED':
      return 'active'
    default:
      return 'neutral'
  }
}

/** statusLabel writes an API status for people: NOT_EVALUATED → "Not evaluated". */
export function statusLabel(status: string): string {
  const s = status.replaceAll('_', ' ').toLowerCase()
  return s.charAt(0).toUpperCase() + s.slice(1)
}

/** The run statuses, in lifecycle order, and those of a run still in progress. */
export const RUN_STATUSES = ['QUEUED', 'STARTING', 'STARTED', 'CANCELING', 'SUCCESS', 'FAILURE', 'CANCELED'] as const
export const RUN_IN_PROGRESS = new Set(['QUEUED', 'STARTING', 'STARTED', 'CANCELING'])
export const RUN_CANCELABLE = new Set(['QUEUED', 'STARTING', 'STARTED'])
