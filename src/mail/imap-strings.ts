// How header text becomes IMAP strings in ENVELOPE and BODYSTRUCTURE: raw header bytes, never
// decoded (rfc3501#section-7.4.2), with newlines taken out, the way Dovecot writes them.
import { type ImapValue, imapLiteral } from './imap-value.ts'
import { REPLACEMENT_BYTES } from './rfc822-lexer.ts'

/** Header value bytes with NUL replaced by U+FFFD, as header strings are stored. */
export function headerString(value: string): string {
  return value.includes('\0') ? value.replaceAll('\0', REPLACEMENT_BYTES) : value
}

/**
 * An nstring for a header value (date, message-id, content-id, ...): CR and LF removed, a space put
 * in where the next byte is not already whitespace, so a folded value reads as one line.
 */
export function nstringNoLf(value: string | null): ImapValue {
  if (value === null) return null
  const s = headerString(value)
  if (!s.includes('\n') && !s.includes('\r')) return s
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c !== 0x0d && c !== 0x0a) out += s[i]
    else {
      const next = s.charCodeAt(i + 1)
      if (next !== 0x20 && next !== 0x09 && i + 1 < s.length) out += ' '
    }
  }
  return out
}

/**
 * A string meant for people (subject, display name): runs of whitespace become one space, leading
 * and trailing whitespace go, NUL becomes 0x80. When that changed anything, or the text has `"`,
 * `\` or 8-bit bytes, it is sent as a literal (as Dovecot does) — an empty result as "".
 */
export function humanString(value: string): ImapValue {
  let modify = false
  let lastWs = true
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) {
      if (c !== 0x20 || lastWs) modify = true
      lastWs = true
    } else {
      if (c === 0 || c === 0x22 || c === 0x5c || c >= 0x80) modify = true
      lastWs = false
    }
  }
  if (lastWs && value.length > 0) modify = true
  if (!modify) return value
  let out = ''
  lastWs = true
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) {
      if (!lastWs) out += ' '
      lastWs = true
    } else {
      out += c === 0 ? '\x80' : value[i]
      lastWs = false
    }
  }
  if (lastWs && out.length > 0) out = out.slice(0, -1)
  return out.length === 0 ? '' : imapLiteral(out)
}
