import { assetKeyString } from '../format.ts'
import { Link } from '../router.tsx'
import { hrefFor } from '../routes.ts'

/** AssetPage is the deep-linkable page of one asset; its details come with the catalog views. */
export function AssetPage({ keyPath }: { keyPath: string[] }) {
  return (
    <section aria-labelledby="page-title">
      <p className="muted">
        <Link href={hrefFor({ name: 'catalog' })}>Catalog</Link> /
      </p>
      <h1 id="page-title" className="asset-key">
        {assetKeyString(keyPath)}
      </h1>
      <p className="muted">Asset details are coming soon.</p>
    </section>
  )
}
