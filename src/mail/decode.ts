// Content decoding for JMAP body values and previews: Content-Transfer-Encoding (rfc2045#section-6.7
// quoted-printable, rfc2045#section-6.8 base64) and charsets (rfc2045#section-5.1, via iconv-lite).
import { isUtf8 } from 'node:buffer'
import iconv from 'iconv-lite'
import { asBuffer, bytesToText } from './bytes.ts'
import type { MimePart } from './types.ts'

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x41 && c <= 0x46) return c - 0x37
  if (c >= 0x61 && c <= 0x66) return c - 0x57
  return -1
}

/** rfc2045#section-6.7 quoted-printable: "=XX" octets and "=" soft line breaks; bad escapes kept. */
function decodeQuotedPrintable(input: Buffer): Buffer {
  const out = Buffer.allocUnsafe(input.length)
  let n = 0
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as number
    if (c !== 0x3d) {
      out[n++] = c
      continue
    }
    const h = hexValue(input[i + 1] ?? -1)
    const l = hexValue(input[i + 2] ?? -1)
    if (h >= 0 && l >= 0) {
      out[n++] = h * 16 + l
      i += 2
      continue
    }
    // soft line break: "=" then optional trailing blanks then (CR)LF or the end
    let j = i + 1
    while (input[j] === 0x20 || input[j] === 0x09) j++
    if (input[j] === 0x0d && input[j + 1] === 0x0a) i = j + 1
    else if (input[j] === 0x0a) i = j
    else if (j >= input.length) i = j
    else out[n++] = c
  }
  return out.subarray(0, n)
}

/** Undoes a Content-Transfer-Encoding; 7bit, 8bit, binary and unknown encodings pass through. */
export function decodeTransfer(body: Buffer, encoding: string | null): Buffer {
  if (encoding === 'base64') return Buffer.from(body.toString('latin1'), 'base64') // rfc2045#section-6.8
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body)
  return body
}

/**
 * The decoded content of a leaf part (transfer encoding undone). With `maxBytes`, only about that
 * many encoded bytes are read, for previews.
 */
export function decodePartBody(raw: Uint8Array, part: MimePart, maxBytes = Number.POSITIVE_INFINITY): Buffer {
  const buf = asBuffer(raw)
  const end = Math.min(part.bodyEnd, part.bodyStart + maxBytes)
  return decodeTransfer(buf.subarray(part.bodyStart, end), part.encoding)
}

/** The text of a text/* part, decoded from its charset (us-ascii/unknown: UTF-8 or Windows-1252). */
export function decodePartText(raw: Uint8Array, part: MimePart, maxBytes?: number): string {
  return bytesToText(decodePartBody(raw, part, maxBytes), part.params.charset ?? null)
}

/** Decoded text and whether decoding met a problem (rfc8621#section-4.1.4 isEncodingProblem). */
export interface CheckedText {
  text: string
  isEncodingProblem: boolean
}

const base64Body = /^[A-Za-z0-9+/\s]*={0,2}\s*$/

const identityEncodings = new Set(['7bit', '8bit', 'binary'])

/**
 * Whether a transfer-encoded body has bytes its encoding does not allow (bad base64, bad "=XX"),
 * or an encoding this server does not know (its bytes are passed through undecoded).
 */
function hasTransferProblem(body: Buffer, encoding: string | null): boolean {
  if (encoding !== null && encoding !== 'base64' && encoding !== 'quoted-printable')
    return !identityEncodings.has(encoding)
  if (encoding === 'base64') {
    const text = body.toString('latin1')
    if (!base64Body.test(text)) return true
    const letters = text.replace(/[\s=]/g, '').length
    return letters % 4 === 1
  }
  if (encoding === 'quoted-printable') {
    for (let i = body.indexOf(0x3d); i >= 0; i = body.indexOf(0x3d, i + 1)) {
      if (hexValue(body[i + 1] ?? -1) >= 0 && hexValue(body[i + 2] ?? -1) >= 0) continue
      // a soft line break: "=" then blanks then the line end (or the end of the body)
      let j = i + 1
      while (body[j] === 0x20 || body[j] === 0x09) j++
      if (j < body.length && body[j] !== 0x0d && body[j] !== 0x0a) return true
    }
  }
  return false
}

/**
 * The text of a text/* part like decodePartText, and whether the server had to guess: a broken
 * transfer encoding, an unknown charset, or bytes that are not valid in the charset (replaced).
 */
export function decodePartTextChecked(raw: Uint8Array, part: MimePart): CheckedText {
  const buf = asBuffer(raw)
  const encoded = buf.subarray(part.bodyStart, part.bodyEnd)
  const bytes = decodeTransfer(encoded, part.encoding)
  const transferProblem = hasTransferProblem(encoded, part.encoding)
  const charset = part.params.charset?.trim().toLowerCase() ?? ''
  const text = bytesToText(bytes, charset || null)
  let charsetProblem: boolean
  if (charset === '' || charset === 'us-ascii' || charset === 'ascii') {
    // 8-bit bytes in a part that declares none: guessed as UTF-8 or else Windows-1252
    charsetProblem = !isUtf8(bytes)
  } else if (charset === 'utf-8' || charset === 'utf8') {
    charsetProblem = !isUtf8(bytes)
  } else if (!iconv.encodingExists(charset)) {
    charsetProblem = true
  } else {
    charsetProblem = text.includes('\ufffd')
  }
  return { text, isEncodingProblem: transferProblem || charsetProblem }
}
