// Mailbox names on the wire: modified UTF-7 (rfc3501#section-5.1.3) for IMAP4rev1 clients, UTF-8
// once UTF8=ACCEPT is enabled or with IMAP4rev2 (rfc6855#section-3, rfc9051#section-5.1), and the
// case-insensitive INBOX (rfc9051#section-5.1).

/** A mailbox name that is not valid on the wire (invalid modified UTF-7 or a forbidden character). */
export class MailboxNameError extends Error {
  override readonly name = 'MailboxNameError'
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,'

function isPrintable(code: number): boolean {
  return code >= 0x20 && code <= 0x7e
}

/**
 * Encodes a Unicode name as modified UTF-7: printable ASCII stands for itself, `&` is `&-`, and every
 * run of other characters is `&` + modified base64 (`,` for `/`, no padding) of UTF-16BE + `-`.
 */
export function encodeMutf7(name: string): string {
  let out = ''
  let i = 0
  while (i < name.length) {
    const code = name.charCodeAt(i)
    if (isPrintable(code)) {
      out += code === 0x26 ? '&-' : name[i]
      i++
      continue
    }
    const units: number[] = []
    while (i < name.length && !isPrintable(name.charCodeAt(i))) units.push(name.charCodeAt(i++))
    out += `&${base64Utf16(units)}-`
  }
  return out
}

function base64Utf16(units: number[]): string {
  let out = ''
  let bits = 0
  let buffer = 0
  for (const unit of units) {
    buffer = (buffer << 16) | unit
    bits += 16
    while (bits >= 6) {
      bits -= 6
      out += ALPHABET[(buffer >> bits) & 0x3f]
    }
    buffer &= (1 << bits) - 1
  }
  if (bits > 0) out += ALPHABET[(buffer << (6 - bits)) & 0x3f]
  return out
}

/**
 * Decodes modified UTF-7, strictly, so that every name has exactly one encoding: only printable
 * ASCII; `&` always opens a shifted run closed by `-`; a run is never empty (that is `&-`), never
 * encodes printable ASCII, has no leftover non-zero bits, has paired surrogates, and is not
 * directly followed by another run. Returns undefined for anything else.
 */
export function tryDecodeMutf7(text: string): string | undefined {
  let out = ''
  let i = 0
  let previousRunEnd = -1
  while (i < text.length) {
    const code = text.charCodeAt(i)
    if (!isPrintable(code)) return undefined
    if (code !== 0x26) {
      out += text[i]
      i++
      continue
    }
    const end = text.indexOf('-', i + 1)
    if (end < 0) return undefined
    if (end === i + 1) {
      out += '&'
      i = end + 1
      continue
    }
    if (previousRunEnd === i) return undefined // two adjacent runs must be one
    const decoded = decodeRun(text.slice(i + 1, end))
    if (decoded === undefined) return undefined
    out += decoded
    i = end + 1
    previousRunEnd = i
  }
  return out
}

function decodeRun(run: string): string | undefined {
  const units: number[] = []
  let buffer = 0
  let bits = 0
  for (const ch of run) {
    const value = ALPHABET.indexOf(ch)
    if (value < 0) return undefined
    buffer = ((buffer << 6) | value) & 0xffffff
    bits += 6
    if (bits >= 16) {
      bits -= 16
      units.push((buffer >> bits) & 0xffff)
    }
  }
  // Leftover bits: fewer than 6 and all zero, otherwise the run is padded or truncated.
  if (bits >= 6 || (buffer & ((1 << bits) - 1)) !== 0) return undefined
  let out = ''
  for (let k = 0; k < units.length; k++) {
    const unit = units[k] as number
    if (isPrintable(unit)) return undefined // printable ASCII must stand for itself
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const low = units[k + 1]
      if (low === undefined || low < 0xdc00 || low > 0xdfff) return undefined
      out += String.fromCharCode(unit, low)
      k++
    } else if (unit >= 0xdc00 && unit <= 0xdfff) return undefined
    else out += String.fromCharCode(unit)
  }
  return out
}

/** Decodes modified UTF-7; throws MailboxNameError when the text is not valid. */
export function decodeMutf7(text: string): string {
  const name = tryDecodeMutf7(text)
  if (name === undefined) throw new MailboxNameError('mailbox name is not valid modified UTF-7')
  return name
}

/** True for INBOX in any case (rfc9051#section-5.1). */
export function isInbox(name: string): boolean {
  return name.length === 5 && name.toUpperCase() === 'INBOX'
}

/** INBOX in any case becomes "INBOX"; other names are case-sensitive and returned unchanged. */
export function normalizeInbox(name: string): string {
  return isInbox(name) ? 'INBOX' : name
}

/** How names travel on this connection: UTF-8 (UTF8=ACCEPT enabled, or IMAP4rev2) or modified UTF-7. */
export interface MailboxNameMode {
  utf8: boolean
}

/**
 * A mailbox name as the client sent it → the Unicode name the store uses, INBOX normalized. In UTF-8
 * mode the name is taken as is (`&` is just `&`, rfc6855#section-3); otherwise it must be valid
 * modified UTF-7. Control characters are never part of a name. Throws MailboxNameError.
 */
export function mailboxFromWire(wire: string, mode: MailboxNameMode): string {
  const name = mode.utf8 ? wire : decodeMutf7(wire)
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0)) {
      throw new MailboxNameError('mailbox name contains a control character')
    }
  }
  return normalizeInbox(name)
}

/** The store's Unicode name → the text to send: modified UTF-7 unless the connection uses UTF-8. */
export function mailboxToWire(name: string, mode: MailboxNameMode): string {
  return mode.utf8 ? name : encodeMutf7(name)
}
