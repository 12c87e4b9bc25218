// Content decoding for JMAP body values and previews: Content-Transfer-Encoding (rfc2045#section-6.7
// quoted-printable, rfc2045#section-6.8 base64) and charsets (rfc2045#section-5.1, via iconv-lite).
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
