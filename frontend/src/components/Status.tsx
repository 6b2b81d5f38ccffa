import { HEALTH_LABEL, statusLabel, toneOf, type Health } from '../health.ts'

/** StatusBadge shows an API status (check, freshness, run, level) in its tone's colours. */
export function StatusBadge({ status, label, title }: { status: string; label?: string; title?: string }) {
  return (
    <span className={`status status-${toneOf(status)}`} data-status={status} title={title}>
      {label ?? statusLabel(status)}
    </span>
  )
}

/** HealthDot is a coloured dot with the health's name for screen readers and tooltips. */
export function HealthDot({ health }: { health: Health }) {
  return <span className={`health-dot health-${health}`} role="img" aria-label={HEALTH_LABEL[health]} title={HEALTH_LABEL[health]} />
}
