// The dashboard against the real binary serving the example platform
// (examples/platform/plumbline.yaml, 40 assets) with its history seeded by
// examples/platform/seed.sh: the checks of the dashboard's issue, with a screenshot of each
// page in test-results/.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { EXAMPLE_DEFS, graphql, graphReady, launchBrowser, openPage, rest, screenshot, startServer } from './harness.mjs'

// A launchable asset that runs until it is cancelled, applied as its own location.
const SLOW_DEFS = `
assets:
  - key: tests/slow_job
    group: tests
    description: Runs for a minute, for the cancel test.
    pipes:
      command:
        - sh
        - -c
        - >-
          printf '{"__dagster_pipes_version": "0.1", "method": "opened", "params": {}}\\n';
          printf '{"__dagster_pipes_version": "0.1", "method": "log", "params": {"message": "working slowly", "level": "INFO"}}\\n';
          echo still going; sleep 60
      messages: stdout
      timeout: 5m
`

describe('dashboard', { timeout: 600_000 }, () => {
  let server
  let browser
  let base
  let api

  before(async () => {
    server = await startServer({ defs: EXAMPLE_DEFS, seed: true })
    base = server.base
    browser = await launchBrowser()
    api = await graphql(base, '{ assetGraph { nodes { key { string } definition { group } } edges { from { string } to { string } } } }')
  })

  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  it("the graph draws the example platform's assets and edges", async (t) => {
    const { page, problems } = await openPage(t, browser, base)
    await page.goto(`${base}/`)
    await graphReady(page)
    assert.equal(api.assetGraph.nodes.length, 40)
    const keys = await page.locator('[data-testid="asset-node"]').evaluateAll((els) => els.map((e) => e.dataset.key))
    assert.deepEqual(keys.sort(), api.assetGraph.nodes.map((n) => n.key.string).sort())
    assert.equal(await page.locator('.react-flow__edge').count(), api.assetGraph.edges.length)
    const groups = await page.locator('[data-testid="group-box"]').evaluateAll((els) => els.map((e) => e.dataset.group))
    assert.deepEqual(groups.sort(), ['marts', 'ml', 'raw', 'reporting', 'staging'])
    assert.match(await page.getByTestId('graph-count').textContent(), /^40 assets · 55 edges/)
    // Health colours: the seeded failing check, and an asset never materialized.
    assert.equal(await page.locator('[data-key="marts/fct_orders"]').getAttribute('data-health'), 'failed')
    assert.equal(await page.locator('[data-key="reporting/finance_monthly_close"]').getAttribute('data-health'), 'missing')
    await screenshot(page, 'graph')

    // Zoomed in, nodes show their kinds, latest materialization and statuses.
    await page.getByRole('button', { name: 'Collapse group raw' }).click()
    await page.locator('[data-testid="group-node"][data-group="raw"]').waitFor()
    await graphReady(page)
    await page.locator('.react-flow__controls-zoomin').click()
    await page.locator('.react-flow__controls-zoomin').click()
    await page.locator('.react-flow__controls-zoomin').click()
    await page.locator('.asset-node-kinds').first().waitFor()
    await screenshot(page, 'graph-zoomed')
    assert.deepEqual(problems, [])
  })

  it('the search box filters the graph, and focusing shows a neighbourhood', async (t) => {
    const { page, problems } = await openPage(t, browser, base)
    await page.goto(`${base}/`)
    await graphReady(page)
    // "/" focuses the search box.
    await page.locator('body').press('/')
    const search = page.getByTestId('graph-search')
    assert.equal(await search.evaluate((el) => el === document.activeElement), true)
    await search.fill('group:marts')
    await search.press('Enter')
    await page.waitForURL(/\?q=group%3Amarts/)
    const marts = api.assetGraph.nodes.filter((n) => n.definition?.group === 'marts').map((n) => n.key.string)
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="asset-node"]').length === n, marts.length)
    await graphReady(page)
    const keys = await page.locator('[data-testid="asset-node"]').evaluateAll((els) => els.map((e) => e.dataset.key))
    assert.deepEqual(keys.sort(), marts.sort())
    await screenshot(page, 'graph-filtered')

    // A bare word finds keys containing it.
    await search.fill('churn')
    await search.press('Enter')
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="asset-node"]').length === 3)

    // Focus: one layer up- and downstream of ml/churn_model.
    await page.goto(`${base}/?focus=ml%2Fchurn_model&depth=1`)
    await graphReady(page)
    await page.getByTestId('focus-bar').waitFor()
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="asset-node"]').length === 3)
    const focused = await page.locator('[data-testid="asset-node"]').evaluateAll((els) => els.map((e) => e.dataset.key))
    assert.deepEqual(focused.sort(), ['ml/churn_features', 'ml/churn_model', 'ml/churn_scores'])

    // A selection the API rejects shows its message.
    await search.fill('group:')
    await search.press('Enter')
    const alert = page.getByRole('alert').first()
    await alert.waitFor()
    assert.match(await alert.textContent(), /selection/i)
    assert.deepEqual(problems, [])
  })

  it('clicking a node opens its asset page, with metadata and a plot', async (t) => {
    const { page, problems } = await openPage(t, browser, base)
    await page.goto(`${base}/`)
    await graphReady(page)
    await page.locator('[data-key="marts/fct_orders"] a').first().click()
    await page.waitForURL(`${base}/catalog/marts/fct_orders`)
    await page.getByTestId('asset-page').waitFor()
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'marts/fct_orders')
    const md = page.getByTestId('latest-materialization-metadata')
    await md.getByText('dagster/row_count').waitFor()
    // Typed values: an int with separators, Markdown rendered, a table schema as a table.
    assert.equal(await md.locator('[data-type="int"] dd').textContent(), '1,837,390')
    await md.locator('[data-type="md"] strong').getByText('1,286').waitFor()
    await md.locator('[data-type="table_schema"] td').getByText('gross_revenue_usd').waitFor()
    await page.locator('[data-testid="metadata-plot"][data-key="dagster/row_count"] path.chart-line').waitFor()
    assert.ok((await page.getByTestId('metadata-plot').count()) >= 2)
    // The failing check and its history.
    const check = page.locator('[data-check="revenue_matches_payments"]')
    assert.equal(await check.locator('.status').textContent(), 'Failed')
    await check.getByRole('button', { name: 'History' }).click()
    await page.getByTestId('check-history-revenue_matches_payments').waitFor()
    await page.getByTestId('asset-events').waitFor()
    await graphReady(page)
    await screenshot(page, 'asset', { fullPage: true })
    assert.deepEqual(problems, [])
  })

  it('a materialization reported through REST turns the node in the open page, without a reload', async (t) => {
    const { page, problems } = await openPage(t, browser, base)
    await page.goto(`${base}/`)
    await graphReady(page)
    await page.evaluate(() => {
      window.__notReloaded = true
    })
    const node = page.locator('[data-key="reporting/finance_monthly_close"]')
    assert.equal(await node.getAttribute('data-health'), 'missing')
    await page.getByTestId('connection').getByText('Live').waitFor()
    await rest(base, 'report_asset_materialization/reporting/finance_monthly_close', { metadata: { rows: 12 } })
    await page.waitForFunction(
      () => document.querySelector('[data-key="reporting/finance_monthly_close"]')?.getAttribute('data-health') === 'healthy',
      null,
      { timeout: 15_000 },
    )
    // And a failing check turns red.
    await rest(base, 'report_asset_check/ml/churn_scores', { check_name: 'score_between_0_and_1', passed: false, severity: 'ERROR' })
    await page.waitForFunction(
      () => document.querySelector('[data-key="ml/churn_scores"]')?.getAttribute('data-health') === 'failed',
      null,
      { timeout: 15_000 },
    )
    assert.equal(await page.evaluate(() => window.__notReloaded), true)
    await screenshot(page, 'graph-live')

    // The asset page follows too.
    await page.locator('[data-key="ml/churn_scores"] a').first().click()
    await page.getByTestId('asset-page').waitFor()
    const status = page.getByTestId('asset-status')
    await page.waitForFunction(() => document.querySelector('[data-testid="asset-status"]')?.dataset.health === 'failed')
    await rest(base, 'report_asset_check/ml/churn_scores', { check_name: 'score_between_0_and_1', passed: true })
    await page.waitForFunction(() => document.querySelector('[data-testid="asset-status"]')?.dataset.health !== 'failed', null, { timeout: 15_000 })
    assert.notEqual(await status.getAttribute('data-health'), 'failed')
    assert.deepEqual(problems, [])
  })

  it('reports an event of an external asset from its page', async (t) => {
    const { page, problems } = await openPage(t, browser, base)
    await page.goto(`${base}/catalog/raw/web_events`)
    await page.getByTestId('asset-page').waitFor()
    await page.getByRole('button', { name: 'Report event' }).click()
    const dialog = page.getByTestId('report-dialog')
    await dialog.getByLabel('Type').selectOption('ASSET_OBSERVATION')
    await dialog.getByLabel('Metadata (a JSON object)').fill('[1]')
    await dialog.getByRole('button', { name: 'Report' }).click()
    await dialog.getByRole('alert').getByText('JSON object').first().waitFor()
    await dialog.getByLabel('Metadata (a JSON object)').fill('{"objects": 31, "note": {"raw_value": "**manual** check", "type": "md"}}')
    await screenshot(page, 'report-dialog')
    await dialog.getByRole('button', { name: 'Report' }).click()
    await page.getByText(/Reported \(storage id \d+\)/).waitFor()
    await page.getByTestId('latest-observation-metadata').locator('[data-type="md"] strong').getByText('manual').waitFor()
    assert.deepEqual(problems, [])
  })

  it("launches a run from the asset page, and the run's logs stream in", async (t) => {
    const { page, problems } = await openPage(t, browser, base)
    await page.goto(`${base}/catalog/ml/churn_features`)
    await page.getByTestId('asset-page').waitFor()
    await page.getByRole('button', { name: 'Materialize' }).click()
    await page.waitForURL(/\/runs\/[^/]+$/)
    await page.getByTestId('run-page').waitFor()
    const log = page.getByTestId('run-log')
    await log.getByText(/counted \d+ rows/).waitFor({ timeout: 60_000 })
    await page.waitForFunction(() => document.querySelector('[data-testid="run-page"]')?.dataset.status === 'SUCCESS', null, { timeout: 60_000 })
    await log.getByText('Run succeeded').waitFor()
    await page.getByTestId('run-reported').getByText('Materialization').waitFor()
    await page.getByTestId('stdout').getByText(/counting rows of ml\/churn_features/).waitFor({ timeout: 15_000 })
    await screenshot(page, 'run-success', { fullPage: true })
    assert.deepEqual(problems, [])
  })

  it('launches a run and cancels it from its page', async (t) => {
    await graphql(base, 'mutation ($yaml: String!) { applyDefinitions(yaml: $yaml, location: "browser-tests") { changed } }', { yaml: SLOW_DEFS })
    const { page, problems } = await openPage(t, browser, base)
    await page.goto(`${base}/catalog/tests/slow_job`)
    await page.getByTestId('asset-page').waitFor()
    await page.getByRole('button', { name: 'Materialize' }).click()
    await page.waitForURL(/\/runs\/[^/]+$/)
    const log = page.getByTestId('run-log')
    await log.getByText('working slowly', { exact: true }).waitFor({ timeout: 60_000 })
    await page.getByTestId('stdout').getByText('still going').waitFor({ timeout: 15_000 })
    await screenshot(page, 'run-in-progress')
    await page.getByRole('button', { name: 'Cancel run' }).click()
    await page.waitForFunction(() => document.querySelector('[data-testid="run-page"]')?.dataset.status === 'CANCELED', null, { timeout: 30_000 })
    await log.getByText('Run canceled').waitFor()
    assert.equal(await page.getByRole('button', { name: 'Cancel run' }).count(), 0)
    await screenshot(page, 'run-canceled', { fullPage: true })
    assert.deepEqual(problems, [])
  })

  it('lists runs with status filters', async (t) => {
    const { page, problems } = await openPage(t, browser, base)
    await page.goto(`${base}/runs`)
    await page.getByTestId('runs').waitFor()
    assert.equal(await page.getByTestId('runs').locator('tbody tr').count(), 2)
    await page.getByRole('group', { name: 'Filter by status' }).getByRole('button', { name: 'Canceled' }).click()
    await page.waitForURL(/status=CANCELED/)
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="runs"] tbody tr').length === 1)
    assert.equal(await page.getByTestId('runs').locator('.status').first().textContent(), 'Canceled')
    await screenshot(page, 'runs')
    assert.deepEqual(problems, [])
  })

  it('the catalog searches, filters, sorts and pages through the API', async (t) => {
    const { page, problems } = await openPage(t, browser, base)
    await page.goto(`${base}/catalog`)
    await page.getByTestId('asset-list').waitFor()
    assert.equal(await page.getByTestId('asset-count').textContent(), '41 assets')
    await page.getByLabel('Group').selectOption('staging')
    await page.waitForURL(/group=staging/)
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="asset-list"] tbody tr')].every((r) => r.dataset.key?.startsWith('staging/')))
    await page.getByRole('button', { name: 'Last materialized' }).click()
    await page.waitForURL(/sort=materialized/)
    await page.getByTestId('catalog-search').fill('order')
    await page.getByTestId('catalog-search').press('Enter')
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="asset-list"] tbody tr').length === 2)
    await screenshot(page, 'catalog')
    assert.deepEqual(problems, [])
  })

  it('the event stream shows events as they are written', async (t) => {
    const { page, problems } = await openPage(t, browser, base)
    await page.goto(`${base}/events`)
    await page.getByTestId('event-stream').waitFor()
    await page.getByText('Live', { exact: true }).first().waitFor()
    await rest(base, 'report_asset_materialization/raw/orders', { data_version: 'browser-test', metadata: { rows: 7 } })
    const first = page.getByTestId('event-stream').locator('tbody tr').first()
    await page.waitForFunction(() => document.querySelector('[data-testid="event-stream"] tbody tr')?.textContent?.includes('browser-test'), null, { timeout: 15_000 })
    assert.match(await first.textContent(), /Materialization.*raw\/orders/)
    await screenshot(page, 'events')

    // Filtered by type.
    await page.getByRole('group', { name: 'Event types' }).getByRole('button', { name: 'Checks' }).click()
    await page.waitForURL(/types=check/)
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="event-stream"] tbody tr.event-row')]
      return rows.length > 0 && rows.every((r) => r.dataset.type === 'ASSET_CHECK_EVALUATION')
    })
    assert.deepEqual(problems, [])
  })

  it('every page works in the dark theme', async (t) => {
    const { page, problems } = await openPage(t, browser, base, { colorScheme: 'dark' })
    await page.goto(`${base}/`)
    await graphReady(page)
    await screenshot(page, 'graph-dark')
    await page.goto(`${base}/catalog/marts/fct_revenue_daily`)
    await page.getByTestId('plots').waitFor()
    await screenshot(page, 'asset-dark', { fullPage: true })
    assert.deepEqual(problems, [])
  })
})
