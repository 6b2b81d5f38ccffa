import { Link } from '../router.tsx'

export function NotFoundPage({ pathname }: { pathname: string }) {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Page not found</h1>
      <p className="muted">
        Nothing lives at <code>{pathname}</code>. <Link href="/">Back to the asset graph</Link>
      </p>
    </section>
  )
}
