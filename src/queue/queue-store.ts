// The outbound queue's storage: a message for remote recipients is kept durably (bytes in the
// blob store, one row per recipient) from the moment it is accepted. Sending it is the
// delivery worker's job (its own module); this is what submission writes.
import { and, asc, eq, ne, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { blobs, queuedMessages, queuedRecipients } from '../db/schema/index.ts'

export interface EnqueueInput {
  accountId: number | null
  mailFrom: string
  recipients: string[]
  /** The message bytes already hashed and compressed (see store/blobs prepareBlob). */
  blob: { hash: string; size: number; packed: Uint8Array }
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

export function createQueueStore(db: Db) {
  return {
    /** Adds a message for remote recipients; call inside a write job (the same one as local delivery). */
    enqueue(input: EnqueueInput): number {
      const existing = db.select({ id: blobs.id }).from(blobs).where(eq(blobs.hash, input.blob.hash)).get()
      let blobId: number
      if (existing) {
        db.update(blobs)
          .set({ refCount: sql`${blobs.refCount} + 1` })
          .where(eq(blobs.id, existing.id))
          .run()
        blobId = existing.id
      } else {
        blobId = db
          .insert(blobs)
          .values({
            hash: input.blob.hash,
            size: input.blob.size,
            encoding: 1,
            data: Buffer.from(input.blob.packed),
            refCount: 1,
          })
          .returning({ id: blobs.id })
          .get().id
      }
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
      const blob = db
        .update(blobs)
        .set({ refCount: sql`${blobs.refCount} - 1` })
        .where(eq(blobs.id, message.blobId))
        .returning({ refCount: blobs.refCount })
        .get()
      if (blob && blob.refCount <= 0) db.delete(blobs).where(eq(blobs.id, message.blobId)).run()
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
