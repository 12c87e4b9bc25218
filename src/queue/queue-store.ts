// The outbound queue's storage: a message for remote recipients is kept durably (bytes in the
// blob store, one row per recipient with its own state) from the moment it is accepted until
// every recipient is delivered or has failed. The runner (runner.ts) reads what is due here and
// records each attempt's outcome.
import { and, asc, count, eq, inArray, min, ne } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { queuedMessages, queuedRecipients } from '../db/schema/index.ts'
import type { BlobStore, PreparedBlob } from '../store/blobs.ts'

export interface EnqueueInput {
  accountId: number | null
  mailFrom: string
  recipients: string[]
  /** The message bytes already hashed and compressed (store/blobs prepareBlob). */
  blob: PreparedBlob
  now: number
}

export type RecipientStatus = 'queued' | 'deferred' | 'delivered' | 'failed'

export interface QueuedRecipientView {
  address: string
  status: RecipientStatus
  attempts: number
  nextAttemptAt: number
  lastAttemptAt: number | null
  lastError: string | null
  statusCode: string | null
  remoteMta: string | null
}

export interface QueuedSummary {
  id: number
  mailFrom: string
  size: number
  createdAt: number
  expiresAt: number
  recipients: QueuedRecipientView[]
}

/** A recipient whose next attempt is due, with what sending needs of its message. */
export interface DueRecipient {
  recipientId: number
  messageId: number
  address: string
  attempts: number
}

export interface QueuedMessageRow {
  id: number
  accountId: number | null
  blobId: number
  mailFrom: string
  size: number
  createdAt: number
  expiresAt: number
  dkimSignature: string | null
  delayNotifiedAt: number | null
}

/** The outcome of one attempt for one recipient. */
export interface AttemptOutcome {
  recipientId: number
  status: 'delivered' | 'deferred' | 'failed'
  statusCode: string
  error: string | null
  remoteMta: string | null
  /** For deferred: when to try again. */
  nextAttemptAt?: number
}

/** What one attempt decided for each of a message's recipients, told to onAttempt listeners. */
export interface AttemptReport {
  messageId: number
  recipients: {
    address: string
    status: AttemptOutcome['status']
    statusCode: string
    error: string | null
  }[]
}

export interface QueueSummaryCounts {
  messages: number
  recipients: { queued: number; deferred: number }
  oldestCreatedAt: number | null
}

/** The store's blob references: a queued message shares the bytes with local copies. */
export type BlobRefs = Pick<BlobStore, 'acquire' | 'release'>

export interface QueueStoreOptions {
  /** How long a message is tried before it expires (config delivery.expire_after). */
  expireAfterMs: number
}

const pending = ['queued', 'deferred'] as const

