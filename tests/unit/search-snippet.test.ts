// Search snippet highlighting (search/snippet.ts, rfc8621#section-5): marks, HTML escaping, the
// 255-octet preview limit with multi-byte text, and terms that are not found.
import { describe, expect, test } from 'bun:test'
import { escapeHtml, highlightPreview, highlightSubject, maxPreviewOctets } from '../../src/search/snippet.ts'

const octets = (s: string) => new TextEncoder().encode(s).length

describe('highlightSubject', () => {
  test('every match marked, case-insensitively, the rest escaped', () => {
    expect(highlightSubject('Lunch & lunch <b>', ['LUNCH'])).toBe(
      '<mark>Lunch</mark> &amp; <mark>lunch</mark> &lt;b&gt;',
    )
    expect(highlightSubject('Grüße aus Köln', ['KÖLN', 'grüße'])).toBe(
      '<mark>Grüße</mark> aus <mark>Köln</mark>',
    )
  })

  test('the longest of overlapping terms wins; regex characters are literal', () => {
    expect(highlightSubject('release v1.2 (final)', ['v1', 'v1.2 (final)'])).toBe(
      'release <mark>v1.2 (final)</mark>',
    )
    expect(highlightSubject('a.b', ['.'])).toBe('a<mark>.</mark>b')
  })

  test('null when nothing matches or there are no terms', () => {
    expect(highlightSubject('hello', ['bye'])).toBeNull()
    expect(highlightSubject('hello', [])).toBeNull()
    expect(highlightSubject('hello', ['  '])).toBeNull()
  })
})

describe('highlightPreview', () => {
  test('starts near the first match at a word, whitespace collapsed', () => {
    const body = `${'alpha '.repeat(30)}the\n\n  needle   here ${'omega '.repeat(10)}`
    const p = highlightPreview(body, ['needle']) as string
    expect(p).toContain('the <mark>needle</mark> here')
    expect(p.startsWith('alpha ')).toBe(true)
    expect(body.replace(/\s+/g, ' ').includes(p.replace(/<\/?mark>/g, ''))).toBe(true)
  })

  test('never more than 255 octets, multi-byte text cut at a character, marks kept whole', () => {
    const body = `${'ж'.repeat(20)} key ${'日本語'.repeat(200)} key ${'é'.repeat(300)}`
    const p = highlightPreview(body, ['key']) as string
    expect(octets(p)).toBeLessThanOrEqual(maxPreviewOctets)
    expect(p).toContain('<mark>key</mark>')
    expect(p).not.toContain('\uFFFD')
    expect((p.match(/<mark>/g) ?? []).length).toBe((p.match(/<\/mark>/g) ?? []).length)
    const escaped = highlightPreview(`${'&'.repeat(400)} x`, ['&']) as string
    expect(octets(escaped)).toBeLessThanOrEqual(maxPreviewOctets)
    expect(escaped.startsWith('<mark>&amp;</mark>')).toBe(true)
  })

  test('null when the body does not contain the text', () => {
    expect(highlightPreview('nothing to see', ['needle'])).toBeNull()
    expect(highlightPreview('', ['needle'])).toBeNull()
  })
})

test('escapeHtml', () => {
  expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;')
})
