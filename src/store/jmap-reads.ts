// Reads for JMAP Email/get and Thread/get (rfc8621#section-3, #section-4.1): a whole /get of emails
// in one query (row, mailboxes, stored facts), the emails of threads, and message bytes in
// batches. Fixed SQL with json_each id lists, so a /get of 50 emails costs the same few queries.
import type { Db } from '../db/client.ts'
import { blobBytes } from './blobs.ts'

/** What Email/get serves from the store for one email, without parsing the message. */
export interface JmapEmailRow {
  id: number
  blobId: number
  threadId: number
  size: number
  receivedAt: number
  /** System keyword bits (store/keywords.ts). */
  flags: number
  /** Other keywords, JSON array of lower-case names. */
  keywords: string
  preview: string
  hasAttachment: boolean
  /** The mailboxes the email is in. */
  mailboxIds: number[]
  /** email_facts.meta (StoredMeta JSON), or null when not asked for. */
  meta: string | null
}

// The mailbox list is a correlated subquery on mailbox_messages_email_idx (email_id, mailbox_id):
// one index range per email, inside the same statement.
const emailRowsSql = `SELECT e.id, e.blob_id, e.thread_id, e.size, e.received_at, e.flags, e.keywords,
       e.preview, e.has_attachment,
       (SELECT json_group_array(mm.mailbox_id) FROM mailbox_messages mm WHERE mm.email_id = e.id),
       CASE WHEN ?3 THEN (SELECT f.meta FROM email_facts f WHERE f.email_id = e.id) END
  FROM emails e
 WHERE e.account_id = ?1 AND e.id IN (SELECT value FROM json_each(?2))`

const threadEmailsSql = `SELECT thread_id, id FROM emails INDEXED BY emails_account_thread_idx
 WHERE account_id = ?1 AND thread_id IN (SELECT value FROM json_each(?2))
 ORDER BY thread_id, received_at, id`

const rawSql = `SELECT e.id, b.data, b.encoding FROM emails e JOIN blobs b ON b.id = e.blob_id
 WHERE e.account_id = ?1 AND e.id IN (SELECT value FROM json_each(?2))`

type EmailRowValues = [
  number,
  number,
  number,
  number,
  number,
  number,
  string,
  string,
  number,
  string,
  string | null,
]

/** Bytes of messages read per statement: bounds memory when many large messages are asked for. */
const rawBatch = 16

export function createJmapReads(db: Db) {
  const sqlite = db.$client
  return {
    /**
     * The emails with these ids in the account, each with its mailboxes and (with `withMeta`) its
     * stored facts, in one query. Missing ids are left out; the order is the database's.
     */
    emailRows(accountId: number, ids: readonly number[], withMeta: boolean): JmapEmailRow[] {
      if (ids.length === 0) return []
      const rows = sqlite
        .query(emailRowsSql)
        .values(accountId, JSON.stringify([...new Set(ids)]), withMeta ? 1 : 0) as EmailRowValues[]
      return rows.map((r) => ({
        id: r[0],
        blobId: r[1],
        threadId: r[2],
        size: r[3],
        receivedAt: r[4],
        flags: r[5],
        keywords: r[6],
        preview: r[7],
        hasAttachment: r[8] !== 0,
        mailboxIds: JSON.parse(r[9]) as number[],
        meta: r[10],
      }))
    },

    /** How many emails the account has (an index count, no rows read). */
    countEmails(accountId: number): number {
      const row = sqlite.query('SELECT count(*) FROM emails WHERE account_id = ?').values(accountId) as [
        number,
      ][]
      return row[0]?.[0] ?? 0
    },

    /** Every email id of the account, ascending. */
    allEmailIds(accountId: number): number[] {
      const rows = sqlite
        .query('SELECT id FROM emails WHERE account_id = ? ORDER BY id')
        .values(accountId) as [number][]
      return rows.map((r) => r[0])
    },

    /** How many threads the account has. */
    countThreads(accountId: number): number {
      const row = sqlite
        .query('SELECT count(DISTINCT thread_id) FROM emails WHERE account_id = ?')
        .values(accountId) as [number][]
      return row[0]?.[0] ?? 0
    },

    /** Every thread id of the account, ascending. */
    allThreadIds(accountId: number): number[] {
      const rows = sqlite
        .query('SELECT DISTINCT thread_id FROM emails WHERE account_id = ? ORDER BY thread_id')
        .values(accountId) as [number][]
      return rows.map((r) => r[0])
    },

    /**
     * The emails of each thread, oldest receivedAt first with the id breaking ties (a stable
     * order, rfc8621#section-3.1). Threads without emails are left out.
     */
    threadEmails(accountId: number, threadIds: readonly number[]): Map<number, number[]> {
      const out = new Map<number, number[]>()
      if (threadIds.length === 0) return out
      const rows = sqlite
        .query(threadEmailsSql)
        .values(accountId, JSON.stringify([...new Set(threadIds)])) as [number, number][]
      for (const [threadId, emailId] of rows) {
        const list = out.get(threadId)
        if (list) list.push(emailId)
        else out.set(threadId, [emailId])
      }
      return out
    },

    /**
     * The raw bytes of messages, a few per statement; `use` gets each one and the bytes are not
     * kept. Emails that are gone are skipped.
     */
    eachRaw(
      accountId: number,
      ids: readonly number[],
      use: (emailId: number, raw: Uint8Array) => void,
    ): void {
      const unique = [...new Set(ids)]
      for (let i = 0; i < unique.length; i += rawBatch) {
        const rows = sqlite
          .query(rawSql)
          .values(accountId, JSON.stringify(unique.slice(i, i + rawBatch))) as [number, Uint8Array, number][]
        for (const [id, data, encoding] of rows) use(id, blobBytes(data, encoding))
      }
    },
  }
}

export type JmapReads = ReturnType<typeof createJmapReads>
