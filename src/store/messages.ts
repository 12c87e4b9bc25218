// Emails and their places in mailboxes: append, add/remove a mailbox, destroy, with the
// mailbox counters, quota usage, UIDs and the vanished list kept current in the same
// transaction. All functions run inside a write job and record into the operation's ChangeSet.
import { and, eq, inArray } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { emails, mailboxMessages, threadRefs, vanished } from '../db/schema/index.ts'
import { StoreError } from '../lib/errors.ts'
import type { SearchText } from '../search/text.ts'
import { prepareSearchTextInsert } from '../search/text-index.ts'
import { type BlobStore, type PreparedBlob, prepareBlob } from './blobs.ts'
import type { ChangeSet } from './change-set.ts'
import { type MessageFacts, storedImapItems } from './facts.ts'
import { type KeywordSet, seenBit } from './keywords.ts'
import type { Quota } from './quota.ts'
import type { Statements } from './statements.ts'
import type { Threads } from './threads.ts'

export interface AppendInput {
  mailboxIds: number[]
  raw: Uint8Array
  facts: MessageFacts
  keywords: KeywordSet
  /** IMAP INTERNALDATE / JMAP receivedAt, ms. */
  receivedAt: number
  /** The bytes already hashed and compressed (done outside the transaction); made here if absent. */
  blob?: PreparedBlob
  /** The text index row (prepareMessage makes it); without it the email waits for search's backfill. */
  searchText?: SearchText
}

export interface Placement {
  mailboxId: number
  uid: number
  uidValidity: number
}

export interface AppendResult {
  emailId: number
  threadId: number
  size: number
  blobId: number
  placements: Placement[]
}

export type EmailRow = typeof emails.$inferSelect

export interface MessageDeps {
  db: Db
  blobs: BlobStore
  quota: Quota
  threads: Threads
  statements: Statements
}

