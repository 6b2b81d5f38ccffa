import { useMemo } from 'react'
import { renderMarkdown } from './markdown.ts'

/** Markdown shows an md value as HTML sanitized by DOMPurify (see markdown.ts). */
export default function Markdown({ source }: { source: string }) {
  const html = useMemo(() => renderMarkdown(source), [source])
  // renderMarkdown's output is sanitized by DOMPurify.
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />
}
