// The outbound queue's storage: a message for remote recipients is kept durably (bytes in the
// blob store, one row per recipient with its own state) from the moment it is accepted until
// every recipient is delivered or has failed. The runner (runner.ts) reads what is due here and
// records each attempt's outcome.
import { and, asc, count, eq, inArray, lte, min, ne, sql } from 'drizzle-orm'
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
      return db.select().from(queuedMessages).where(eq(queuedMessages.id, id)).get()
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
      return db
        .select({
          recipientId: queuedRecipients.id,
          messageId: queuedRecipients.messageId,
          address: queuedRecipients.address,
          attempts: queuedRecipients.attempts,
        })
        .from(queuedRecipients)
        .where(and(inArray(queuedRecipients.status, [...pending]), lte(queuedRecipients.nextAttemptAt, now)))
        .orderBy(asc(queuedRecipients.nextAttemptAt), asc(queuedRecipients.id))
        .limit(limit)
        .all()
    },

    /** The earliest next attempt of any pending recipient, or null when nothing is pending. */
    nextDueAt(): number | null {
      const row = db
        .select({ at: min(queuedRecipients.nextAttemptAt) })
        .from(queuedRecipients)
        .where(inArray(queuedRecipients.status, [...pending]))
        .get()
      return row?.at ?? null
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
      for (const o of outcomes) {
        db.update(queuedRecipients)
          .set({
            status: o.status,
            attempts: sql`${queuedRecipients.attempts} + 1`,
            lastAttemptAt: now,
            lastError: o.error,
            statusCode: o.statusCode,
            remoteMta: o.remoteMta,
            ...(o.nextAttemptAt !== undefined ? { nextAttemptAt: o.nextAttemptAt } : {}),
          })
          .where(and(eq(queuedRecipients.id, o.recipientId), eq(queuedRecipients.messageId, messageId)))
          .run()
      }
      const left = db
        .select({ n: count() })
        .from(queuedRecipients)
        .where(and(eq(queuedRecipients.messageId, messageId), inArray(queuedRecipients.status, [...pending])))
        .get()
      if ((left?.n ?? 0) > 0) return false
      const message = db.delete(queuedMessages).where(eq(queuedMessages.id, messageId)).returning().get()
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