export function createQueueStore(db: Db, blobRefs: BlobRefs, options: QueueStoreOptions) {
  const listeners = new Set<() => void>()
  const attemptListeners = new Set<(report: AttemptReport) => void>()
  // The delivery loop's statements, compiled once: the runner uses them for every message.
  const sqlite = db.$client
  const statements = {
    message: sqlite.query(
      `SELECT id, account_id AS accountId, blob_id AS blobId, mail_from AS mailFrom, size,
              created_at AS createdAt, expires_at AS expiresAt, dkim_signature AS dkimSignature,
              delay_notified_at AS delayNotifiedAt
         FROM queued_messages WHERE id = ?`,
    ),
    due: sqlite.query(
      `SELECT id AS recipientId, message_id AS messageId, address, attempts FROM queued_recipients
        WHERE status IN ('queued', 'deferred') AND next_attempt_at <= ?
        ORDER BY next_attempt_at, id LIMIT ?`,
    ),
    nextDue: sqlite.query(
      `SELECT min(next_attempt_at) AS at FROM queued_recipients WHERE status IN ('queued', 'deferred')`,
    ),
    record: sqlite.query(
      `UPDATE queued_recipients
          SET status = $status, attempts = attempts + 1, last_attempt_at = $now, last_error = $error,
              status_code = $statusCode, remote_mta = $remoteMta,
              next_attempt_at = COALESCE($next, next_attempt_at)
        WHERE id = $id AND message_id = $messageId`,
    ),
    pendingCount: sqlite.query(
      `SELECT count(*) AS n FROM queued_recipients WHERE message_id = ? AND status IN ('queued', 'deferred')`,
    ),
    deleteMessage: sqlite.query('DELETE FROM queued_messages WHERE id = ? RETURNING blob_id AS blobId'),
    addresses: sqlite.query(
      'SELECT id, address FROM queued_recipients WHERE message_id = ? AND id IN (SELECT value FROM json_each(?))',
    ),
  }
  const recipientView = (r: typeof queuedRecipients.$inferSelect): QueuedRecipientView => ({
    address: r.address,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.nextAttemptAt,
    lastAttemptAt: r.lastAttemptAt,
    lastError: r.lastError,
    statusCode: r.statusCode,
    remoteMta: r.remoteMta,
  })
  const summaries = (messages: (typeof queuedMessages.$inferSelect)[]): QueuedSummary[] => {
    if (messages.length === 0) return []
    const recipients = db
      .select()
      .from(queuedRecipients)
      .where(
        inArray(
          queuedRecipients.messageId,
          messages.map((m) => m.id),
        ),
      )
      .orderBy(asc(queuedRecipients.id))
      .all()
    const byMessage = new Map<number, QueuedRecipientView[]>()
    for (const r of recipients) {
      const list = byMessage.get(r.messageId) ?? []
      list.push(recipientView(r))
      byMessage.set(r.messageId, list)
    }
    return messages.map((m) => ({
      id: m.id,
      mailFrom: m.mailFrom,
      size: m.size,
      createdAt: m.createdAt,
      expiresAt: m.expiresAt,
      recipients: byMessage.get(m.id) ?? [],
    }))
  }

  return {
    /** Adds a message for remote recipients; call inside a write job (the same one as local delivery). */
    enqueue(input: EnqueueInput): number {
      const blobId = blobRefs.acquire(input.blob)
      const message = db
        .insert(queuedMessages)
        .values({
          accountId: input.accountId,
          blobId,
          mailFrom: input.mailFrom,
          size: input.blob.size,
          createdAt: input.now,
          expiresAt: input.now + options.expireAfterMs,
        })
        .returning({ id: queuedMessages.id })
        .get()
      db.insert(queuedRecipients)
        .values(
          input.recipients.map((address) => ({ messageId: message.id, address, nextAttemptAt: input.now })),
        )
        .run()
      // After this job's COMMIT (the writer commits before the next turn of the event loop).
      for (const fn of listeners) setImmediate(fn)
      return message.id
    },

    /**
     * Calls `fn` with each attempt's outcomes inside the write job that records them (before a
     * finished message is deleted), so JMAP EmailSubmission keeps its deliveryStatus in the same
     * transaction. `fn` must be synchronous and only write. Returns an unsubscribe.
     */
    onAttempt(fn: (report: AttemptReport) => void): () => void {
      attemptListeners.add(fn)
      return () => attemptListeners.delete(fn)
    },

    /** Calls `fn` (soon after commit) whenever a message is enqueued; returns an unsubscribe. */
    onEnqueued(fn: () => void): () => void {
      listeners.add(fn)
      return () => listeners.delete(fn)
    },

    get(id: number): QueuedSummary | undefined {
      const message = db.select().from(queuedMessages).where(eq(queuedMessages.id, id)).get()
      return message ? summaries([message])[0] : undefined
    },

    list(): QueuedSummary[] {
      return summaries(db.select().from(queuedMessages).orderBy(asc(queuedMessages.id)).all())
    },

    message(id: number): QueuedMessageRow | undefined {
      return (statements.message.get(id) as QueuedMessageRow | null) ?? undefined
    },

    /** Makes every recipient of a message not yet delivered or failed due now (`queue retry`). */
    retry(id: number, now: number): boolean {
      const changed = db
        .update(queuedRecipients)
        .set({ nextAttemptAt: now })
        .where(and(eq(queuedRecipients.messageId, id), inArray(queuedRecipients.status, [...pending])))
        .returning({ id: queuedRecipients.id })
        .all()
      if (changed.length > 0) for (const fn of listeners) setImmediate(fn)
      return changed.length > 0
    },

    /** Removes a message from the queue and drops its reference to the stored bytes. */
    remove(id: number): boolean {
      return db.transaction(() => {
        const message = db.delete(queuedMessages).where(eq(queuedMessages.id, id)).returning().get()
        if (!message) return false
        blobRefs.release(message.blobId)
        return true
      })
    },

    /** Recipients due by `now`, oldest first; the runner skips the ones it already has in flight. */
    due(now: number, limit: number): DueRecipient[] {
      return statements.due.all(now, limit) as DueRecipient[]
    },

    /** The earliest next attempt of any pending recipient, or null when nothing is pending. */
    nextDueAt(): number | null {
      return (statements.nextDue.get() as { at: number | null } | null)?.at ?? null
    },

    /** Stores the DKIM-Signature made on the first attempt so retries send the same bytes. Inside a write job. */
    saveSignature(messageId: number, signature: string): void {
      db.update(queuedMessages)
        .set({ dkimSignature: signature })
        .where(eq(queuedMessages.id, messageId))
        .run()
    },

    markDelayNotified(messageId: number, now: number): void {
      db.update(queuedMessages).set({ delayNotifiedAt: now }).where(eq(queuedMessages.id, messageId)).run()
    },

    /**
     * Records one attempt's outcomes. When no recipient of the message is left pending the
     * message leaves the queue and its bytes are released. Call inside a write job.
     * Returns whether the message is finished.
     */
    recordAttempt(messageId: number, outcomes: AttemptOutcome[], now: number): boolean {
      if (attemptListeners.size > 0) {
        // The addresses are read now: the rows go with the message once it is finished.
        const rows = statements.addresses.all(
          messageId,
          JSON.stringify(outcomes.map((o) => o.recipientId)),
        ) as {
          id: number
          address: string
        }[]
        const addressOf = new Map(rows.map((r) => [r.id, r.address]))
        const report: AttemptReport = {
          messageId,
          recipients: outcomes.flatMap((o) => {
            const address = addressOf.get(o.recipientId)
            return address === undefined
              ? []
              : [{ address, status: o.status, statusCode: o.statusCode, error: o.error }]
          }),
        }
        for (const fn of attemptListeners) fn(report)
      }
      for (const o of outcomes) {
        statements.record.run({
          $id: o.recipientId,
          $messageId: messageId,
          $status: o.status,
          $now: now,
          $error: o.error,
          $statusCode: o.statusCode,
          $remoteMta: o.remoteMta,
          $next: o.nextAttemptAt ?? null,
        })
      }
      if ((statements.pendingCount.get(messageId) as { n: number }).n > 0) return false
      const message = statements.deleteMessage.get(messageId) as { blobId: number } | null
      if (message) blobRefs.release(message.blobId)
      return true
    },

    /** Counts for /healthz and the dashboard. */
    summary(): QueueSummaryCounts {
      const messages = db
        .select({ n: count(), oldest: min(queuedMessages.createdAt) })
        .from(queuedMessages)
        .get()
      const byStatus = db
        .select({ status: queuedRecipients.status, n: count() })
        .from(queuedRecipients)
        .where(ne(queuedRecipients.status, 'delivered'))
        .groupBy(queuedRecipients.status)
        .all()
      const n = (s: RecipientStatus) => byStatus.find((r) => r.status === s)?.n ?? 0
      return {
        messages: messages?.n ?? 0,
        recipients: { queued: n('queued'), deferred: n('deferred') },
        oldestCreatedAt: messages?.oldest ?? null,
      }
    },
  }
}

export type QueueStore = ReturnType<typeof createQueueStore>
