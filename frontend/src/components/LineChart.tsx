// A small SVG line chart of one numeric series over time: no chart library. Fixed size
// (no layout shift when points arrive), axes with the range and first/last times, points
// with tooltips.
import { formatDateTime } from '../format.ts'
import { formatMetadataNumber, type Point } from '../metadata.ts'

const W = 320
const H = 120
const PAD = { left: 8, right: 8, top: 10, bottom: 22 }

export interface ChartScale {
  x: (t: number) => number
  y: (v: number) => number
  min: number
  max: number
}

/** scaleFor maps a series onto the chart's box; a flat series sits in the middle. */
export function scaleFor(points: readonly Point[], width = W, height = H): ChartScale {
  const ts = points.map((p) => p.t)
  const vs = points.map((p) => p.v)
  const t0 = Math.min(...ts)
  const t1 = Math.max(...ts)
  const min = Math.min(...vs)
  const max = Math.max(...vs)
  const iw = width - PAD.left - PAD.right
  const ih = height - PAD.top - PAD.bottom
  return {
    x: (t) => PAD.left + (t1 === t0 ? iw / 2 : ((t - t0) / (t1 - t0)) * iw),
    y: (v) => PAD.top + (max === min ? ih / 2 : ih - ((v - min) / (max - min)) * ih),
    min,
    max,
  }
}

export function LineChart({ title, points, type = 'float' }: { title: string; points: readonly Point[]; type?: string }) {
  if (points.length === 0) return null
  const s = scaleFor(points)
  const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${s.x(p.t).toFixed(1)},${s.y(p.v).toFixed(1)}`).join(' ')
  const last = points[points.length - 1]!
  const first = points[0]!
  const fmt = (v: number) => formatMetadataNumber(type, v)
  return (
    <figure className="chart" data-testid="metadata-plot" data-key={title}>
      <figcaption>
        <span className="mono">{title}</span>
        <span className="chart-last mono">{fmt(last.v)}</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={`${title} over time: ${points.length} points, latest ${fmt(last.v)}`}>
        <line x1={PAD.left} x2={W - PAD.right} y1={H - PAD.bottom} y2={H - PAD.bottom} className="chart-axis" />
        <path d={d} className="chart-line" fill="none" />
        {points.map((p) => (
          <circle key={p.storageId} cx={s.x(p.t)} cy={s.y(p.v)} r={points.length > 60 ? 1.5 : 3} className="chart-point">
            <title>{`${fmt(p.v)} at ${formatDateTime(p.t)}`}</title>
          </circle>
        ))}
        <text x={PAD.left} y={H - 6} className="chart-label">
          {formatDateTime(first.t, { seconds: false })}
        </text>
        <text x={W - PAD.right} y={H - 6} className="chart-label" textAnchor="end">
          {formatDateTime(last.t, { seconds: false })}
        </text>
      </svg>
      <p className="chart-range muted small">
        {points.length} point{points.length === 1 ? '' : 's'}
        {s.max !== s.min && ` · ${fmt(s.min)} – ${fmt(s.max)}`}
      </p>
    </figure>
  )
}
