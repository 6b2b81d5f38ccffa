import type { ReactNode } from 'react'

/** PlaceholderPage stands in for a section of the dashboard that is not built yet. */
export function PlaceholderPage({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{title}</h1>
      <p className="muted">{children ?? 'Coming soon.'}</p>
    </section>
  )
}
