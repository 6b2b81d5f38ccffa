import { describe, expect, it } from 'vitest'
import type { TypedDocument } from './api.ts'
import { resumeAfterOf, subscribeLive, type SubscribeClient } from './live.ts'

type Sink = { next(v: unknown): void; error(e: unknown): void; complete(): void }

/** A fake graphql-ws client: records each subscribe and lets the test drive its sink. */
function fakeClient() {
  const subs: Array<{ variables: Record<string, unknown> | undefined; sink: Sink; disposed: boolean }> = []
  const client: SubscribeClient = {
    subscribe(payload, sink) {
      const s = { variables: payload.variables, sink, disposed: false }
      subs.push(s)
      return () => {
        s.disposed = true
      }
    },
  }
  return { client, subs }
}

/** Timers the test fires by hand. */
function fakeTimers() {
  const pending: Array<{ fn: () => void; ms: number }> = []
  return {
    pending,
    setTimeout: (fn: () => void, ms: number) => {
      pending.push({ fn, ms })
      return pending.length - 1
    },
    clearTimeout: () => {},
    fire() {
      const t = pending.shift()
      t?.fn()
    },
  }
}

const doc: TypedDocument<{ events: { storageId: string } }, { after?: string | null }> = {
  toString: () => 'subscription S($after: ID) { events(after: $after) { storageId } }',
}
const ev = (id: string) => ({ data: { events: { storageId: id } } })
const cursor = (d: { events: { storageId: string } }) => d.events.storageId

describe('subscribeLive', () => {
  it('resubscribes after the storage id the server names when the subscriber was too slow', () => {
    const { client, subs } = fakeClient()
    const got: string[] = []
    subscribeLive(client, doc, { after: '10' }, { next: (d) => got.push(d.events.storageId) }, { cursor })
    expect(subs[0]!.variables).toEqual({ after: '10' })
    subs[0]!.sink.next(ev('11'))
    subs[0]!.sink.next(ev('12'))
    // The server ends the stream: it last sent 12 (the client may have missed none or more).
    subs[0]!.sink.next({ data: null, errors: [{ message: 'subscriber too slow', extensions: { code: 'SUBSCRIBER_TOO_SLOW', resumeAfter: '12' } }] })
    subs[0]!.sink.complete()
    expect(subs[0]!.disposed).toBe(true)
    expect(subs).toHaveLength(2)
    expect(subs[1]!.variables).toEqual({ after: '12' })
    subs[1]!.sink.next(ev('13'))
    expect(got).toEqual(['11', '12', '13'])
  })

  it('takes the resume point from an error list too (the error message form)', () => {
    const { client, subs } = fakeClient()
    subscribeLive(client, doc, { after: null }, { next: () => {} }, { cursor })
    subs[0]!.sink.error([{ message: 'too slow', extensions: { code: 'SUBSCRIBER_TOO_SLOW', resumeAfter: 99 } }])
    expect(subs[1]!.variables).toEqual({ after: '99' })
  })

  it('reconnects after a dropped socket, after the last event seen, with backoff', () => {
    const { client, subs } = fakeClient()
    const timers = fakeTimers()
    const statuses: string[] = []
    subscribeLive(client, doc, { after: '5' }, { next: () => {}, status: (s) => statuses.push(s) }, { cursor, ...timers })
    subs[0]!.sink.next(ev('6'))
    subs[0]!.sink.error(new Event('close'))
    expect(subs).toHaveLength(1)
    expect(timers.pending[0]!.ms).toBe(500)
    timers.fire()
    expect(subs[1]!.variables).toEqual({ after: '6' })
    subs[1]!.sink.error(new Event('close'))
    expect(timers.pending[0]!.ms).toBe(1000)
    timers.fire()
    subs[2]!.sink.next(ev('7'))
    subs[2]!.sink.error(new Event('close'))
    expect(timers.pending[0]!.ms).toBe(500) // a value resets the backoff
    expect(statuses).toEqual(['connecting', 'live', 'reconnecting', 'reconnecting', 'live', 'reconnecting'])
  })

  it('stops on any other error and reports the API message', () => {
    const { client, subs } = fakeClient()
    const errors: string[] = []
    subscribeLive(client, doc, {}, { next: () => {}, error: (e) => errors.push(e.message) }, { cursor })
    subs[0]!.sink.next({ data: null, errors: [{ message: 'selection: unexpected token', extensions: { code: 'INVALID' } }] })
    expect(errors).toEqual(['selection: unexpected token'])
    expect(subs).toHaveLength(1)
    expect(subs[0]!.disposed).toBe(true)
  })

  it('asks a subscription without a cursor to resync once it is back', () => {
    const { client, subs } = fakeClient()
    const timers = fakeTimers()
    let resyncs = 0
    subscribeLive(client, doc, {}, { next: () => {}, resync: () => resyncs++ }, timers)
    subs[0]!.sink.next(ev('1'))
    subs[0]!.sink.error(new Event('close'))
    timers.fire()
    expect(subs[1]!.variables).toEqual({})
    expect(resyncs).toBe(0)
    subs[1]!.sink.next(ev('2'))
    expect(resyncs).toBe(1)
  })

  it('completes, and stops when asked', () => {
    const { client, subs } = fakeClient()
    let completed = 0
    subscribeLive(client, doc, {}, { next: () => {}, complete: () => completed++ }, { cursor })
    subs[0]!.sink.complete()
    expect(completed).toBe(1)
    const got: string[] = []
    const stop = subscribeLive(client, doc, {}, { next: (d) => got.push(d.events.storageId) }, { cursor })
    stop()
    expect(subs[1]!.disposed).toBe(true)
    subs[1]!.sink.next(ev('1'))
    expect(got).toEqual([])
  })
})

describe('resumeAfterOf', () => {
  it('reads resumeAfter only from SUBSCRIBER_TOO_SLOW errors', () => {
    expect(resumeAfterOf([{ message: 'x', extensions: { code: 'OTHER', resumeAfter: '1' } }])).toBeNull()
    expect(resumeAfterOf([{ message: 'x', extensions: { code: 'SUBSCRIBER_TOO_SLOW', resumeAfter: '42' } }])).toBe('42')
  })
})
