// The vacation auto-reply of local delivery (rfc8621#section-8, rfc3834): when an account's
// VacationResponse is on and the message was personally addressed to it, the sender gets one
// reply per period, from the null sender so that nothing ever answers it.
import type { Resolution } from '../directory/resolve.ts'
import { randomId } from '../lib/ids.ts'
import { parseAddressList } from '../mail/address.ts'
import { rfc5322Date } from '../mail/date.ts'
import { type HeaderField, headerSection, splitHeaderFields } from '../mail/header.ts'
import { htmlToText } from '../mail/html-text.ts'
import type { VacationSettings } from '../store/vacation.ts'

/** rfc3834#section-2: "at most once per sender per period"; seven days is what it suggests. */
export const vacationPeriodMs = 7 * 24 * 60 * 60 * 1000

export interface VacationDeps {
  settings(accountId: number): VacationSettings
  /** Records the reply to `sender` unless one went within the period; true when one should go. */
  claimReply(accountId: number, sender: string, periodMs: number): Promise<boolean>
  resolve(address: string): Resolution | undefined
  hostname: string
  now(): number
}

/** What the pipeline needs to send the reply: a message from the null sender. */
export interface VacationReply {
  to: string
  raw: Uint8Array
}

function addresses(fields: HeaderField[], keys: string[]): string[] {
  return fields
    .filter((f) => keys.includes(f.key))
    .flatMap((f) => parseAddressList(f.value.replace(/\r?\n/g, ''), false))
    .filter((a) => !a.group && a.mailbox !== null && a.domain !== null)
    .map((a) => `${a.mailbox}@${a.domain}`)
}

/** rfc2047 encoded-word for a header value that is not plain ASCII. */
function encodeHeader(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ')
  return /^[\x20-\x7e]*$/.test(clean) ? clean : `=?UTF-8?B?${Buffer.from(clean, 'utf8').toString('base64')}?=`
}

function base64Lines(text: string): string {
  return (
    Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8')
      .toString('base64')
      .match(/.{1,76}/g) ?? []
  ).join('\r\n')
}

/** Why no reply goes (for the log), or undefined when one should. rfc3834#section-2 and section-3.1. */
export function reasonNotToReply(
  accountId: number,
  mailFrom: string,
  fields: HeaderField[],
  resolve: (address: string) => Resolution | undefined,
): string | undefined {
  if (mailFrom === '') return 'null sender'
  const local = mailFrom.slice(0, mailFrom.lastIndexOf('@')).toLowerCase()
  if (local === 'mailer-daemon' || local.startsWith('owner-') || local.endsWith('-request'))
    return 'sender is a list or mailer daemon'
  if (fields.some((f) => f.key === 'list-id' || f.key.startsWith('list-'))) return 'mailing list'
  const precedence = fields
    .find((f) => f.key === 'precedence')
    ?.value.trim()
    .toLowerCase()
  if (precedence === 'bulk' || precedence === 'list' || precedence === 'junk')
    return `precedence ${precedence}`
  const auto = fields
    .find((f) => f.key === 'auto-submitted')
    ?.value.trim()
    .toLowerCase()
  if (auto !== undefined && auto.split(/[\s;(]/)[0] !== 'no') return 'auto-submitted'
  const isOwn = (address: string) => resolve(address)?.accounts.some((a) => a.id === accountId) ?? false
  if (isOwn(mailFrom)) return 'from the account itself'
  if (!addresses(fields, ['to', 'cc', 'bcc']).some(isOwn)) return 'not addressed to the account'
  return undefined
}

/** Whether the settings are on now (fromDate inclusive, toDate exclusive, rfc8621#section-8). */
export function isVacationActive(s: VacationSettings, now: number): boolean {
  return s.isEnabled && (s.fromDate === null || now >= s.fromDate) && (s.toDate === null || now < s.toDate)
}

export function createVacationResponder(deps: VacationDeps) {
  return {
    /** The reply to send for a message just stored for the account, or undefined. */
    async replyFor(
      account: { id: number; email: string },
      message: { raw: Uint8Array; mailFrom: string },
    ): Promise<VacationReply | undefined> {
      const settings = deps.settings(account.id)
      const now = deps.now()
      if (!isVacationActive(settings, now)) return undefined
      const fields = splitHeaderFields(Buffer.from(headerSection(message.raw)).toString('latin1'))
      if (reasonNotToReply(account.id, message.mailFrom, fields, deps.resolve) !== undefined) return undefined
      if (!(await deps.claimReply(account.id, message.mailFrom.toLowerCase(), vacationPeriodMs)))
        return undefined
      const value = (key: string) => fields.find((f) => f.key === key)?.value.replace(/\r?\n/g, '')
      const messageId = value('message-id')?.trim()
      const references = [value('references')?.trim(), messageId].filter(Boolean).join(' ')
      const original = value('subject') ? Buffer.from(value('subject') ?? '', 'latin1').toString('utf8') : ''
      // rfc3834#section-3.1.5: the subject says it is automatic.
      const subject = settings.subject ?? `Auto: ${original}`.trim()
      const text =
        settings.textBody ??
        (settings.htmlBody !== null
          ? htmlToText(settings.htmlBody)
          : 'I am away and will read your message later.')
      const head = [
        `From: <${account.email}>`,
        `To: <${message.mailFrom}>`,
        `Subject: ${encodeHeader(subject)}`,
        `Date: ${rfc5322Date(now)}`,
        `Message-ID: <${randomId(20)}@${deps.hostname}>`,
        ...(messageId ? [`In-Reply-To: ${messageId}`] : []),
        ...(references ? [`References: ${references}`] : []),
        // rfc3834#section-5: marks it so that other responders do not answer it.
        'Auto-Submitted: auto-replied',
        'MIME-Version: 1.0',
      ]
      let body: string
      if (settings.htmlBody !== null) {
        const boundary = `=_vacation_${randomId(16)}`
        head.push(`Content-Type: multipart/alternative; boundary="${boundary}"`)
        body = [
          `--${boundary}`,
          'Content-Type: text/plain; charset=utf-8',
          'Content-Transfer-Encoding: base64',
          '',
          base64Lines(text),
          `--${boundary}`,
          'Content-Type: text/html; charset=utf-8',
          'Content-Transfer-Encoding: base64',
          '',
          base64Lines(settings.htmlBody),
          `--${boundary}--`,
          '',
        ].join('\r\n')
      } else {
        head.push('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64')
        body = `${base64Lines(text)}\r\n`
      }
      return { to: message.mailFrom, raw: Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}`, 'utf8') }
    },
  }
}

export type VacationResponder = ReturnType<typeof createVacationResponder>
