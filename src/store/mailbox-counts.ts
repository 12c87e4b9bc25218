// The JMAP Mailbox counts (rfc8621#section-2) beyond the stored IMAP counters: unreadEmails
// without drafts, totalThreads and unreadThreads. They read mailbox_threads (per mailbox and
// thread: emails, unseen ones; kept by triggers) and a partial index of unseen drafts, so the
// cost follows the number of threads and unread threads, not of emails.
import type { Db } from '../db/client.ts'

export interface MailboxCounts {
  totalEmails: number
  unreadEmails: number
  totalThreads: number
  unreadThreads: number
}

// ?1 JSON list of mailbox ids, ?2 the account. The stored unread counter is IMAP's (no \Seen); JMAP's
// unreadEmails also leaves out drafts: those are read from their partial index.
const emailCountsSql = `SELECT m.id, m.total_emails, m.unread_emails - (SELECT count(*)
    FROM mailbox_messages INDEXED BY mailbox_messages_unseen_draft_idx
    WHERE mailbox_id = m.id AND flags & 9 = 8)
  FROM mailboxes m WHERE m.account_id = ?2 AND m.id IN (SELECT value FROM json_each(?1))`

const totalThreadsSql = `SELECT mailbox_id, count(*) FROM mailbox_threads
  WHERE mailbox_id IN (SELECT value FROM json_each(?1)) GROUP BY mailbox_id`

// unreadThreads (rfc8621#section-2): threads with an email in this mailbox and an email without
// $seen anywhere, except that an unseen email only in the trash does not count for the other
// mailboxes, and for the trash only unseen emails in the trash count. ?1 account, ?2 the trash
// id or null, ?3 JSON list of mailbox ids (the trash's own count is read apart).
const unreadThreadsSql = `WITH unread_elsewhere(thread_id) AS MATERIALIZED (
    SELECT DISTINCT thread_id FROM mailbox_threads INDEXED BY mailbox_threads_unseen_idx
    WHERE account_id = ?1 AND unseen > 0 AND mailbox_id IS NOT ?2)
  SELECT mt.mailbox_id, count(*) FROM unread_elsewhere u
  JOIN mailbox_threads mt INDEXED BY mailbox_threads_thread_idx ON mt.thread_id = u.thread_id
  WHERE mt.mailbox_id IN (SELECT value FROM json_each(?3)) AND mt.mailbox_id IS NOT ?2
  GROUP BY mt.mailbox_id`

const unreadTrashThreadsSql = `SELECT count(*) FROM mailbox_threads INDEXED BY mailbox_threads_unseen_idx
  WHERE account_id = ?1 AND mailbox_id = ?2 AND unseen > 0`

export function createMailboxCounts(db: Db) {
  const sqlite = db.$client
  return {
    /**
     * Counts of the given mailboxes of an account (ids that are not its mailboxes are left out).
     * `trashId` is the account's mailbox with role trash, if any.
     */
    counts(accountId: number, trashId: number | null, mailboxIds: number[]): Map<number, MailboxCounts> {
      const out = new Map<number, MailboxCounts>()
      if (mailboxIds.length === 0) return out
      const ids = JSON.stringify(mailboxIds)
      for (const [id, totalEmails, unreadEmails] of sqlite
        .query(emailCountsSql)
        .values(ids, accountId) as number[][])
        out.set(id as number, {
          totalEmails: totalEmails as number,
          unreadEmails: unreadEmails as number,
          totalThreads: 0,
          unreadThreads: 0,
        })
      for (const [id, n] of sqlite.query(totalThreadsSql).values(ids) as number[][]) {
        const c = out.get(id as number)
        if (c) c.totalThreads = n as number
      }
      for (const [id, n] of sqlite.query(unreadThreadsSql).values(accountId, trashId, ids) as number[][]) {
        const c = out.get(id as number)
        if (c) c.unreadThreads = n as number
      }
      const trash = trashId === null ? undefined : out.get(trashId)
      if (trash) {
        const row = sqlite.query(unreadTrashThreadsSql).values(accountId, trashId) as number[][]
        trash.unreadThreads = row[0]?.[0] ?? 0
      }
      return out
    },
  }
}
