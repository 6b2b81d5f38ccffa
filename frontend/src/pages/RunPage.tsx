// A run's page: status, its structured log streaming live (runLogs: replayed from the
// start, then live, completing after the run's final event), the events it reported, its
// captured stdout and stderr, and Cancel.
//
// stdout and stderr are not events: they are read by byte offset, only the new part each
// time — when a runLogs event arrives (at most once a second), when the run ends, and on a
// slow 3-second timer while the run is in progress (a program may print without
// reporting anything).
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react'
import { EventTable, type EventRow } from '../components/Events.tsx'
import { AssetLink } from '../components/Metadata.tsx'
import { Empty, ErrorBox, Loading } from '../components/States.tsx'
import { StatusBadge } from '../components/Status.tsx'
import { Time } from '../components/Time.tsx'
import { formatBytes, formatDuration } from '../format.ts'
import { graphql } from '../gql'
import { RUN_CANCELABLE, RUN_IN_PROGRESS } from '../health.ts'
import { request } from '../api.ts'
import { useLive } from '../live.ts'
import { Link } from '../router.tsx'
import { hrefFor } from '../routes.ts'
import { useMutation, useQuery } from '../useQuery.ts'

export const RunQuery = graphql(`
  query Run($id: ID!) {
    run(id: $id) {
      id
      status
      assetKeys {
        path
        string
      }
      partition
      tags {
        key
        value
      }
      launchedBy
      command
      createdAt
      startedAt
      endedAt
      message
      exitCode
      stdoutSize
      stderrSize
    }
  }
`)

export const RunLogsSubscription = graphql(`
  subscription RunLogs($runId: ID!, $after: ID) {
    runLogs(runId: $runId, after: $after) {
      ...EventFields
    }
  }
`)

export const CancelRunMutation = graphql(`
  mutation CancelRun($id: ID!) {
    cancelRun(id: $id) {
      id
      status
    }
  }
`)

export const RunStdoutQuery = graphql(`
  query RunStdout($id: ID!, $offset: Int!) {
    run(id: $id) {
      stdout(offset: $offset)
    }
  }
`)

export const RunStderrQuery = graphql(`
  query RunStderr($id: ID!, $offset: Int!) {
    run(id: $id) {
      stderr(offset: $offset)
    }
  }
`)

/** Keep at most this many characters of each output on the page (the tail). */
const OUTPUT_KEEP = 2_000_000
const encoder = new TextEncoder()

/**
 * appendOutput adds a chunk read from byte offset to the text so far, returning the new
 * text and the next offset; the text keeps only its tail past max characters.
 */
export function appendOutput(text: string, offset: number, chunk: string, max = OUTPUT_KEEP): { text: string; offset: number } {
  const next = offset + encoder.encode(chunk).length
  let t = text + chunk
  if (t.length > max) t = t.slice(t.length - max)
  return { text: t, offset: next }
}

/** useStickToBottom keeps a scrolled box at its bottom while the user has not scrolled up. */
function useStickToBottom(dep: unknown) {
  const ref = useRef<HTMLDivElement>(null)
  const stick = useRef(true)
  useLayoutEffect(() => {
    const el = ref.current
    if (el && stick.current) el.scrollTop = el.scrollHeight
  }, [dep])
  const onScroll = useCallback(() => {
    const el = ref.current
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24
  }, [])
  return { ref, onScroll }
}

