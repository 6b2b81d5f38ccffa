// Browser smoke test: the real `plumbline` binary with a few assets seeded over GraphQL,
// driven in Chromium through the bundled GraphiQL page, deep links, themes, the API's
// error message and the empty state. No request may leave the server's origin.
//
// Run from the repository root with `npm run test:browser`, after building the binary
// with the dashboard embedded (npm run build && go build -o bin/plumbline ./server).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { graphql, launchBrowser, openPage, screenshot, startServer } from './harness.mjs'

const DEFINITIONS = `
assets:
  - key: raw/orders
    group: raw
  - key: raw/customers
    group: raw
  - key: warehouse/orders
    group: marts
    description: Orders, cleaned and deduplicated
    deps: [raw/orders, raw/customers]
`

const SEEDED_KEYS = ['raw/customers', 'raw/orders', 'warehouse/orders', 'scratch/adhoc']

async function seed(base) {
  await graphql(base, 'mutation ($yaml: String!) { applyDefinitions(yaml: $yaml) { changed } }', { yaml: DEFINITIONS })
  await graphql(base, 'mutation ($events: [EventInput!]!) { reportEvents(events: $events) { storageIds } }', {
    events: [
      {
        type: 'ASSET_MATERIALIZATION',
        assetKey: { path: ['warehouse', 'orders'] },
        dataVersion: 'v1',
        metadata: { rows: 42, table: 'analytics.orders' },
      },
      // Reported on, never declared.
      { type: 'ASSET_MATERIALIZATION', assetKey: { path: ['scratch', 'adhoc'] } },
    ],
  })
}

describe('smoke', { timeout: 240_000 }, () => {
  let server
  let browser
  let base

  before(async () => {
    server = await startServer()
    base = server.base
    await seed(base)
    browser = await launchBrowser()
  })

  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('GraphiQL runs the default query', async (t) => {
    const { page, problems } = await openPage(t, browser, base)
    const res = await page.goto(`${base}/graphiql`)
    assert.equal(res.status(), 200)
    assert.equal(await page.title(), 'Plumbline GraphiQL')

    // The query editor (Monaco) shows the default query.
    const editor = page.locator('.graphiql-query-editor .view-lines')
    await editor.waitFor({ timeout: 30_000 })
    await page.waitForFunction(
      () => document.querySelector('.graphiql-query-editor .view-lines')?.textContent?.includes('LatestMaterializations'),
      null,
      { timeout: 30_000 },
    )

    const executed = page.waitForResponse(
      (r) => r.url() === `${base}/graphql` && (r.request().postData() ?? '').includes('LatestMaterializations'),
    )
    await page.locator('.graphiql-execute-button').click()
    const body = await (await executed).json()
    const orders = body.data.assets.nodes.find((n) => n.key.string === 'warehouse/orders')
    assert.equal(orders.latestMaterialization.dataVersion, 'v1')
    const response = page.locator('.graphiql-response .view-lines')
    await page.waitForFunction(
      () => document.querySelector('.graphiql-response .view-lines')?.textContent?.includes('"data"'),
      null,
      { timeout: 30_000 },
    )
    const text = (await response.textContent()).replace(/\u00a0/g, ' ')
    assert.match(text, /"data"/)
    assert.match(text, /"totalCount": 4/)
    await screenshot(page, 'graphiql')

    // The docs explorer got the schema by introspection.
    await page.locator('button[aria-label="Show Documentation Explorer"]').click()
    await page.locator('.graphiql-doc-explorer').getByText('ApplyDefinitionsResult').waitFor({ timeout: 10_000 })
    await screenshot(page, 'graphiql-docs')
    assert.deepEqual(problems, [])
  })

  it('the catalog lists the assets', async (t) => {
    const { page, problems } = await openPage(t, browser, base)
    const res = await page.goto(`${base}/catalog`)
    assert.equal(res.status(), 200)

    await page.getByTestId('asset-list').waitFor({ timeout: 15_000 })
    const rows = page.getByTestId('asset-list').locator('tbody tr')
    assert.equal(await rows.count(), SEEDED_KEYS.length)
    const keys = await page.getByTestId('asset-list').locator('a.asset-key').allTextContents()
    assert.deepEqual([...keys].sort(), [...SEEDED_KEYS].sort())
    assert.equal(await page.getByTestId('asset-count').textContent(), '4 assets')
    await page.getByTestId('asset-list').getByText('marts', { exact: true }).waitFor()
    await page.getByTestId('asset-list').getByText('undeclared', { exact: true }).waitFor()
    assert.equal(await page.getByRole('banner').getByText('Plumbline').count(), 1)
    for (const name of ['Graph', 'Catalog', 'Runs', 'Events', 'GraphiQL']) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).waitFor()
    }
    await screenshot(page, 'smoke-catalog-light')

    // Client-side navigation to an asset, and back.
    await page.getByRole('link', { name: 'warehouse/orders' }).click()
    await page.waitForURL(`${base}/catalog/warehouse/orders`)
    await page.getByTestId('asset-page').waitFor()
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'warehouse/orders')
    await page.goBack()
    await page.getByTestId('asset-list').waitFor()

    assert.deepEqual(problems, [])
  })

  it('deep links load the dashboard, in the dark theme when the system prefers it', async (t) => {
    const { page, problems } = await openPage(t, browser, base, { colorScheme: 'dark' })
    const res = await page.goto(`${base}/catalog/warehouse/orders`)
    assert.equal(res.status(), 200)
    await page.getByTestId('asset-page').waitFor({ timeout: 15_000 })
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'warehouse/orders')
    assert.equal(await page.title(), 'warehouse/orders · Plumbline')

    await page.goto(`${base}/runs`)
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Runs')
    const current = page.getByRole('navigation', { name: 'Main' }).locator('[aria-current="page"]')
    assert.equal(await current.textContent(), 'Runs')
    await page.getByTestId('runs-empty').waitFor()

    await page.goto(`${base}/catalog`)
    await page.getByTestId('asset-list').waitFor()
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    assert.equal(bg, 'rgb(17, 20, 24)')
    await screenshot(page, 'smoke-catalog-dark')
    assert.deepEqual(problems, [])
  })

  it("shows the API's error message, and the empty state", async (t) => {
    const { page, problems } = await openPage(t, browser, base)
    let reply = { errors: [{ message: 'selection: unexpected token at 3' }], data: null }
    await page.route(`${base}/graphql`, (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(reply) }),
    )

    await page.goto(`${base}/catalog`)
    const alert = page.getByRole('alert').first()
    await alert.waitFor({ timeout: 15_000 })
    assert.match(await alert.textContent(), /Could not load assets\.\s*selection: unexpected token at 3/)

    reply = { data: { assets: { totalCount: 0, nodes: [], pageInfo: { hasNextPage: false, endCursor: null } } } }
    await page.reload()
    await page.getByTestId('asset-list-empty').waitFor({ timeout: 15_000 })
    assert.match(await page.getByTestId('asset-list-empty').textContent(), /No assets yet/)
    await screenshot(page, 'smoke-empty')
    assert.deepEqual(problems, [])
  })

  it('a missing hashed asset is a 404', async () => {
    const res = await fetch(`${base}/assets/index-doesnotexist.js`)
    assert.equal(res.status, 404)
  })
})
