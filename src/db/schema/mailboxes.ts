// Mailboxes (folders) of an account, with IMAP UID state and the counters clients poll,
// and the per-account mail state (change counter, quota usage).
import { sql } from 'drizzle-orm'
import {
  type AnySQLiteColumn,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'

export const mailAccounts = sqliteTable('mail_accounts', {
  accountId: integer('account_id')
    .primaryKey()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  /** The one change counter: IMAP MODSEQ and JMAP state. */
  modseq: integer('modseq').notNull().default(0),
  usedBytes: integer('used_bytes').notNull().default(0),
  usedMessages: integer('used_messages').notNull().default(0),
  /** Changes at or before this modseq were pruned: /changes from earlier cannot be calculated. */
  changesFloor: integer('changes_floor').notNull().default(0),
  /** Last UIDVALIDITY handed out, so a re-created mailbox never reuses one (rfc9051#section-2.3.1.1). */
  lastUidValidity: integer('last_uid_validity').notNull().default(0),
})

export const mailboxes = sqliteTable(
  'mailboxes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    parentId: integer('parent_id').references((): AnySQLiteColumn => mailboxes.id, { onDelete: 'restrict' }),
    /** The leaf name (JMAP Mailbox.name). */
    name: text('name').notNull(),
    /** The full hierarchical name with "/" between levels (IMAP's mailbox name, before UTF-7). */
    path: text('path').notNull(),
    /** Special-use role (rfc6154 / rfc8621): inbox, drafts, sent, junk, trash, archive, … */
    role: text('role'),
    sortOrder: integer('sort_order').notNull().default(0),
    isSubscribed: integer('is_subscribed', { mode: 'boolean' }).notNull().default(true),
    uidValidity: integer('uid_validity').notNull(),
    uidNext: integer('uid_next').notNull().default(1),
    totalEmails: integer('total_emails').notNull().default(0),
    unreadEmails: integer('unread_emails').notNull().default(0),
    totalSize: integer('total_size').notNull().default(0),
    /** Highest modseq of any change to this mailbox or a message in it (IMAP HIGHESTMODSEQ). */
    highestModseq: integer('highest_modseq').notNull().default(0),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('mailboxes_account_path_unique').on(t.accountId, t.path),
    uniqueIndex('mailboxes_account_role_unique').on(t.accountId, t.role).where(sql`role IS NOT NULL`),
    index('mailboxes_parent_idx').on(t.parentId),
  ],
)

/**
 * IMAP subscriptions whose mailbox was deleted: the server should not drop a name from the
 * subscription list because its mailbox went away (rfc9051#section-6.3.7), so LIST (SUBSCRIBED)
 * still shows it, as \NonExistent. A mailbox created or renamed to the name takes it back.
 */
export const orphanSubscriptions = sqliteTable(
  'orphan_subscriptions',
  {
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    path: text('path').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.path] })],
)

/**
 * How many emails of each thread a mailbox holds, and how many of them lack $seen: what JMAP's
 * totalThreads and unreadThreads (rfc8621#section-2) are counted from without reading every
 * email. Kept by triggers on mailbox_messages and emails (migration 0008), so every write path
 * (delivery, APPEND, COPY/MOVE, STORE, import, thread merges, destroys) keeps it current in
 * its own transaction. A row exists while `emails` > 0. Thread ids are email ids: unique.
 */
export const mailboxThreads = sqliteTable(
  'mailbox_threads',
  {
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    mailboxId: integer('mailbox_id')
      .notNull()
      .references(() => mailboxes.id, { onDelete: 'cascade' }),
    threadId: integer('thread_id').notNull(),
    emails: integer('emails').notNull(),
    unseen: integer('unseen').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.mailboxId, t.threadId] }),
    index('mailbox_threads_thread_idx').on(t.threadId, t.mailboxId),
    // The account's threads with an unseen email, by mailbox: few, so read whole.
    index('mailbox_threads_unseen_idx').on(t.accountId, t.mailboxId, t.threadId).where(sql`unseen > 0`),
  ],
)
