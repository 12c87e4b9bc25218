// POP3 status lines and multi-line responses (rfc1939#section-3) with the extended response
// codes of rfc2449#section-8 and rfc3206. Pure: builds the bytes, never writes them.

import { bodyOffset } from '../../mail/header.ts'

/** Response codes we send, in square brackets after the status indicator (rfc2449#section-8). */
export type ResponseCode =
  /** rfc2449#section-8.1.2: the maildrop is locked by another session. */
  | 'IN-USE'
  /** rfc2449#section-8.1.1: logged in too recently (or, here, too many failed logins). */
  | 'LOGIN-DELAY'
  /** rfc3206#section-4: a temporary server problem; retrying later should work. */
  | 'SYS/TEMP'
  /** rfc3206#section-4: a permanent server problem. */
  | 'SYS/PERM'
  /** rfc3206#section-5: the credentials are the problem. */
  | 'AUTH'

/** rfc2449#section-4: the first line of a response is at most 512 octets, CRLF included. */
export const maxStatusLineOctets = 512
/** rfc2449#section-4: a command is at most 255 octets, CRLF included. */
export const maxCommandOctets = 255

const encoder = new TextEncoder()

function statusLine(indicator: '+OK' | '-ERR', text: string, code?: ResponseCode): string {
  const head = code ? `${indicator} [${code}]` : indicator
  // Text is ours, but may echo a user name: keep it on one line and within the limit.
  const clean = text.replace(/[\r\n]+/g, ' ')
  let line = (clean === '' ? head : `${head} ${clean}`).slice(0, maxStatusLineOctets)
  while (encoder.encode(line).length > maxStatusLineOctets - 2) line = line.slice(0, -1)
  return `${line}\r\n`
}

/** `+OK text` */
export function ok(text = '', code?: ResponseCode): string {
  return statusLine('+OK', text, code)
}

/** `-ERR [CODE] text` */
export function err(text: string, code?: ResponseCode): string {
  return statusLine('-ERR', text, code)
}

/**
 * A multi-line response made of text lines (CAPA, LIST, UIDL): the status line, each line
 * byte-stuffed (rfc1939#section-3), and the terminating ".".
 */
export function multiline(status: string, lines: readonly string[]): string {
  let out = status
  for (const line of lines) out += line.startsWith('.') ? `.${line}\r\n` : `${line}\r\n`
  return `${out}.\r\n`
}

/** "." at the start of a line, "\n.", and the terminator. */
const dot = 0x2e
const lf = 0x0a
const cr = 0x0d

/**
 * A message as a multi-line response body (rfc1939#section-3): every line that starts with "."
 * gets one more, the last line is ended with CRLF if it was not, and ".\r\n" ends the response.
 * Stored messages already have CRLF line ends; a bare LF still counts as a line end here.
 * `statusLine` goes first, so the whole response is one buffer (one write).
 */
export function dotStuffMessage(message: Uint8Array, statusLine = ''): Uint8Array {
  const head = encoder.encode(statusLine)
  let dots = message.length > 0 && message[0] === dot ? 1 : 0
  for (let i = message.indexOf(lf); i !== -1 && i + 1 < message.length; i = message.indexOf(lf, i + 1)) {
    if (message[i + 1] === dot) dots++
  }
  const needsCrlf = message.length > 0 && message[message.length - 1] !== lf
  const out = new Uint8Array(head.length + message.length + dots + (needsCrlf ? 2 : 0) + 3)
  out.set(head, 0)
  if (dots === 0) {
    out.set(message, head.length)
  } else {
    let from = 0
    let to = head.length
    if (message[0] === dot) out[to++] = dot
    for (let i = message.indexOf(lf); i !== -1 && i + 1 < message.length; i = message.indexOf(lf, i + 1)) {
      if (message[i + 1] !== dot) continue
      out.set(message.subarray(from, i + 1), to)
      to += i + 1 - from
      out[to++] = dot
      from = i + 1
    }
    out.set(message.subarray(from), to)
  }
  let end = head.length + message.length + dots
  if (needsCrlf) {
    out[end++] = cr
    out[end++] = lf
  }
  out[end++] = dot
  out[end++] = cr
  out[end] = lf
  return out
}

const dotLine = new Uint8Array([dot])
const crlf = new Uint8Array([cr, lf])
const terminator = new Uint8Array([dot, cr, lf])

/**
 * The same bytes as {@link dotStuffMessage}, as views into `message` with the added dots,
 * CRLF and terminator between them: nothing is copied, so a large message is in memory once.
 */
export function dotStuffParts(message: Uint8Array, statusLine = ''): Uint8Array[] {
  const parts: Uint8Array[] = [encoder.encode(statusLine)]
  let from = 0
  if (message[0] === dot) parts.push(dotLine)
  for (let i = message.indexOf(lf); i !== -1 && i + 1 < message.length; i = message.indexOf(lf, i + 1)) {
    if (message[i + 1] !== dot) continue
    parts.push(message.subarray(from, i + 1), dotLine)
    from = i + 1
  }
  parts.push(message.subarray(from))
  if (message.length > 0 && message[message.length - 1] !== lf) parts.push(crlf)
  parts.push(terminator)
  return parts.filter((p) => p.length > 0)
}

/**
 * rfc1939#section-7 TOP: the header, the blank line after it, and the first `lines` lines of the
 * body. A message without a blank line is all header. Slices, never copies.
 */
export function topOfMessage(message: Uint8Array, lines: number): Uint8Array {
  const bodyStart = headerEnd(message)
  if (bodyStart >= message.length) return message
  let end = bodyStart
  for (let n = 0; n < lines; n++) {
    const nl = message.indexOf(lf, end)
    if (nl === -1) return message
    end = nl + 1
    if (end >= message.length) return message
  }
  return message.subarray(0, end)
}

/** Offset just after the blank line that ends the header; the message length when there is none. */
function headerEnd(message: Uint8Array): number {
  const end = bodyOffset(message)
  return end < 0 ? message.length : end
}
