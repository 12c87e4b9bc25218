// IMAP COPY/MOVE (rfc9051#section-6.4.7, rfc6851) and EXPUNGE, on the JMAP model: a copy puts
// the same email in another mailbox (keywords shared); if it is already there, a duplicate
// email sharing the stored bytes is made, as IMAP requires a new message.

import { and, asc, eq, inArray } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { emailFacts, emails, mailboxMessages } from '../db/schema/index.ts'
import { StoreError } from '../lib/errors.ts'
import { prepareSearchTextCopy } from '../search/text-index.ts'
import type { BlobStore } from './blobs.ts'
import type { ChangeSet } from './change-set.ts'
import { deletedBit } from './keywords.ts'
import type { Messages } from './messages.ts'
import type { Quota } from './quota.ts'
import type { Reader } from './read.ts'

export interface CopyResult {
  uidValidity: number
  /** [source UID, destination UID] pairs, in source UID order (for COPYUID). */
  mapping: [number, number][]
}

export function createCopyMove(db: Db, messages: Messages, blobs: BlobStore, quota: Quota, reader: Reader) {
  const copySearchText = prepareSearchTextCopy(db)
  /** A new email row with the same content, keywords, facts and text index row (IMAP COPY). */
  const duplicate = (changes: ChangeSet, emailId: number) => {
    const e = db.select().from(emails).where(eq(emails.id, emailId)).get()
    if (!e) throw new StoreError('notFound', 'message vanished')
    quota.check(changes.accountId, e.size, 1)
    blobs.retain(e.blobId)
    const { id: _id, ...rest } = e
    const row = db
      .insert(emails)
      .values({ ...rest, modseq: changes.modseq })
      .returning({ id: emails.id, flags: emails.flags, size: emails.size })
      .get()
    const facts = db.select().from(emailFacts).where(eq(emailFacts.emailId, emailId)).get()
    if (facts)
      db.insert(emailFacts)
        .values({ ...facts, emailId: row.id })
        .run()
    copySearchText(emailId, row.id)
    quota.add(changes.accountId, e.size, 1)
    changes.record('email', row.id, 'created')
    changes.record('thread', e.threadId, 'updated')
    return row
  }

  /**
   * MOVE within one mailbox (rfc6851 allows it): each message gets the next UID and the old one
   * is expunged; the email itself stays (the new place is added before the old one goes).
   */
  const renumber = (changes: ChangeSet, mailboxId: number, uids: number[]): CopyResult => {
    const source = reader.placements(mailboxId, uids)
    const info = messages.emailsById(source.map((r) => r.emailId))
    const mapping: [number, number][] = []
    let uidValidity = 0
    for (const r of source) {
      const e = info.get(r.emailId)
      if (!e) continue
      const placed = messages.addToMailbox(
        changes,
        { id: r.emailId, flags: e.flags, size: e.size },
        mailboxId,
      )
      uidValidity = placed.uidValidity
      mapping.push([r.uid, placed.uid])
    }
    return { uidValidity, mapping }
  }

  /** Puts the same emails in another mailbox too (MOVE's first half: the email keeps its id). */
  const place = (
    changes: ChangeSet,
    fromMailboxId: number,
    uids: number[],
    toMailboxId: number,
  ): CopyResult => {
    const source = reader.placements(fromMailboxId, uids)
    const info = messages.emailsById(source.map((r) => r.emailId))
    const present = new Set(
      source.length === 0
        ? []
        : db
            .select({ emailId: mailboxMessages.emailId })
            .from(mailboxMessages)
            .where(
              and(
                eq(mailboxMessages.mailboxId, toMailboxId),
                inArray(
                  mailboxMessages.emailId,
                  source.map((r) => r.emailId),
                ),
              ),
            )
            .all()
            .map((r) => r.emailId),
    )
    const mapping: [number, number][] = []
    let uidValidity = 0
    for (const r of source) {
      const e = info.get(r.emailId)
      if (!e) continue
      const target = present.has(r.emailId)
        ? duplicate(changes, r.emailId)
        : { id: r.emailId, flags: e.flags, size: e.size }
      if (!present.has(r.emailId)) changes.record('email', r.emailId, 'updated')
      const placed = messages.addToMailbox(changes, target, toMailboxId)
      uidValidity = placed.uidValidity
      mapping.push([r.uid, placed.uid])
    }
    return { uidValidity, mapping }
  }

  const api = {
    /**
     * IMAP COPY (rfc9051#section-6.4.7): a new message in the target, sharing the stored bytes
     * but with its own flags from now on, so that \Deleted and an EXPUNGE in one mailbox never
     * reach the copy in another (clients expunge what is \Deleted without asking).
     */
    copy(changes: ChangeSet, fromMailboxId: number, uids: number[], toMailboxId: number): CopyResult {
      const source = reader.placements(fromMailboxId, uids)
      const mapping: [number, number][] = []
      let uidValidity = 0
      for (const r of source) {
        const target = duplicate(changes, r.emailId)
        const placed = messages.addToMailbox(changes, target, toMailboxId)
        uidValidity = placed.uidValidity
        mapping.push([r.uid, placed.uid])
      }
      return { uidValidity, mapping }
    },

    /** COPY then remove from the source, atomically (rfc6851). */
    move(
      changes: ChangeSet,
      fromMailboxId: number,
      uids: number[],
      toMailboxId: number,
    ): CopyResult & { expunged: number[] } {
      const copied =
        fromMailboxId === toMailboxId
          ? renumber(changes, fromMailboxId, uids)
          : place(changes, fromMailboxId, uids, toMailboxId)
      const expunged = messages.removeFromMailbox(
        changes,
        fromMailboxId,
        copied.mapping.map(([from]) => from),
      )
      return { ...copied, expunged }
    },

    /** Removes messages flagged $deleted (only among `uids` when given: UID EXPUNGE, rfc4315). */
    expunge(changes: ChangeSet, mailboxId: number, uids?: number[]): number[] {
      const rows = db
        .select({ uid: mailboxMessages.uid, flags: emails.flags })
        .from(mailboxMessages)
        .innerJoin(emails, eq(emails.id, mailboxMessages.emailId))
        .where(eq(mailboxMessages.mailboxId, mailboxId))
        .orderBy(asc(mailboxMessages.uid))
        .all()
      const wanted = uids ? new Set(uids) : undefined
      const doomed = rows
        .filter((r) => r.flags & deletedBit && (!wanted || wanted.has(r.uid)))
        .map((r) => r.uid)
      return messages.removeFromMailbox(changes, mailboxId, doomed)
    },
  }
  return api
}

export type CopyMove = ReturnType<typeof createCopyMove>
