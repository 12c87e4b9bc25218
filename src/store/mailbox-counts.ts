// The JMAP Mailbox counts (rfc8621#section-2) that the stored IMAP counters do not give:
// unreadEmails without drafts, totalThreads and unreadThreads. One query for any number of
// mailboxes; it reads the mailbox_messages indexes and each placed email's row once.
import type { Db } from '../db/client.ts'
import { seenBit, systemKeywords } from './keywords.ts'

export interface MailboxCounts {
  totalEmails: number
  unreadEmails: number
  totalThreads: number
  unreadThreads: number
}

// unreadThreads (rfc8621#section-2): threads with an email in this mailbox and an email without
// $seen anywhere — except that, seen from any other mailbox, an unread email only in the trash
// does not count, and seen from the trash only unread emails in the trash count. So two sets of
// unread threads: those with an unread email in some non-trash mailbox, and those with one in
// the trash. ?1 account, ?2 the trash mailbox id (or null), ?3 JSON list of mailbox ids.
const countsSql = `
WITH unread_elsewhere(thread_id) AS MATERIALIZED (
  SELECT DISTINCT e.thread_id FROM mailbox_messages mm JOIN emails e ON e.id = mm.email_id
  WHERE mm.mailbox_id IN (SELECT id FROM mailboxes WHERE account_id = ?1 AND id IS NOT ?2)
    AND mm.flags & ${seenBit} = 0),
unread_in_trash(thread_id) AS MATERIALIZED (
  SELECT DISTINCT e.thread_id FROM mailbox_messages mm JOIN emails e ON e.id = mm.email_id
  WHERE mm.mailbox_id IS ?2 AND mm.flags & ${seenBit} = 0)
SELECT mm.mailbox_id,
  count(*),
  sum(mm.flags & ${seenBit | systemKeywords.$draft} = 0),
  count(DISTINCT e.thread_id),
  count(DISTINCT CASE
    WHEN mm.mailbox_id IS ?2 THEN (CASE WHEN e.thread_id IN unread_in_trash THEN e.thread_id END)
    WHEN e.thread_id IN unread_elsewhere THEN e.thread_id END)
FROM mailbox_messages mm JOIN emails e ON e.id = mm.email_id
WHERE mm.mailbox_id IN (SELECT value FROM json_each(?3))
GROUP BY mm.mailbox_id`

export function createMailboxCounts(db: Db) {
  return {
    /**
     * Counts of the given mailboxes of an account (all zero for an empty one). `trashId` is the
     * account's mailbox with role trash, if any.
     */
    counts(accountId: number, trashId: number | null, mailboxIds: number[]): Map<number, MailboxCounts> {
      const out = new Map<number, MailboxCounts>()
      for (const id of mailboxIds)
        out.set(id, { totalEmails: 0, unreadEmails: 0, totalThreads: 0, unreadThreads: 0 })
      if (mailboxIds.length === 0) return out
      const rows = db.$client.query(countsSql).values(accountId, trashId, JSON.stringify(mailboxIds)) as [
        number,
        number,
        number,
        number,
        number,
      ][]
      for (const [mailboxId, totalEmails, unreadEmails, totalThreads, unreadThreads] of rows)
        out.set(mailboxId, { totalEmails, unreadEmails, totalThreads, unreadThreads })
      return out
    },
  }
}
