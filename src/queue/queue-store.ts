// The outbound queue's storage: a message for remote recipients is kept durably (bytes in the
// blob store, one row per recipient) from the moment it is accepted. Sending it is the
// delivery worker's job (its own module); this is what submission writes.
import { and, asc, eq, ne } from 'drizzle-orm'
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

export interface QueuedSummary {
  id: number
  mailFrom: string
  size: number
  createdAt: number
  recipients: {
    address: string
    status: string
    attempts: number
    nextAttemptAt: number
    lastError: string | null
  }[]
}

/** The store's blob references: a queued message shares the bytes with local copies. */
export type BlobRefs = Pick<BlobStore, 'acquire' | 'release'>

export function createQueueStore(db: Db, blobRefs: BlobRefs) {
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
        })
        .returning({ id: queuedMessages.id })
        .get()
      db.insert(queuedRecipients)
        .values(
          input.recipients.map((address) => ({ messageId: message.id, address, nextAttemptAt: input.now })),
        )
        .run()
      return message.id
    },

    get(id: number): QueuedSummary | undefined {
      return this.list().find((m) => m.id === id)
    },

    /** Makes every recipient of a message not yet delivered due now (`queue retry`). */
    retry(id: number, now: number): boolean {
      const changed = db
        .update(queuedRecipients)
        .set({ status: 'queued', nextAttemptAt: now })
        .where(and(eq(queuedRecipients.messageId, id), ne(queuedRecipients.status, 'delivered')))
        .returning({ id: queuedRecipients.id })
        .all()
      return changed.length > 0
    },

    /** Removes a message from the queue and drops its reference to the stored bytes. */
    remove(id: number): boolean {
      const message = db.delete(queuedMessages).where(eq(queuedMessages.id, id)).returning().get()
      if (!message) return false
      blobRefs.release(message.blobId)
      return true
    },

    list(): QueuedSummary[] {
      const messages = db.select().from(queuedMessages).orderBy(asc(queuedMessages.id)).all()
      const recipients = db.select().from(queuedRecipients).orderBy(asc(queuedRecipients.id)).all()
      return messages.map((m) => ({
        id: m.id,
        mailFrom: m.mailFrom,
        size: m.size,
        createdAt: m.createdAt,
        recipients: recipients
          .filter((r) => r.messageId === m.id)
          .map((r) => ({
            address: r.address,
            status: r.status,
            attempts: r.attempts,
            nextAttemptAt: r.nextAttemptAt,
            lastError: r.lastError,
          })),
      }))
    },
  }
}

export type QueueStore = ReturnType<typeof createQueueStore>
