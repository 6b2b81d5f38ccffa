// The event stream: the event log as it is written. The newest events load first (events
// with last), then the events subscription continues after the newest one — no gap, no
// duplicate — and resumes after the last one seen if it falls behind or the socket drops.
// New events go on top; while the reader is scrolled down (or paused) they wait behind a
// "show N new events" button, so nothing moves under the reader.
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react'
import { EVENT_TYPE_LABELS, EventTable, type EventRow } from '../components/Events.tsx'
import { Empty, ErrorBox, Loading } from '../components/States.tsx'
import { searchToSelection } from '../format.ts'
import { graphql } from '../gql'
import { request } from '../api.ts'
import { useLive } from '../live.ts'
import { useSearchParams, useSlashToFocus } from '../router.tsx'
import { useQuery } from '../useQuery.ts'

export const EVENTS_PAGE = 100
/** Events kept on the page; older ones are dropped as new ones arrive. */
export const EVENTS_KEEP = 1000

export const RecentEventsQuery = graphql(`
  query RecentEvents($filter: EventFilter, $last: Int!, $before: ID) {
    events(filter: $filter, last: $last, before: $before) {
      nodes {
        ...EventFields
      }
      pageInfo {
        hasPreviousPage
        startCursor
      }
    }
  }
`)

export const EventStreamSubscription = graphql(`
  subscription EventStream($filter: EventFilter, $after: ID) {
    events(filter: $filter, after: $after) {
      ...EventFields
    }
  }
`)

const TYPE_GROUPS: Array<{ id: string; label: string; types: string[] }> = [
  { id: 'mat', label: 'Materializations', types: ['ASSET_MATERIALIZATION'] },
  { id: 'obs', label: 'Observations', types: ['ASSET_OBSERVATION'] },
  { id: 'check', label: 'Checks', types: ['ASSET_CHECK_EVALUATION'] },
  { id: 'fail', label: 'Failures', types: ['ASSET_FAILED_TO_MATERIALIZE', 'ASSET_WIPED'] },
  { id: 'run', label: 'Runs', types: Object.keys(EVENT_TYPE_LABELS).filter((t) => t.startsWith('RUN_')) },
  { id: 'log', label: 'Logs', types: ['LOG', 'ENGINE_EVENT'] },
  { id: 'defs', label: 'Definitions', types: ['DEFINITIONS_APPLIED'] },
]

/** eventFilter builds the API filter from the page's parameters. */
export function eventFilter(groups: string[], selection: string, runId: string): { types?: string[]; selection?: string; runId?: string } | null {
  const f: { types?: string[]; selection?: string; runId?: string } = {}
  const types = TYPE_GROUPS.filter((g) => groups.includes(g.id)).flatMap((g) => g.types)
  if (types.length) f.types = types
  if (selection) f.selection = selection
  if (runId) f.runId = runId
  return Object.keys(f).length ? f : null
}

/** mergeNewest puts newer events (ascending) on top of a newest-first list, without duplicates, keeping at most keep. */
export function mergeNewest(list: readonly EventRow[], incoming: readonly EventRow[], keep = EVENTS_KEEP): EventRow[] {
  const top = list.length > 0 ? Number(list[0]!.storageId) : -Infinity
  const fresh = incoming.filter((e) => Number(e.storageId) > top).reverse()
  if (fresh.length === 0) return list as EventRow[]
  const out = [...fresh, ...list]
  return out.length > keep ? out.slice(0, keep) : out
}

