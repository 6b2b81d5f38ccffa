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
