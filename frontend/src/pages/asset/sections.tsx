// Sections of the asset page that load their own data: the events timeline, the plots,
// a check's evaluation history and the lineage neighbourhood.
import { useCallback, useMemo, useState } from 'react'
import { EventTable } from '../../components/Events.tsx'
import { LineChart } from '../../components/LineChart.tsx'
import { Empty, ErrorBox, Loading, Pager } from '../../components/States.tsx'
import { graphql } from '../../gql'
import { GraphView } from '../../graph/GraphView.tsx'
import { numericSeries } from '../../metadata.ts'
import { Link, navigate } from '../../router.tsx'
import { withQuery } from '../../routes.ts'
import { useQuery } from '../../useQuery.ts'

export const TIMELINE_PAGE_SIZE = 20

export const AssetEventsQuery = graphql(`
  query AssetEvents($key: AssetKeyInput!, $types: [String!], $partition: String, $first: Int!, $after: ID) {
    asset(key: $key) {
      events(types: $types, partition: $partition, first: $first, after: $after) {
        nodes {
          ...EventFields
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`)

const TIMELINE_FILTERS: Array<{ id: string; label: string; types: string[] | null }> = [
  { id: 'all', label: 'All', types: null },
  { id: 'mat', label: 'Materializations', types: ['ASSET_MATERIALIZATION'] },
  { id: 'obs', label: 'Observations', types: ['ASSET_OBSERVATION'] },
  { id: 'check', label: 'Checks', types: ['ASSET_CHECK_EVALUATION'] },
  { id: 'fail', label: 'Failures', types: ['ASSET_FAILED_TO_MATERIALIZE', 'ASSET_WIPED'] },
]

/** The asset's events, newest first, filtered by type and partition, paged by cursor. */
export function AssetTimeline({ keyPath, version }: { keyPath: string[]; version: number }) {
  const [filter, setFilter] = useState('all')
  const [partition, setPartition] = useState('')
  const [cursors, setCursors] = useState<Array<string | null>>([null])
  const after = cursors[cursors.length - 1] ?? null
  const types = TIMELINE_FILTERS.find((f) => f.id === filter)?.types ?? null
  const result = useQuery(
    AssetEventsQuery,
    { key: { path: keyPath }, types, partition: partition.trim() || null, first: TIMELINE_PAGE_SIZE, after },
    { keepPrevious: true },
  )
  const { refetch } = result
  // A live change refreshes the first page (later pages only move when paged).
  const [seen, setSeen] = useState(version)
  if (version !== seen) {
    setSeen(version)
    if (after === null) refetch()
  }
  const conn = result.data?.asset?.events
  const reset = (f: () => void) => {
    f()
    setCursors([null])
  }
  return (
    <section aria-labelledby="timeline-title" className="panel">
      <h2 id="timeline-title">Events</h2>
      <div className="toolbar">
        <div className="segmented" role="group" aria-label="Event types">
          {TIMELINE_FILTERS.map((f) => (
            <button key={f.id} type="button" aria-pressed={filter === f.id} onClick={() => reset(() => setFilter(f.id))}>
              {f.label}
            </button>
          ))}
        </div>
        <input
          type="search"
          aria-label="Partition"
          placeholder="Partition"
          value={partition}
          onChange={(e) => reset(() => setPartition(e.target.value))}
          className="narrow"
        />
      </div>
      {result.status === 'error' && <ErrorBox title="Could not load events." error={result.error} />}
      {result.status === 'loading' && <Loading>Loading events…</Loading>}
      {conn && conn.nodes.length === 0 && <Empty title="No events match." />}
      {conn && conn.nodes.length > 0 && <EventTable events={conn.nodes} showAsset={false} testId="asset-events" />}
      {conn && (cursors.length > 1 || conn.pageInfo.hasNextPage) && (
        <Pager
          hasPrevious={cursors.length > 1}
          hasNext={conn.pageInfo.hasNextPage}
          previousLabel="Newer"
          nextLabel="Older"
          busy={result.refreshing}
          onPrevious={() => setCursors(cursors.slice(0, -1))}
          onNext={() => setCursors([...cursors, conn.pageInfo.endCursor ?? null])}
        >
          page {cursors.length}
        </Pager>
      )}
    </section>
  )
}

export const PLOT_EVENTS = 200

export const AssetPlotsQuery = graphql(`
  query AssetPlots($key: AssetKeyInput!, $first: Int!) {
    asset(key: $key) {
      events(types: ["ASSET_MATERIALIZATION", "ASSET_OBSERVATION"], first: $first) {
        nodes {
          storageId
          timestamp
          metadata {
            key
            type
            value
          }
        }
      }
    }
  }
`)

