// The bytes of BODY[section]<partial> and BINARY[part]<partial> (rfc9051#section-6.4.5,
// rfc3516#section-4.2), cut from the raw message at the offsets of the stored part tree: nothing
// is parsed again.
import { decodeTransfer, extractHeaderFields, findPart, type MimePart } from '../../../mail/index.ts'
import type { BodySection, PartialRange } from '../../proto/index.ts'
import { ImapNo } from '../errors.ts'

const empty = new Uint8Array(0)

/** Content-Transfer-Encodings whose decoding is the identity (rfc2045#section-6.2). */
const identityEncodings = new Set([null, '7bit', '8bit', 'binary'])

function asBuffer(u8: Uint8Array): Buffer {
  return Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength)
}

/**
 * The content of a body section. A part that does not exist is an empty string, as Dovecot and
 * most servers answer, rather than a failure of the whole FETCH.
 */
export function sectionBytes(raw: Uint8Array, root: MimePart, section: BodySection): Uint8Array {
  const top = section.part.length === 0
  const part = top ? root : findPart(root, section.part.join('.'))
  if (part === undefined) return empty
  if (section.text === undefined) return top ? raw : raw.subarray(part.bodyStart, part.bodyEnd)
  // rfc9051#section-6.4.5: the MIME header of the part, blank line included.
  if (section.text === 'MIME') return raw.subarray(part.headerStart, headerEnd(raw, part))
  // HEADER, HEADER.FIELDS and TEXT name a message: the top level or a message/rfc822 part. Of
  // any other part they are empty, as Dovecot answers.
  const target = top ? root : part.message
  if (target === null) return empty
  switch (section.text) {
    case 'HEADER':
      return raw.subarray(target.headerStart, headerEnd(raw, target))
    case 'TEXT':
      // The top-level message runs to the end of the stored bytes.
      return raw.subarray(target.bodyStart, top ? raw.length : target.bodyEnd)
    case 'HEADER.FIELDS':
      return extractHeaderFields(
        raw.subarray(target.headerStart, headerEnd(raw, target)),
        section.fields ?? [],
        false,
      )
    case 'HEADER.FIELDS.NOT':
      return headerWithout(raw.subarray(target.headerStart, headerEnd(raw, target)), section.fields ?? [])
  }
}

/**
 * Where a part's header ends. A header that runs straight into the next boundary has no blank
 * line: the CRLF before the boundary belongs to the delimiter (rfc2046#section-5.1.1), so it is
 * not part of the header, as Dovecot serves it.
 */
function headerEnd(raw: Uint8Array, part: MimePart): number {
  const end = part.bodyStart
  const atBoundary = end === part.bodyEnd && raw[end] === 0x2d && raw[end + 1] === 0x2d
  if (atBoundary && end >= part.headerStart + 2 && raw[end - 2] === 0x0d && raw[end - 1] === 0x0a) {
    return end - 2
  }
  return end
}

/**
 * HEADER.FIELDS.NOT: the header's lines, blank line included, without the named fields and their
 * continuation lines. Lines that are not well-formed fields (no colon, a continuation with
 * nothing before it) are kept as they are, and nothing is added to a header that lacks its blank
 * line, as Dovecot answers.
 */
function headerWithout(header: Uint8Array, names: string[]): Uint8Array {
  const buf = asBuffer(header)
  const excluded = new Set(names.map((n) => n.toLowerCase()))
  const chunks: Buffer[] = []
  let keep = true
  let pos = 0
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos)
    const next = nl < 0 ? buf.length : nl + 1
    const first = buf[pos]
    const blank = first === 0x0a || (first === 0x0d && buf[pos + 1] === 0x0a)
    if (blank) keep = true
    else if (first !== 0x20 && first !== 0x09) {
      const colon = buf.indexOf(0x3a, pos)
      const nameEnd = colon >= 0 && colon < next ? colon : next
      const name = buf.toString('latin1', pos, nameEnd).trim().toLowerCase()
      keep = !excluded.has(name)
    }
    if (keep) chunks.push(buf.subarray(pos, next))
    pos = next
  }
  return Buffer.concat(chunks)
}

/** rfc9051#section-6.4.5 partial: `length` octets from `offset`; an offset past the end gives "". */
export function applyPartial(bytes: Uint8Array, partial: PartialRange | undefined): Uint8Array {
  if (partial === undefined) return bytes
  if (partial.offset >= bytes.length) return empty
  return bytes.subarray(partial.offset, Math.min(bytes.length, partial.offset + partial.length))
}

/**
 * BINARY[part]: the part's content with its Content-Transfer-Encoding undone (rfc3516#section-4.2).
 * `BINARY[]` is the whole message as stored. Only leaf parts may be asked for
 * (rfc9051#section-6.4.5); an encoding we cannot undo is `NO [UNKNOWN-CTE]` (rfc3516#section-4.3).
 */
export function binaryBytes(raw: Uint8Array, root: MimePart, partNumbers: number[]): Uint8Array {
  if (partNumbers.length === 0) return raw
  const part = findPart(root, partNumbers.join('.'))
  if (part === undefined) return empty
  if (part.type === 'multipart' || part.message !== null) {
    throw new ImapNo('BINARY is only for leaf parts, not multipart/* or message/rfc822 parts', {
      code: 'CANNOT',
    })
  }
  const body = asBuffer(raw).subarray(part.bodyStart, part.bodyEnd)
  if (identityEncodings.has(part.encoding)) return body
  if (part.encoding === 'base64') return decodeTransfer(body, part.encoding)
  if (part.encoding === 'quoted-printable') return decodeTransfer(withoutTrailingBlanks(body), part.encoding)
  throw new ImapNo(`Unknown Content-Transfer-Encoding ${part.encoding}`, { code: 'UNKNOWN-CTE' })
}

/**
 * rfc2045#section-6.7 (3): trailing white space on a quoted-printable line was added in transport
 * and is deleted when decoding (as Dovecot does). Returns the input when there is none.
 */
function withoutTrailingBlanks(body: Buffer): Buffer {
  const isBlank = (b: number | undefined) => b === 0x20 || b === 0x09
  const chunks: Buffer[] = []
  let from = 0
  let pos = 0
  while (pos <= body.length) {
    const nl = body.indexOf(0x0a, pos)
    const lineEnd = nl < 0 ? body.length : body[nl - 1] === 0x0d ? nl - 1 : nl
    let end = lineEnd
    while (end > pos && isBlank(body[end - 1])) end--
    if (end < lineEnd) {
      chunks.push(body.subarray(from, end))
      from = lineEnd
    }
    if (nl < 0) break
    pos = nl + 1
  }
  if (chunks.length === 0) return body
  chunks.push(body.subarray(from))
  return Buffer.concat(chunks)
}
