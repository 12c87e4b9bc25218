// Search snippets (rfc8621#section-5): the subject and a piece of the body text with the
// searched-for text marked as <mark>…</mark> and the rest HTML-escaped. The body text is decoded
// from the stored message through its stored part tree (email_facts.meta): the text parts' bytes
// only, the header is never re-parsed. Emails are read in one batch.
import type { Db } from '../db/client.ts'
import { decodePartText } from '../mail/decode.ts'
import { htmlToText } from '../mail/html-text.ts'
import { partSection } from '../mail/jmap-body.ts'
import type { MimePart } from '../mail/types.ts'
import { blobBytes } from '../store/blobs.ts'
import { type StoredMeta, unpackPart } from '../store/facts.ts'

/** rfc8621#section-5: a preview "MUST NOT be bigger than 255 octets in size". */
export const maxPreviewOctets = 255
/** Body text looked at per email, in characters (as the text index keeps). */
const maxBodyChars = 256 * 1024
/** Characters of context kept before the first match in a preview. */
const leadChars = 40

const utf8 = new TextEncoder()

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c] ?? c)
}

/** A case-insensitive pattern for any of the terms (longest first), or undefined when none is usable. */
function termPattern(terms: readonly string[]): RegExp | undefined {
  const usable = [...new Set(terms.filter((t) => t.trim().length > 0))]
  if (usable.length === 0) return undefined
  usable.sort((a, b) => b.length - a.length)
  return new RegExp(usable.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'giu')
}

/** Text split into plain and matched runs. */
function runs(text: string, pattern: RegExp): { text: string; isMatch: boolean }[] {
  const out: { text: string; isMatch: boolean }[] = []
  let at = 0
  pattern.lastIndex = 0
  for (const m of text.matchAll(pattern)) {
    if (m.index > at) out.push({ text: text.slice(at, m.index), isMatch: false })
    out.push({ text: m[0], isMatch: true })
    at = m.index + m[0].length
  }
  if (at < text.length) out.push({ text: text.slice(at), isMatch: false })
  return out
}

const markup = (run: { text: string; isMatch: boolean }) =>
  run.isMatch ? `<mark>${escapeHtml(run.text)}</mark>` : escapeHtml(run.text)

/** The subject with every match marked; null when nothing matches. */
export function highlightSubject(subject: string, terms: readonly string[]): string | null {
  const pattern = termPattern(terms)
  if (!pattern) return null
  const parts = runs(subject, pattern)
  if (!parts.some((p) => p.isMatch)) return null
  return parts.map(markup).join('')
}

/**
 * The part of `body` around its first match, whitespace collapsed, matches marked, at most
 * maxPreviewOctets octets of UTF-8 with the markup; null when nothing matches.
 */
export function highlightPreview(body: string, terms: readonly string[]): string | null {
  const pattern = termPattern(terms)
  if (!pattern) return null
  const text = body.replace(/\s+/g, ' ').trim()
  pattern.lastIndex = 0
  const first = pattern.exec(text)
  if (!first) return null
  // start a little before the match, at a word start when there is one near
  let start = Math.max(0, first.index - leadChars)
  if (start > 0) {
    const space = text.indexOf(' ', start)
    start = space >= 0 && space < first.index ? space + 1 : first.index
  }
  let out = ''
  let octets = 0
  for (const run of runs(text.slice(start), pattern)) {
    const piece = markup(run)
    const size = utf8.encode(piece).length
    if (octets + size <= maxPreviewOctets) {
      out += piece
      octets += size
      continue
    }
    // a match is kept whole or not at all; plain text is cut at a code point that fits
    if (!run.isMatch)
      for (const ch of run.text) {
        const escaped = escapeHtml(ch)
        const n = utf8.encode(escaped).length
        if (octets + n > maxPreviewOctets) break
        out += escaped
        octets += n
      }
    break
  }
  return out
}

/** The parts of a stored part tree by the section ids the body lists use. */
function partsBySection(root: MimePart): Map<string, MimePart> {
  const out = new Map<string, MimePart>()
  const walk = (part: MimePart) => {
    out.set(partSection(part), part)
    for (const child of part.children) walk(child)
    if (part.message) walk(part.message)
  }
  walk(root)
  return out
}

/** The body text of a stored email: its textBody parts, else its htmlBody parts as text. */
function bodyText(raw: Uint8Array, meta: StoredMeta): string {
  const parts = partsBySection(unpackPart(meta.parts))
  const collect = (ids: readonly string[]) => {
    let text = ''
    for (const id of ids) {
      const part = parts.get(id)
      if (part?.type !== 'text' || text.length >= maxBodyChars) continue
      const content = decodePartText(raw, part, maxBodyChars * 4)
      text += `${part.subtype === 'html' ? htmlToText(content) : content}\n`
    }
    return text.slice(0, maxBodyChars)
  }
  const text = collect(meta.textBody)
  return text.trim() !== '' ? text : collect(meta.htmlBody)
}

export interface Snippet {
  subject: string | null
  preview: string | null
}

/**
 * The snippets of the account's emails among `emailIds` (missing ones left out), in one query;
 * message bytes are read only when there is body text to highlight.
 */
export function searchSnippets(
  db: Db,
  accountId: number,
  emailIds: readonly number[],
  terms: { subject: readonly string[]; body: readonly string[] },
): Map<number, Snippet> {
  const out = new Map<number, Snippet>()
  if (emailIds.length === 0) return out
  const withBody = terms.body.some((t) => t.trim() !== '')
  const rows = db.$client
    .query(
      `SELECT e.id, e.subject, ${withBody ? 'f.meta, b.data, b.encoding' : 'NULL, NULL, NULL'} FROM emails e
         ${withBody ? 'JOIN email_facts f ON f.email_id = e.id JOIN blobs b ON b.id = e.blob_id' : ''}
        WHERE e.account_id = ? AND e.id IN (SELECT value FROM json_each(?))`,
    )
    .values(accountId, JSON.stringify(emailIds)) as [
    number,
    string,
    string | null,
    Uint8Array | null,
    number | null,
  ][]
  for (const [id, subject, meta, data, encoding] of rows) {
    const stored = meta === null ? null : (JSON.parse(meta) as StoredMeta)
    const body = stored && data !== null ? bodyText(blobBytes(data, encoding ?? 0), stored) : ''
    out.set(id, {
      subject: highlightSubject(stored?.subject ?? subject, terms.subject),
      preview: withBody ? highlightPreview(body, terms.body) : null,
    })
  }
  return out
}
