// End of DATA: read the message (within the size limit), refuse bare line ends (SMTP
// smuggling), verify sender authentication on inbound mail, add trace headers, and deliver
// every recipient through the pipeline; the reply is sent only after the commit.
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server'
import type { DeliveryPipeline, RecipientResult } from '../../delivery/pipeline.ts'
import type { Resolution, ResolvedAccount } from '../../directory/resolve.ts'
import { randomId } from '../../lib/ids.ts'
import type { Logger } from '../../lib/log.ts'
import { lineProblem, Reply, smtpError } from '../proto/replies.ts'
import { withoutForgedResults } from './inbound-check.ts'
import { fromAddresses, missingSubmissionHeaders, receivedHeader } from './received.ts'
import { type InboundCheck, type RcptAddress, resolutionKey, type SmtpKind } from './types.ts'

export type { InboundCheck } from './types.ts'

export interface DataDeps {
  hostname: string
  /** Which accounts an address reaches (the submission From check). */
  resolve(address: string): Resolution | undefined
  pipeline: DeliveryPipeline
  /** Inbound sender authentication; absent = not checked. */
  checkInbound?: (input: {
    raw: Uint8Array
    remoteAddress: string
    helo: string
    mailFrom: string
  }) => Promise<InboundCheck>
  now?: () => number
}

export interface DataReply {
  error?: Error
  /** For LMTP: one entry per recipient (an Error or a text). */
  message?: string | (string | Error)[]
}

async function readAll(stream: SMTPServerDataStream): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk)
  return Buffer.concat(chunks)
}

export async function handleData(
  kind: SmtpKind,
  stream: SMTPServerDataStream,
  session: SMTPServerSession,
  deps: DataDeps,
  log: Logger,
): Promise<DataReply> {
  let raw: Uint8Array = await readAll(stream)
  if (stream.sizeExceeded) return {} // smtp-server answers 552 5.3.4 itself (rejectOversized)
  const problem = lineProblem(raw)
  if (problem === 'bare') return { error: smtpError(Reply.C550BareLineFeed) }
  if (problem === 'long') return { error: smtpError(Reply.C550LineTooLong) }
  const now = new Date(deps.now?.() ?? Date.now())
  const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : ''
  const rcpts = session.envelope.rcptTo as RcptAddress[]
  const local = new Map<number, { account: ResolvedAccount; address: string }>()
  const remote = new Set<string>()
  for (const r of rcpts) {
    const resolution = r[resolutionKey]
    if (!resolution) {
      remote.add(r.address)
      continue
    }
    for (const account of resolution.accounts)
      if (!local.has(account.id)) local.set(account.id, { account, address: r.address })
    for (const forward of resolution.forwards) remote.add(forward)
  }
  const headers: string[] = []
  let quarantine = false
  const isSubmission = kind === 'submission' || kind === 'submissions'
  if (!isSubmission && deps.checkInbound) {
    raw = withoutForgedResults(raw, deps.hostname)
    const check = await deps.checkInbound({
      raw,
      remoteAddress: session.remoteAddress,
      helo: session.hostNameAppearsAs ?? '',
      mailFrom,
    })
    if (check.disposition === 'reject')
      return { error: smtpError(Reply.C550DmarcReject(check.dmarcDomain ?? 'the sender')) }
    quarantine = check.disposition === 'quarantine'
    headers.push(...check.headers)
  }
  // Ours go on top (rfc5321#section-4.4, rfc8601#section-5): authentication results first, then Received.
  const id = randomId(12)
  const tls = (session as { secure?: boolean }).secure ? tlsOf(session) : undefined
  headers.push(
    receivedHeader({
      helo: session.hostNameAppearsAs ?? '',
      remoteAddress: session.remoteAddress,
      hostname: deps.hostname,
      protocol: kind === 'lmtp' ? 'LMTP' : (session.transmissionType ?? 'ESMTP'),
      id,
      ...(tls ? { tls } : {}),
      ...(rcpts.length === 1 && rcpts[0] ? { recipient: rcpts[0].address } : {}),
      date: now,
    }),
  )
  const submitter = isSubmission ? (session.user as { id: number; email: string } | undefined) : undefined
  if (isSubmission && submitter) {
    // rfc6409#section-8: the MSA checks the author. Every From address must be the account's
    // own (its address or one of its aliases); a message without From gets the account's.
    const from = fromAddresses(raw)
    if (from === undefined) headers.push(`From: <${submitter.email}>\r\n`)
    else if (
      from.length === 0 ||
      !from.every((a) => deps.resolve(a)?.accounts.some((x) => x.id === submitter.id))
    ) {
      return { error: smtpError(Reply.C553FromNotOwned) }
    }
    headers.push(...missingSubmissionHeaders(raw, deps.hostname, now))
  }
  const report = await deps.pipeline.deliver({
    raw,
    prependHeaders: headers,
    mailFrom,
    localRecipients: [...local.values()],
    remoteRecipients: [...remote],
    ...(submitter ? { submitter } : {}),
    quarantine,
    receivedAt: now.getTime(),
  })
  log.info('message accepted', {
    conn: session.id,
    id,
    from: mailFrom,
    local: report.recipients.filter((r) => r.status === 'stored').length,
    duplicate: report.recipients.filter((r) => r.status === 'duplicate').length,
    refused: report.recipients.filter((r) => r.status === 'refused').length,
    queued: remote.size,
    size: raw.length,
  })
  return kind === 'lmtp' ? lmtpReplies(rcpts, report.recipients, id) : smtpReply(report.recipients, id)
}

function refusal(results: RecipientResult[]): Error | undefined {
  const refused = results.filter((r) => r.status === 'refused')
  if (refused.length === 0) return undefined
  const permanent = refused.every((r) => r.status === 'refused' && r.permanent)
  const quota = refused.some((r) => r.status === 'refused' && r.kind === 'overQuota')
  if (quota)
    return smtpError(
      permanent && refused.length === results.length ? Reply.C552MailboxFullPermanent : Reply.C452MailboxFull,
    )
  return smtpError(Reply.C451LocalError(randomId()))
}

/** SMTP has one reply per message: any refused recipient makes the sender retry (duplicates are recognised). */
function smtpReply(results: RecipientResult[], id: string): DataReply {
  const error = refusal(results)
  return error ? { error } : { message: Reply.C250Ok(id).text }
}

/** LMTP answers each recipient (rfc2033#section-4.2). */
function lmtpReplies(rcpts: RcptAddress[], results: RecipientResult[], id: string): DataReply {
  return {
    message: rcpts.map((r) => {
      const ids = new Set(r[resolutionKey]?.accounts.map((a) => a.id))
      return refusal(results.filter((x) => ids.has(x.account.id))) ?? Reply.C250Ok(id).text
    }),
  }
}

function tlsOf(session: SMTPServerSession): { protocol: string; cipher: string } | undefined {
  const t = (session as { tlsOptions?: { name?: string; version?: string; standardName?: string } })
    .tlsOptions
  return t ? { protocol: t.version ?? 'TLS', cipher: t.standardName ?? t.name ?? 'unknown' } : undefined
}
