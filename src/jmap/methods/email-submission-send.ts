// Sending one EmailSubmission (rfc8621#section-7.5 create): the envelope (given, or derived from
// the header), the checks that make the SetErrors, and the hand-over to delivery exactly as SMTP
// submission does it (local recipients stored, remote ones queued and DKIM-signed by the queue).

import type { ResolvedAccount } from '../../directory/resolve.ts'
import { randomId } from '../../lib/ids.ts'
import { parseAddressList } from '../../mail/address.ts'
import { rfc5322Date } from '../../mail/date.ts'
import { bodyOffset, extractHeaderFields, headerSection, splitHeaderFields } from '../../mail/header.ts'
import type { IdentityRow } from '../../store/identities.ts'
import type {
  DeliveryStatus,
  SubmissionAddress,
  SubmissionEnvelope,
  SubmissionRow,
} from '../../store/submissions.ts'
import { isPlainObject } from '../core/args.ts'
import type { MethodContext } from '../core/context.ts'
import { SetError } from '../core/errors.ts'
import { maySendAs } from './identity.ts'

/** The address fields that matter for sending, each field's addresses in order. */
interface HeaderAddresses {
  from: string[][]
  sender: string[][]
  rcpt: string[]
  hasMessageId: boolean
  hasDate: boolean
}

/** rfc5321#section-4.1.2 Mailbox, loosely: local@domain without spaces or angle brackets. */
const mailboxPattern = /^[^\s<>@]+@[^\s<>@]+\.[^\s<>@]*[^\s<>@.]$|^[^\s<>@]+@[^\s<>@.]+$/

function addressesOf(value: string): string[] {
  return parseAddressList(value.replace(/\r?\n/g, ''), false)
    .filter((a) => !a.group && a.mailbox !== null && a.domain !== null)
    .map((a) => `${a.mailbox}@${a.domain}`)
}

function headerAddresses(raw: Uint8Array): HeaderAddresses {
  const fields = splitHeaderFields(Buffer.from(headerSection(raw)).toString('latin1'))
  const of = (key: string) => fields.filter((f) => f.key === key).map((f) => addressesOf(f.value))
  return {
    from: of('from'),
    sender: of('sender'),
    rcpt: [...of('to'), ...of('cc'), ...of('bcc')].flat(),
    hasMessageId: fields.some((f) => f.key === 'message-id'),
    hasDate: fields.some((f) => f.key === 'date'),
  }
}

/** rfc8621#section-7 Envelope as the client gave it; parameters are not supported (submissionExtensions is empty). */
export function readEnvelope(value: unknown): SubmissionEnvelope | null {
  if (value === undefined || value === null) return null
  const bad = (why: string) => SetError.invalidProperties(['envelope'], why)
  if (!isPlainObject(value)) throw bad('envelope must be an object')
  const address = (a: unknown, name: string): SubmissionAddress => {
    if (!isPlainObject(a) || typeof a.email !== 'string') throw bad(`${name} must be an Address`)
    if (a.parameters !== undefined && a.parameters !== null)
      throw bad(`${name}: no SMTP parameters are supported (submissionExtensions is empty)`)
    return { email: a.email, parameters: null }
  }
  if (!Array.isArray(value.rcptTo)) throw bad('envelope.rcptTo must be a list of Addresses')
  return {
    mailFrom: address(value.mailFrom, 'envelope.mailFrom'),
    rcptTo: value.rcptTo.map((a, i) => address(a, `envelope.rcptTo[${i}]`)),
  }
}

/** rfc8621#section-7.5: the envelope of a submission whose envelope is null. */
function deriveEnvelope(
  ctx: MethodContext,
  header: HeaderAddresses,
  identity: IdentityRow,
): SubmissionEnvelope {
  // "the first address in the last Sender/From header field"; several are rejected by the caller.
  const source = header.sender.length > 0 ? header.sender : header.from
  const last = source[source.length - 1]?.[0]
  const mailFrom = last !== undefined && maySendAs(ctx, last) ? last : identity.email
  const seen = new Set<string>()
  const rcptTo: SubmissionAddress[] = []
  for (const email of header.rcpt) {
    if (seen.has(email.toLowerCase())) continue
    seen.add(email.toLowerCase())
    rcptTo.push({ email, parameters: null })
  }
  return { mailFrom: { email: mailFrom, parameters: null }, rcptTo }
}

/** The message as sent: Bcc fields removed (rfc8621#section-7.5, rfc5322#section-3.6.3). */
function withoutBcc(raw: Uint8Array): Uint8Array {
  const header = extractHeaderFields(headerSection(raw), ['bcc'], true)
  return Buffer.concat([header, raw.subarray(bodyOffset(raw))])
}

export interface SendInput {
  identity: IdentityRow
  emailId: number
  threadId: number
  envelope: SubmissionEnvelope | null
}

