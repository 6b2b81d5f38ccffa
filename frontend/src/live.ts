// Live data: GraphQL subscriptions over one shared WebSocket (graphql-ws, the
// graphql-transport-ws protocol), and the resume logic the API asks of its subscribers.
//
// The server sends the events subscription's events in storage-id order and, when a
// subscriber falls too far behind, ends it with an error whose extensions carry
// code SUBSCRIBER_TOO_SLOW and resumeAfter (the last storage id it was sent). subscribeLive
// then subscribes again with after = resumeAfter: no gap and no duplicate. When the socket
// drops, it subscribes again after a backoff, after the last storage id it saw; a
// subscription without a cursor (assetUpdated) asks its owner to resync instead (refetch
// what it shows), since changes may have been missed meanwhile.
import { useEffect, useRef, useState, useSyncExternalStore } from 'react'
import { createClient, type Client } from 'graphql-ws'
import { ApiError, GRAPHQL_PATH, type GraphQLErrorEntry, type TypedDocument } from './api.ts'

/** The part of a graphql-ws Client that subscribeLive uses (a fake in tests). */
export interface SubscribeClient {
  subscribe(
    payload: { query: string; variables?: Record<string, unknown> },
    sink: { next(value: unknown): void; error(error: unknown): void; complete(): void },
  ): () => void
}

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'error' | 'complete'

export interface LiveHandlers<TResult> {
  /** A value of the stream (the subscription's data). */
  next(data: TResult): void
  /** The stream ended with an error that resubscribing does not cure; it is stopped. */
  error?(err: ApiError): void
  /** The stream ended normally (runLogs after the run's final event). */
  complete?(): void
  /** The subscription is live again after a drop, and had no cursor to resume from. */
  resync?(): void
  status?(status: LiveStatus): void
}

export interface LiveOptions<TResult> {
  /**
   * The storage id of a value, for a subscription that takes `after`: resubscriptions
   * continue after the last one seen. Without it a drop calls resync.
   */
  cursor?: (data: TResult) => string | null | undefined
  /** Delay before the n-th reconnection attempt (0-based), in ms. */
  backoff?: (attempt: number) => number
  setTimeout?: (fn: () => void, ms: number) => unknown
  clearTimeout?: (handle: unknown) => void
}

export const SUBSCRIBER_TOO_SLOW = 'SUBSCRIBER_TOO_SLOW'

/** defaultBackoff: 0.5 s, 1 s, 2 s, … up to 15 s. */
export function defaultBackoff(attempt: number): number {
  return Math.min(15_000, 500 * 2 ** attempt)
}

function isErrorList(v: unknown): v is GraphQLErrorEntry[] {
  return Array.isArray(v) && v.every((e) => typeof e === 'object' && e !== null && typeof e.message === 'string')
}

/** resumeAfterOf returns the storage id to resume after when errs say the subscriber was too slow. */
export function resumeAfterOf(errs: readonly GraphQLErrorEntry[]): string | null {
  for (const e of errs) {
    if (e.extensions?.code !== SUBSCRIBER_TOO_SLOW) continue
    const after = e.extensions.resumeAfter
    if (typeof after === 'string' || typeof after === 'number') return String(after)
  }
  return null
}

/**
 * subscribeLive runs a subscription until the returned function is called, the stream
 * completes, or it fails with an error other than falling behind or losing the socket.
 */
