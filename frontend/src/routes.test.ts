import { describe, expect, it } from 'vitest'
import { hrefFor, isPlainLeftClick, matchRoute, sectionOf, withQuery, type Route } from './routes.ts'

describe('matchRoute', () => {
  const cases: Array<[string, Route]> = [
    ['/', { name: 'graph' }],
    ['', { name: 'graph' }],
    ['/graph', { name: 'graph' }],
    ['/graph/', { name: 'graph' }],
    ['/catalog', { name: 'catalog' }],
    ['/catalog/warehouse/orders', { name: 'asset', keyPath: ['warehouse', 'orders'] }],
    ['/catalog/raw/a%2Fb', { name: 'asset', keyPath: ['raw', 'a/b'] }],
    ['/catalog/raw/orders.csv', { name: 'asset', keyPath: ['raw', 'orders.csv'] }],
    ['/catalog/caf%C3%A9', { name: 'asset', keyPath: ['café'] }],
    ['/runs', { name: 'runs' }],
    ['/runs/r-123', { name: 'run', id: 'r-123' }],
    ['/events', { name: 'events' }],
    ['/runs/r-1/extra', { name: 'notFound', pathname: '/runs/r-1/extra' }],
    ['/graph/x', { name: 'notFound', pathname: '/graph/x' }],
    ['/nope', { name: 'notFound', pathname: '/nope' }],
    ['/catalog/%E0%A4%A', { name: 'notFound', pathname: '/catalog/%E0%A4%A' }],
  ]
  it.each(cases)('%s', (pathname, want) => {
    expect(matchRoute(pathname)).toEqual(want)
  })
})

describe('hrefFor', () => {
  it('round-trips through matchRoute', () => {
    const routes: Route[] = [
      { name: 'graph' },
      { name: 'catalog' },
      { name: 'asset', keyPath: ['warehouse', 'orders'] },
      { name: 'asset', keyPath: ['raw', 'a/b', 'x y?#%'] },
      { name: 'runs' },
      { name: 'run', id: 'abc/def' },
      { name: 'events' },
    ]
    for (const route of routes) {
      expect(matchRoute(hrefFor(route))).toEqual(route)
    }
  })

  it('encodes key parts so a "/" inside a part stays one part', () => {
    expect(hrefFor({ name: 'asset', keyPath: ['raw', 'a/b'] })).toBe('/catalog/raw/a%2Fb')
  })

  it('never produces a path under /assets/, which the server reserves for build files', () => {
    const routes: Route[] = [{ name: 'catalog' }, { name: 'asset', keyPath: ['assets', 'x'] }]
    for (const route of routes) expect(hrefFor(route).startsWith('/assets/')).toBe(false)
  })
})

describe('sectionOf', () => {
  it('puts the home page under Graph and asset pages under Catalog', () => {
    expect(sectionOf(matchRoute('/'))).toBe('graph')
    expect(sectionOf({ name: 'asset', keyPath: ['a'] })).toBe('catalog')
    expect(sectionOf({ name: 'run', id: '1' })).toBe('runs')
    expect(sectionOf({ name: 'notFound', pathname: '/x' })).toBeNull()
  })
})

describe('isPlainLeftClick', () => {
  const plain = { button: 0, metaKey: false, ctrlKey: false, shiftKey: false, altKey: false, defaultPrevented: false }
  it('routes plain left clicks client-side', () => {
    expect(isPlainLeftClick(plain)).toBe(true)
  })
  it('leaves modified, middle and already-handled clicks to the browser', () => {
    expect(isPlainLeftClick({ ...plain, metaKey: true })).toBe(false)
    expect(isPlainLeftClick({ ...plain, ctrlKey: true })).toBe(false)
    expect(isPlainLeftClick({ ...plain, shiftKey: true })).toBe(false)
    expect(isPlainLeftClick({ ...plain, button: 1 })).toBe(false)
    expect(isPlainLeftClick({ ...plain, defaultPrevented: true })).toBe(false)
  })
})

describe('withQuery', () => {
  it('appends the non-empty parameters, encoded', () => {
    expect(withQuery('/runs', { status: 'FAILURE', after: '' })).toBe('/runs?status=FAILURE')
    expect(withQuery('/', { q: '+key:"a/b"+' })).toBe('/?q=%2Bkey%3A%22a%2Fb%22%2B')
    expect(withQuery('/events', {})).toBe('/events')
  })
  it('keeps the graph home page at /', () => {
    expect(hrefFor({ name: 'graph' })).toBe('/')
  })
})
