// Delivery status notifications to the sender (rfc3464): one DSN per attempt for the
// recipients that failed, and one "delayed" notice per message. Never to the null sender: a
// bounce is never bounced (rfc5321 section 4.5.5), so bounce loops cannot start.
import { randomBytes } from 'node:crypto'
import type { Logger } from '../lib/log.ts'
import { buildDsn, type DsnRecipient } from '../mail/dsn.ts'
import type { RecipientOutcome } from './attempt.ts'
import type { DueRecipient, QueuedMessageRow } from './queue-store.ts'

/** Delivers a DSN from `<>` to `to`: into the local mailbox, or into the queue for a remote sender. */
export interface BounceSink {
  deliver(to: string, message: Uint8Array): Promise<void>
}

export function createBounces(deps: { hostname: string; sink: BounceSink; log: Logger }) {
  const send = async (
    message: QueuedMessageRow,
    raw: Uint8Array,
    recipients: DsnRecipient[],
    now: number,
  ) => {
    if (message.mailFrom === '') return
    const dsn = buildDsn({
      reportingMta: deps.hostname,
      to: message.mailFrom,
      arrivalDate: message.createdAt,
      recipients,
      original: raw,
      now,
      id: randomBytes(9).toString('base64url'),
    })
    try {
      await deps.sink.deliver(message.mailFrom, dsn)
      deps.log.info('DSN sent', {
        queueId: message.id,
        to: message.mailFrom,
        action: recipients[0]?.action,
        recipients: recipients.length,
      })
    } catch (err) {
      deps.log.error('cannot deliver a DSN', { queueId: message.id, to: message.mailFrom, err })
    }
  }
  const entry = (
    d: DueRecipient,
    o: RecipientOutcome,
    now: number,
    action: 'failed' | 'delayed',
  ): DsnRecipient => ({
    address: d.address,
    action,
    status: o.statusCode,
    diagnostic: o.detail,
    diagnosticIsSmtp: o.fromRemote,
    ...(o.remoteMta ? { remoteMta: o.remoteMta } : {}),
    lastAttemptAt: now,
  })
  return {
    failed(
      message: QueuedMessageRow,
      raw: Uint8Array,
      failed: { due: DueRecipient; outcome: RecipientOutcome; expired: boolean }[],
      now: number,
    ) {
      return send(
        message,
        raw,
        failed.map((f) => {
          const r = entry(f.due, f.outcome, now, 'failed')
          return f.expired
            ? { ...r, status: '4.4.7', diagnostic: `delivery time expired; last error: ${f.outcome.detail}` }
            : r
        }),
        now,
      )
    },
    delayed(
      message: QueuedMessageRow,
      raw: Uint8Array,
      deferred: { due: DueRecipient; outcome: RecipientOutcome }[],
      now: number,
    ) {
      return send(
        message,
        raw,
        deferred.map((d) => ({
          ...entry(d.due, d.outcome, now, 'delayed'),
          willRetryUntil: message.expiresAt,
        })),
        now,
      )
    },
  }
}
