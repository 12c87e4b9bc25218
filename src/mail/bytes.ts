// Byte-level helpers for the MIME scanner: Buffer views, line endings, line counts, text decoding.
// rfc5322#section-2.1 (CRLF line endings), rfc3501#section-2.3.4 (sizes count CRLF as two octets).
import { isUtf8 } from 'node:buffer'
import iconv from 'iconv-lite'

/** A Buffer over the same memory as `u8` (no copy). */
export function asBuffer(u8: Uint8Array): Buffer {
  return Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength)
}

/**
 * Returns the message with every bare LF turned into CRLF (a lone CR is left alone), or the input
 * itself when it has no bare LF. IMAP sizes and offsets are those of the CRLF form
 * (rfc3501#section-2.3.4), so the store normalises once before parsing and keeping the bytes.
 */
export function normalizeCrlf(raw: Uint8Array): Uint8Array {
  const buf = asBuffer(raw)
  let bare = 0
  for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) {
    if (i === 0 || buf[i - 1] !== 0x0d) bare++
  }
  if (bare === 0) return raw
  const out = Buffer.allocUnsafe(buf.length + bare)
  let from = 0
  let to = 0
  for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) {
    if (i > 0 && buf[i - 1] === 0x0d) continue
    to += buf.copy(out, to, from, i)
    out[to++] = 0x0d
    out[to++] = 0x0a
    from = i + 1
  }
  buf.copy(out, to, from)
  return out
}

/** Number of LF bytes in `buf[start, end)`: IMAP's body line count (rfc3501#section-7.4.2). */
export function countLf(buf: Buffer, start: number, end: number): number {
  let n = 0
  for (let i = buf.indexOf(0x0a, start); i >= 0 && i < end; i = buf.indexOf(0x0a, i + 1)) n++
  return n
}

/** Length of the line ending (CRLF or LF) that ends right before `pos`, 0 if none. */
export function newlineBefore(buf: Buffer, pos: number, floor: number): number {
  if (pos - 1 < floor || buf[pos - 1] !== 0x0a) return 0
  return pos - 2 >= floor && buf[pos - 2] === 0x0d ? 2 : 1
}

/** Decodes a byte string (one char per byte) as UTF-8 when it is valid UTF-8, else as Windows-1252. */
export function byteStringToText(bytes: string): string {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes.charCodeAt(i) >= 0x80) return bytesToText(Buffer.from(bytes, 'latin1'), null)
  }
  return bytes
}

/**
 * Decodes bytes in `charset` (rfc2045#section-5.1 charset parameter). Unknown or missing charsets
 * fall back to UTF-8 when the bytes are valid UTF-8, else Windows-1252, so text always comes out.
 */
export function bytesToText(bytes: Buffer, charset: string | null): string {
  const cs = charset?.trim().toLowerCase() ?? ''
  if (cs === 'utf-8' || cs === 'utf8') return bytes.toString('utf8')
  if (cs !== '' && cs !== 'us-ascii' && cs !== 'ascii' && iconv.encodingExists(cs)) {
    try {
      return iconv.decode(bytes, cs)
    } catch {
      // fall through to the guess below
    }
  }
  return isUtf8(bytes) ? bytes.toString('utf8') : iconv.decode(bytes, 'windows-1252')
}
