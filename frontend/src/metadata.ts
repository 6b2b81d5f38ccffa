// Pure helpers for typed metadata values (MetadataEntry {key type value}): which links are
// safe to follow, tables, and the numeric series plotted on the asset page.

export interface Entry {
  key: string
  type: string
  value: unknown
}

/**
 * safeHref returns url when a browser may follow it from the dashboard (http, https,
 * mailto), else null: javascript:, data: and the like are never links.
 */
export function safeHref(url: unknown): string | null {
  if (typeof url !== 'string') return null
  const s = url.trim()
  let u: URL
  try {
    u = new URL(s)
  } catch {
    return null
  }
  return u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'mailto:' ? s : null
}

/** numberOf reads an int or float entry's value (ints and floats keep their JSON form). */
export function numberOf(e: Entry): number | null {
  if (e.type !== 'int' && e.type !== 'float') return null
  const v = typeof e.value === 'string' ? Number(e.value) : e.value
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

/** formatMetadataNumber writes an int with separators, a float as it came (trimmed to 6 significant places if longer). */
export function formatMetadataNumber(type: string, v: number): string {
  if (type === 'int' || Number.isInteger(v)) {
    return Number.isSafeInteger(v) ? new Intl.NumberFormat('en-US').format(v) : String(v)
  }
  const s = String(v)
  return s.length > 12 ? String(Number(v.toPrecision(6))) : s
}

export interface Column {
  name: string
  type?: string
  description?: string
  constraints?: Record<string, unknown>
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** schemaColumns reads a table_schema value ({columns: [...]}); null when it is not one. */
export function schemaColumns(v: unknown): Column[] | null {
  if (!isObject(v) || !Array.isArray(v.columns)) return null
  const cols: Column[] = []
  for (const c of v.columns) {
    if (!isObject(c) || typeof c.name !== 'string') return null
    cols.push({
      name: c.name,
      type: typeof c.type === 'string' ? c.type : undefined,
      description: typeof c.description === 'string' ? c.description : undefined,
      constraints: isObject(c.constraints) ? c.constraints : undefined,
    })
  }
  return cols
}

/** describeConstraints writes a column's constraints: "not null, unique, other: x > 0". */
export function describeConstraints(c: Record<string, unknown> | undefined): string {
  if (!c) return ''
  const parts: string[] = []
  if (c.nullable === false) parts.push('not null')
  if (c.unique === true) parts.push('unique')
  if (Array.isArray(c.other)) for (const o of c.other) if (typeof o === 'string') parts.push(o)
  return parts.join(', ')
}

/**
 * tableOf reads a table value ({records: [objects], schema?: {columns}}): its columns (from
 * the schema, else the records' keys in first-seen order) and rows.
 */
export function tableOf(v: unknown): { columns: string[]; rows: Array<Record<string, unknown>> } | null {
  if (!isObject(v) || !Array.isArray(v.records)) return null
  const rows = v.records.filter(isObject)
  const schema = schemaColumns(v.schema)
  let columns: string[]
  if (schema) columns = schema.map((c) => c.name)
  else {
    const seen = new Set<string>()
    for (const r of rows) for (const k of Object.keys(r)) seen.add(k)
    columns = [...seen]
  }
  return { columns, rows }
}

/** columnLineageOf reads a table_column_lineage value ({deps_by_column: {col: [{asset_key, column_name}]}}). */
export function columnLineageOf(v: unknown): Array<{ column: string; deps: Array<{ asset: string; column: string }> }> | null {
  if (!isObject(v) || !isObject(v.deps_by_column)) return null
  const out: Array<{ column: string; deps: Array<{ asset: string; column: string }> }> = []
  for (const [column, deps] of Object.entries(v.deps_by_column)) {
    if (!Array.isArray(deps)) return null
    const list: Array<{ asset: string; column: string }> = []
    for (const d of deps) {
      if (!isObject(d)) return null
      const key = d.asset_key
      const asset = typeof key === 'string' ? key : isObject(key) && Array.isArray(key.path) ? key.path.join('/') : Array.isArray(key) ? key.join('/') : ''
      list.push({ asset, column: typeof d.column_name === 'string' ? d.column_name : '' })
    }
    out.push({ column, deps: list })
  }
  return out
}

/** timestampOf reads a timestamp value: seconds since the epoch. */
export function timestampOf(v: unknown): Date | null {
  const n = typeof v === 'string' ? Number(v) : v
  if (typeof n !== 'number' || !Number.isFinite(n)) return null
  const d = new Date(n * 1000)
  return Number.isNaN(d.getTime()) ? null : d
}

export interface Point {
  t: number
  v: number
  storageId: string
}

/**
 * numericSeries collects, per metadata key, the int and float values of events over time,
 * oldest first: one line per key on the asset page's plots.
 */
export function numericSeries(
  events: ReadonlyArray<{ storageId: string; timestamp: string; metadata: readonly Entry[] }>,
): Map<string, Point[]> {
  const out = new Map<string, Point[]>()
  for (const e of events) {
    const t = Date.parse(e.timestamp)
    if (Number.isNaN(t)) continue
    for (const m of e.metadata) {
      const v = numberOf(m)
      if (v === null) continue
      let s = out.get(m.key)
      if (!s) out.set(m.key, (s = []))
      s.push({ t, v, storageId: e.storageId })
    }
  }
  for (const s of out.values()) s.sort((a, b) => a.t - b.t || Number(a.storageId) - Number(b.storageId))
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}
