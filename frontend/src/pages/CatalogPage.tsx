// The catalog: every asset in a table, searched by selection or key, filtered by group,
// kind and owner (turned into a selection the API evaluates), sorted and paged by the API.
// Rows update live as assets change.
import { useCallback, useMemo, useRef, useState, type FormEvent } from 'react'
import { AssetLink } from '../components/Metadata.tsx'
import { Empty, ErrorBox, Loading, Pager } from '../components/States.tsx'
import { StatusBadge } from '../components/Status.tsx'
import { Time } from '../components/Time.tsx'
import { formatShown, quoteSelectionValue, searchToSelection } from '../format.ts'
import { graphql } from '../gql'
import type { AssetOrder, CatalogAssetFragment } from '../gql/graphql.ts'
import { effectiveFreshness } from '../health.ts'
import { useLive } from '../live.ts'
import { useSearchParams, useSlashToFocus } from '../router.tsx'
import { useQuery } from '../useQuery.ts'

export const CATALOG_PAGE_SIZE = 50

export const CatalogAssetFragmentDoc = graphql(`
  fragment CatalogAsset on Asset {
    key {
      path
      string
    }
    declared
    definition {
      group
      owners
      kinds
    }
    latestMaterialization {
      timestamp
    }
    latestObservation {
      timestamp
    }
    checkStatus
    freshness {
      status
      deadline
    }
    updatedAt
  }
`)

export const CatalogQuery = graphql(`
  query Catalog($selection: String, $first: Int!, $after: String, $orderBy: AssetOrder, $descending: Boolean) {
    assets(selection: $selection, first: $first, after: $after, orderBy: $orderBy, descending: $descending) {
      totalCount
      nodes {
        ...CatalogAsset
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`)

export const CatalogFacetsQuery = graphql(`
  query CatalogFacets {
    assets(first: 10000) {
      nodes {
        definition {
          group
          kinds
          owners
        }
      }
    }
  }
`)

export const CatalogAssetUpdated = graphql(`
  subscription CatalogAssetUpdated($selection: String) {
    assetUpdated(selection: $selection) {
      ...CatalogAsset
    }
  }
`)

const SORTS: Record<string, AssetOrder> = { key: 'KEY', group: 'GROUP', materialized: 'LAST_MATERIALIZATION' }

/** catalogSelection combines the search text and the filters into one selection. */
export function catalogSelection(q: string, filters: { group?: string | null; kind?: string | null; owner?: string | null }): string {
  const parts: string[] = []
  const s = searchToSelection(q)
  if (s) parts.push(`(${s})`)
  if (filters.group) parts.push(`group:${quoteSelectionValue(filters.group)}`)
  if (filters.kind) parts.push(`kind:${quoteSelectionValue(filters.kind)}`)
  if (filters.owner) parts.push(`owner:${quoteSelectionValue(filters.owner)}`)
  return parts.length === 1 && s ? s : parts.join(' and ')
}

