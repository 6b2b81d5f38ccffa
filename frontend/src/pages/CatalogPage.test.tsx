// @vitest-environment jsdom
import { cleanup, configure, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CatalogPage } from './CatalogPage.tsx'

configure({ asyncUtilTimeout: 5000 })

// No WebSocket in these tests: live updates are covered by live.test.ts.
vi.mock('../live.ts', () => ({ useLive: () => ({ status: 'live', error: null }) }))

const asset = (key: string, group: string | null, extra = {}) => ({
  key: { path: key.split('/'), string: key },
  declared: group !== null,
  definition: group === null ? null : { group, owners: ['team:data'], kinds: ['dbt'] },
  latestMaterialization: { timestamp: new Date(Date.now() - 3 * 60_000).toISOString() },
  latestObservation: null,
  checkStatus: 'PASSED',
  freshness: { status: 'FRESH', deadline: new Date(Date.now() + 3_600_000).toISOString() },
  updatedAt: '2026-11-21T10:00:00Z',
  ...extra,
})

let requests: Array<{ query: string; variables: Record<string, unknown> }> = []
let reply: (body: { query: string; variables: Record<string, unknown> }) => unknown

beforeEach(() => {
  requests = []
  window.history.replaceState(null, '', '/catalog')
  vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body))
    requests.push(body)
    return new Response(JSON.stringify(reply(body)), { status: 200 })
  })
})

afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

function catalogReply(nodes: unknown[], hasNextPage = false) {
  return (body: { query: string }) =>
    body.query.includes('query CatalogFacets')
      ? { data: { assets: { nodes: [{ definition: { group: 'marts', kinds: ['dbt'], owners: ['team:data'] } }] } } }
      : { data: { assets: { totalCount: nodes.length + (hasNextPage ? 50 : 0), nodes, pageInfo: { hasNextPage, endCursor: 'c1' } } } }
}

describe('CatalogPage', () => {
  it('lists assets with their group, owners, kinds, time and statuses', async () => {
    reply = catalogReply([asset('marts/orders', 'marts', { checkStatus: 'FAILED' }), asset('scratch/x', null)])
    render(<CatalogPage />)
    const table = await screen.findByTestId('asset-list')
    const rows = table.querySelectorAll('tbody tr')
    expect(rows).toHaveLength(2)
    expect(rows[0]!.textContent).toContain('marts/orders')
    expect(rows[0]!.textContent).toContain('team:data')
    expect(rows[0]!.textContent).toContain('3 min ago')
    expect(rows[0]!.querySelector('[data-status="FAILED"]')).not.toBeNull()
    expect(rows[0]!.querySelector('[data-status="FRESH"]')).not.toBeNull()
    expect(rows[1]!.textContent).toContain('undeclared')
  })

  it('searches, filters and sorts through the API, keeping the state in the URL', async () => {
    reply = catalogReply([asset('marts/orders', 'marts')], true)
    render(<CatalogPage />)
    await screen.findByTestId('asset-list')
    fireEvent.change(screen.getByTestId('catalog-search'), { target: { value: 'orders' } })
    fireEvent.submit(screen.getByRole('search'))
    await waitFor(() => expect(requests.at(-1)!.variables.selection).toBe('key:"*orders*"'))
    expect(window.location.search).toBe('?q=orders')
    await screen.findByRole('option', { name: 'marts' })
    fireEvent.change(screen.getByLabelText('Group'), { target: { value: 'marts' } })
    await waitFor(() => expect(requests.at(-1)!.variables.selection).toBe('(key:"*orders*") and group:"marts"'))
    fireEvent.click(screen.getByRole('button', { name: /Last materialized/ }))
    await waitFor(() => expect(requests.at(-1)!.variables).toMatchObject({ orderBy: 'LAST_MATERIALIZATION', descending: true }))
    expect(screen.getByRole('columnheader', { name: /Last materialized/ }).getAttribute('aria-sort')).toBe('descending')
    fireEvent.click(screen.getByRole('button', { name: /Next/ }))
    await waitFor(() => expect(requests.at(-1)!.variables.after).toBe('c1'))
  })

  it("shows the API's message when the request fails", async () => {
    reply = () => ({ errors: [{ message: 'selection: unexpected token at 3' }], data: null })
    render(<CatalogPage />)
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toBe('Could not load assets. selection: unexpected token at 3')
  })
})
