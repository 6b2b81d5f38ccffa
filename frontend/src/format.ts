// Formatting helpers for the dashboard. Pure, and fixed to one locale so tests and
// screenshots do not depend on the browser's.

const numberFormat = new Intl.NumberFormat('en-US')

/** formatNumber writes an integer with thousands separators: 12345 → "12,345". */
export function formatNumber(n: number): string {
  return numberFormat.format(n)
}

/** formatCount writes a count with its noun: (1, "asset") → "1 asset", (2, "asset") → "2 assets". */
export function formatCount(n: number, singular: string, plural = singular + 's'): string {
  return `${formatNumber(n)} ${n === 1 ? singular : plural}`
}

/**
 * formatShown summarizes a page of a longer list: (50, 1234, "asset") → "50 of 1,234 assets",
 * and just the count when everything is shown.
 */
export function formatShown(shown: number, total: number, singular: string, plural = singular + 's'): string {
  if (shown >= total) return formatCount(total, singular, plural)
  return `${formatNumber(shown)} of ${formatCount(total, singular, plural)}`
}

/**
 * assetKeyString is the string form of an asset key: parts joined by "/", a "/" inside a
 * part written "\/" (["raw", "a/b"] → "raw/a\/b"), as the API's AssetKey.string.
 */
export function assetKeyString(path: readonly string[]): string {
  return path.map((part) => part.replaceAll('/', '\\/')).join('/')
}

/**
 * parseAssetKeyString is the inverse of assetKeyString: "raw/a\/b" → ["raw", "a/b"]. A
 * backslash before anything but "/" is kept, as the server reads it.
 */
export function parseAssetKeyString(s: string): string[] {
  const parts: string[] = []
  let cur = ''
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!
    if (ch === '\\' && s[i + 1] === '/') {
      cur += '/'
      i++
    } else if (ch === '/') {
      parts.push(cur)
      cur = ''
    } else {
      cur += ch
    }
  }
  parts.push(cur)
  return parts
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0')

/**
 * formatDateTime writes a time as "2026-11-21 18:19:00" in the browser's time zone (or
 * timeZone 'UTC'), to the second; seconds=false drops them.
 */
export function formatDateTime(t: string | number | Date, { utc = false, seconds = true } = {}): string {
  const d = t instanceof Date ? t : new Date(t)
  if (Number.isNaN(d.getTime())) return String(t)
  const [y, mo, da, h, mi, s] = utc
    ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()]
  return `${y}-${pad(mo)}-${pad(da)} ${pad(h)}:${pad(mi)}${seconds ? ':' + pad(s) : ''}`
}

/** formatTimeOfDay writes "18:19:00.123" (local, or UTC) for log lines. */
export function formatTimeOfDay(t: string | number | Date, { utc = false } = {}): string {
  const d = t instanceof Date ? t : new Date(t)
  if (Number.isNaN(d.getTime())) return String(t)
  return utc
    ? `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`
    : `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}

/**
 * formatRelative writes how far t is from now: "just now", "5 s ago", "3 min ago",
 * "2 h ago", "4 d ago", "in 20 min".
 */
export function formatRelative(t: string | number | Date, now: number): string {
  const ms = (t instanceof Date ? t.getTime() : new Date(t).getTime()) - now
  if (Number.isNaN(ms)) return String(t)
  const abs = Math.abs(ms)
  if (abs < 5_000) return 'just now'
  let text: string
  if (abs < 60_000) text = `${Math.floor(abs / 1000)} s`
  else if (abs < 3_600_000) text = `${Math.floor(abs / 60_000)} min`
  else if (abs < 86_400_000) text = `${Math.floor(abs / 3_600_000)} h`
  else if (abs < 60 * 86_400_000) text = `${Math.floor(abs / 86_400_000)} d`
  else if (abs < 730 * 86_400_000) text = `${Math.floor(abs / (30 * 86_400_000))} mo`
  else text = `${Math.floor(abs / (365 * 86_400_000))} y`
  return ms < 0 ? `${text} ago` : `in ${text}`
}

/** formatDuration writes milliseconds as "850 ms", "12.4 s", "3 min 5 s", "2 h 10 min". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
  const s = Math.round(ms / 1000)
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
}

/** formatBytes writes a size as "512 B", "1.5 KiB", "12.0 MiB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(1)} ${units[i]}`
}

/** quoteSelectionValue quotes a value for an asset selection: key:"a/b \"c\"". */
export function quoteSelectionValue(v: string): string {
  return '"' + v.replaceAll('\\', '\\\\').replaceAll('"', '\\"') + '"'
}

/**
 * searchToSelection turns what a user typed into a search box into an asset selection: a
 * single bare word (no selection syntax) finds keys containing it; anything else is taken
 * as a selection as it is. Empty stays empty (everything).
 */
export function searchToSelection(text: string): string {
  const t = text.trim()
  if (t === '') return ''
  if (/^[^\s:+*()"]+$/.test(t) && !/^(and|or|not|roots|sinks)$/i.test(t)) {
    return `key:${quoteSelectionValue('*' + t + '*')}`
  }
  return t
}
