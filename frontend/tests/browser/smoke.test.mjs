// Browser smoke test: starts the real `plumbline` binary on a free loopback port, seeds a
// few assets over GraphQL, and drives Debian's Chromium with playwright-core through the
// dashboard and the bundled GraphiQL page. No request may leave the server's origin.
//
// Run from the repository root with `npm run test:browser`, after building the binary
// with the dashboard embedded (npm run build && go build -o bin/plumbline ./server).
// Environment:
//   PLUMBLINE_BIN   the server binary (default bin/plumbline)
//   CHROMIUM_PATH   the browser (default /usr/bin/chromium)
// Screenshots go to test-results/.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { chromium } from 'playwright-core'

const repoRoot = resolve(import.meta.dirname, '../../..')
const binary = resolve(repoRoot, process.env.PLUMBLINE_BIN ?? 'bin/plumbline')
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const resultsDir = resolve(repoRoot, 'test-results')
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** A free TCP port on 127.0.0.1 (the server cannot report the port it picked yet). */
function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', fail)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => ok(port))
    })
  })
}

async function waitHealthy(base, server, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`server exited with ${server.exitCode}`)
    try {
      const res = await fetch(`${base}/healthz`)
      if (res.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`server not healthy after ${timeoutMs} ms`)
}

async function graphql(base, query, variables = {}) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  })
  const body = await res.json()
  assert.equal(body.errors, undefined, `GraphQL errors: ${JSON.stringify(body.errors)}`)
  return body.data
}

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
  await graphql(
    base,
    'mutation ($events: [EventInput!]!) { reportEvents(events: $events) { storageIds } }',
    {
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
    },
  )
}

describe('browser', { timeout: 180_000 }, () => {
  let server
  let serverOutput = ''
  let dataDir
  let browser
  let base

  before(async () => {
    assert.ok(existsSync(binary), `no server binary at ${binary}: run go build -o bin/plumbline ./server (or set PLUMBLINE_BIN)`)
    assert.ok(existsSync(chromiumPath), `no Chromium at ${chromiumPath}: apt-get install -y chromium (or set CHROMIUM_PATH)`)
    await mkdir(resultsDir, { recursive: true })
    dataDir = await mkdtemp(join(tmpdir(), 'plumbline-browser-'))
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    server = spawn(binary, ['serve', '--addr', `127.0.0.1:${port}`, '--data-dir', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    server.stdout.on('data', (d) => (serverOutput += d))
    server.stderr.on('data', (d) => (serverOutput += d))
    try {
      await waitHealthy(base, server)
      await seed(base)
    } catch (err) {
      throw new Error(`${err.message}\n--- server output ---\n${serverOutput}`)
    }
    browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS })
  })

  after(async () => {
    await browser?.close()
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r))
      server.kill('SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
      if (server.exitCode === null) server.kill('SIGKILL')
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })

  /**
   * A fresh page whose requests may only go to the server: anything else is aborted and
   * fails the test, as do uncaught page errors and failed same-origin requests.
   */
  async function openPage(t, { colorScheme = 'light' } = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme })
    const problems = []
    await context.route('**/*', (route) => {
      const url = route.request().url()
      if (url.startsWith(base + '/') || url.startsWith('data:') || url.startsWith('blob:')) return route.continue()
      problems.push(`request outside the server: ${url}`)
      return route.abort()
    })
    const page = await context.newPage()
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
    page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`))
    page.on('response', (res) => {
      if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`)
    })
    t.after(() => context.close())
    return { page, problems }
  }

  it('GraphiQL runs the default query', async (t) => {
    const { page, problems } = await openPage(t)
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
    await page.screenshot({ path: join(resultsDir, 'graphiql.png') })

    // The docs explorer got the schema by introspection.
    await page.locator('button[aria-label="Show Documentation Explorer"]').click()
    await page.locator('.graphiql-doc-explorer').getByText('ApplyDefinitionsResult').waitFor({ timeout: 10_000 })
    await page.screenshot({ path: join(resultsDir, 'graphiql-docs.png') })
    assert.deepEqual(problems, [])
  })

  it('the dashboard lists the assets', async (t) => {
    const { page, problems } = await openPage(t)
    const res = await page.goto(`${base}/`)
    assert.equal(res.status(), 200)

    await page.getByTestId('asset-list').waitFor({ timeout: 15_000 })
    const rows = page.getByTestId('asset-list').locator('tbody tr')
    assert.equal(await rows.count(), SEEDED_KEYS.length)
    const keys = await page.getByTestId('asset-list').locator('.asset-key').allTextContents()
    assert.deepEqual([...keys].sort(), [...SEEDED_KEYS].sort())
    assert.equal(await page.getByTestId('asset-count').textContent(), '4 assets')
    await page.getByRole('cell', { name: 'marts' }).waitFor()
    await page.getByRole('cell', { name: 'undeclared' }).waitFor()
    assert.equal(await page.getByRole('banner').getByText('Plumbline').count(), 1)
    for (const name of ['Graph', 'Catalog', 'Runs', 'Events', 'GraphiQL']) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).waitFor()
    }
    await page.screenshot({ path: join(resultsDir, 'dashboard-light.png') })

    // Client-side navigation to an asset, and back.
    await page.getByRole('link', { name: 'warehouse/orders' }).click()
    await page.waitForURL(`${base}/catalog/warehouse/orders`)
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'warehouse/orders')
    await page.goBack()
    await page.getByTestId('asset-list').waitFor()

    assert.deepEqual(problems, [])
  })

  it('deep links load the dashboard', async (t) => {
    const { page, problems } = await openPage(t, { colorScheme: 'dark' })
    const res = await page.goto(`${base}/catalog/warehouse/orders`)
    assert.equal(res.status(), 200)
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'warehouse/orders')
    assert.equal(await page.title(), 'warehouse/orders · Plumbline')

    await page.goto(`${base}/runs`)
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Runs')
    const current = page.getByRole('navigation', { name: 'Main' }).locator('[aria-current="page"]')
    assert.equal(await current.textContent(), 'Runs')

    // The dark theme follows the system preference.
    await page.goto(`${base}/`)
    await page.getByTestId('asset-list').waitFor()
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    assert.equal(bg, 'rgb(17, 20, 24)')
    await page.screenshot({ path: join(resultsDir, 'dashboard-dark.png') })
    assert.deepEqual(problems, [])
  })

  it("the dashboard shows the API's error message and the empty state", async (t) => {
    const { page, problems } = await openPage(t)
    let reply = { errors: [{ message: 'selection: unexpected token at 3' }], data: null }
    await page.route(`${base}/graphql`, (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(reply) }),
    )

    await page.goto(`${base}/`)
    const alert = page.getByRole('alert')
    await alert.waitFor({ timeout: 15_000 })
    assert.match(await alert.textContent(), /Could not load assets\.\s*selection: unexpected token at 3/)

    reply = { data: { assets: { totalCount: 0, nodes: [] } } }
    await page.reload()
    await page.getByTestId('asset-list-empty').waitFor({ timeout: 15_000 })
    assert.match(await page.getByTestId('asset-list-empty').textContent(), /No assets yet/)
    await page.screenshot({ path: join(resultsDir, 'dashboard-empty.png') })
    assert.deepEqual(problems, [])
  })

  it('a missing hashed asset is a 404', async () => {
    const res = await fetch(`${base}/assets/index-doesnotexist.js`)
    assert.equal(res.status, 404)
  })
})
