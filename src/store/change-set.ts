// One store operation's changes: takes the next modseq of the account once, collects the change
// log rows and the mailboxes touched, writes them, and publishes the event after COMMIT.
import type { Db } from '../db/client.ts'
import type { WriteContext } from '../db/writer.ts'
import type { EventBus } from '../events/bus.ts'
import type { Statements } from './statements.ts'

// 'emailDelivery' marks an email that arrived by delivery (SMTP, LMTP, a bounce), not by a
// client: its state is JMAP's EmailDelivery push type (rfc8621#section-1.5).
export type ChangeKind = 'mailbox' | 'email' | 'thread' | 'identity' | 'emailSubmission' | 'emailDelivery'

const insertChangesSql = `INSERT INTO changes (account_id, modseq, kind, object_id, op)
  SELECT ?1, ?2, value ->> 0, value ->> 1, value ->> 2 FROM json_each(?3)`
const touchMailboxesSql = `UPDATE mailboxes SET highest_modseq = ?1
  WHERE account_id = ?2 AND id IN (SELECT value FROM json_each(?3))`
/**
 * 'counts': only a mailbox's counters (JMAP totalEmails, unreadEmails, totalThreads,
 * unreadThreads) may have changed, so Mailbox/changes can say so in updatedProperties.
 */
export type ChangeOp = 'created' | 'updated' | 'destroyed' | 'counts'

// A thread's unread state is seen from every mailbox holding one of its emails (rfc8621#section-2
// unreadThreads counts a thread whose unread email may be elsewhere), so a change to an email
// may change the counts of mailboxes the operation never touched: those of its whole thread.
// mailbox_threads (kept by triggers in this same transaction) holds exactly those pairs.
const threadMailboxesSql = `SELECT DISTINCT mailbox_id FROM mailbox_threads INDEXED BY mailbox_threads_thread_idx
  WHERE account_id = ?1 AND thread_id IN (
    SELECT thread_id FROM emails WHERE id IN (SELECT value FROM json_each(?2))
    UNION SELECT value FROM json_each(?3))`

export class ChangeSet {
  readonly modseq: number
  private rows = new Map<string, { kind: ChangeKind; objectId: number; op: ChangeOp }>()
  private touched = new Set<number>()

  constructor(
    private db: Db,
    readonly accountId: number,
    statements: Statements,
  ) {
    const row = statements.bumpModseq.get({ accountId })
    if (!row) throw new Error(`mail account ${accountId} is not provisioned`)
    this.modseq = row.modseq
  }

  /** Records a change; created-then-destroyed in one operation cancels out, created wins over updated. */
  record(kind: ChangeKind, objectId: number, op: ChangeOp): void {
    const key = `${kind}:${objectId}`
    const previous = this.rows.get(key)
    if (previous?.op === 'created' && op === 'destroyed') this.rows.delete(key)
    else if (previous?.op === 'created' && (op === 'updated' || op === 'counts')) return
    else if (previous?.op === 'updated' && op === 'counts') return
    else this.rows.set(key, { kind, objectId, op })
  }

  /** Marks a mailbox as changed (its HIGHESTMODSEQ moves); `counts` also logs a JMAP counts change. */
  touchMailbox(mailboxId: number, counts = true): void {
    this.touched.add(mailboxId)
    if (counts) this.record('mailbox', mailboxId, 'counts')
  }

  /** A mailbox property other than its counts changed (name, parent, role, sortOrder, subscription). */
  updateMailbox(mailboxId: number): void {
    this.touched.add(mailboxId)
    this.record('mailbox', mailboxId, 'updated')
  }

  /** Logs a counts change for the mailboxes of every thread an email or thread change here touched. */
  private recordThreadMailboxCounts(): void {
    const emailIds: number[] = []
    const threadIds: number[] = []
    for (const r of this.rows.values()) {
      if (r.kind === 'email' && r.op !== 'destroyed') emailIds.push(r.objectId)
      else if (r.kind === 'thread' && r.op !== 'destroyed') threadIds.push(r.objectId)
    }
    if (emailIds.length === 0 && threadIds.length === 0) return
    const rows = this.db.$client
      .query(threadMailboxesSql)
      .values(this.accountId, JSON.stringify(emailIds), JSON.stringify(threadIds)) as [number][]
    for (const [mailboxId] of rows) this.record('mailbox', mailboxId, 'counts')
  }

  get isEmpty(): boolean {
    return this.rows.size === 0 && this.touched.size === 0
  }

  /** Writes the log rows and mailbox modseqs; schedules the event for after COMMIT. */
  commit(ctx: WriteContext, bus: EventBus): void {
    // An operation that changed nothing (a refused delivery, a no-op STORE) tells no one.
    if (this.isEmpty) return
    this.recordThreadMailboxCounts()
    const rows = [...this.rows.values()]
    const sqlite = this.db.$client
    // Every write (each STORE, each delivery) ends here: fixed statements, any number of rows.
    if (rows.length > 0) {
      sqlite
        .query(insertChangesSql)
        .run(this.accountId, this.modseq, JSON.stringify(rows.map((r) => [r.kind, r.objectId, r.op])))
    }
    const mailboxIds = [...this.touched]
    if (mailboxIds.length > 0) {
      sqlite.query(touchMailboxesSql).run(this.modseq, this.accountId, JSON.stringify(mailboxIds))
    }
    const kinds = [...new Set(rows.map((r) => r.kind))]
    const change = { accountId: this.accountId, modseq: this.modseq, mailboxIds, kinds }
    ctx.afterCommit(() => bus.publish(change))
  }
}
