import { graphql } from '../gql'
import { formatShown } from '../format.ts'
import { Link } from '../router.tsx'
import { hrefFor } from '../routes.ts'
import { useQuery } from '../useQuery.ts'

export const ASSET_LIST_LIMIT = 50

export const AssetListQuery = graphql(`
  query AssetList($first: Int!) {
    assets(first: $first) {
      totalCount
      nodes {
        key {
          path
          string
        }
        definition {
          group
        }
      }
    }
  }
`)

/** AssetListPage lists the first assets of the catalog, in key order. */
export function AssetListPage({ title }: { title: string }) {
  const result = useQuery(AssetListQuery, { first: ASSET_LIST_LIMIT })

  return (
    <section aria-labelledby="page-title">
      <div className="page-header">
        <h1 id="page-title">{title}</h1>
        {result.status === 'success' && result.data.assets.totalCount > 0 && (
          <p className="muted" data-testid="asset-count">
            {formatShown(result.data.assets.nodes.length, result.data.assets.totalCount, 'asset')}
          </p>
        )}
      </div>
      {result.status === 'loading' && (
        <p role="status" className="muted">
          Loading assets…
        </p>
      )}
      {result.status === 'error' && (
        <div role="alert" className="error">
          <strong>Could not load assets.</strong> {result.error.message}
        </div>
      )}
      {result.status === 'success' && result.data.assets.nodes.length === 0 && (
        <div className="empty" data-testid="asset-list-empty">
          <p>
            <strong>No assets yet.</strong>
          </p>
          <p className="muted">
            Declare assets in a <code>plumbline.yaml</code> and apply it with <code>plumbline defs apply</code>, or
            report a materialization:{' '}
            <code>curl -X POST {window.location.origin}/report_asset_materialization/warehouse/orders</code>
          </p>
        </div>
      )}
      {result.status === 'success' && result.data.assets.nodes.length > 0 && (
        <table className="asset-table" data-testid="asset-list">
          <thead>
            <tr>
              <th scope="col">Asset</th>
              <th scope="col">Group</th>
            </tr>
          </thead>
          <tbody>
            {result.data.assets.nodes.map((asset) => (
              <tr key={asset.key.string}>
                <td>
                  <Link href={hrefFor({ name: 'asset', keyPath: asset.key.path })} className="asset-key">
                    {asset.key.string}
                  </Link>
                </td>
                <td>
                  {asset.definition === null || asset.definition === undefined ? (
                    <span className="muted" title="Reported on, never declared">
                      undeclared
                    </span>
                  ) : asset.definition.group ? (
                    <span className="badge">{asset.definition.group}</span>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