function SortHeader({ label, sort, current, descending, onSort }: { label: string; sort: string; current: string; descending: boolean; onSort: (s: string) => void }) {
  const active = current === sort
  return (
    <th scope="col" aria-sort={active ? (descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="sort-button" onClick={() => onSort(sort)}>
        {label}
        <span aria-hidden="true" className="sort-arrow">
          {active ? (descending ? '▼' : '▲') : ''}
        </span>
      </button>
    </th>
  )
}

export function CatalogPage() {
  const [params, setParams] = useSearchParams()
  const q = params.get('q') ?? ''
  const group = params.get('group')
  const kind = params.get('kind')
  const owner = params.get('owner')
  const sort = params.get('sort') && SORTS[params.get('sort')!] ? params.get('sort')! : 'key'
  const descending = params.get('desc') === '1'
  const after = params.get('after')
  const selection = catalogSelection(q, { group, kind, owner })

  const vars = { selection: selection || null, first: CATALOG_PAGE_SIZE, after, orderBy: SORTS[sort]!, descending }
  const result = useQuery(CatalogQuery, vars, { keepPrevious: true })
  const facets = useQuery(CatalogFacetsQuery)
  const { setData } = result

  const onUpdate = useCallback(
    (d: { assetUpdated: CatalogAssetFragment }) => {
      const u = d.assetUpdated
      setData((data) => {
        const i = data.assets.nodes.findIndex((n) => n.key.string === u.key.string)
        if (i < 0 || Date.parse(u.updatedAt) < Date.parse(data.assets.nodes[i]!.updatedAt)) return data
        const nodes = data.assets.nodes.slice()
        nodes[i] = u
        return { assets: { ...data.assets, nodes } }
      })
    },
    [setData],
  )
  useLive(CatalogAssetUpdated, { selection: selection || null }, onUpdate, { onResync: result.refetch, enabled: result.data !== undefined })

  // Cursors of the pages before this one, for Previous.
  const [stack, setStack] = useState<Array<string | null>>([])
  const options = useMemo(() => {
    const g = new Set<string>()
    const k = new Set<string>()
    const o = new Set<string>()
    for (const n of facets.data?.assets.nodes ?? []) {
      if (n.definition?.group) g.add(n.definition.group)
      for (const x of n.definition?.kinds ?? []) k.add(x)
      for (const x of n.definition?.owners ?? []) o.add(x)
    }
    return { groups: [...g].sort(), kinds: [...k].sort(), owners: [...o].sort() }
  }, [facets.data])

  const setFilter = (changes: Record<string, string | null>) => {
    setStack([])
    setParams({ ...changes, after: null })
  }
  const onSort = (s: string) => setFilter({ sort: s === 'key' ? null : s, desc: sort === s && !descending ? '1' : s === 'materialized' && sort !== s ? '1' : null })

  const input = useRef<HTMLInputElement>(null)
  useSlashToFocus(input)
  const [text, setText] = useState(q)
  const [lastQ, setLastQ] = useState(q)
  if (q !== lastQ) {
    setLastQ(q)
    setText(q)
  }
  const submit = (e: FormEvent) => {
    e.preventDefault()
    setFilter({ q: text.trim() })
  }

  const data = result.data?.assets
  const pageStart = stack.length * CATALOG_PAGE_SIZE

  return (
    <section aria-labelledby="page-title">
      <div className="page-header">
        <h1 id="page-title">Catalog</h1>
        <p className="muted" data-testid="asset-count">
          {data && data.totalCount > 0 && formatShown(data.nodes.length, data.totalCount, 'asset')}
        </p>
      </div>
      <form className="toolbar" role="search" onSubmit={submit}>
        <input
          ref={input}
          type="search"
          className="search"
          aria-label="Search assets"
          placeholder="Search by key, or a selection: group:marts and kind:dbt  (press /)"
          value={text}
          onChange={(e) => setText(e.target.value)}
          spellCheck={false}
          autoComplete="off"
          data-testid="catalog-search"
        />
        <button type="submit">Search</button>
        <select aria-label="Group" value={group ?? ''} onChange={(e) => setFilter({ group: e.target.value || null })}>
          <option value="">All groups</option>
          {options.groups.map((g) => (
            <option key={g}>{g}</option>
          ))}
        </select>
        <select aria-label="Kind" value={kind ?? ''} onChange={(e) => setFilter({ kind: e.target.value || null })}>
          <option value="">All kinds</option>
          {options.kinds.map((g) => (
            <option key={g}>{g}</option>
          ))}
        </select>
        <select aria-label="Owner" value={owner ?? ''} onChange={(e) => setFilter({ owner: e.target.value || null })}>
          <option value="">All owners</option>
          {options.owners.map((g) => (
            <option key={g}>{g}</option>
          ))}
        </select>
      </form>
      {result.status === 'error' && <ErrorBox title="Could not load assets." error={result.error} />}
      {result.status === 'loading' && <Loading>Loading assets…</Loading>}
      {data && data.nodes.length === 0 && (
        <Empty title={selection ? 'No asset matches.' : 'No assets yet.'} testId="asset-list-empty">
          {selection ? (
            <p>
              Nothing matched <code>{selection}</code>.
            </p>
          ) : (
            <p>
              Declare assets in a <code>plumbline.yaml</code> and apply it with <code>plumbline defs apply</code>, or report a
              materialization: <code>curl -X POST {window.location.origin}/report_asset_materialization/warehouse/orders</code>
            </p>
          )}
        </Empty>
      )}
      {data && data.nodes.length > 0 && (
        <>
          <div className="table-scroll">
            <table className="data-table" data-testid="asset-list" aria-busy={result.refreshing}>
              <thead>
                <tr>
                  <SortHeader label="Asset" sort="key" current={sort} descending={descending} onSort={onSort} />
                  <SortHeader label="Group" sort="group" current={sort} descending={descending} onSort={onSort} />
                  <th scope="col">Owners</th>
                  <th scope="col">Kinds</th>
                  <SortHeader label="Last materialized" sort="materialized" current={sort} descending={descending} onSort={onSort} />
                  <th scope="col">Checks</th>
                  <th scope="col">Freshness</th>
                </tr>
              </thead>
              <tbody>
                {data.nodes.map((a) => (
                  <tr key={a.key.string} data-key={a.key.string}>
                    <td>
                      <AssetLink path={a.key.path} keyString={a.key.string} />
                      {!a.declared && (
                        <span className="badge badge-muted" title="Reported on, never declared">
                          undeclared
                        </span>
                      )}
                    </td>
                    <td>{a.definition?.group ? <span className="badge">{a.definition.group}</span> : <span className="muted">—</span>}</td>
                    <td className="small">{a.definition?.owners.join(', ') || <span className="muted">—</span>}</td>
                    <td className="small">{a.definition?.kinds.join(', ') || <span className="muted">—</span>}</td>
                    <td className="nowrap">
                      {a.latestMaterialization ? (
                        <Time value={a.latestMaterialization.timestamp} />
                      ) : a.latestObservation ? (
                        <span title="Observed, never materialized">
                          observed <Time value={a.latestObservation.timestamp} />
                        </span>
                      ) : (
                        <span className="muted">never</span>
                      )}
                    </td>
                    <td>
                      <StatusBadge status={a.checkStatus} />
                    </td>
                    <td>
                      <StatusBadge status={effectiveFreshness(a.freshness, Date.now())} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            hasPrevious={stack.length > 0 || after !== null}
            hasNext={data.pageInfo.hasNextPage}
            busy={result.refreshing}
            onPrevious={() => {
              const s = stack.slice()
              const prev = s.pop() ?? null
              setStack(s)
              setParams({ after: prev })
            }}
            onNext={() => {
              setStack([...stack, after])
              setParams({ after: data.pageInfo.endCursor })
            }}
          >
            {pageStart + 1}–{pageStart + data.nodes.length} of {data.totalCount.toLocaleString('en-US')}
          </Pager>
        </>
      )}
    </section>
  )
}