export function EventsPage() {
  const [params, setParams] = useSearchParams()
  const groups = (params.get('types') ?? '').split(',').filter(Boolean)
  const q = params.get('q') ?? ''
  const runId = params.get('run') ?? ''
  const filter = eventFilter(groups, searchToSelection(q), runId)

  const initial = useQuery(RecentEventsQuery, { filter, last: EVENTS_PAGE, before: null })
  const [events, setEvents] = useState<EventRow[]>([])
  const [pending, setPending] = useState<EventRow[]>([])
  const [older, setOlder] = useState<{ has: boolean; cursor: string | null; loading: boolean; error: string | null }>({
    has: false,
    cursor: null,
    loading: false,
    error: null,
  })
  const [paused, setPaused] = useState(false)
  const key = JSON.stringify(filter)
  useEffect(() => {
    if (initial.status !== 'success') return
    const nodes = initial.data.events.nodes
    setEvents([...nodes].reverse())
    setPending([])
    setOlder({ has: initial.data.events.pageInfo.hasPreviousPage, cursor: initial.data.events.pageInfo.startCursor ?? null, loading: false, error: null })
  }, [initial.status, initial.data])

  // Where the subscription starts: after the newest event loaded (or from now on).
  const startAfter = initial.status === 'success' ? (initial.data.events.nodes.at(-1)?.storageId ?? null) : null
  const atTop = useRef(true)
  useEffect(() => {
    const onScroll = () => {
      atTop.current = window.scrollY < 80
    }
    window.addEventListener('scroll', onScroll, { passive: true })
    return () => window.removeEventListener('scroll', onScroll)
  }, [])
  const holding = useRef(false)
  holding.current = paused
  const onEvent = useCallback((d: { events: EventRow }) => {
    if (holding.current || !atTop.current) setPending((p) => [...p, d.events].slice(-EVENTS_KEEP))
    else setEvents((list) => mergeNewest(list, [d.events]))
  }, [])
  const live = useLive(EventStreamSubscription, { filter, after: startAfter }, onEvent, {
    cursor: (d) => d.events.storageId,
    enabled: initial.status === 'success',
  })
  const showPending = () => {
    setEvents((list) => mergeNewest(list, pending))
    setPending([])
  }
  // Without a reader scrolled away, pending events join as soon as the page is back on top.
  useEffect(() => {
    if (!paused && pending.length > 0 && atTop.current) showPending()
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [paused])

  const loadOlder = async () => {
    setOlder((o) => ({ ...o, loading: true, error: null }))
    try {
      const d = await request(RecentEventsQuery, { filter, last: EVENTS_PAGE, before: older.cursor })
      setEvents((list) => [...list, ...[...d.events.nodes].reverse()])
      setOlder({ has: d.events.pageInfo.hasPreviousPage, cursor: d.events.pageInfo.startCursor ?? null, loading: false, error: null })
    } catch (err) {
      setOlder((o) => ({ ...o, loading: false, error: err instanceof Error ? err.message : String(err) }))
    }
  }

  const toggle = (id: string) => {
    const next = groups.includes(id) ? groups.filter((g) => g !== id) : [...groups, id]
    setParams({ types: next.join(',') })
  }
  const input = useRef<HTMLInputElement>(null)
  useSlashToFocus(input)
  const [text, setText] = useState(q)
  const [lastQ, setLastQ] = useState(q)
  if (q !== lastQ) {
    setLastQ(q)
    setText(q)
  }
  const submit = (e: FormEvent) => {
    e.preventDefault()
    setParams({ q: text.trim() })
  }

  return (
    <section aria-labelledby="page-title" data-filter={key}>
      <div className="page-header">
        <h1 id="page-title">Events</h1>
        <p className="muted small" aria-live="polite">
          {live.status === 'live' ? (paused ? 'Paused' : 'Live') : live.status === 'reconnecting' ? 'Reconnecting…' : live.status === 'error' ? 'Stopped' : 'Connecting…'}
        </p>
      </div>
      <form className="toolbar" role="search" onSubmit={submit}>
        <input
          ref={input}
          type="search"
          className="search"
          aria-label="Asset selection"
          placeholder="Events of assets: orders, group:marts, kind:dbt…  (press /)"
          value={text}
          onChange={(e) => setText(e.target.value)}
          spellCheck={false}
          autoComplete="off"
        />
        <button type="submit">Filter</button>
        <button type="button" aria-pressed={paused} onClick={() => setPaused(!paused)}>
          {paused ? 'Resume' : 'Pause'}
        </button>
      </form>
      <div className="toolbar">
        <div className="segmented" role="group" aria-label="Event types">
          {TYPE_GROUPS.map((g) => (
            <button key={g.id} type="button" aria-pressed={groups.includes(g.id)} onClick={() => toggle(g.id)}>
              {g.label}
            </button>
          ))}
        </div>
        {runId && (
          <span className="badge">
            run {runId.slice(0, 8)}{' '}
            <button type="button" className="link-button" aria-label="Clear the run filter" onClick={() => setParams({ run: null })}>
              ×
            </button>
          </span>
        )}
      </div>
      {initial.status === 'error' && <ErrorBox title="Could not load events." error={initial.error} />}
      {live.error && <ErrorBox title="The live stream stopped." error={live.error} />}
      {initial.status === 'loading' && <Loading>Loading events…</Loading>}
      <div className="pending-slot">
        {pending.length > 0 && (
          <button type="button" className="pending" onClick={showPending} data-testid="pending-events">
            Show {pending.length} new event{pending.length === 1 ? '' : 's'}
          </button>
        )}
      </div>
      {initial.status === 'success' && events.length === 0 && (
        <Empty title="No events yet." testId="events-empty">
          <p>Events appear here as they are written.</p>
        </Empty>
      )}
      {events.length > 0 && <EventTable events={events} testId="event-stream" />}
      {older.has && (
        <div className="more">
          <button type="button" onClick={loadOlder} disabled={older.loading}>
            {older.loading ? 'Loading…' : 'Load older events'}
          </button>
          {older.error && <ErrorBox title="Could not load older events." error={older.error} />}
        </div>
      )}
    </section>
  )
}