export function createMessages({ db, blobs, quota, threads, statements }: MessageDeps) {
  const insertSearchText = prepareSearchTextInsert(db)
  const adjustCounts = (mailboxId: number, total: number, unread: number, size: number) => {
    statements.adjustCounts.run({ id: mailboxId, total, unread, size })
  }

  const api = {
    /** Stores a new email in one or more mailboxes (quota-checked). */
    append(changes: ChangeSet, input: AppendInput): AppendResult {
      const accountId = changes.accountId
      const targets = [...new Set(input.mailboxIds)]
      if (targets.length === 0)
        throw new StoreError('invalidParams', 'an email must be in at least one mailbox')
      for (const id of targets) {
        if (!statements.mailboxOf.get({ accountId, id })) throw new StoreError('notFound', 'no such mailbox')
      }
      const size = input.raw.length
      quota.check(accountId, size, 1)
      const blobId = blobs.acquire(input.blob ?? prepareBlob(input.raw))
      const existingThread = threads.find(changes, input.facts, input.receivedAt)
      const f = input.facts
      const row = statements.emailInsert.get({
        accountId,
        blobId,
        threadId: existingThread ?? 0,
        size,
        receivedAt: input.receivedAt,
        sentAt: f.sentAt,
        flags: input.keywords.flags,
        keywords: JSON.stringify(input.keywords.keywords),
        modseq: changes.modseq,
        messageId: f.messageId,
        subject: f.subject,
        baseSubject: f.baseSubject,
        fromEmail: f.fromEmail,
        preview: f.preview,
        hasAttachment: f.hasAttachment ? 1 : 0,
      })
      if (!row) throw new Error('email insert returned nothing')
      statements.factsInsert.run({ emailId: row.id, ...storedImapItems(f), meta: JSON.stringify(f.meta) })
      if (input.searchText) insertSearchText(row.id, input.searchText)
      const threadId = existingThread ?? row.id
      if (existingThread === undefined) statements.emailSetThread.run({ threadId, id: row.id })
      threads.remember(changes, f, threadId, existingThread === undefined)
      quota.add(accountId, size, 1)
      changes.record('email', row.id, 'created')
      const placements = targets.map((mailboxId) =>
        api.addToMailbox(changes, { id: row.id, flags: input.keywords.flags, size }, mailboxId),
      )
      return { emailId: row.id, threadId, size, blobId, placements }
    },

    /** Puts an existing email in a mailbox with the next UID. The caller checks it is not there yet. */
    addToMailbox(
      changes: ChangeSet,
      email: { id: number; flags: number; size: number },
      mailboxId: number,
    ): Placement {
      const box = statements.nextUid.get({ accountId: changes.accountId, id: mailboxId })
      if (!box) throw new StoreError('notFound', 'no such mailbox')
      const uid = box.uidNext - 1
      statements.placeInsert.run({
        mailboxId,
        uid,
        emailId: email.id,
        modseq: changes.modseq,
        flags: email.flags,
      })
      adjustCounts(mailboxId, 1, email.flags & seenBit ? 0 : 1, email.size)
      changes.touchMailbox(mailboxId)
      return { mailboxId, uid, uidValidity: box.uidValidity }
    },

    /**
     * Removes messages (by UID) from a mailbox, remembering their UIDs for VANISHED; emails left
     * in no mailbox are destroyed. Returns the UIDs removed.
     */
    removeFromMailbox(changes: ChangeSet, mailboxId: number, uids: number[]): number[] {
      if (uids.length === 0) return []
      const removed: { uid: number; emailId: number }[] = []
      for (let i = 0; i < uids.length; i += 5000) {
        removed.push(
          ...db
            .delete(mailboxMessages)
            .where(
              and(
                eq(mailboxMessages.mailboxId, mailboxId),
                inArray(mailboxMessages.uid, uids.slice(i, i + 5000)),
              ),
            )
            .returning({ uid: mailboxMessages.uid, emailId: mailboxMessages.emailId })
            .all(),
        )
      }
      if (removed.length === 0) return []
      const info = api.emailsById(removed.map((r) => r.emailId))
      let unread = 0
      let size = 0
      for (const r of removed) {
        const e = info.get(r.emailId)
        if (!e) continue
        if (!(e.flags & seenBit)) unread++
        size += e.size
        changes.record('email', r.emailId, 'updated')
      }
      adjustCounts(mailboxId, -removed.length, -unread, -size)
      for (let i = 0; i < removed.length; i += 1000) {
        db.insert(vanished)
          .values(removed.slice(i, i + 1000).map((r) => ({ mailboxId, uid: r.uid, modseq: changes.modseq })))
          .onConflictDoUpdate({ target: [vanished.mailboxId, vanished.uid], set: { modseq: changes.modseq } })
          .run()
      }
      changes.touchMailbox(mailboxId)
      api.destroyOrphans(
        changes,
        removed.map((r) => r.emailId),
      )
      return removed.map((r) => r.uid).sort((a, b) => a - b)
    },

    /** Destroys those of the given emails that are in no mailbox any more. */
    destroyOrphans(changes: ChangeSet, emailIds: number[]): void {
      const unique = [...new Set(emailIds)]
      const stillPlaced = new Set<number>()
      for (let i = 0; i < unique.length; i += 5000) {
        for (const r of db
          .select({ emailId: mailboxMessages.emailId })
          .from(mailboxMessages)
          .where(inArray(mailboxMessages.emailId, unique.slice(i, i + 5000)))
          .all()) {
          stillPlaced.add(r.emailId)
        }
      }
      const orphans = unique.filter((id) => !stillPlaced.has(id))
      if (orphans.length > 0) api.destroy(changes, orphans)
    },

    /** Destroys emails outright (JMAP Email/set destroy): out of every mailbox, blob released. */
    destroy(changes: ChangeSet, emailIds: number[]): number[] {
      const accountId = changes.accountId
      const destroyed: number[] = []
      for (const id of emailIds) {
        const e = db
          .select({
            id: emails.id,
            blobId: emails.blobId,
            size: emails.size,
            threadId: emails.threadId,
            flags: emails.flags,
          })
          .from(emails)
          .where(and(eq(emails.accountId, accountId), eq(emails.id, id)))
          .get()
        if (!e) continue
        const places = db
          .delete(mailboxMessages)
          .where(eq(mailboxMessages.emailId, id))
          .returning({ mailboxId: mailboxMessages.mailboxId, uid: mailboxMessages.uid })
          .all()
        for (const p of places) {
          adjustCounts(p.mailboxId, -1, e.flags & seenBit ? 0 : -1, -e.size)
          db.insert(vanished)
            .values({ mailboxId: p.mailboxId, uid: p.uid, modseq: changes.modseq })
            .onConflictDoUpdate({
              target: [vanished.mailboxId, vanished.uid],
              set: { modseq: changes.modseq },
            })
            .run()
          changes.touchMailbox(p.mailboxId)
        }
        db.delete(emails).where(eq(emails.id, id)).run()
        blobs.release(e.blobId)
        quota.add(accountId, -e.size, -1)
        changes.record('email', id, 'destroyed')
        const left = db
          .select({ id: emails.id })
          .from(emails)
          .where(and(eq(emails.accountId, accountId), eq(emails.threadId, e.threadId)))
          .limit(1)
          .get()
        if (left) changes.record('thread', e.threadId, 'updated')
        else {
          changes.record('thread', e.threadId, 'destroyed')
          db.delete(threadRefs)
            .where(and(eq(threadRefs.accountId, accountId), eq(threadRefs.threadId, e.threadId)))
            .run()
        }
        destroyed.push(id)
      }
      return destroyed
    },

    /** flags and size of emails, by id. */
    emailsById(
      ids: number[],
    ): Map<number, { flags: number; size: number; keywords: string; blobId: number }> {
      const out = new Map<number, { flags: number; size: number; keywords: string; blobId: number }>()
      const unique = [...new Set(ids)]
      for (let i = 0; i < unique.length; i += 5000) {
        for (const r of db
          .select({
            id: emails.id,
            flags: emails.flags,
            size: emails.size,
            keywords: emails.keywords,
            blobId: emails.blobId,
          })
          .from(emails)
          .where(inArray(emails.id, unique.slice(i, i + 5000)))
          .all()) {
          out.set(r.id, r)
        }
      }
      return out
    },
  }
  return api
}

export type Messages = ReturnType<typeof createMessages>
