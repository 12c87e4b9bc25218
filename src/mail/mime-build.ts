// Building a MIME message (rfc5322, rfc2045-rfc2047, rfc2231) from a tree of entities: header
// fields folded at 76, encoded words for non-ASCII text, multipart boundaries that cannot occur
// in the encoded content, and the transfer encoding each leaf's bytes need. For JMAP Email/set.
import { randomBytes } from 'node:crypto'
import * as base64 from 'nodemailer/lib/base64'
import * as mimeFuncs from 'nodemailer/lib/mime-funcs'
import * as qp from 'nodemailer/lib/qp'

export interface HeaderLine {
  name: string
  /** The field value; `raw` values are written exactly as given (already folded by the client). */
  value: string
  raw?: boolean
}

export interface MimeEntity {
  /** Lower-case media type, e.g. "text/plain", "multipart/mixed". */
  type: string
  /** Content-Type parameters other than boundary (charset, name …), values unencoded. */
  params: Record<string, string>
  /** Fields other than Content-Type and Content-Transfer-Encoding, in order. */
  headers: HeaderLine[]
  /** A leaf's content, not yet transfer-encoded. */
  body?: Uint8Array
  /** A multipart's children. */
  parts?: MimeEntity[]
}

const crlf = '\r\n'

/** rfc5322#section-2.2.3: a field folded at whitespace so lines stay near 76 characters. */
export function foldField(name: string, value: string): string {
  return mimeFuncs.foldLines(`${name}: ${value}`, 76, false)
}

/** rfc2047 encoded words where the text is not plain ASCII; plain text as it is. */
export function encodeText(text: string): string {
  return /^[\x20-\x7e\t]*$/.test(text) ? text : mimeFuncs.encodeWords(text, 'Q', 52)
}

/** rfc5322#section-3.2.5 phrase: atoms as they are, else a quoted string, else encoded words. */
export function encodePhrase(text: string): string {
  if (/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]*$/.test(text) && text.trim() === text) return text
  if (/^[\x20-\x7e]*$/.test(text)) return `"${text.replace(/(["\\])/g, '\\$1')}"`
  return mimeFuncs.encodeWords(text, 'Q', 52)
}

/** One address: "Name <addr>" or the bare address (rfc5322#section-3.4). */
export function formatAddress(address: { name: string | null; email: string }): string {
  return address.name ? `${encodePhrase(address.name)} <${address.email}>` : address.email
}

/** rfc5322#section-3.3 date-time keeping the given offset, from an RFC 3339 date-time. */
export function formatDateWithOffset(iso: string): string | undefined {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)$/i.exec(iso)
  if (!m) return undefined
  const utc = Date.parse(iso)
  if (Number.isNaN(utc)) return undefined
  const zone = (m[7] as string).toUpperCase()
  const offsetMinutes =
    zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)))
  const local = new Date(utc + offsetMinutes * 60_000)
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  const pad = (n: number) => String(n).padStart(2, '0')
  const abs = Math.abs(offsetMinutes)
  const sign = offsetMinutes < 0 ? '-' : '+'
  return `${days[local.getUTCDay()]}, ${local.getUTCDate()} ${months[local.getUTCMonth()]} ${local.getUTCFullYear()} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())} ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
}

function isSevenBit(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b === 0 || b > 0x7f) return false
  return true
}

/** Whether every line ends in CRLF (no bare CR or LF) and none is longer than 998 octets (rfc5322#section-2.1.1). */
function hasShortCrlfLines(bytes: Uint8Array): boolean {
  let length = 0
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number
    if (b === 0x0d) {
      if (bytes[i + 1] !== 0x0a) return false
      i++
      length = 0
    } else if (b === 0x0a) return false
    else if (++length > 998) return false
  }
  return true
}

/** The transfer encoding for a leaf (rfc2045#section-6) and its encoded body. */
function encodeBody(entity: MimeEntity): { encoding: string; content: Buffer } {
  const bytes = entity.body ?? new Uint8Array(0)
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const plain = hasShortCrlfLines(bytes)
  if (isSevenBit(bytes) && plain) return { encoding: '7bit', content: buf }
  // rfc2046#section-5.2.1: message/rfc822 may only be 7bit, 8bit or binary.
  if (entity.type.startsWith('message/')) return { encoding: plain ? '8bit' : 'binary', content: buf }
  const text = entity.type.startsWith('text/')
    ? qp.wrap(qp.encode(buf), 76)
    : base64.wrap(base64.encode(buf), 76)
  return {
    encoding: entity.type.startsWith('text/') ? 'quoted-printable' : 'base64',
    content: Buffer.from(text, 'latin1'),
  }
}

function headerBlock(lines: HeaderLine[]): string {
  return lines.map((h) => (h.raw ? `${h.name}:${h.value}` : foldField(h.name, h.value))).join(crlf)
}

/** A field value with parameters, non-ASCII ones in rfc2231 form (Content-Disposition's filename). */
export function formatParameterized(value: string, params: Record<string, string>): string {
  return mimeFuncs.buildHeaderValue({ value, params })
}

function contentType(entity: MimeEntity, boundary?: string): string {
  const params: Record<string, string> = { ...entity.params }
  if (boundary) params.boundary = boundary
  return mimeFuncs.buildHeaderValue({ value: entity.type, params })
}

/**
 * The whole message: the root entity's fields (the message header), then its content. Boundaries
 * start with "=_", which neither base64 nor quoted-printable output can contain (rfc2045#section-6.7).
 */
export function buildMessage(root: MimeEntity): Uint8Array {
  const seed = randomBytes(12).toString('hex')
  let counter = 0
  const chunks: Buffer[] = []
  // Header text is UTF-8: encoded words are ASCII, and a raw value may carry UTF-8 (rfc6532).
  const write = (text: string) => chunks.push(Buffer.from(text, 'utf8'))
  const emit = (entity: MimeEntity) => {
    const fields = [...entity.headers]
    if (entity.parts) {
      const boundary = `=_${seed}_${counter++}`
      fields.push({ name: 'Content-Type', value: contentType(entity, boundary) })
      write(`${headerBlock(fields)}${crlf}${crlf}`)
      for (const part of entity.parts) {
        write(`--${boundary}${crlf}`)
        emit(part)
        write(crlf)
      }
      write(`--${boundary}--${crlf}`)
      return
    }
    const { encoding, content } = encodeBody(entity)
    fields.push({ name: 'Content-Type', value: contentType(entity) })
    if (encoding !== '7bit') fields.push({ name: 'Content-Transfer-Encoding', value: encoding })
    write(`${headerBlock(fields)}${crlf}${crlf}`)
    chunks.push(content)
  }
  emit(root)
  return new Uint8Array(Buffer.concat(chunks))
}
