import { useEffect } from 'react'
import { assetKeyString } from './format.ts'
import { AssetListPage } from './pages/AssetListPage.tsx'
import { AssetPage } from './pages/AssetPage.tsx'
import { NotFoundPage } from './pages/NotFoundPage.tsx'
import { PlaceholderPage } from './pages/PlaceholderPage.tsx'
import { Link, useRoute } from './router.tsx'
import { hrefFor, sectionOf, type Route } from './routes.ts'

const NAV = [
  { section: 'graph', label: 'Graph', route: { name: 'graph' } },
  { section: 'catalog', label: 'Catalog', route: { name: 'catalog' } },
  { section: 'runs', label: 'Runs', route: { name: 'runs' } },
  { section: 'events', label: 'Events', route: { name: 'events' } },
] as const satisfies ReadonlyArray<{ section: ReturnType<typeof sectionOf>; label: string; route: Route }>

function titleOf(route: Route): string {
  switch (route.name) {
    case 'home':
    case 'catalog':
      return 'Assets'
    case 'asset':
      return assetKeyString(route.keyPath)
    case 'graph':
      return 'Asset graph'
    case 'runs':
      return 'Runs'
    case 'run':
      return `Run ${route.id}`
    case 'events':
      return 'Events'
    case 'notFound':
      return 'Not found'
  }
}

function Page({ route }: { route: Route }) {
  switch (route.name) {
    case 'home':
    case 'catalog':
      return <AssetListPage title="Assets" />
    case 'asset':
      return <AssetPage keyPath={route.keyPath} />
    case 'graph':
      return <PlaceholderPage title="Asset graph">The lineage graph is coming soon.</PlaceholderPage>
    case 'runs':
      return <PlaceholderPage title="Runs">Runs are coming soon.</PlaceholderPage>
    case 'run':
      return <PlaceholderPage title={`Run ${route.id}`}>Run details are coming soon.</PlaceholderPage>
    case 'events':
      return <PlaceholderPage title="Events">The live event log is coming soon.</PlaceholderPage>
    case 'notFound':
      return <NotFoundPage pathname={route.pathname} />
  }
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
      </header>
      <main className="app-main">
        <Page route={route} />
      </main>
    </>
  )
}
