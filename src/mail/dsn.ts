// Delivery status notifications (rfc3464): a multipart/report (rfc6522) with a human-readable
// part, the machine-readable message/delivery-status, and the original message's header
// (text/rfc822-headers). Sent from the null sender so that it can never cause another bounce.

import { rfc5322Date } from './date.ts'
import { headerSection } from './header.ts'

export interface DsnRecipient {
  address: string
  action: 'failed' | 'delayed' | 'delivered'
  /** rfc3463 status, e.g. 5.1.1. */
  status: string
  /** The remote server's reply or our own reason, without CR/LF. */
  diagnostic?: string
  /** True when `diagnostic` is a reply an SMTP server gave (diagnostic type smtp). */
  diagnosticIsSmtp?: boolean
  remoteMta?: string
  lastAttemptAt?: number
  /** For delayed: until when it will be retried. */
  willRetryUntil?: number
}

export interface DsnInput {
  /** The reporting MTA's host name (also the From domain). */
  reportingMta: string
  /** The original envelope sender: the report's recipient. */
  to: string
  arrivalDate: number
  recipients: DsnRecipient[]
  /** The original message; only its header section is returned. */
  original: Uint8Array
  now: number
  /** Unique token for Message-ID and the boundary. */
  id: string
}

const crlf = '\r\n'

/** Removes what must not reach a header line: CR, LF and other controls. */
function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim()
}

function humanText(input: DsnInput): string {
  const failed = input.recipients.filter((r) => r.action === 'failed')
  const delayed = input.recipients.filter((r) => r.action === 'delayed')
  const lines: string[] = [`This is the mail system at ${input.reportingMta}.`, '']
  if (failed.length > 0) {
    lines.push(
      'Your message could not be delivered to the following recipient(s). This is a permanent',
      'error; the message will not be tried again:',
      '',
    )
    for (const r of failed) lines.push(`  <${r.address}>: ${oneLine(r.diagnostic ?? r.status)}`)
    lines.push('')
  }
  if (delayed.length > 0) {
    lines.push('Your message has not yet been delivered to the following recipient(s):', '')
    for (const r of delayed) lines.push(`  <${r.address}>: ${oneLine(r.diagnostic ?? r.status)}`)
    const until = Math.max(...delayed.map((r) => r.willRetryUntil ?? 0))
    lines.push(
      '',
      until > 0
        ? `Delivery will be tried again until ${rfc5322Date(until)}. You do not need to send it again.`
        : 'Delivery will be tried again. You do not need to send it again.',
      '',
    )
  }
  lines.push("The original message's header is attached.")
  return lines.join(crlf)
}

function deliveryStatus(input: DsnInput): string {
  const fields = [
    `Reporting-MTA: dns; ${input.reportingMta}`,
    `Arrival-Date: ${rfc5322Date(input.arrivalDate)}`,
  ]
  const blocks = input.recipients.map((r) => {
    const f = [`Final-Recipient: rfc822; ${r.address}`, `Action: ${r.action}`, `Status: ${r.status}`]
    if (r.remoteMta) f.push(`Remote-MTA: dns; ${oneLine(r.remoteMta)}`)
    if (r.diagnostic)
      f.push(`Diagnostic-Code: ${r.diagnosticIsSmtp ? 'smtp' : 'x-postern'}; ${oneLine(r.diagnostic)}`)
    if (r.lastAttemptAt) f.push(`Last-Attempt-Date: ${rfc5322Date(r.lastAttemptAt)}`)
    if (r.willRetryUntil) f.push(`Will-Retry-Until: ${rfc5322Date(r.willRetryUntil)}`)
    return f.join(crlf)
  })
  return [fields.join(crlf), ...blocks].join(crlf + crlf) + crlf
}

/** The whole DSN message, CRLF line ends, ready for delivery from `<>`. */
export function buildDsn(input: DsnInput): Uint8Array {
  const boundary = `=_dsn_${input.id}`
  const anyFailed = input.recipients.some((r) => r.action === 'failed')
  const subject = anyFailed ? 'Undelivered Mail Returned to Sender' : 'Delayed Mail (still being retried)'
  const head = [
    `From: Mail Delivery System <MAILER-DAEMON@${input.reportingMta}>`,
    `To: <${input.to}>`,
    `Subject: ${subject}`,
    `Date: ${rfc5322Date(input.now)}`,
    `Message-ID: <${input.id}.dsn@${input.reportingMta}>`,
    // rfc3834: an automatic reply; clients and vacation responders must not answer it.
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status;${crlf} boundary="${boundary}"`,
  ].join(crlf)
  const text = [
    `${head}${crlf}${crlf}This is a MIME-encapsulated delivery status notification.${crlf}`,
    `--${boundary}${crlf}Content-Description: Notification${crlf}Content-Type: text/plain; charset=utf-8${crlf}Content-Transfer-Encoding: 8bit${crlf}${crlf}${humanText(input)}${crlf}`,
    `--${boundary}${crlf}Content-Description: Delivery report${crlf}Content-Type: message/delivery-status${crlf}${crlf}${deliveryStatus(input)}`,
    `--${boundary}${crlf}Content-Description: Undelivered message header${crlf}Content-Type: text/rfc822-headers${crlf}${crlf}`,
  ].join('')
  const header = headerSection(input.original)
  const tail = `${header.length > 0 && header[header.length - 1] === 10 ? '' : crlf}${crlf}--${boundary}--${crlf}`
  const encoder = new TextEncoder()
  const a = encoder.encode(text)
  const c = encoder.encode(tail)
  const out = new Uint8Array(a.length + header.length + c.length)
  out.set(a, 0)
  out.set(header, a.length)
  out.set(c, a.length + header.length)
  return out
}
