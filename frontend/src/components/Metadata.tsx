// Typed metadata rendered by type: links for url and path (when they are web addresses),
// sanitized Markdown for md, tables for table and table_schema, pretty JSON, relative and
// absolute times for timestamps, links to assets and runs.
import { lazy, Suspense, useState } from 'react'
import { formatDateTime, parseAssetKeyString } from '../format.ts'
import {
  columnLineageOf,
  describeConstraints,
  formatMetadataNumber,
  numberOf,
  safeHref,
  schemaColumns,
  tableOf,
  timestampOf,
  type Entry,
} from '../metadata.ts'
import { Link } from '../router.tsx'
import { hrefFor } from '../routes.ts'
import { Time } from './Time.tsx'

/** AssetLink links to an asset's page by its key string or path. */
export function AssetLink({ keyString, path, className }: { keyString?: string; path?: readonly string[]; className?: string }) {
  const parts = path ? [...path] : parseAssetKeyString(keyString ?? '')
  const text = keyString ?? parts.map((p) => p.replaceAll('/', '\\/')).join('/')
  return (
    <Link href={hrefFor({ name: 'asset', keyPath: parts })} className={`asset-key ${className ?? ''}`}>
      {text}
    </Link>
  )
}

/** RunLink links to a run's page, showing the start of its id. */
export function RunLink({ id, full = false }: { id: string; full?: boolean }) {
  return (
    <Link href={hrefFor({ name: 'run', id })} className="mono" title={id}>
      {full ? id : id.slice(0, 8)}
    </Link>
  )
}

function jsonText(v: unknown): string {
  try {
    return JSON.stringify(v, null, 2) ?? String(v)
  } catch {
    return String(v)
  }
}

function Json({ value }: { value: unknown }) {
  const text = jsonText(value)
  const long = text.split('\n').length > 12
  const [open, setOpen] = useState(!long)
  return (
    <div className="md-json">
      <pre className={open ? 'json' : 'json json-clipped'}>{text}</pre>
      {long && (
        <button type="button" className="link-button" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? 'Show less' : 'Show all'}
        </button>
      )}
    </div>
  )
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

// marked and DOMPurify load with the first Markdown value (the asset page preloads them).
const LazyMarkdown = lazy(() => import('./Markdown.tsx'))

/** Markdown shows an md value, sanitized; its source, as text, until the renderer has loaded. */
export function Markdown({ source }: { source: string }) {
  return (
    <Suspense fallback={<div className="markdown pre-wrap">{source}</div>}>
      <LazyMarkdown source={source} />
    </Suspense>
  )
}

/** MetadataValue renders one value by its type. */
export function MetadataValue({ entry }: { entry: Entry }) {
  const { type, value } = entry
  switch (type) {
    case 'int':
    case 'float': {
      const n = numberOf(entry)
      return n === null ? <span className="mono">{cellText(value)}</span> : <span className="mono num" title={String(value)}>{formatMetadataNumber(type, n)}</span>
    }
    case 'bool':
      return <span className="mono">{value === true ? 'true' : value === false ? 'false' : cellText(value)}</span>
    case 'null':
      return <span className="muted mono">null</span>
    case 'url': {
      const href = safeHref(value)
      return href ? (
        <a href={href} target="_blank" rel="noopener noreferrer" className="break">
          {href}
        </a>
      ) : (
        <span className="mono break">{cellText(value)}</span>
      )
    }
    case 'path':
    case 'notebook': {
      const href = safeHref(value)
      return href ? (
        <a href={href} target="_blank" rel="noopener noreferrer" className="mono break">
          {href}
        </a>
      ) : (
        <code className="break" title={type === 'notebook' ? 'Notebook path' : 'Path'}>
          {cellText(value)}
        </code>
      )
    }
    case 'md':
      return typeof value === 'string' ? <Markdown source={value} /> : <Json value={value} />
    case 'json':
      return <Json value={value} />
    case 'timestamp': {
      const d = timestampOf(value)
      return d ? (
        <span>
          <Time value={d} mode="both" /> <span className="muted mono">UTC {formatDateTime(d, { utc: true })}</span>
        </span>
      ) : (
        <span className="mono">{cellText(value)}</span>
      )
    }
    case 'asset':
      return typeof value === 'string' && value !== '' ? <AssetLink keyString={value} /> : <Json value={value} />
    case 'run':
      return typeof value === 'string' && value !== '' ? <RunLink id={value} full /> : <Json value={value} />
    case 'table_schema': {
      const cols = schemaColumns(value)
      if (!cols) return <Json value={value} />
      return (
        <div className="table-scroll">
        <table className="data-table compact">
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Type</th>
              <th scope="col">Description</th>
              <th scope="col">Constraints</th>
            </tr>
          </thead>
          <tbody>
            {cols.map((c) => (
              <tr key={c.name}>
                <td className="mono">{c.name}</td>
                <td className="mono muted">{c.type ?? ''}</td>
                <td>{c.description ?? ''}</td>
                <td className="muted">{describeConstraints(c.constraints)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )
    }
    case 'table': {
      const t = tableOf(value)
      if (!t) return <Json value={value} />
      return (
        <div className="table-scroll">
          <table className="data-table compact">
            <thead>
              <tr>
                {t.columns.map((c) => (
                  <th key={c} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {t.rows.map((r, i) => (
                <tr key={i}>
                  {t.columns.map((c) => (
                    <td key={c} className="mono">
                      {cellText(r[c])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {t.rows.length === 0 && <p className="muted">No records.</p>}
        </div>
      )
    }
    case 'table_column_lineage': {
      const cl = columnLineageOf(value)
      if (!cl) return <Json value={value} />
      return (
        <ul className="plain">
          {cl.map((c) => (
            <li key={c.column}>
              <span className="mono">{c.column}</span> ←{' '}
              {c.deps.map((d, i) => (
                <span key={i}>
                  {i > 0 && ', '}
                  {d.asset ? <AssetLink keyString={d.asset} /> : null}
                  <span className="mono">.{d.column}</span>
                </span>
              ))}
            </li>
          ))}
        </ul>
      )
    }
    case 'text':
    default:
      return typeof value === 'string' ? <span className="pre-wrap">{value}</span> : <Json value={value} />
  }
}

/** MetadataList shows entries as a definition list: key, type, value. */
export function MetadataList({ entries, testId }: { entries: readonly Entry[]; testId?: string }) {
  if (entries.length === 0) return <p className="muted">No metadata.</p>
  return (
    <dl className="metadata" data-testid={testId}>
      {entries.map((e) => (
        <div key={e.key} className="metadata-row" data-type={e.type}>
          <dt>
            <span className="mono">{e.key}</span> <span className="type-tag">{e.type}</span>
          </dt>
          <dd>
            <MetadataValue entry={e} />
          </dd>
        </div>
      ))}
    </dl>
  )
}
