// The page's side of the layout worker: one worker, started on the first layout, and a
// cache of results by layoutKey (sorted node and edge ids and the options), so going back
// to a graph already drawn costs nothing.
import { layoutKey, type LayoutEdge, type LayoutNode, type LayoutOptions, type LayoutResult } from './layout.ts'
import { LAYOUT_REQUEST, LAYOUT_RESULT, type LayoutRequest, type LayoutResponse } from './layoutProtocol.ts'

const CACHE_SIZE = 24
const cache = new Map<string, LayoutResult>()
const inFlight = new Map<string, Promise<LayoutResult>>()
const pending = new Map<number, { resolve: (r: LayoutResult) => void; reject: (e: Error) => void }>()
let worker: Worker | null = null
let nextId = 1

function getWorker(): Worker {
  if (worker) return worker
  worker = new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module', name: 'layout' })
  worker.addEventListener('message', (e: MessageEvent) => {
    const res = e.data as LayoutResponse
    if (res === null || typeof res !== 'object' || res.type !== LAYOUT_RESULT) return
    const p = pending.get(res.id)
    if (!p) return
    pending.delete(res.id)
    if ('error' in res) p.reject(new Error(`layout failed: ${res.error}`))
    else p.resolve(res.result)
  })
  worker.addEventListener('error', (e) => {
    for (const p of pending.values()) p.reject(new Error(`layout worker failed: ${e.message || 'unknown error'}`))
    pending.clear()
    worker?.terminate()
    worker = null
  })
  return worker
}

/** cachedLayout returns a layout already computed for this input, if any. */
export function cachedLayout(key: string): LayoutResult | undefined {
  const hit = cache.get(key)
  if (hit) {
    cache.delete(key)
    cache.set(key, hit) // most recently used last
  }
  return hit
}

/**
 * requestLayout lays out nodes and edges in the worker; equal inputs share one request
 * and one cached result.
 */
export function requestLayout(
  nodes: LayoutNode[],
  edges: LayoutEdge[],
  options: Partial<LayoutOptions>,
  key = layoutKey(nodes, edges, options),
): Promise<LayoutResult> {
  const hit = cachedLayout(key)
  if (hit) return Promise.resolve(hit)
  const running = inFlight.get(key)
  if (running) return running
  const id = nextId++
  const promise = new Promise<LayoutResult>((resolve, reject) => {
    pending.set(id, { resolve, reject })
    const req: LayoutRequest = { type: LAYOUT_REQUEST, id, nodes, edges, options }
    getWorker().postMessage(req)
  }).then(
    (result) => {
      inFlight.delete(key)
      cache.set(key, result)
      while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!)
      return result
    },
    (err: unknown) => {
      inFlight.delete(key)
      throw err
    },
  )
  inFlight.set(key, promise)
  return promise
}