function Output({ runId, stream, tick, size }: { runId: string; stream: 'stdout' | 'stderr'; tick: number; size: number }) {
  const [state, setState] = useState({ text: '', offset: 0 })
  const [error, setError] = useState<string | null>(null)
  const busy = useRef(false)
  const latest = useRef(state)
  latest.current = state
  useEffect(() => {
    if (busy.current || (tick > 0 && latest.current.offset >= size)) return
    busy.current = true
    const { offset } = latest.current
    const read =
      stream === 'stdout'
        ? request(RunStdoutQuery, { id: runId, offset }).then((d) => d.run?.stdout ?? '')
        : request(RunStderrQuery, { id: runId, offset }).then((d) => d.run?.stderr ?? '')
    read
      .then((chunk) => {
        setError(null)
        if (chunk !== '') setState((s) => (s.offset === offset ? appendOutput(s.text, s.offset, chunk) : s))
      })
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)))
      .finally(() => {
        busy.current = false
      })
  }, [runId, stream, tick, size])
  const { ref, onScroll } = useStickToBottom(state.text)
  return (
    <section className="panel" aria-labelledby={`${stream}-title`}>
      <div className="panel-header">
        <h2 id={`${stream}-title`}>{stream}</h2>
        <span className="muted small">{formatBytes(size)}</span>
      </div>
      {error && <ErrorBox title={`Could not read ${stream}.`} error={error} />}
      <div className="output" ref={ref} onScroll={onScroll} tabIndex={0} aria-label={`${stream} of the run`} data-testid={stream}>
        {state.text === '' ? <span className="muted">(empty)</span> : <pre>{state.text}</pre>}
      </div>
    </section>
  )
}

const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']

