// Email submissions (rfc8621#section-7): each email an account handed to delivery, its SMTP
// envelope and, per recipient, how delivery went. Writes run inside a store operation and log an
// 'emailSubmission' change; the queue's attempt reports update deliveryStatus later.
import { and, asc, eq } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { emailSubmissions } from '../db/schema/index.ts'
import { StoreError } from '../lib/errors.ts'
import type { ChangeSet } from './change-set.ts'

export interface SubmissionAddress {
  email: string
  parameters: Record<string, string | null> | null
}

export interface SubmissionEnvelope {
  mailFrom: SubmissionAddress
  rcptTo: SubmissionAddress[]
}

/** rfc8621#section-7 DeliveryStatus of one recipient. */
export interface DeliveryStatus {
  smtpReply: string
  delivered: 'queued' | 'yes' | 'no' | 'unknown'
  displayed: 'unknown' | 'yes'
}

export interface SubmissionRow {
  id: number
  identityId: number
  emailId: number
  threadId: number
  envelope: SubmissionEnvelope
  sendAt: number
  undoStatus: 'pending' | 'final' | 'canceled'
  queueId: number | null
  deliveryStatus: Record<string, DeliveryStatus>
}

export type NewSubmission = Omit<SubmissionRow, 'id'>

export type SubmissionKeys = Pick<
  SubmissionRow,
  'id' | 'identityId' | 'emailId' | 'threadId' | 'sendAt' | 'undoStatus'
>

type Stored = typeof emailSubmissions.$inferSelect

function fromStored(r: Stored): SubmissionRow {
  return {
    id: r.id,
    identityId: r.identityId,
    emailId: r.emailId,
    threadId: r.threadId,
    envelope: JSON.parse(r.envelope) as SubmissionEnvelope,
    sendAt: r.sendAt,
    undoStatus: r.undoStatus,
    queueId: r.queueId,
    deliveryStatus: JSON.parse(r.deliveryStatus) as Record<string, DeliveryStatus>,
  }
}

export function createSubmissions(db: Db) {
  const byIdsSql = db.$client.query(
    'SELECT * FROM email_submissions WHERE account_id = ? AND id IN (SELECT value FROM json_each(?))',
  )
  return {
    /** Every submission of the account, oldest first (Email/query sorts and filters these). */
    list(accountId: number): SubmissionRow[] {
      return db
        .select()
        .from(emailSubmissions)
        .where(eq(emailSubmissions.accountId, accountId))
        .orderBy(asc(emailSubmissions.id))
        .all()
        .map(fromStored)
    },

    /** What EmailSubmission/query filters and sorts on, without the JSON columns. */
    listForQuery(accountId: number): SubmissionKeys[] {
      return db
        .select({
          id: emailSubmissions.id,
          identityId: emailSubmissions.identityId,
          emailId: emailSubmissions.emailId,
          threadId: emailSubmissions.threadId,
          sendAt: emailSubmissions.sendAt,
          undoStatus: emailSubmissions.undoStatus,
        })
        .from(emailSubmissions)
        .where(eq(emailSubmissions.accountId, accountId))
        .all()
    },

    /** The listed submissions that exist, in one query. */
    get(accountId: number, ids: readonly number[]): SubmissionRow[] {
      if (ids.length === 0) return []
      const rows = byIdsSql.all(accountId, JSON.stringify(ids)) as Record<string, unknown>[]
      return rows.map((r) =>
        fromStored({
          id: r.id as number,
          accountId: r.account_id as number,
          identityId: r.identity_id as number,
          emailId: r.email_id as number,
          threadId: r.thread_id as number,
          envelope: r.envelope as string,
          sendAt: r.send_at as number,
          undoStatus: r.undo_status as Stored['undoStatus'],
          queueId: r.queue_id as number | null,
          deliveryStatus: r.delivery_status as string,
        }),
      )
    },

    create(changes: ChangeSet, values: NewSubmission): SubmissionRow {
      const row = db
        .insert(emailSubmissions)
        .values({
          accountId: changes.accountId,
          identityId: values.identityId,
          emailId: values.emailId,
          threadId: values.threadId,
          envelope: JSON.stringify(values.envelope),
          sendAt: values.sendAt,
          undoStatus: values.undoStatus,
          queueId: values.queueId,
          deliveryStatus: JSON.stringify(values.deliveryStatus),
        })
        .returning()
        .get()
      changes.record('emailSubmission', row.id, 'created')
      return fromStored(row)
    },

    /**
     * Merges per-recipient statuses into every submission carried by `queueId` (inside the
     * queue's write job); returns the submissions changed, by account, for the change log.
     */
    updateDeliveryStatus(queueId: number, statuses: Record<string, DeliveryStatus>): Map<number, number[]> {
      const rows = db
        .select({
          id: emailSubmissions.id,
          accountId: emailSubmissions.accountId,
          deliveryStatus: emailSubmissions.deliveryStatus,
        })
        .from(emailSubmissions)
        .where(eq(emailSubmissions.queueId, queueId))
        .all()
      const changed = new Map<number, number[]>()
      for (const r of rows) {
        const merged = { ...(JSON.parse(r.deliveryStatus) as Record<string, DeliveryStatus>), ...statuses }
        db.update(emailSubmissions)
          .set({ deliveryStatus: JSON.stringify(merged) })
          .where(eq(emailSubmissions.id, r.id))
          .run()
        changed.set(r.accountId, [...(changed.get(r.accountId) ?? []), r.id])
      }
      return changed
    },

    destroy(changes: ChangeSet, id: number): void {
      const gone = db
        .delete(emailSubmissions)
        .where(and(eq(emailSubmissions.accountId, changes.accountId), eq(emailSubmissions.id, id)))
        .returning({ id: emailSubmissions.id })
        .get()
      if (!gone) throw new StoreError('notFound', 'no such submission')
      changes.record('emailSubmission', id, 'destroyed')
    },
  }
}

export type Submissions = ReturnType<typeof createSubmissions>
