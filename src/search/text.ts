// The searchable text of a message (rfc9051#section-6.4.4 BODY, TEXT, HEADER, FROM …): decoded
// header values (rfc2047 encoded words, 8-bit bytes) and the text of its text/* parts (transfer
// encoding and charset undone, HTML turned to text), lower-cased for case-insensitive matching.
// Computed once when a message is prepared (possibly in a Worker); never at query time.

import { asBuffer } from '../mail/bytes.ts'
import { decodePartText } from '../mail/decode.ts'
import { htmlToText } from '../mail/html-text.ts'
import type { MimePart, ParsedMessage } from '../mail/types.ts'
import { foldCase } from './fold.ts'
import { decodedFields } from './header-text.ts'

/** Body text kept per message at most (characters); longer text is cut. */
export const maxBodyChars = 256 * 1024

/** One row of the text index (see db/schema/search.ts); every string lower-case. */
export interface SearchText {
  subject: string | null
  fromList: string | null
  toList: string | null
  ccList: string | null
  bccList: string | null
  /** The text of the text/* parts (stored compressed). Header fields are matched from the stored message. */
  body: string
}

export { foldCase }

function collectText(raw: Uint8Array, part: MimePart, out: string[], budget: { left: number }): void {
  if (budget.left <= 0) return
  if (part.type === 'multipart') {
    for (const child of part.children) collectText(raw, child, out, budget)
    return
  }
  if (part.message) {
    collectText(raw, part.message, out, budget)
    return
  }
  if (part.type !== 'text') return
  // rfc9051#section-6.4.4: the match is on the decoded text; a part larger than the budget is cut
  // (read at most 4 encoded bytes per kept character, enough for any transfer encoding).
  let text = decodePartText(raw, part, budget.left * 4)
  if (part.subtype === 'html') text = htmlToText(text).replace(/\s+/g, ' ')
  text = text.replace(/\r\n/g, '\n')
  if (text.length > budget.left) text = text.slice(0, budget.left)
  budget.left -= text.length + 1
  out.push(text)
}

/** The searchable text of a parsed message and its raw bytes (the same bytes parseMessage saw). */
export function searchTextOf(raw: Uint8Array, parsed: ParsedMessage): SearchText {
  const buf = asBuffer(raw)
  const byName: Record<string, string[]> = {}
  for (const f of decodedFields(buf.toString('latin1', 0, Math.min(parsed.headerSize, buf.length)))) {
    const list = byName[f.key]
    if (list) list.push(f.value)
    else byName[f.key] = [f.value]
  }
  const joined = (name: string) => byName[name]?.join('\n') ?? null
  const parts: string[] = []
  collectText(raw, parsed.parts, parts, { left: maxBodyChars })
  return {
    subject: joined('subject'),
    fromList: joined('from'),
    toList: joined('to'),
    ccList: joined('cc'),
    bccList: joined('bcc'),
    body: foldCase(parts.join('\n')),
  }
}
