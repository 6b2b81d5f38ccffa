// Event rows, shared by the asset timeline, the live event stream and a run's page.
import { Fragment, memo, useState } from 'react'
import { formatDateTime, formatTimeOfDay } from '../format.ts'
import { graphql } from '../gql'
import type { EventFieldsFragment } from '../gql/graphql.ts'
import { AssetLink, MetadataList, RunLink } from './Metadata.tsx'
import { StatusBadge } from './Status.tsx'
import { Time } from './Time.tsx'

export const EventFields = graphql(`
  fragment EventFields on Event {
    storageId
    type
    timestamp
    runId
    assetKey {
      path
      string
    }
    partition
    dataVersion
    description
    checkName
    passed
    severity
    level
    message
    metadata {
      key
      type
      value
    }
  }
`)

export type EventRow = EventFieldsFragment

/** The event types a person filters by, with short names. */
export const EVENT_TYPE_LABELS: Record<string, string> = {
  ASSET_MATERIALIZATION: 'Materialization',
  ASSET_OBSERVATION: 'Observation',
  ASSET_CHECK_EVALUATION: 'Check',
  ASSET_FAILED_TO_MATERIALIZE: 'Failed to materialize',
  ASSET_WIPED: 'Wiped',
  RUN_ENQUEUED: 'Run enqueued',
  RUN_STARTING: 'Run starting',
  RUN_START: 'Run started',
  RUN_SUCCESS: 'Run succeeded',
  RUN_FAILURE: 'Run failed',
  RUN_CANCELING: 'Run canceling',
  RUN_CANCELED: 'Run canceled',
  LOG: 'Log',
  ENGINE_EVENT: 'Engine',
  DEFINITIONS_APPLIED: 'Definitions applied',
}

export function eventTypeLabel(t: string): string {
  return EVENT_TYPE_LABELS[t] ?? t
}

/** The status an event shows as a badge: a check's result, a run's end, a log's level. */
export function eventStatus(e: Pick<EventRow, 'type' | 'passed' | 'severity' | 'level'>): string | null {
  if (e.type === 'ASSET_CHECK_EVALUATION') return e.passed ? 'PASSED' : e.severity === 'WARN' ? 'WARNING' : 'FAILED'
  if (e.type === 'LOG') return e.level ?? 'INFO'
  if (e.type === 'RUN_SUCCESS') return 'SUCCESS'
  if (e.type === 'RUN_FAILURE' || e.type === 'ASSET_FAILED_TO_MATERIALIZE') return 'FAILURE'
  if (e.type === 'RUN_CANCELED') return 'CANCELED'
  return null
}

/** eventSummary is an event's one-line text. */
export function eventSummary(e: EventRow): string {
  const parts: string[] = []
  if (e.checkName) parts.push(e.checkName)
  if (e.message) parts.push(e.message)
  if (e.description) parts.push(e.description)
  if (e.dataVersion) parts.push(`data version ${e.dataVersion}`)
  return parts.join(' — ')
}

const EventTr = memo(function EventTr({ e, showAsset, showRun, timeOnly }: { e: EventRow; showAsset: boolean; showRun: boolean; timeOnly: boolean }) {
  const [open, setOpen] = useState(false)
  const status = eventStatus(e)
  const n = e.metadata.length
  return (
    <Fragment>
      <tr data-storage-id={e.storageId} data-type={e.type} className={`event-row level-${(e.level ?? '').toLowerCase()}`}>
        <td className="nowrap mono small" title={`${formatDateTime(e.timestamp)} (${e.timestamp})`}>
          {timeOnly ? formatTimeOfDay(e.timestamp) : <Time value={e.timestamp} />}
        </td>
        <td className="nowrap">
          <span className="event-type">{eventTypeLabel(e.type)}</span> {status && <StatusBadge status={status} />}
        </td>
        {showAsset && <td>{e.assetKey ? <AssetLink path={e.assetKey.path} keyString={e.assetKey.string} /> : <span className="muted">—</span>}</td>}
        {showRun && <td>{e.runId ? <RunLink id={e.runId} /> : <span className="muted">—</span>}</td>}
        <td className="event-summary">
          {e.partition && <span className="badge badge-muted">{e.partition}</span>} <span className="pre-wrap">{eventSummary(e)}</span>
        </td>
        <td className="nowrap right">
          {n > 0 && (
            <button type="button" className="link-button" aria-expanded={open} onClick={() => setOpen(!open)}>
              {open ? 'Hide' : `${n} metadata`}
            </button>
          )}
        </td>
      </tr>
      {open && (
        <tr className="event-details">
          <td colSpan={4 + (showAsset ? 1 : 0) + (showRun ? 1 : 0)}>
            <MetadataList entries={e.metadata} />
          </td>
        </tr>
      )}
    </Fragment>
  )
})

/** EventTable lists events, in the order given. */
export function EventTable({
  events,
  showAsset = true,
  showRun = true,
  timeOnly = false,
  testId,
}: {
  events: readonly EventRow[]
  showAsset?: boolean
  showRun?: boolean
  timeOnly?: boolean
  testId?: string
}) {
  return (
    <div className="table-scroll">
      <table className="data-table events" data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Event</th>
            {showAsset && <th scope="col">Asset</th>}
            {showRun && <th scope="col">Run</th>}
            <th scope="col">Details</th>
            <th scope="col">
              <span className="visually-hidden">Metadata</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <EventTr key={e.storageId} e={e} showAsset={showAsset} showRun={showRun} timeOnly={timeOnly} />
          ))}
        </tbody>
      </table>
    </div>
  )
}
