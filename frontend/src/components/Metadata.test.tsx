// @vitest-environment jsdom
import { cleanup, configure, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { Entry } from '../metadata.ts'
import { MetadataList, MetadataValue } from './Metadata.tsx'
import { renderMarkdown } from './markdown.ts'

// The machine may be busy: give lazy chunks (the Markdown renderer) time to load.
configure({ asyncUtilTimeout: 5000 })
afterEach(cleanup)

function show(entry: Entry) {
  return render(<MetadataValue entry={entry} />).container
}

describe('MetadataValue', () => {
  it('links a url, and never a javascript: one', () => {
    const c = show({ key: 'k', type: 'url', value: 'https://bi.example.com/d/12' })
    const a = c.querySelector('a')!
    expect(a.getAttribute('href')).toBe('https://bi.example.com/d/12')
    expect(a.getAttribute('rel')).toBe('noopener noreferrer')
    const bad = show({ key: 'k', type: 'url', value: 'javascript:alert(1)' })
    expect(bad.querySelector('a')).toBeNull()
    expect(bad.textContent).toBe('javascript:alert(1)')
  })

  it('links a path that is a web address, and shows any other as code', () => {
    expect(show({ key: 'k', type: 'path', value: 'https://x.example.com/a.csv' }).querySelector('a')).not.toBeNull()
    const c = show({ key: 'k', type: 'path', value: 's3://bucket/prefix/' })
    expect(c.querySelector('a')).toBeNull()
    expect(c.querySelector('code')!.textContent).toBe('s3://bucket/prefix/')
  })

  it('renders Markdown, sanitized', async () => {
    const malicious = [
      '**bold** <script>window.pwned = 1</script>',
      '<img src=x onerror="window.pwned = 1">',
      '[click](javascript:alert(1)) <a href="https://ok.example.com" onclick="window.pwned=1">ok</a>',
      '<iframe src="https://evil.example.com"></iframe><style>body{display:none}</style>',
      '<div style="position:fixed">x</div>',
    ].join('\n\n')
    const c = show({ key: 'k', type: 'md', value: malicious })
    await screen.findByText('bold')
    const html = c.innerHTML
    expect(c.querySelector('strong')!.textContent).toBe('bold')
    for (const bad of ['<script', 'onerror', 'onclick', 'javascript:', '<iframe', '<style', '<img', 'style=']) {
      expect(html).not.toContain(bad)
    }
    const links = [...c.querySelectorAll('a')]
    expect(links.map((a) => a.getAttribute('href'))).toEqual([null, 'https://ok.example.com'])
    expect(links[1]!.getAttribute('target')).toBe('_blank')
    expect((window as unknown as { pwned?: number }).pwned).toBeUndefined()
  })

  it('sanitizes with the same rules outside React', () => {
    expect(renderMarkdown('<svg onload="x()"><a href="javascript:x()">a</a></svg>')).not.toMatch(/onload|javascript|<svg/)
    expect(renderMarkdown('# Title\n\n- one\n- two')).toContain('<li>one</li>')
  })

  it('writes ints with separators and floats as they came', () => {
    expect(show({ key: 'k', type: 'int', value: 1837390 }).textContent).toBe('1,837,390')
    expect(show({ key: 'k', type: 'float', value: 0.871 }).textContent).toBe('0.871')
    expect(show({ key: 'k', type: 'float', value: 2.0 }).textContent).toBe('2')
  })

  it('shows a timestamp (seconds) relative and absolute, local and UTC', () => {
    const c = show({ key: 'k', type: 'timestamp', value: 1795000000 })
    const t = c.querySelector('time')!
    expect(t.getAttribute('dateTime')).toBe(new Date(1795000000 * 1000).toISOString())
    expect(c.textContent).toMatch(/UTC 2026-11-18 \d\d:\d\d:\d\d/)
    expect(c.textContent).toMatch(/ago|in /)
  })

  it('links assets and runs', () => {
    const a = show({ key: 'k', type: 'asset', value: 'raw/a\\/b' }).querySelector('a')!
    expect(a.getAttribute('href')).toBe('/catalog/raw/a%2Fb')
    expect(a.textContent).toBe('raw/a\\/b')
    const r = show({ key: 'k', type: 'run', value: 'run-123' }).querySelector('a')!
    expect(r.getAttribute('href')).toBe('/runs/run-123')
  })

  it('draws tables and table schemas', () => {
    const t = show({
      key: 'k',
      type: 'table',
      value: { records: [{ a: 1, b: 'x' }, { a: 2, c: true }] },
    })
    expect([...t.querySelectorAll('th')].map((th) => th.textContent)).toEqual(['a', 'b', 'c'])
    expect([...t.querySelectorAll('tbody tr')].map((tr) => tr.textContent)).toEqual(['1x', '2true'])
    const s = show({
      key: 'k',
      type: 'table_schema',
      value: { columns: [{ name: 'id', type: 'varchar', description: 'the id', constraints: { nullable: false, unique: true } }] },
    })
    expect(s.querySelector('tbody tr')!.textContent).toBe('idvarcharthe idnot null, unique')
  })

  it('pretty-prints JSON, and anything it cannot draw otherwise', () => {
    expect(show({ key: 'k', type: 'json', value: { a: [1, 2] } }).querySelector('pre')!.textContent).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}')
    expect(show({ key: 'k', type: 'table', value: 'not a table' }).querySelector('pre')!.textContent).toBe('"not a table"')
  })

  it('shows null, bool and text', () => {
    expect(show({ key: 'k', type: 'null', value: null }).textContent).toBe('null')
    expect(show({ key: 'k', type: 'bool', value: false }).textContent).toBe('false')
    expect(show({ key: 'k', type: 'text', value: 'a\nb' }).textContent).toBe('a\nb')
  })
})

describe('MetadataList', () => {
  it('lists entries with their key and type, or says there are none', () => {
    const { container } = render(
      <MetadataList
        entries={[
          { key: 'rows', type: 'int', value: 5 },
          { key: 'docs', type: 'url', value: 'https://d.example.com' },
        ]}
      />,
    )
    expect([...container.querySelectorAll('dt')].map((d) => d.textContent)).toEqual(['rows int', 'docs url'])
    cleanup()
    render(<MetadataList entries={[]} />)
    expect(screen.getByText('No metadata.')).toBeTruthy()
  })
})
