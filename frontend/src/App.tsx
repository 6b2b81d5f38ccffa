import { lazy, Suspense, useEffect } from 'react'
import { Loading } from './components/States.tsx'
import { assetKeyString } from './format.ts'
import { useConnection } from './live.ts'
import { CatalogPage } from './pages/CatalogPage.tsx'
import { EventsPage } from './pages/EventsPage.tsx'
import { NotFoundPage } from './pages/NotFoundPage.tsx'
import { RunPage } from './pages/RunPage.tsx'
import { RunsPage } from './pages/RunsPage.tsx'
import { Link, useRoute } from './router.tsx'
import { hrefFor, sectionOf, type Route } from './routes.ts'

// The graph (React Flow) and the asset page (Markdown, plots, a lineage graph) load as
// their own chunks.
const GraphPage = lazy(() => import('./pages/GraphPage.tsx').then((m) => ({ default: m.GraphPage })))
const AssetPage = lazy(() => import('./pages/AssetPage.tsx').then((m) => ({ default: m.AssetPage })))

const NAV = [
  { section: 'graph', label: 'Graph', route: { name: 'graph' } },
  { section: 'catalog', label: 'Catalog', route: { name: 'catalog' } },
  { section: 'runs', label: 'Runs', route: { name: 'runs' } },
  { section: 'events', label: 'Events', route: { name: 'events' } },
] as const satisfies ReadonlyArray<{ section: ReturnType<typeof sectionOf>; label: string; route: Route }>

function titleOf(route: Route): string {
  switch (route.name) {
    case 'catalog':
      return 'Catalog'
    case 'asset':
      return assetKeyString(route.keyPath)
    case 'graph':
      return 'Asset graph'
    case 'runs':
      return 'Runs'
    case 'run':
      return `Run ${route.id.slice(0, 8)}`
    case 'events':
      return 'Events'
    case 'notFound':
      return 'Not found'
  }
}

function Page({ route }: { route: Route }) {
  switch (route.name) {
    case 'catalog':
      return <CatalogPage />
    case 'asset':
      return <AssetPage key={route.keyPath.join('\u0000')} keyPath={route.keyPath} />
    case 'graph':
      return <GraphPage />
    case 'runs':
      return <RunsPage />
    case 'run':
      return <RunPage key={route.id} id={route.id} />
    case 'events':
      return <EventsPage />
    case 'notFound':
      return <NotFoundPage pathname={route.pathname} />
  }
}

function ConnectionIndicator() {
  const c = useConnection()
  if (c === 'idle') return null
  const label = c === 'connected' ? 'Live' : c === 'connecting' ? 'Connecting…' : 'Offline'
  return (
    <span className={`connection connection-${c}`} data-testid="connection" role="status" title="Live updates by subscription">
      <span className="connection-dot" aria-hidden="true" />
      {label}
    </span>
  )
}

export function App() {
  const route = useRoute()
  const section = sectionOf(route)
  const title = titleOf(route)

  useEffect(() => {
    document.title = `${title} · Plumbline`
  }, [title])

  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="app-header">
        <Link href="/" className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Plumbline
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.section}>
                <Link href={hrefFor(item.route)} aria-current={section === item.section ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
            <li>
              {/* A separate page (its own bundle), so a full page load. */}
              <a href="/graphiql">GraphiQL</a>
            </li>
          </ul>
        </nav>
        <span className="header-spacer" />
        <ConnectionIndicator />
      </header>
      <main className={`app-main${route.name === 'graph' ? ' wide' : ''}`} id="main">
        <Suspense fallback={<Loading />}>
          <Page route={route} />
        </Suspense>
      </main>
    </>
  )
}
