import type { ReactNode } from 'react'
import type { ApiError } from '../api.ts'

/** Loading is a polite status line. */
export function Loading({ children = 'Loading…' }: { children?: ReactNode }) {
  return (
    <p role="status" className="muted loading">
      {children}
    </p>
  )
}

/** ErrorBox shows what failed and the API's own message. */
export function ErrorBox({ title, error }: { title: string; error: ApiError | Error | string }) {
  return (
    <div role="alert" className="error">
      <strong>{title}</strong> {typeof error === 'string' ? error : error.message}
    </div>
  )
}

/** Empty is an empty state: what is missing and what to do about it. */
export function Empty({ title, children, testId }: { title: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="empty" data-testid={testId}>
      <p>
        <strong>{title}</strong>
      </p>
      {children && <div className="muted">{children}</div>}
    </div>
  )
}

/** Pager moves through a connection: newer / older (or previous / next) pages by cursor. */
export function Pager({
  hasPrevious,
  hasNext,
  onPrevious,
  onNext,
  previousLabel = 'Previous',
  nextLabel = 'Next',
  busy,
  children,
}: {
  hasPrevious: boolean
  hasNext: boolean
  onPrevious: () => void
  onNext: () => void
  previousLabel?: string
  nextLabel?: string
  busy?: boolean
  children?: ReactNode
}) {
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" onClick={onPrevious} disabled={!hasPrevious || busy}>
        ← {previousLabel}
      </button>
      <span className="muted">{children}</span>
      <button type="button" onClick={onNext} disabled={!hasNext || busy}>
        {nextLabel} →
      </button>
    </nav>
  )
}
