// Markdown metadata (type md) rendered with marked and sanitized with DOMPurify: scripts,
// event handlers, styles, forms, frames and javascript: URLs never reach the page. Images
// are dropped too (they would load from anywhere); links open in a new tab.
import DOMPurify from 'dompurify'
import { marked } from 'marked'
import { safeHref } from '../metadata.ts'

let hooked = false

function purifier() {
  if (!hooked) {
    hooked = true
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A') {
        const href = node.getAttribute('href')
        if (href !== null && safeHref(href) === null && !href.startsWith('#')) node.removeAttribute('href')
        node.setAttribute('target', '_blank')
        node.setAttribute('rel', 'noopener noreferrer')
      }
    })
  }
  return DOMPurify
}

/** renderMarkdown returns safe HTML for a Markdown source. */
export function renderMarkdown(source: string): string {
  const html = marked.parse(source, { async: false, gfm: true, breaks: false })
  return purifier().sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'option', 'iframe', 'img', 'video', 'audio', 'source', 'picture', 'svg', 'math'],
    FORBID_ATTR: ['style', 'srcset'],
  })
}
