// Trace headers added on arrival: Received (rfc5321#section-4.4) and, for submissions that lack
// them, Message-ID and Date (rfc6409#section-8).

import { randomId } from '../../lib/ids.ts'
import { rfc5322Date } from '../../mail/date.ts'

export interface TraceInfo {
  helo: string
  remoteAddress: string
  hostname: string
  /** ESMTP, ESMTPS, ESMTPSA, LMTP … (rfc3848). */
  protocol: string
  id: string
  tls?: { protocol: string; cipher: string }
  /** Only for a single recipient: naming several would disclose Bcc recipients. */
  recipient?: string
  date: Date
}

export function receivedHeader(t: TraceInfo): string {
  const helo = t.helo.replace(/[^\x21-\x7e]/g, '').slice(0, 255) || 'unknown'
  const ip = t.remoteAddress.includes(':') ? `IPv6:${t.remoteAddress}` : t.remoteAddress
  const tls = t.tls ? `\r\n\t(using ${t.tls.protocol} with cipher ${t.tls.cipher})` : ''
  const forPart = t.recipient ? `\r\n\tfor <${t.recipient}>` : ''
  return `Received: from ${helo} ([${ip}])\r\n\tby ${t.hostname} (Postern) with ${t.protocol} id ${t.id}${tls}${forPart};\r\n\t${rfc5322Date(t.date)}\r\n`
}

/** The header fields a submitted message is missing (Message-ID, Date), ready to prepend. */
export function missingSubmissionHeaders(raw: Uint8Array, hostname: string, date: Date): string[] {
  const end = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).indexOf('\r\n\r\n')
  const header = Buffer.from(raw.buffer, raw.byteOffset, end < 0 ? raw.byteLength : end).toString('latin1')
  const out: string[] = []
  if (!/^message-id:/im.test(header)) out.push(`Message-ID: <${randomId(20)}@${hostname}>\r\n`)
  if (!/^date:/im.test(header)) out.push(`Date: ${rfc5322Date(date)}\r\n`)
  return out
}

/** The header section of a message (up to and including the blank line's first CRLF). */
function headerText(raw: Uint8Array): string {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
  const end = buf.indexOf('\r\n\r\n')
  return buf.subarray(0, end < 0 ? buf.length : end + 2).toString('latin1')
}

/**
 * The addresses in the From fields (rfc5322#section-3.6.2), lower-case; undefined when the
 * message has no From field. Comments are dropped; `Name <a@b>`, bare `a@b` and groups are read.
 */
export function fromAddresses(raw: Uint8Array): string[] | undefined {
  const fields = headerText(raw)
    .split(/\r\n(?![ \t])/)
    .filter((f) => /^from\s*:/i.test(f))
  if (fields.length === 0) return undefined
  const out: string[] = []
  for (const field of fields) {
    const value = field
      .slice(field.indexOf(':') + 1)
      .replace(/\r\n[ \t]/g, ' ')
      .replace(/"(?:[^"\\]|\\.)*"/g, '""')
      .replace(/\([^()]*\)/g, ' ')
    const angled = [...value.matchAll(/<([^<>]*)>/g)].map((m) => m[1] ?? '')
    const found = angled.length > 0 ? angled : value.split(/[,;:]/).filter((t) => t.includes('@'))
    out.push(...found.map((a) => a.trim().toLowerCase()).filter((a) => a !== ''))
  }
  return out
}
