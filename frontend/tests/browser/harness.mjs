// The browser tests' harness: starts the real `plumbline` binary on a free loopback port
// with a fresh database, optionally applies the example platform and seeds its history with
// examples/platform/seed.sh, and opens pages in Debian's Chromium (playwright-core) that
// may talk to that server only.
//
// Environment:
//   PLUMBLINE_BIN   the server binary (default bin/plumbline)
//   CHROMIUM_PATH   the browser (default /usr/bin/chromium)
// Screenshots go to test-results/.
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { chromium } from 'playwright-core'

export const repoRoot = resolve(import.meta.dirname, '../../..')
export const binary = resolve(repoRoot, process.env.PLUMBLINE_BIN ?? 'bin/plumbline')
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const resultsDir = resolve(repoRoot, 'test-results')
export const EXAMPLE_DEFS = resolve(repoRoot, 'examples/platform/plumbline.yaml')
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** A free TCP port on 127.0.0.1. */
export function freePort() {
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

/** graphql runs a query against the server and returns its data; GraphQL errors fail. */
export async function graphql(base, query, variables = {}) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  })
  const body = await res.json()
  assert.equal(body.errors, undefined, `GraphQL errors: ${JSON.stringify(body.errors)}`)
  return body.data
}

/** rest POSTs a Dagster-style report (e.g. report_asset_materialization/raw/orders). */
export async function rest(base, path, body = {}) {
  const res = await fetch(`${base}/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
  const text = await res.text()
  assert.equal(res.status, 200, `POST /${path}: ${res.status} ${text}`)
  return JSON.parse(text)
}

/**
 * startServer starts the binary. With defs, it applies that definitions file at start-up;
 * with seed, it then runs examples/platform/seed.sh against it. stop() ends it.
 */
export async function startServer({ defs, seed = false } = {}) {
  assert.ok(existsSync(binary), `no server binary at ${binary}: run go build -o bin/plumbline ./server (or set PLUMBLINE_BIN)`)
  const dataDir = await mkdtemp(join(tmpdir(), 'plumbline-browser-'))
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const args = ['serve', '--addr', `127.0.0.1:${port}`, '--data-dir', dataDir, '--run-grace-period', '2s']
  if (defs) args.push('--defs', defs)
  const server = spawn(binary, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  server.stdout.on('data', (d) => (output += d))
  server.stderr.on('data', (d) => (output += d))
  const stop = async () => {
    if (server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r))
      server.kill('SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
      if (server.exitCode === null) server.kill('SIGKILL')
    }
    await rm(dataDir, { recursive: true, force: true })
  }
  try {
    await waitHealthy(base, server)
    if (seed) {
      await promisify(execFile)('sh', [resolve(repoRoot, 'examples/platform/seed.sh')], {
        env: { ...process.env, PLUMBLINE_URL: base },
        timeout: 120_000,
      })
    }
  } catch (err) {
    await stop()
    throw new Error(`${err.message}\n--- server output ---\n${output}`)
  }
  return { base, stop, output: () => output }
}

/** launchBrowser starts Chromium. */
export async function launchBrowser() {
  assert.ok(existsSync(chromiumPath), `no Chromium at ${chromiumPath}: apt-get install -y chromium (or set CHROMIUM_PATH)`)
  await mkdir(resultsDir, { recursive: true })
  return chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS })
}

/**
 * openPage opens a fresh page whose requests may only go to the server: anything else is
 * aborted and recorded in problems, as are uncaught page errors and failed same-origin
 * requests. The test's end closes it.
 */
export async function openPage(t, browser, base, { colorScheme = 'light', viewport = { width: 1400, height: 900 } } = {}) {
  const context = await browser.newContext({ viewport, colorScheme })
  const problems = []
  await context.route('**/*', (route) => {
    const url = route.request().url()
    if (url.startsWith(base + '/') || url.startsWith('data:') || url.startsWith('blob:')) return route.continue()
    problems.push(`request outside the server: ${url}`)
    return route.abort()
  })
  const page = await context.newPage()
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
  page.on('requestfailed', (req) => {
    // A request cut short by navigating away is not a failure.
    if (req.failure()?.errorText === 'net::ERR_ABORTED') return
    problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`)
  })
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`)
  })
  t.after(() => context.close())
  return { page, problems }
}

/** screenshot saves the page as test-results/NAME.png. */
export function screenshot(page, name, { fullPage = false } = {}) {
  return page.screenshot({ path: join(resultsDir, `${name}.png`), fullPage })
}

/** graphReady waits until the graph on the page has a layout on screen. */
export async function graphReady(page, timeout = 90_000) {
  await page.locator('[data-testid="graph"][data-layout="ready"]').first().waitFor({ timeout })
}