export function subscribeLive<TResult, TVariables extends Record<string, unknown> | undefined>(
  client: SubscribeClient,
  document: TypedDocument<TResult, TVariables>,
  variables: TVariables,
  handlers: LiveHandlers<TResult>,
  options: LiveOptions<TResult> = {},
): () => void {
  const backoff = options.backoff ?? defaultBackoff
  const setTimer = options.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms))
  const clearTimer = options.clearTimeout ?? ((h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>))
  const query = document.toString()
  let after: string | undefined = (variables as Record<string, unknown> | undefined)?.after as string | undefined
  let generation = 0
  let stopped = false
  let attempt = 0
  let dropped = false // a transport failure happened since the last value
  let dispose: (() => void) | null = null
  let timer: unknown = null

  const stop = () => {
    stopped = true
    generation++
    if (timer !== null) clearTimer(timer)
    timer = null
    const d = dispose
    dispose = null
    d?.()
  }

  const fail = (err: ApiError) => {
    stop()
    handlers.status?.('error')
    handlers.error?.(err)
  }

  const restartLater = () => {
    const gen = ++generation
    const d = dispose
    dispose = null
    d?.()
    dropped = true
    handlers.status?.('reconnecting')
    timer = setTimer(() => {
      timer = null
      if (gen === generation && !stopped) start()
    }, backoff(attempt++))
  }

  const onErrors = (errs: GraphQLErrorEntry[]) => {
    const resume = resumeAfterOf(errs)
    if (resume !== null) {
      // Fell behind: the server names where to continue. Without a cursor the values in
      // between are lost, so the owner resyncs.
      generation++
      const d = dispose
      dispose = null
      d?.()
      if (options.cursor) after = resume
      else dropped = true
      start()
      return
    }
    fail(new ApiError(errs.map((e) => e.message).join('; ') || 'Subscription failed', 0, errs))
  }

  function start() {
    if (stopped) return
    const gen = ++generation
    const vars: Record<string, unknown> = { ...(variables as Record<string, unknown> | undefined) }
    if (options.cursor && after !== undefined) vars.after = after
    let first = true
    dispose = client.subscribe(
      { query, variables: vars },
      {
        next(value) {
          if (gen !== generation) return
          const result = value as { data?: TResult | null; errors?: unknown }
          if (isErrorList(result.errors) && result.errors.length > 0) {
            onErrors(result.errors)
            return
          }
          if (result.data === null || result.data === undefined) return
          attempt = 0
          if (first) {
            first = false
            handlers.status?.('live')
            if (dropped && !options.cursor) handlers.resync?.()
            dropped = false
          }
          const c = options.cursor?.(result.data)
          if (c !== null && c !== undefined) after = c
          handlers.next(result.data)
        },
        error(err) {
          if (gen !== generation) return
          if (isErrorList(err)) {
            onErrors(err)
            return
          }
          restartLater()
        },
        complete() {
          if (gen !== generation) return
          stop()
          handlers.status?.('complete')
          handlers.complete?.()
        },
      },
    )
  }

  handlers.status?.('connecting')
  start()
  return stop
}

// ---------------------------------------------------------------------------------------
// The shared client and its connection state.

type Connection = 'idle' | 'connecting' | 'connected' | 'closed'

let sharedClient: Client | null = null
let connection: Connection = 'idle'
const connectionListeners = new Set<() => void>()

function setConnection(c: Connection) {
  if (c === connection) return
  connection = c
  for (const l of connectionListeners) l()
}

/** liveClient is the page's one graphql-ws client, created on first use. */
export function liveClient(): Client {
  if (sharedClient) return sharedClient
  const url = new URL(GRAPHQL_PATH, window.location.href)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  sharedClient = createClient({
    url: url.toString(),
    lazy: true,
    lazyCloseTimeout: 3_000,
    // subscribeLive resubscribes itself, with the cursor it has reached; the client
    // would resubscribe with the original variables.
    retryAttempts: 0,
    keepAlive: 20_000,
    on: {
      connecting: () => setConnection('connecting'),
      connected: () => setConnection('connected'),
      closed: () => setConnection('closed'),
    },
  })
  return sharedClient
}

/** useConnection is the state of the page's WebSocket, for the header's indicator. */
export function useConnection(): Connection {
  return useSyncExternalStore(
    (l) => {
      connectionListeners.add(l)
      return () => connectionListeners.delete(l)
    },
    () => connection,
    () => 'idle',
  )
}

export interface UseLiveOptions<TResult> {
  /** Subscribe only while true (default true). */
  enabled?: boolean
  cursor?: (data: TResult) => string | null | undefined
  onComplete?: () => void
  onResync?: () => void
}

export interface LiveState {
  status: LiveStatus
  error: ApiError | null
}

/**
 * useLive subscribes while mounted (and enabled), and again when the document or
 * variables change. onData and the callbacks may change freely without resubscribing.
 */
export function useLive<TResult, TVariables extends Record<string, unknown> | undefined>(
  document: TypedDocument<TResult, TVariables>,
  variables: TVariables,
  onData: (data: TResult) => void,
  options: UseLiveOptions<TResult> = {},
): LiveState {
  const enabled = options.enabled ?? true
  const key = document.toString() + '\n' + JSON.stringify(variables ?? {})
  const callbacks = useRef({ onData, options })
  callbacks.current = { onData, options }
  const [state, setState] = useState<LiveState & { key: string }>({ key, status: 'connecting', error: null })

  useEffect(() => {
    if (!enabled) return
    setState({ key, status: 'connecting', error: null })
    const hasCursor = callbacks.current.options.cursor !== undefined
    return subscribeLive(
      liveClient(),
      document,
      variables,
      {
        next: (data) => callbacks.current.onData(data),
        status: (status) => setState((s) => (s.status === status && s.key === key ? s : { key, status, error: null })),
        error: (error) => setState({ key, status: 'error', error }),
        complete: () => callbacks.current.options.onComplete?.(),
        resync: () => callbacks.current.options.onResync?.(),
      },
      hasCursor ? { cursor: (d) => callbacks.current.options.cursor?.(d) } : {},
    )
    // key captures document and variables by value.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, enabled])

  if (!enabled) return { status: 'complete', error: null }
  return state.key === key ? { status: state.status, error: state.error } : { status: 'connecting', error: null }
}