/** Checks and sends; returns the submission to record. Throws the rfc8621#section-7.5 SetErrors. */
export async function sendSubmission(
  ctx: MethodContext,
  input: SendInput,
): Promise<Omit<SubmissionRow, 'id'>> {
  const { store, directory, clock } = ctx.services
  const { pipeline, hostname, maxMessageSize, maxRecipients } = ctx.services.submission
  const raw = store.raw(ctx.accountId, input.emailId)
  const header = headerAddresses(raw)
  // rfc5322#section-3.6: exactly one From; Sender at most once with one address.
  if (header.from.length !== 1 || header.from[0]?.length === 0)
    throw new SetError('invalidEmail', 'the email must have exactly one From header field', {
      properties: ['from'],
    })
  if (header.sender.length > 1 || (header.sender[0]?.length ?? 1) !== 1)
    throw new SetError('invalidEmail', 'the email may have one Sender with one address', {
      properties: ['sender'],
    })
  const from = header.from[0] ?? []
  if ((header.sender.length === 0 && from.length !== 1) || from.length === 0)
    throw new SetError('invalidEmail', 'several From addresses need a Sender', { properties: ['sender'] })
  // rfc6409#section-8 as SMTP submission applies it: every From address must be the account's.
  const notOwn = from.filter((a) => !maySendAs(ctx, a))
  if (notOwn.length > 0) throw new SetError('forbiddenFrom', `you may not send as ${notOwn.join(', ')}`)

  const envelope = input.envelope ?? deriveEnvelope(ctx, header, input.identity)
  if (!maySendAs(ctx, envelope.mailFrom.email))
    throw new SetError(
      'forbiddenMailFrom',
      `you may not use ${envelope.mailFrom.email} as the envelope sender`,
    )
  if (envelope.rcptTo.length === 0) throw new SetError('noRecipients', 'the envelope has no recipients')
  if (envelope.rcptTo.length > maxRecipients)
    throw new SetError('tooManyRecipients', `at most ${maxRecipients} recipients`, { maxRecipients })
  const sent = withoutBcc(raw)
  if (sent.length > maxMessageSize)
    throw new SetError('tooLarge', `the email is larger than ${maxMessageSize} octets`, {
      maxSize: maxMessageSize,
    })

  // Recipients: local accounts (aliases expanded) are stored, everything else is queued.
  const local = new Map<number, { account: ResolvedAccount; address: string }>()
  const remote = new Set<string>()
  const invalid: string[] = []
  const localRcpt = new Map<string, number[]>()
  for (const { email } of envelope.rcptTo) {
    const at = email.lastIndexOf('@')
    if (!mailboxPattern.test(email) || at < 0) {
      invalid.push(email)
      continue
    }
    const resolution = directory.resolver.resolve(email)
    if (!resolution) {
      // An unknown user of a local domain would be refused at RCPT; so it is here.
      if (directory.domains.isLocal(email.slice(at + 1).toLowerCase())) invalid.push(email)
      else remote.add(email)
      continue
    }
    for (const account of resolution.accounts)
      if (!local.has(account.id)) local.set(account.id, { account, address: email })
    localRcpt.set(
      email,
      resolution.accounts.map((a) => a.id),
    )
    for (const forward of resolution.forwards) remote.add(forward)
  }
  if (invalid.length > 0)
    throw new SetError('invalidRecipients', `not valid recipients: ${invalid.join(', ')}`, {
      invalidRecipients: invalid,
    })

  const now = new Date(clock.now())
  const id = randomId(12)
  const report = await pipeline.deliver({
    raw: sent,
    prependHeaders: [
      `Received: by ${hostname} (Postern) with JMAP id ${id}\r\n\tfor <${envelope.rcptTo[0]?.email}>;\r\n\t${rfc5322Date(now)}\r\n`,
      // rfc6409#section-8.3, as SMTP submission does: the MSA adds what the message lacks.
      ...(header.hasMessageId ? [] : [`Message-ID: <${randomId(20)}@${hostname}>\r\n`]),
      ...(header.hasDate ? [] : [`Date: ${rfc5322Date(now)}\r\n`]),
    ],
    mailFrom: envelope.mailFrom.email,
    localRecipients: [...local.values()],
    remoteRecipients: [...remote],
    submitter: { id: ctx.accountId, email: ctx.principal.email },
    quarantine: false,
    receivedAt: now.getTime(),
  })

  // rfc8621#section-7 deliveryStatus: what is known now; queue attempts update it later.
  const deliveryStatus: Record<string, DeliveryStatus> = {}
  for (const { email } of envelope.rcptTo) {
    const accounts = localRcpt.get(email)
    if (!accounts || accounts.length === 0) {
      deliveryStatus[email] = { smtpReply: '250 2.0.0 Queued', delivered: 'queued', displayed: 'unknown' }
      continue
    }
    const results = report.recipients.filter((r) => accounts.includes(r.account.id))
    const refused = results.find((r) => r.status === 'refused')
    deliveryStatus[email] =
      refused && refused.status === 'refused'
        ? {
            smtpReply:
              refused.kind === 'overQuota'
                ? `${refused.permanent ? '552 5.2.2' : '452 4.2.2'} ${refused.reason}`
                : `451 4.3.0 ${refused.reason}`,
            // Local delivery is not retried: what was refused is not delivered.
            delivered: 'no',
            displayed: 'unknown',
          }
        : { smtpReply: '250 2.0.0 Delivered', delivered: 'yes', displayed: 'unknown' }
  }
  ctx.services.log.info('email submitted', {
    account: ctx.accountId,
    id,
    from: envelope.mailFrom.email,
    local: local.size,
    queued: remote.size,
  })
  return {
    identityId: input.identity.id,
    emailId: input.emailId,
    threadId: input.threadId,
    envelope,
    sendAt: now.getTime(),
    undoStatus: 'final',
    queueId: report.queueId ?? null,
    deliveryStatus,
  }
}