export function RunPage({ id }: { id: string }) {
  const result = useQuery(RunQuery, { id }, { keepPrevious: true })
  const { refetch } = result
  const run = result.data?.run
  const [events, setEvents] = useState<EventRow[]>([])
  const [tick, setTick] = useState(0)
  const lastTick = useRef(0)
  const bump = useCallback(() => {
    const now = Date.now()
    if (now - lastTick.current < 1000) return
    lastTick.current = now
    setTick((t) => t + 1)
  }, [])

  const onLog = useCallback(
    (d: { runLogs: EventRow }) => {
      const e = d.runLogs
      setEvents((list) => (list.length > 0 && Number(list[list.length - 1]!.storageId) >= Number(e.storageId) ? list : [...list, e]))
      if (e.type.startsWith('RUN_')) refetch()
      bump()
    },
    [refetch, bump],
  )
  const onComplete = useCallback(() => {
    refetch()
    setTick((t) => t + 1)
  }, [refetch])
  const logs = useLive(RunLogsSubscription, { runId: id, after: null }, onLog, {
    cursor: (d) => d.runLogs.storageId,
    onComplete,
    enabled: run !== undefined && run !== null,
  })

  const inProgress = run ? RUN_IN_PROGRESS.has(run.status) : false
  useEffect(() => {
    if (!inProgress) return
    const t = setInterval(() => setTick((x) => x + 1), 3000)
    return () => clearInterval(t)
  }, [inProgress])
  // The sizes come with the run; read them again when output is due.
  const [seenTick, setSeenTick] = useState(tick)
  if (tick !== seenTick) {
    setSeenTick(tick)
    if (inProgress) refetch()
  }

  const [cancel, cancelState] = useMutation(CancelRunMutation)
  const [minLevel, setMinLevel] = useState('DEBUG')
  const [logsOnly, setLogsOnly] = useState(false)
  const shown = useMemo(() => {
    const min = LEVELS.indexOf(minLevel)
    return events.filter((e) => {
      if (logsOnly && e.type !== 'LOG') return false
      if (e.type === 'LOG' && LEVELS.indexOf(e.level ?? 'INFO') < min) return false
      return true
    })
  }, [events, minLevel, logsOnly])
  const reported = useMemo(() => events.filter((e) => e.type.startsWith('ASSET_')), [events])
  const { ref: logRef, onScroll: onLogScroll } = useStickToBottom(shown.length)

  if (result.status === 'loading') return <Loading>Loading run {id}…</Loading>
  if (result.status === 'error' && !run) {
    return (
      <section aria-labelledby="page-title">
        <h1 id="page-title">Run {id}</h1>
        <ErrorBox title="Could not load the run." error={result.error} />
      </section>
    )
  }
  if (!run) {
    return (
      <section aria-labelledby="page-title">
        <h1 id="page-title">Run {id}</h1>
        <Empty title="No such run." testId="run-missing">
          <p>
            <Link href={hrefFor({ name: 'runs' })}>All runs</Link>
          </p>
        </Empty>
      </section>
    )
  }

  const duration = run.startedAt ? (run.endedAt ? Date.parse(run.endedAt) : Date.now()) - Date.parse(run.startedAt) : null
  return (
    <section aria-labelledby="page-title" className="run-page" data-testid="run-page" data-status={run.status}>
      <p className="breadcrumb muted">
        <Link href={hrefFor({ name: 'runs' })}>Runs</Link> /
      </p>
      <div className="page-header">
        <div>
          <h1 id="page-title">
            Run <span className="mono">{run.id}</span>
          </h1>
          <p className="status-line">
            <StatusBadge status={run.status} /> <span data-testid="run-status" className="visually-hidden">{run.status}</span>
            {run.message && <span className="run-message">{run.message}</span>}
            {logs.status === 'live' && inProgress && <span className="muted small">streaming…</span>}
            {logs.status === 'reconnecting' && <span className="muted small">reconnecting…</span>}
          </p>
        </div>
        <div className="actions">
          {RUN_CANCELABLE.has(run.status) && (
            <button
              type="button"
              className="danger"
              disabled={cancelState.status === 'running'}
              onClick={async () => {
                if (await cancel({ id: run.id })) refetch()
              }}
            >
              {cancelState.status === 'running' ? 'Canceling…' : 'Cancel run'}
            </button>
          )}
        </div>
      </div>
      {cancelState.status === 'error' && <ErrorBox title="Could not cancel the run." error={cancelState.error} />}
      {logs.error && <ErrorBox title="The log stream failed." error={logs.error} />}

      <dl className="facts facts-row panel">
        <div>
          <dt>Assets</dt>
          <dd>
            {run.assetKeys.map((k) => (
              <div key={k.string}>
                <AssetLink path={k.path} keyString={k.string} />
              </div>
            ))}
          </dd>
        </div>
        <div>
          <dt>Partition</dt>
          <dd className="mono">{run.partition ?? '—'}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <Time value={run.createdAt} mode="both" />
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd className="mono">{duration === null ? '—' : formatDuration(duration)}</dd>
        </div>
        <div>
          <dt>Exit code</dt>
          <dd className="mono">{run.exitCode ?? '—'}</dd>
        </div>
        <div>
          <dt>Launched by</dt>
          <dd>{run.launchedBy ?? '—'}</dd>
        </div>
        <div className="wide">
          <dt>Command</dt>
          <dd className="mono small">{run.command.join(' ')}</dd>
        </div>
      </dl>

      <section className="panel" aria-labelledby="log-title">
        <div className="panel-header">
          <h2 id="log-title">Log</h2>
          <label className="small">
            Level{' '}
            <select value={minLevel} onChange={(e) => setMinLevel(e.target.value)}>
              {LEVELS.map((l) => (
                <option key={l}>{l}</option>
              ))}
            </select>
          </label>
          <label className="small inline">
            <input type="checkbox" checked={logsOnly} onChange={(e) => setLogsOnly(e.target.checked)} /> Log lines only
          </label>
          <span className="muted small">{events.length} events</span>
        </div>
        <div className="log-box" ref={logRef} onScroll={onLogScroll} data-testid="run-log">
          {events.length === 0 ? (
            <p className="muted">{inProgress ? 'Waiting for the first event…' : 'No events.'}</p>
          ) : (
            <EventTable events={shown} showRun={false} showAsset={events.some((e) => e.assetKey)} timeOnly />
          )}
        </div>
      </section>

      {reported.length > 0 && (
        <section className="panel" aria-labelledby="reported-title">
          <h2 id="reported-title">Reported</h2>
          <EventTable events={reported} showRun={false} testId="run-reported" />
        </section>
      )}

      <div className="grid-2">
        <Output runId={run.id} stream="stdout" tick={tick} size={run.stdoutSize} />
        <Output runId={run.id} stream="stderr" tick={tick} size={run.stderrSize} />
      </div>
    </section>
  )
}
