// The layout worker: runs layout() (layout.ts) with elkjs off the main thread. elkjs
// (1.6 MB) is imported here only, on the first request, so neither the dashboard's bundle
// nor a page without a graph ever loads it.
//
// elkjs, evaluated in a worker, installs its own self.onmessage (it expects to be the
// worker); ours listens with addEventListener, takes it away again, and tags its messages
// so that nothing else is mistaken for them.
import { layout, type ElkEngine, type LayoutMemo } from './layout.ts'
import { LAYOUT_REQUEST, LAYOUT_RESULT, type LayoutRequest, type LayoutResponse } from './layoutProtocol.ts'

let engine: Promise<ElkEngine> | null = null
// Inner layouts of groups, kept across requests: live changes and expanding one group lay
// out only what changed. Bounded by clearing when it grows large.
const memo: LayoutMemo = new Map()

function elk(): Promise<ElkEngine> {
  engine ??= import('elkjs/lib/elk.bundled.js').then((m) => {
    ;(self as unknown as { onmessage: unknown }).onmessage = null
    const ELK = (m as unknown as { default: new () => ElkEngine }).default
    return new ELK()
  })
  return engine
}

self.addEventListener('message', (e: MessageEvent) => {
  const req = e.data as LayoutRequest
  if (req === null || typeof req !== 'object' || req.type !== LAYOUT_REQUEST) return
  const started = performance.now()
  if (memo.size > 2000) memo.clear()
  elk()
    .then((engine) => layout(engine, req.nodes, req.edges, req.options, memo))
    .then(
      (result) => {
        const res: LayoutResponse = { type: LAYOUT_RESULT, id: req.id, result, ms: performance.now() - started }
        self.postMessage(res)
      },
      (err: unknown) => {
        const res: LayoutResponse = { type: LAYOUT_RESULT, id: req.id, error: err instanceof Error ? err.message : String(err) }
        self.postMessage(res)
      },
    )
})
