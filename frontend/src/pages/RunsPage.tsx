// Runs, newest first, filtered by status; the list refreshes when a run changes state
// (RUN_* events by subscription).
import { useCallback, useRef, useState } from 'react'
import { AssetLink, RunLink } from '../components/Metadata.tsx'
import { Empty, ErrorBox, Loading, Pager } from '../components/States.tsx'
import { StatusBadge } from '../components/Status.tsx'
import { Time } from '../components/Time.tsx'
import { formatDuration } from '../format.ts'
import { graphql } from '../gql'
import { RUN_STATUSES, statusLabel } from '../health.ts'
import { useLive } from '../live.ts'
import { useSearchParams } from '../router.tsx'
import { useQuery } from '../useQuery.ts'

export const RUNS_PAGE_SIZE = 25

export const RunsQuery = graphql(`
  query Runs($statuses: [String!], $first: Int!, $after: String) {
    runs(filter: { statuses: $statuses }, first: $first, after: $after) {
      nodes {
        id
        status
        assetKeys {
          path
          string
        }
        partition
        launchedBy
        createdAt
        startedAt
        endedAt
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`)

export const RunEventsSubscription = graphql(`
  subscription RunStatusEvents {
    events(filter: { types: ["RUN_ENQUEUED", "RUN_STARTING", "RUN_START", "RUN_SUCCESS", "RUN_FAILURE", "RUN_CANCELING", "RUN_CANCELED"] }) {
      storageId
      runId
    }
  }
`)

/** parseStatuses reads the status parameter: known statuses, comma-separated. */
export function parseStatuses(param: string | null): string[] {
  if (!param) return []
  const known = new Set<string>(RUN_STATUSES)
  return param.split(',').filter((s) => known.has(s))
}

export function RunsPage() {
  const [params, setParams] = useSearchParams()
  const statuses = parseStatuses(params.get('status'))
  const after = params.get('after')
  const [stack, setStack] = useState<Array<string | null>>([])
  const result = useQuery(RunsQuery, { statuses: statuses.length ? statuses : null, first: RUNS_PAGE_SIZE, after }, { keepPrevious: true })
  const { refetch } = result
  const soon = useRef<ReturnType<typeof setTimeout> | null>(null)
  const onRunEvent = useCallback(() => {
    if (soon.current !== null) return
    soon.current = setTimeout(() => {
      soon.current = null
      refetch()
    }, 250)
  }, [refetch])
  useLive(RunEventsSubscription, {}, onRunEvent, { onResync: refetch })

  const toggle = (s: string) => {
    const next = statuses.includes(s) ? statuses.filter((x) => x !== s) : [...statuses, s]
    setStack([])
    setParams({ status: next.join(','), after: null })
  }
  const conn = result.data?.runs
  return (
    <section aria-labelledby="page-title">
      <div className="page-header">
        <h1 id="page-title">Runs</h1>
      </div>
      <div className="toolbar">
        <div className="segmented" role="group" aria-label="Filter by status">
          {RUN_STATUSES.map((s) => (
            <button key={s} type="button" aria-pressed={statuses.includes(s)} onClick={() => toggle(s)}>
              {statusLabel(s)}
            </button>
          ))}
        </div>
        {statuses.length > 0 && (
          <button type="button" className="link-button" onClick={() => setParams({ status: null, after: null })}>
            All statuses
          </button>
        )}
      </div>
      {result.status === 'error' && <ErrorBox title="Could not load runs." error={result.error} />}
      {result.status === 'loading' && <Loading>Loading runs…</Loading>}
      {conn && conn.nodes.length === 0 && (
        <Empty title={statuses.length ? 'No runs with these statuses.' : 'No runs yet.'} testId="runs-empty">
          <p>Launch a launchable asset with its Materialize button, or <code>plumbline run launch KEY</code>.</p>
        </Empty>
      )}
      {conn && conn.nodes.length > 0 && (
        <>
          <div className="table-scroll">
            <table className="data-table" data-testid="runs" aria-busy={result.refreshing}>
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">Status</th>
                  <th scope="col">Assets</th>
                  <th scope="col">Partition</th>
                  <th scope="col">Launched by</th>
                  <th scope="col">Created</th>
                  <th scope="col">Duration</th>
                </tr>
              </thead>
              <tbody>
                {conn.nodes.map((r) => (
                  <tr key={r.id} data-run={r.id}>
                    <td>
                      <RunLink id={r.id} />
                    </td>
                    <td>
                      <StatusBadge status={r.status} />
                    </td>
                    <td>
                      {r.assetKeys.map((k) => (
                        <div key={k.string}>
                          <AssetLink path={k.path} keyString={k.string} />
                        </div>
                      ))}
                    </td>
                    <td className="mono">{r.partition ?? '—'}</td>
                    <td className="small">{r.launchedBy ?? '—'}</td>
                    <td className="nowrap">
                      <Time value={r.createdAt} />
                    </td>
                    <td className="nowrap mono small">
                      {r.startedAt ? formatDuration((r.endedAt ? Date.parse(r.endedAt) : Date.now()) - Date.parse(r.startedAt)) : '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            hasPrevious={stack.length > 0 || after !== null}
            hasNext={conn.pageInfo.hasNextPage}
            previousLabel="Newer"
            nextLabel="Older"
            busy={result.refreshing}
            onPrevious={() => {
              const s = stack.slice()
              const prev = s.pop() ?? null
              setStack(s)
              setParams({ after: prev })
            }}
            onNext={() => {
              setStack([...stack, after])
              setParams({ after: conn.pageInfo.endCursor })
            }}
          />
        </>
      )}
    </section>
  )
}
