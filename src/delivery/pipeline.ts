// Local delivery pipeline: recipients → trace and authentication headers → (spam filter and
// Sieve: seams filled by later issues) → the store, every local recipient in one transaction
// together with the outbound queue entry for remote ones. The caller answers 250 only after this
// resolves.
import type { Resolution, ResolvedAccount } from '../directory/resolve.ts'
import type { QueueStore } from '../queue/queue-store.ts'
import { type MailStore, prepareHere } from '../store/index.ts'
import type { PreparedMessage } from '../store/prepare-message.ts'
import type { VacationResponder } from './vacation.ts'

export interface InboundMessage {
  /** The message as received, CRLF line ends. */
  raw: Uint8Array
  /** Header fields (each ending CRLF) to put on top: Received, Authentication-Results. */
  prependHeaders: string[]
  mailFrom: string
  /** Local accounts, each with the address it was reached by (Sieve's envelope "to"). */
  localRecipients: { account: ResolvedAccount; address: string }[]
  /** Remote addresses to hand to the outbound queue. */
  remoteRecipients: string[]
  /** The submitting account, when the message came through submission. */
  submitter?: { id: number; email: string }
  /** Deliver to Junk instead of the inbox (DMARC quarantine; later the spam filter). */
  quarantine: boolean
  receivedAt: number
}

/** Per local recipient: stored, already there (a retry), or refused and why. */
export type RecipientResult =
  | { account: ResolvedAccount; status: 'stored' | 'duplicate' }
  | { account: ResolvedAccount; status: 'refused'; permanent: boolean; reason: string; kind: string }

export interface DeliveryReport {
  recipients: RecipientResult[]
  queueId?: number
}

/** Decides where a message goes for one account; the spam filter and Sieve plug in here later. */
export interface FilterSeam {
  route(message: InboundMessage, account: ResolvedAccount): Promise<'inbox' | 'junk' | 'discard'>
}

export const passThroughFilter: FilterSeam = {
  async route(message) {
    return message.quarantine ? 'junk' : 'inbox'
  },
}

export interface PipelineDeps {
  store: MailStore
  queue: QueueStore
  /** Prepares bytes (the server's Worker pool); default on this thread. */
  prepare?: (bytes: Uint8Array) => Promise<PreparedMessage>
  filter?: FilterSeam
  now?: () => number
  /** Vacation auto-replies (rfc8621#section-8), with the recipient lookup their delivery needs. */
  vacation?: { responder: VacationResponder; resolve(address: string): Resolution | undefined }
  /** Failures of work done after the caller was answered (vacation replies). */
  onError?: (err: unknown) => void
}

export function createDeliveryPipeline(deps: PipelineDeps) {
  const filter = deps.filter ?? passThroughFilter
  const now = deps.now ?? Date.now

  /** rfc3834#section-3.3: the reply goes from the null sender; Return-Path only on final delivery. */
  const sendVacationReply = async (to: string, raw: Uint8Array): Promise<void> => {
    const found = deps.vacation?.resolve(to)
    const base = { raw, mailFrom: '', quarantine: false, receivedAt: now() }
    const local = (found?.accounts ?? []).map((account) => ({ account, address: to }))
    const remote = found ? found.forwards : [to]
    if (local.length > 0)
      await pipeline.deliver({
        ...base,
        prependHeaders: ['Return-Path: <>\r\n'],
        localRecipients: local,
        remoteRecipients: [],
      })
    if (remote.length > 0)
      await pipeline.deliver({ ...base, prependHeaders: [], localRecipients: [], remoteRecipients: remote })
  }

  /** Vacation replies for the accounts that stored a message in their inbox; after the caller's answer. */
  const answerAbsences = (message: InboundMessage, inboxAccounts: ResolvedAccount[]): void => {
    const vacation = deps.vacation
    if (!vacation || inboxAccounts.length === 0 || message.mailFrom === '') return
    for (const account of inboxAccounts) {
      vacation.responder
        .replyFor(account, { raw: message.raw, mailFrom: message.mailFrom })
        .then((reply) => (reply ? sendVacationReply(reply.to, reply.raw) : undefined))
        .catch((err) => deps.onError?.(err))
    }
  }

  const pipeline = {
    async deliver(message: InboundMessage): Promise<DeliveryReport> {
      const header = Buffer.from(message.prependHeaders.join(''), 'latin1')
      const bytes = header.length > 0 ? Buffer.concat([header, message.raw]) : message.raw
      const prepared = await (deps.prepare ?? prepareHere)(bytes)
      const routes = await Promise.all(message.localRecipients.map((r) => filter.route(message, r.account)))
      const targets = message.localRecipients.flatMap((r, i) =>
        routes[i] === 'discard' ? [] : [{ accountId: r.account.id, mailbox: routes[i] as 'inbox' | 'junk' }],
      )
      const remote = message.remoteRecipients
      const outcome = await deps.store.deliver(
        { prepared, receivedAt: message.receivedAt, mailFrom: message.mailFrom, targets },
        () =>
          remote.length === 0
            ? undefined
            : deps.queue.enqueue({
                accountId: message.submitter?.id ?? null,
                mailFrom: message.mailFrom,
                recipients: remote,
                blob: prepared.blob,
                now: now(),
              }),
      )
      const recipients: RecipientResult[] = message.localRecipients.map(({ account }) => {
        const failed = outcome.failed.find((f) => f.accountId === account.id)
        if (failed) {
          const kind = failed.error.kind ?? 'temporary'
          let permanent = false
          if (kind === 'overQuota') {
            const q = deps.store.quota(account.id)
            permanent = q.limitBytes !== null && prepared.raw.length > q.limitBytes
          }
          return { account, status: 'refused', permanent, reason: failed.error.message, kind }
        }
        return { account, status: outcome.duplicates.includes(account.id) ? 'duplicate' : 'stored' }
      })
      // Not for mail filed as junk or discarded: an auto-reply would confirm the address to spammers.
      answerAbsences(
        message,
        recipients.flatMap((r, i) => (r.status === 'stored' && routes[i] === 'inbox' ? [r.account] : [])),
      )
      return { recipients, ...(outcome.alongside !== undefined ? { queueId: outcome.alongside } : {}) }
    },
  }
  return pipeline
}

export type DeliveryPipeline = ReturnType<typeof createDeliveryPipeline>
