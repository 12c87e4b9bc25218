// IMAP data values (atoms, numbers, strings, NIL, lists) as JSON-friendly trees and their canonical
// wire form: rfc3501#section-4 / rfc9051#section-4 (quoted strings, literals), rfc6855 (UTF8=ACCEPT).
import { isUtf8 } from 'node:buffer'

/**
 * A string that must go on the wire as a literal, whatever it holds. Dovecot writes text "for
 * humans" (subjects, display names) as literals whenever it changed them, and we mirror it.
 */
export interface ImapLiteral {
  literal: string
}

/**
 * An IMAP value: `null` is NIL, a number is a number, an array a parenthesised list. Strings are
 * byte strings: each char is one byte (0-255), exactly as the bytes appear in the message, so
 * 8-bit header text survives untouched (rfc3501#section-4.3). The tree is plain JSON.
 */
export type ImapValue = string | number | null | ImapLiteral | ImapValue[]

/** Options for {@link formatImapValue}. */
export interface FormatOptions {
  /** The client enabled UTF8=ACCEPT (rfc6855#section-3): valid UTF-8 may go in quoted strings. */
  utf8: boolean
}

/** Marks `bytes` (a byte string) as a string to be sent as a literal. */
export function imapLiteral(bytes: string): ImapLiteral {
  return { literal: bytes }
}

function isValidUtf8Bytes(s: string): boolean {
  return isUtf8(Buffer.from(s, 'latin1'))
}

/** Whether a byte string can be a quoted string (rfc3501#section-9 quoted, QUOTED-CHAR). */
function needsLiteral(s: string, utf8: boolean): boolean {
  let escapes = 0
  let high = false
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x0d || c === 0x0a || c === 0) return true // rfc3501#section-9 TEXT-CHAR excludes CR, LF, NUL
    if (c === 0x22 || c === 0x5c) {
      // Dovecot sends strings with many escapes as literals; we do the same so output matches.
      if (++escapes > 4) return true
    } else if (c >= 0x80) {
      if (!utf8) return true // rfc3501#section-9 CHAR is 7-bit
      high = true
    }
  }
  return high && !isValidUtf8Bytes(s) // rfc9051#section-4.3 / rfc6855: 8-bit quoted only as UTF-8
}

function quote(s: string): string {
  let out = '"'
  let start = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x22 || c === 0x5c) {
      out += `${s.slice(start, i)}\\`
      start = i
    }
  }
  return `${out}${s.slice(start)}"`
}

function literal(s: string): string {
  return `{${s.length}}\r\n${s}` // rfc3501#section-4.3 literal: octet count, CRLF, octets
}

/**
 * Serialises an IMAP value the way IMAP servers do: NIL, decimal numbers, quoted strings (with `"`
 * and `\` escaped), literals `{n}\r\n…` for strings with CR, LF or NUL, with 8-bit bytes unless
 * `utf8` is set and they are valid UTF-8, or with many escapes; lists in parentheses with items
 * separated by one space — except that the lists at the start of a list follow each other without
 * a space, as in the grammar's `1*body` (multipart parts) and `1*address` (rfc3501#section-9).
 * Input strings and the result are byte strings: write the result with `Buffer.from(s, 'latin1')`.
 */
export function formatImapValue(v: ImapValue, options: FormatOptions): string {
  if (v === null) return 'NIL'
  if (typeof v === 'number') return String(v)
  if (typeof v === 'string') return needsLiteral(v, options.utf8) ? literal(v) : quote(v)
  if (Array.isArray(v)) {
    let out = '('
    let leadingLists = true
    for (let i = 0; i < v.length; i++) {
      const item = v[i] as ImapValue
      leadingLists &&= Array.isArray(item)
      // rfc3501#section-9 "1*body" and "1*address": the leading run of lists has no separators
      if (i > 0 && !leadingLists) out += ' '
      out += formatImapValue(item, options)
    }
    return `${out})`
  }
  return literal(v.literal)
}

/** Converts text (a JS string) to the byte string of its UTF-8 encoding, for use in an ImapValue. */
export function utf8ToByteString(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1')
}
