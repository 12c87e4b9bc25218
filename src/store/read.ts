// Reads that serve a mailbox without re-parsing: the message list of a mailbox (UID, flags,
// MODSEQ), the stored facts of emails, and the raw bytes.
import { and, asc, count, eq, gt, inArray, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { emailFacts, emails, mailboxMessages } from '../db/schema/index.ts'
import { StoreError } from '../lib/errors.ts'
import { blobBytes, blobHeader, blobHeaderColumns } from './blobs.ts'
import { type FactField, type StoredFacts, wireFieldOf } from './facts.ts'
import { FactsCache } from './facts-cache.ts'
import { HeaderCache } from './header-cache.ts'
import { deletedBit, seenBit } from './keywords.ts'

export interface MailboxMessage {
  uid: number
  emailId: number
  /** The message's MODSEQ in this mailbox. */
  modseq: number
  flags: number
  /** Other keywords, JSON array text (parse only when needed). */
  keywords: string
  size: number
  receivedAt: number
  threadId: number
}

export type StoredEmail = typeof emails.$inferSelect
export type { FactField, StoredFacts }

// The listing runs for every FETCH and after every command of every IMAP session: fixed SQL,
// kept compiled by bun:sqlite, no query building per call.
const listingSql = (where: string, index = '') =>
  `SELECT mm.uid, mm.email_id AS emailId, mm.modseq, e.flags, e.keywords, e.size,
          e.received_at AS receivedAt, e.thread_id AS threadId
     FROM mailbox_messages mm ${index} JOIN emails e ON e.id = mm.email_id
    WHERE mm.mailbox_id = ? AND ${where} ORDER BY mm.uid`
const listingAllSql = listingSql('1')
const listingByUidSql = listingSql('mm.uid IN (SELECT value FROM json_each(?))')
// A run of consecutive UIDs (a page of a mailbox) as one range: read in index order, not seeked.
const listingRangeSql = listingSql('mm.uid BETWEEN ? AND ?')
const listingAfterSql = listingSql('mm.uid > ?')
// Forced: with statistics SQLite would walk the whole mailbox in UID order to skip the sort.
const listingChangedSql = listingSql('mm.modseq > ?', 'INDEXED BY mailbox_messages_modseq_idx')
const headersSql = `SELECT e.id, ${blobHeaderColumns} FROM emails e JOIN blobs b ON b.id = e.blob_id
  WHERE e.account_id = ? AND e.id IN (SELECT value FROM json_each(?))`

/** The SELECT list of the named facts (the others as '' or NULL), from `email_facts f`. */
function factColumns(fields: readonly FactField[]): string {
  const columns = (['envelope', 'bodystructure', 'body', 'meta'] as const).map((f) =>
    fields.includes(f) ? `f.${f}` : `'' AS ${f}`,
  )
  for (const [field, alias] of Object.entries(wireFieldOf))
    columns.push(fields.includes(field as FactField) ? `f.imap_${field} AS ${alias}` : `NULL AS ${alias}`)
  return columns.join(', ')
}

/** Ascending UIDs without a gap. */
function isRun(uids: readonly number[]): boolean {
  if (uids.length < 2) return false
  for (let i = 1; i < uids.length; i++) if (uids[i] !== (uids[i - 1] as number) + 1) return false
  return true
}

export function createReader(db: Db) {
  const headerCache = new HeaderCache()
  const factsCache = new FactsCache()
  /**
   * Only the named fact columns, in one query without row mapping: FETCH ENVELOPE of a large
   * mailbox must not read every message's MIME tree.
   */
  const someFacts = (accountId: number, ids: number[], fields: readonly FactField[]): StoredFacts[] => {
    const byId = new Map<number, StoredFacts>()
    const missing: number[] = []
    for (const id of new Set(ids)) {
      const cached = factsCache.get(accountId, id, fields)
      if (cached !== undefined) byId.set(id, cached)
      else missing.push(id)
    }
    if (missing.length > 0) {
      const rows = db.$client
        .query(
          `SELECT f.email_id AS emailId, ${factColumns(fields)} FROM email_facts f
             JOIN emails e ON e.id = f.email_id
            WHERE e.account_id = ? AND f.email_id IN (SELECT value FROM json_each(?))`,
        )
        .all(accountId, JSON.stringify(missing)) as StoredFacts[]
      for (const row of rows) {
        factsCache.set(accountId, row, fields)
        byId.set(row.emailId, row)
      }
    }
    return ids.flatMap((id) => byId.get(id) ?? [])
  }

  const rawIfExists = (accountId: number, emailId: number): Uint8Array | undefined => {
    const row = db.$client
      .query(
        `SELECT b.data, b.encoding FROM emails e JOIN blobs b ON b.id = e.blob_id
          WHERE e.account_id = ? AND e.id = ?`,
      )
      .values(accountId, emailId)[0] as [Uint8Array, number] | undefined
    return row === undefined ? undefined : blobBytes(row[0], row[1])
  }

  const listing = (text: string, ...params: (number | string)[]): MailboxMessage[] =>
    db.$client.query(text).all(...params) as MailboxMessage[]

  return {
    /** Every message of a mailbox in UID order: what IMAP SELECT needs (one query). */
    mailboxMessages(mailboxId: number): MailboxMessage[] {
      return listing(listingAllSql, mailboxId)
    },

    /**
     * A mailbox's UIDs and email ids in UID order, as two plain arrays (what an IMAP session
     * keeps of a selected mailbox): no row objects for a mailbox of 100,000 messages.
     */
    mailboxIndex(mailboxId: number): { uids: number[]; emailIds: number[] } {
      const rows = db.$client
        .query('SELECT uid, email_id FROM mailbox_messages WHERE mailbox_id = ? ORDER BY uid')
        .values(mailboxId) as [number, number][]
      const uids = new Array<number>(rows.length)
      const emailIds = new Array<number>(rows.length)
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i] as [number, number]
        uids[i] = row[0]
        emailIds[i] = row[1]
      }
      return { uids, emailIds }
    },

    /** Every message's UID and system flag bits in UID order, as two arrays (one index scan). */
    mailboxFlags(mailboxId: number): { uids: number[]; flags: number[] } {
      const rows = db.$client
        .query('SELECT uid, flags FROM mailbox_messages WHERE mailbox_id = ? ORDER BY uid')
        .values(mailboxId) as [number, number][]
      return { uids: rows.map((r) => r[0]), flags: rows.map((r) => r[1]) }
    },

    /** The lowest UID of a message without \Seen, or null (IMAP SELECT's [UNSEEN]). */
    firstUnseenUid(mailboxId: number): number | null {
      const row = db.$client
        .query(
          `SELECT uid FROM mailbox_messages INDEXED BY mailbox_messages_view_idx
            WHERE mailbox_id = ? AND (flags & ${seenBit}) = 0 ORDER BY uid LIMIT 1`,
        )
        .values(mailboxId) as [number | null][]
      return row[0]?.[0] ?? null
    },

    /** The messages of a mailbox with these UIDs, in UID order; absent UIDs are left out. */
    mailboxMessagesByUid(mailboxId: number, uids: readonly number[]): MailboxMessage[] {
      if (isRun(uids)) return listing(listingRangeSql, mailboxId, uids[0] as number, uids.at(-1) as number)
      const out: MailboxMessage[] = []
      for (let i = 0; i < uids.length; i += 5000) {
        const chunk = JSON.stringify(uids.slice(i, i + 5000))
        out.push(...listing(listingByUidSql, mailboxId, chunk))
      }
      return uids.length > 5000 ? out.sort((a, b) => a.uid - b.uid) : out
    },

    /**
     * The messages of a mailbox changed after `modseq` (added or keywords changed), in UID order:
     * what an IMAP session catches up with after each command, in one indexed query.
     */
    mailboxMessagesChangedSince(mailboxId: number, modseq: number): MailboxMessage[] {
      return listing(listingChangedSql, mailboxId, modseq)
    },

    /** The messages of a mailbox with a UID above `uid` (what arrived since a session last looked). */
    mailboxMessagesAfter(mailboxId: number, uid: number): MailboxMessage[] {
      return listing(listingAfterSql, mailboxId, uid)
    },

    /** The (UID, email) pairs of the given UIDs in a mailbox, in UID order; absent UIDs are left out. */
    placements(mailboxId: number, uids: number[]): { uid: number; emailId: number }[] {
      const out: { uid: number; emailId: number }[] = []
      for (let i = 0; i < uids.length; i += 5000) {
        const chunk = JSON.stringify(uids.slice(i, i + 5000))
        out.push(
          ...(db.$client
            .query(
              `SELECT uid, email_id AS emailId FROM mailbox_messages
                WHERE mailbox_id = ? AND uid IN (SELECT value FROM json_each(?))`,
            )
            .all(mailboxId, chunk) as { uid: number; emailId: number }[]),
        )
      }
      return out.sort((a, b) => a.uid - b.uid)
    },

    /** Stored emails by id (without the IMAP/JMAP facts: see facts()), in the order of `ids`; missing ones are left out. */
    emails(accountId: number, ids: number[]): StoredEmail[] {
      const byId = new Map<number, StoredEmail>()
      const unique = [...new Set(ids)]
      for (let i = 0; i < unique.length; i += 5000) {
        for (const row of db
          .select()
          .from(emails)
          .where(and(eq(emails.accountId, accountId), inArray(emails.id, unique.slice(i, i + 5000))))
          .all()) {
          byId.set(row.id, row)
        }
      }
      return ids.flatMap((id) => byId.get(id) ?? [])
    },

    /** ENVELOPE, BODYSTRUCTURE, BODY and JMAP facts (JSON text) of emails, in the order of `ids`. */
    facts(accountId: number, ids: number[], fields?: readonly FactField[]): StoredFacts[] {
      if (fields) return someFacts(accountId, ids, fields)
      const byId = new Map<number, StoredFacts>()
      const unique = [...new Set(ids)]
      for (let i = 0; i < unique.length; i += 5000) {
        for (const row of db
          .select({
            emailId: emailFacts.emailId,
            envelope: emailFacts.envelope,
            bodystructure: emailFacts.bodystructure,
            body: emailFacts.body,
            imapEnvelope: emailFacts.imapEnvelope,
            imapBodystructure: emailFacts.imapBodystructure,
            imapBody: emailFacts.imapBody,
            meta: emailFacts.meta,
          })
          .from(emailFacts)
          .innerJoin(emails, eq(emails.id, emailFacts.emailId))
          .where(and(eq(emails.accountId, accountId), inArray(emailFacts.emailId, unique.slice(i, i + 5000))))
          .all()) {
          byId.set(row.emailId, row)
        }
      }
      return ids.flatMap((id) => byId.get(id) ?? [])
    },

    /** Envelope and flags of a mailbox's messages in UID order (a mail client's message list). */
    envelopes(mailboxId: number): {
      uid: number
      flags: number
      keywords: string
      envelope: string
      imapEnvelope: Buffer | null
      size: number
    }[] {
      return db
        .select({
          uid: mailboxMessages.uid,
          flags: emails.flags,
          keywords: emails.keywords,
          envelope: emailFacts.envelope,
          imapEnvelope: emailFacts.imapEnvelope,
          size: emails.size,
        })
        .from(mailboxMessages)
        .innerJoin(emails, eq(emails.id, mailboxMessages.emailId))
        .innerJoin(emailFacts, eq(emailFacts.emailId, mailboxMessages.emailId))
        .where(eq(mailboxMessages.mailboxId, mailboxId))
        .orderBy(asc(mailboxMessages.uid))
        .all()
    },

    /**
     * How many messages of a mailbox have \Deleted and/or a UID above `aboveUid`, in one aggregate
     * query on the mailbox's primary key (IMAP STATUS DELETED and RECENT); no rows are loaded.
     */
    countMessages(mailboxId: number, where: { deleted?: boolean; aboveUid?: number }): number {
      const conditions = [eq(mailboxMessages.mailboxId, mailboxId)]
      if (where.aboveUid !== undefined) conditions.push(gt(mailboxMessages.uid, where.aboveUid))
      const base = db.select({ n: count() }).from(mailboxMessages)
      const query = where.deleted
        ? base
            .innerJoin(emails, eq(emails.id, mailboxMessages.emailId))
            .where(and(...conditions, sql`(${emails.flags} & ${deletedBit}) != 0`))
        : base.where(and(...conditions))
      return query.get()?.n ?? 0
    },

    /** Mailboxes an email is in. */
    mailboxIdsOf(emailId: number): number[] {
      return db
        .select({ mailboxId: mailboxMessages.mailboxId })
        .from(mailboxMessages)
        .where(eq(mailboxMessages.emailId, emailId))
        .all()
        .map((r) => r.mailboxId)
    },

    /**
     * The headers (blank line included) of several messages in one query, reading only each
     * blob's header frame when it has one (see blobs.ts); a statement per message would cost more
     * than the header. Email id → header bytes; emails that are gone are left out.
     */
    messageHeaders(accountId: number, emailIds: readonly number[]): Map<number, Uint8Array> {
      const out = new Map<number, Uint8Array>()
      const missing: number[] = []
      for (const id of emailIds) {
        const cached = headerCache.get(accountId, id)
        if (cached === undefined) missing.push(id)
        else out.set(id, cached)
      }
      if (missing.length === 0) return out
      const rows = db.$client.query(headersSql).values(accountId, JSON.stringify(missing)) as [
        number,
        Uint8Array,
        number,
        number,
      ][]
      for (const [id, data, encoding, headerFrame] of rows) {
        const header = blobHeader(data, encoding, headerFrame)
        headerCache.set(accountId, id, header)
        out.set(id, header)
      }
      return out
    },

    /** The raw message (one query: FETCH BODY[] and POP3 RETR read one message at a time). */
    raw(accountId: number, emailId: number): Uint8Array {
      const bytes = rawIfExists(accountId, emailId)
      if (bytes === undefined) throw new StoreError('notFound', 'no such message')
      return bytes
    },

    /** The raw bytes of an account's email, or undefined if it does not exist (any more). */
    rawIfExists,
  }
}

export type Reader = ReturnType<typeof createReader>
