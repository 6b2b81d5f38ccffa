// A tiny client-side router over the History API: useRoute() re-renders on navigation,
// <Link> navigates without a page load, useSearchParams() reads and writes the query
// string (filters live there, so every view deep-links). Route matching is the pure code
// in routes.ts.
import { useCallback, useEffect, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type RefObject } from 'react'
import { isPlainLeftClick, matchRoute, type Route } from './routes.ts'

const NAVIGATE = 'plumbline:navigate'

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange)
  window.addEventListener(NAVIGATE, onChange)
  return () => {
    window.removeEventListener('popstate', onChange)
    window.removeEventListener(NAVIGATE, onChange)
  }
}

function getPathname(): string {
  return window.location.pathname
}

function getSearch(): string {
  return window.location.search
}

/** The current URL path; re-renders the caller when it changes. */
export function usePathname(): string {
  return useSyncExternalStore(subscribe, getPathname)
}

/** The current route; re-renders the caller when it changes. */
export function useRoute(): Route {
  return matchRoute(usePathname())
}

/** navigate pushes (or replaces) a same-origin URL and re-renders subscribers. */
export function navigate(to: string, { replace = false, scroll = true } = {}): void {
  if (replace) window.history.replaceState(null, '', to)
  else window.history.pushState(null, '', to)
  if (scroll) window.scrollTo(0, 0)
  window.dispatchEvent(new Event(NAVIGATE))
}

/**
 * useSearchParams returns the query string's parameters and a setter that merges changes
 * into them (null or '' removes one); the setter replaces the history entry unless told
 * to push.
 */
export function useSearchParams(): [
  URLSearchParams,
  (changes: Record<string, string | number | null | undefined>, opts?: { push?: boolean }) => void,
] {
  const search = useSyncExternalStore(subscribe, getSearch)
  const params = new URLSearchParams(search)
  const set = useCallback((changes: Record<string, string | number | null | undefined>, { push = false } = {}) => {
    const next = new URLSearchParams(window.location.search)
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === undefined || v === '') next.delete(k)
      else next.set(k, String(v))
    }
    const q = next.toString()
    const to = window.location.pathname + (q ? `?${q}` : '')
    if (to !== window.location.pathname + window.location.search) navigate(to, { replace: !push, scroll: false })
  }, [])
  return [params, set]
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }

/** Link is an <a> that navigates client-side on a plain left click. */
export function Link({ href, onClick, target, ...rest }: LinkProps) {
  function handleClick(e: MouseEvent<HTMLAnchorElement>) {
    onClick?.(e)
    if (!isPlainLeftClick(e) || (target !== undefined && target !== '_self')) return
    e.preventDefault()
    if (href !== window.location.pathname + window.location.search) navigate(href)
  }
  return <a href={href} target={target} onClick={handleClick} {...rest} />
}

/** useSlashToFocus focuses the element when "/" is typed outside a text field. */
export function useSlashToFocus(ref: RefObject<HTMLInputElement | null>): void {
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return
      const t = e.target as HTMLElement | null
      if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return
      e.preventDefault()
      ref.current?.focus()
      ref.current?.select()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [ref])
}
