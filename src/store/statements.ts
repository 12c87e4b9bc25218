// Prepared statements for the delivery path (append), built once per store: the query builder
// and SQLite's compiler run at start-up, not for every message.
import { and, eq, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import {
  accounts,
  blobs,
  emailFacts,
  emails,
  mailAccounts,
  mailboxes,
  mailboxMessages,
  threadRefs,
} from '../db/schema/index.ts'

const p = sql.placeholder

export function prepareStatements(db: Db) {
  return {
    blobByHash: db
      .select({ id: blobs.id })
      .from(blobs)
      .where(eq(blobs.hash, p('hash')))
      .prepare(),
    blobRetain: db
      .update(blobs)
      .set({ refCount: sql`${blobs.refCount} + 1` })
      .where(eq(blobs.id, p('id')))
      .prepare(),
    blobInsert: db
      .insert(blobs)
      .values({
        hash: p('hash'),
        size: p('size'),
        encoding: p('encoding'),
        data: p('data'),
        headerFrame: p('headerFrame'),
        refCount: 1,
      })
      .returning({ id: blobs.id })
      .prepare(),
    emailInsert: db
      .insert(emails)
      .values({
        accountId: p('accountId'),
        blobId: p('blobId'),
        threadId: p('threadId'),
        size: p('size'),
        receivedAt: p('receivedAt'),
        sentAt: p('sentAt'),
        flags: p('flags'),
        keywords: p('keywords'),
        modseq: p('modseq'),
        messageId: p('messageId'),
        subject: p('subject'),
        baseSubject: p('baseSubject'),
        fromEmail: p('fromEmail'),
        preview: p('preview'),
        hasAttachment: p('hasAttachment'),
      })
      .returning({ id: emails.id })
      .prepare(),
    factsInsert: db
      .insert(emailFacts)
      .values({
        emailId: p('emailId'),
        envelope: p('envelope'),
        bodystructure: p('bodystructure'),
        body: p('body'),
        imapEnvelope: p('imapEnvelope'),
        imapBodystructure: p('imapBodystructure'),
        imapBody: p('imapBody'),
        meta: p('meta'),
      })
      .prepare(),
    emailSetThread: db
      .update(emails)
      .set({ threadId: sql`${p('threadId')}` })
      .where(eq(emails.id, p('id')))
      .prepare(),
    mailboxOf: db
      .select({ id: mailboxes.id })
      .from(mailboxes)
      .where(and(eq(mailboxes.accountId, p('accountId')), eq(mailboxes.id, p('id'))))
      .prepare(),
    nextUid: db
      .update(mailboxes)
      .set({ uidNext: sql`${mailboxes.uidNext} + 1` })
      .where(and(eq(mailboxes.accountId, p('accountId')), eq(mailboxes.id, p('id'))))
      .returning({ uidNext: mailboxes.uidNext, uidValidity: mailboxes.uidValidity })
      .prepare(),
    placeInsert: db
      .insert(mailboxMessages)
      .values({
        mailboxId: p('mailboxId'),
        uid: p('uid'),
        emailId: p('emailId'),
        modseq: p('modseq'),
        flags: p('flags'),
        // the email's receivedAt, copied here for Email/query's per-mailbox order (it never changes)
        receivedAt: sql`(SELECT ${emails.receivedAt} FROM ${emails} WHERE ${emails.id} = ${p('emailId')})`,
      })
      .prepare(),
    adjustCounts: db
      .update(mailboxes)
      .set({
        totalEmails: sql`${mailboxes.totalEmails} + ${p('total')}`,
        unreadEmails: sql`${mailboxes.unreadEmails} + ${p('unread')}`,
        totalSize: sql`${mailboxes.totalSize} + ${p('size')}`,
      })
      .where(eq(mailboxes.id, p('id')))
      .prepare(),
    quotaUsage: db
      .select({
        usedBytes: mailAccounts.usedBytes,
        usedMessages: mailAccounts.usedMessages,
        limitBytes: accounts.quotaBytes,
        limitMessages: accounts.quotaMessages,
      })
      .from(accounts)
      .leftJoin(mailAccounts, eq(mailAccounts.accountId, accounts.id))
      .where(eq(accounts.id, p('accountId')))
      .prepare(),
    quotaAdd: db
      .update(mailAccounts)
      .set({
        usedBytes: sql`${mailAccounts.usedBytes} + ${p('bytes')}`,
        usedMessages: sql`${mailAccounts.usedMessages} + ${p('messages')}`,
      })
      .where(eq(mailAccounts.accountId, p('accountId')))
      .prepare(),
    bumpModseq: db
      .update(mailAccounts)
      .set({ modseq: sql`${mailAccounts.modseq} + 1` })
      .where(eq(mailAccounts.accountId, p('accountId')))
      .returning({ modseq: mailAccounts.modseq })
      .prepare(),
    threadOf: db
      .select({ threadId: threadRefs.threadId })
      .from(threadRefs)
      .where(and(eq(threadRefs.accountId, p('accountId')), eq(threadRefs.messageId, p('messageId'))))
      .prepare(),
    threadRefInsert: db
      .insert(threadRefs)
      .values({ accountId: p('accountId'), messageId: p('messageId'), threadId: p('threadId') })
      .onConflictDoNothing()
      .prepare(),
    isProvisioned: db
      .select({ id: mailAccounts.accountId })
      .from(mailAccounts)
      .where(eq(mailAccounts.accountId, p('accountId')))
      .prepare(),
    blobInMailbox: db
      .select({ id: emails.id })
      .from(blobs)
      .innerJoin(emails, eq(emails.blobId, blobs.id))
      .innerJoin(
        mailboxMessages,
        and(eq(mailboxMessages.emailId, emails.id), eq(mailboxMessages.mailboxId, p('mailboxId'))),
      )
      .where(eq(blobs.hash, p('hash')))
      .limit(1)
      .prepare(),
  }
}

export type Statements = ReturnType<typeof prepareStatements>
