// The asset graph's benchmark: for 200, 2,000 and 5,000 assets (a layered DAG in groups,
// generate.mjs), starts the real binary on SQLite with those definitions, materializes some
// of them, opens the graph page in Chromium and measures, from navigation, the time until
// the graph is laid out and drawn (the page's performance mark plumbline:graph-ready,
// set once React Flow has rendered a new layout and fitted the view), and the main
// thread's long tasks (PerformanceObserver 'longtask') until then. Each size is measured
// as the page opens it (groups collapsed above 1,000 assets) and with every group
// expanded (?groups=expanded), several times in fresh browser contexts (cold caches);
// the table shows medians. It is printed and appended to bench-results/latest.txt.
//
//   npm run bench:graph                       # sizes 200,2000,5000, 3 runs each
//   GRAPH_BENCH_SIZES=200 GRAPH_BENCH_RUNS=1 npm run bench:graph
// Environment: PLUMBLINE_BIN (default bin/plumbline), CHROMIUM_PATH (/usr/bin/chromium).
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { graphql, launchBrowser, repoRoot, startServer } from '../tests/browser/harness.mjs'
import { generate, toYAML } from './generate.mjs'

const sizes = (process.env.GRAPH_BENCH_SIZES ?? '200,2000,5000').split(',').map(Number)
const runs = Number(process.env.GRAPH_BENCH_RUNS ?? 3)
const timeout = Number(process.env.GRAPH_BENCH_TIMEOUT_MS ?? 600_000)

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** Materializes about a third of the assets, with a failed check on a few. */
async function seed(base, assets) {
  const events = []
  assets.forEach((a, i) => {
    if (i % 3 === 0) events.push({ type: 'ASSET_MATERIALIZATION', assetKey: { path: a.key.split('/') }, metadata: { rows: i } })
    if (i % 97 === 0) events.push({ type: 'ASSET_FAILED_TO_MATERIALIZE', assetKey: { path: a.key.split('/') } })
  })
  for (let i = 0; i < events.length; i += 5000) {
    await graphql(base, 'mutation ($e: [EventInput!]!) { reportEvents(events: $e) { storageIds } }', { e: events.slice(i, i + 5000) })
  }
  return events.length
}

// Records long tasks from the very start of the page.
const OBSERVE = () => {
  window.__longtasks = []
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longtasks.push({ start: e.startTime, duration: e.duration })
    }).observe({ type: 'longtask', buffered: true })
  } catch {
    // not supported
  }
}

async function measure(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  try {
    const page = await context.newPage()
    await page.addInitScript(OBSERVE)
    await page.goto(url)
    await page.waitForFunction(() => performance.getEntriesByName('plumbline:graph-ready').length > 0, null, { timeout, polling: 100 })
    // Let tasks that started before the mark finish reporting.
    await page.waitForTimeout(300)
    return await page.evaluate(() => {
      const mark = performance.getEntriesByName('plumbline:graph-ready')[0]
      const ready = mark.startTime
      const tasks = window.__longtasks.filter((t) => t.start < ready)
      const el = document.querySelector('[data-testid="graph"]')
      return {
        ready,
        layoutMs: Number(el?.dataset.layoutMs ?? NaN),
        nodes: Number(el?.dataset.nodes ?? NaN),
        edges: Number(el?.dataset.edges ?? NaN),
        drawn: document.querySelectorAll('.react-flow__node').length,
        longTasks: tasks.length,
        longTaskMs: tasks.reduce((s, t) => s + t.duration, 0),
        longestTask: tasks.reduce((m, t) => Math.max(m, t.duration), 0),
      }
    })
  } finally {
    await context.close()
  }
}

const rows = []
const browser = await launchBrowser()
try {
  for (const n of sizes) {
    const assets = generate(n)
    const dir = await mkdtemp(join(tmpdir(), 'plumbline-graph-bench-'))
    const defs = join(dir, 'plumbline.yaml')
    await writeFile(defs, toYAML(assets))
    const server = await startServer({ defs })
    try {
      const materialized = await seed(server.base, assets)
      const edges = assets.reduce((s, a) => s + a.deps.length, 0)
      console.error(`graph-bench: ${n} assets, ${edges} edges, ${materialized} events reported`)
      for (const [mode, path] of [
        ['as opened', '/'],
        ['expanded', '/?groups=expanded'],
      ]) {
        if (n <= 1000 && mode === 'expanded') continue // the page opens small graphs expanded
        const results = []
        for (let r = 0; r < runs; r++) {
          const m = await measure(browser, server.base + path)
          console.error(`  ${mode} run ${r + 1}: ready ${Math.round(m.ready)} ms (layout ${Math.round(m.layoutMs)} ms), ${m.longTasks} long tasks, ${Math.round(m.longTaskMs)} ms, ${m.drawn} nodes drawn`)
          results.push(m)
        }
        rows.push({
          assets: n,
          edges,
          mode: n <= 1000 ? 'expanded' : mode === 'as opened' ? 'groups collapsed' : 'expanded',
          nodes: results[0].nodes,
          ready: median(results.map((x) => x.ready)),
          layout: median(results.map((x) => x.layoutMs)),
          longTasks: median(results.map((x) => x.longTasks)),
          longTaskMs: median(results.map((x) => x.longTaskMs)),
          longest: median(results.map((x) => x.longestTask)),
        })
      }
    } finally {
      await server.stop()
      await rm(dir, { recursive: true, force: true })
    }
  }
} finally {
  await browser.close()
}

const header = ['assets', 'edges', 'graph drawn', 'layout nodes', 'nav → laid out (ms)', 'worker layout (ms)', 'long tasks', 'long task ms', 'longest (ms)']
const table = [
  header,
  ...rows.map((r) => [r.assets, r.edges, r.mode, r.nodes, Math.round(r.ready), Math.round(r.layout), r.longTasks, Math.round(r.longTaskMs), Math.round(r.longest)].map(String)),
]
const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)))
const lines = table.map((row) => row.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '))
lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '))
const text =
  `Dashboard asset graph in Chromium (${new Date().toISOString()}; medians of ${runs} runs, cold browser cache; ` +
  `"nav → laid out" = navigation start to the graph drawn with its layout; long tasks on the main thread until then)\n` +
  lines.join('\n') +
  '\n'
console.log(text)
const out = resolve(repoRoot, 'bench-results')
await mkdir(out, { recursive: true })
await appendFile(join(out, 'latest.txt'), '\n' + text)
