// A tiny client-side router over the History API: useRoute() re-renders on navigation,
// <Link> navigates without a page load. Route matching is the pure code in routes.ts.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react'
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

/** The current URL path; re-renders the caller when it changes. */
export function usePathname(): string {
  return useSyncExternalStore(subscribe, getPathname)
}

/** The current route; re-renders the caller when it changes. */
export function useRoute(): Route {
  return matchRoute(usePathname())
}

/** navigate pushes (or replaces) a same-origin URL and re-renders subscribers. */
export function navigate(to: string, { replace = false } = {}): void {
  if (replace) window.history.replaceState(null, '', to)
  else window.history.pushState(null, '', to)
  window.scrollTo(0, 0)
  window.dispatchEvent(new Event(NAVIGATE))
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
