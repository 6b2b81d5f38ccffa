// Times as people read them: relative ("3 min ago") with the absolute time beside it or in
// its title, from one page-wide clock that ticks every 15 seconds.
import { useSyncExternalStore } from 'react'
import { formatDateTime, formatRelative } from '../format.ts'

const TICK_MS = 15_000
let now = Date.now()
const listeners = new Set<() => void>()
let timer: ReturnType<typeof setInterval> | null = null

function subscribe(l: () => void) {
  listeners.add(l)
  if (timer === null) {
    now = Date.now()
    timer = setInterval(() => {
      now = Date.now()
      for (const f of listeners) f()
    }, TICK_MS)
  }
  return () => {
    listeners.delete(l)
    if (listeners.size === 0 && timer !== null) {
      clearInterval(timer)
      timer = null
    }
  }
}

/** useNow is the current time in ms, re-rendering the caller every 15 s. */
export function useNow(): number {
  return useSyncExternalStore(
    subscribe,
    () => now,
    () => now,
  )
}

/**
 * Time shows a time: relative, with the absolute local time in its title ("relative"), or
 * both side by side ("both"), or absolute only.
 */
export function Time({ value, mode = 'relative' }: { value: string | Date | number; mode?: 'relative' | 'both' | 'absolute' }) {
  const current = useNow()
  const d = value instanceof Date ? value : new Date(value)
  if (Number.isNaN(d.getTime())) return <span>{String(value)}</span>
  const abs = formatDateTime(d)
  const iso = d.toISOString()
  if (mode === 'absolute') {
    return (
      <time dateTime={iso} className="time" title={formatRelative(d, current)}>
        {abs}
      </time>
    )
  }
  const rel = formatRelative(d, Math.max(current, Date.now() - TICK_MS))
  if (mode === 'both') {
    return (
      <time dateTime={iso} className="time" title={`${abs} (${iso})`}>
        {rel} <span className="muted">· {abs}</span>
      </time>
    )
  }
  return (
    <time dateTime={iso} className="time" title={`${abs} (${iso})`}>
      {rel}
    </time>
  )
}