/** Plots of every numeric metadata key of the latest materializations and observations. */
export function AssetPlots({ keyPath, version }: { keyPath: string[]; version: number }) {
  const result = useQuery(AssetPlotsQuery, { key: { path: keyPath }, first: PLOT_EVENTS }, { keepPrevious: true })
  const { refetch } = result
  const [seen, setSeen] = useState(version)
  if (version !== seen) {
    setSeen(version)
    refetch()
  }
  const events = result.data?.asset?.events.nodes
  const series = useMemo(() => (events ? numericSeries(events) : new Map()), [events])
  const types = useMemo(() => {
    const m = new Map<string, string>()
    for (const e of events ?? []) for (const x of e.metadata) if (x.type === 'int' || x.type === 'float') m.set(x.key, x.type)
    return m
  }, [events])
  return (
    <section aria-labelledby="plots-title" className="panel">
      <h2 id="plots-title">Metadata over time</h2>
      {result.status === 'error' && <ErrorBox title="Could not load metadata." error={result.error} />}
      {result.status === 'loading' && <Loading>Loading…</Loading>}
      {events && series.size === 0 && <p className="muted">No numeric metadata reported yet.</p>}
      {series.size > 0 && (
        <div className="charts" data-testid="plots">
          {[...series.entries()].map(([key, points]) => (
            <LineChart key={key} title={key} points={points} type={types.get(key)} />
          ))}
        </div>
      )}
    </section>
  )
}

export const CheckEvaluationsQuery = graphql(`
  query CheckEvaluations($key: AssetKeyInput!, $first: Int!, $after: ID) {
    asset(key: $key) {
      checks {
        name
        evaluations(first: $first, after: $after) {
          nodes {
            ...EventFields
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
    }
  }
`)

/** One check's past evaluations, newest first. */
export function CheckHistory({ keyPath, name, version }: { keyPath: string[]; name: string; version: number }) {
  const [cursors, setCursors] = useState<Array<string | null>>([null])
  const after = cursors[cursors.length - 1] ?? null
  const result = useQuery(CheckEvaluationsQuery, { key: { path: keyPath }, first: 10, after }, { keepPrevious: true })
  const { refetch } = result
  const [seen, setSeen] = useState(version)
  if (version !== seen) {
    setSeen(version)
    if (after === null) refetch()
  }
  const conn = result.data?.asset?.checks.find((c) => c.name === name)?.evaluations
  return (
    <div className="check-history">
      {result.status === 'error' && <ErrorBox title="Could not load evaluations." error={result.error} />}
      {result.status === 'loading' && <Loading />}
      {conn && conn.nodes.length === 0 && <p className="muted">Never evaluated.</p>}
      {conn && conn.nodes.length > 0 && <EventTable events={conn.nodes} showAsset={false} testId={`check-history-${name}`} />}
      {conn && (cursors.length > 1 || conn.pageInfo.hasNextPage) && (
        <Pager
          hasPrevious={cursors.length > 1}
          hasNext={conn.pageInfo.hasNextPage}
          previousLabel="Newer"
          nextLabel="Older"
          onPrevious={() => setCursors(cursors.slice(0, -1))}
          onNext={() => setCursors([...cursors, conn.pageInfo.endCursor ?? null])}
        />
      )}
    </div>
  )
}

export const LineageQuery = graphql(`
  query AssetLineage($key: AssetKeyInput!, $depth: Int!) {
    lineage(key: $key, direction: BOTH, depth: $depth, limit: 300) {
      nodes {
        ...GraphAsset
      }
      edges {
        from {
          string
        }
        to {
          string
        }
      }
      truncated
    }
  }
`)

const NO_GROUPS: ReadonlySet<string> = new Set()

/** The asset's neighbourhood: depth layers up- and downstream, drawn as a graph. */
export function AssetLineage({ keyPath, keyString, version }: { keyPath: string[]; keyString: string; version: number }) {
  const [depth, setDepth] = useState(1)
  const result = useQuery(LineageQuery, { key: { path: keyPath }, depth }, { keepPrevious: true })
  const { refetch } = result
  const [seen, setSeen] = useState(version)
  if (version !== seen) {
    setSeen(version)
    refetch()
  }
  const g = result.data?.lineage
  const edges = useMemo(() => (g?.edges ?? []).map((e) => ({ from: e.from.string, to: e.to.string })), [g?.edges])
  const onFocus = useCallback((k: string) => navigate(withQuery('/', { focus: k })), [])
  const noop = useCallback(() => {}, [])
  return (
    <section aria-labelledby="lineage-title" className="panel">
      <div className="panel-header">
        <h2 id="lineage-title">Lineage</h2>
        <label className="small">
          Layers{' '}
          <select value={depth} onChange={(e) => setDepth(Number(e.target.value))}>
            {[1, 2, 3, 4].map((d) => (
              <option key={d}>{d}</option>
            ))}
          </select>
        </label>
        <Link href={withQuery('/', { focus: keyString, depth })}>Open in the graph</Link>
      </div>
      {result.status === 'error' && <ErrorBox title="Could not load the lineage." error={result.error} />}
      {result.status === 'loading' && <Loading>Loading the lineage…</Loading>}
      {g && g.nodes.length <= 1 && <p className="muted">No upstream or downstream assets.</p>}
      {g && g.nodes.length > 1 && (
        <GraphView assets={g.nodes} edges={edges} collapsed={NO_GROUPS} focus={keyString} onFocus={onFocus} onToggleGroup={noop} label="Lineage" height="380px" />
      )}
    </section>
  )
}
