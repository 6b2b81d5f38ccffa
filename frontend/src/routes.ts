// The dashboard's routes: a pure mapping between URL paths and Route values, so deep links
// work and the mapping is unit-tested. The Go handler serves index.html for every path that
// is not a file, except under /assets/ (the build's hashed files) — so no client route may
// start with /assets/; asset pages live under /catalog/.

export type Route =
  | { name: 'graph' }
  | { name: 'catalog' }
  | { name: 'asset'; keyPath: string[] }
  | { name: 'runs' }
  | { name: 'run'; id: string }
  | { name: 'events' }
  | { name: 'notFound'; pathname: string }

/** The URL path segments of pathname, percent-decoded; empty segments are dropped. */
export function segments(pathname: string): string[] | null {
  const parts = pathname.split('/').filter((s) => s !== '')
  try {
    return parts.map((s) => decodeURIComponent(s))
  } catch {
    return null // malformed percent-encoding
  }
}

/** matchRoute returns the route for a URL path (without query or hash). */
export function matchRoute(pathname: string): Route {
  const parts = segments(pathname)
  if (parts === null) return { name: 'notFound', pathname }
  const [head, ...rest] = parts
  switch (head) {
    case undefined:
      return { name: 'graph' }
    case 'graph':
      // The graph is the home page; /graph stays a name for it.
      if (rest.length === 0) return { name: 'graph' }
      break
    case 'catalog':
      return rest.length === 0 ? { name: 'catalog' } : { name: 'asset', keyPath: rest }
    case 'runs':
      if (rest.length === 0) return { name: 'runs' }
      if (rest.length === 1) return { name: 'run', id: rest[0]! }
      break
    case 'events':
      if (rest.length === 0) return { name: 'events' }
      break
  }
  return { name: 'notFound', pathname }
}

/**
 * withQuery appends query parameters to a path, leaving out empty values:
 * withQuery('/runs', {status: 'FAILURE', after: ''}) → '/runs?status=FAILURE'.
 */
export function withQuery(path: string, params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== '') q.set(k, String(v))
  }
  const s = q.toString()
  return s ? `${path}?${s}` : path
}

/** hrefFor is the inverse of matchRoute: the URL path of a route. */
export function hrefFor(route: Route): string {
  switch (route.name) {
    case 'graph':
      return '/'
    case 'catalog':
      return '/catalog'
    case 'asset':
      return '/catalog/' + route.keyPath.map(encodeURIComponent).join('/')
    case 'runs':
      return '/runs'
    case 'run':
      return '/runs/' + encodeURIComponent(route.id)
    case 'events':
      return '/events'
    case 'notFound':
      return route.pathname
  }
}

/** The top-level section a route belongs to, for highlighting the nav. */
export function sectionOf(route: Route): 'graph' | 'catalog' | 'runs' | 'events' | null {
  switch (route.name) {
    case 'catalog':
    case 'asset':
      return 'catalog'
    case 'graph':
      return 'graph'
    case 'runs':
    case 'run':
      return 'runs'
    case 'events':
      return 'events'
    case 'notFound':
      return null
  }
}

/**
 * isPlainLeftClick reports whether a click on a link should be handled by the client-side
 * router rather than the browser (new tab, download, modified clicks stay with the browser).
 */
export function isPlainLeftClick(e: {
  button: number
  metaKey: boolean
  ctrlKey: boolean
  shiftKey: boolean
  altKey: boolean
  defaultPrevented: boolean
}): boolean {
  return e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey && !e.defaultPrevented
}
