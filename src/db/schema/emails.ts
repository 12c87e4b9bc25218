// Messages: raw bytes stored once (content-addressed), the email with everything IMAP and JMAP
// serve computed at delivery, its place (UID) in each mailbox, the change log and expunged UIDs.
import { sql } from 'drizzle-orm'
import { blob, index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'
import { mailboxes } from './mailboxes.ts'

export const blobs = sqliteTable('blobs', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** SHA-256 of the raw bytes, hex. */
  hash: text('hash').notNull().unique(),
  /** Size of the raw bytes (before any compression). */
  size: integer('size').notNull(),
  /** 0 = stored as is, 1 = zstd. */
  encoding: integer('encoding').notNull().default(0),
  data: blob('data', { mode: 'buffer' }).notNull(),
  refCount: integer('ref_count').notNull().default(0),
  /**
   * zstd blobs are two frames, the header's then the body's: the first `headerFrame` bytes
   * decompress to the message header alone (header searches read only those). 0 = one frame.
   */
  headerFrame: integer('header_frame').notNull().default(0),
})

export const emails = sqliteTable(
  'emails',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    blobId: integer('blob_id')
      .notNull()
      .references(() => blobs.id),
    threadId: integer('thread_id').notNull(),
    size: integer('size').notNull(),
    /** IMAP INTERNALDATE / JMAP receivedAt, ms since the epoch. */
    receivedAt: integer('received_at').notNull(),
    /** Date: header, ms since the epoch; null when missing or unparsable. */
    sentAt: integer('sent_at'),
    /** System keywords as bits: see store/keywords.ts. */
    flags: integer('flags').notNull().default(0),
    /** Other keywords, JSON array of lower-case strings. */
    keywords: text('keywords').notNull().default('[]'),
    /** Modseq of the last change to this email (keywords, mailboxes). */
    modseq: integer('modseq').notNull(),
    messageId: text('message_id'),
    subject: text('subject').notNull().default(''),
    baseSubject: text('base_subject').notNull().default(''),
    /** First From address, lower-case, for sorting. */
    fromEmail: text('from_email').notNull().default(''),
    preview: text('preview').notNull().default(''),
    hasAttachment: integer('has_attachment', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [
    index('emails_account_received_idx').on(t.accountId, t.receivedAt),
    index('emails_account_thread_idx').on(t.accountId, t.threadId),
    index('emails_account_subject_idx').on(t.accountId, t.baseSubject, t.receivedAt),
    index('emails_blob_idx').on(t.blobId),
  ],
)

/**
 * What FETCH BODYSTRUCTURE/ENVELOPE and JMAP Email/get serve, computed once at delivery. Kept
 * apart from `emails` so the rows that listings and flag updates touch stay narrow.
 */
export const emailFacts = sqliteTable('email_facts', {
  emailId: integer('email_id')
    .primaryKey()
    .references(() => emails.id, { onDelete: 'cascade' }),
  /**
   * IMAP ENVELOPE, BODYSTRUCTURE and BODY (non-extensible) as JSON of mail/ ImapValue trees. Since
   * the wire columns below exist they are kept ('' otherwise) only where a UTF8=ACCEPT session
   * gets other bytes than the wire form (raw 8-bit UTF-8 header text), and in older rows.
   */
  envelope: text('envelope').notNull(),
  bodystructure: text('bodystructure').notNull(),
  body: text('body').notNull(),
  /**
   * The same three as FETCH sends them to a session without UTF-8 (rfc3501 strings and
   * literals): FETCH copies these bytes instead of parsing and formatting a tree per message.
   * NULL in rows stored before they existed.
   */
  imapEnvelope: blob('imap_envelope', { mode: 'buffer' }),
  imapBodystructure: blob('imap_bodystructure', { mode: 'buffer' }),
  imapBody: blob('imap_body', { mode: 'buffer' }),
  /** JSON: MIME part tree with byte offsets, and the JMAP header fields and body lists. */
  meta: text('meta').notNull(),
})

/** An email's place in a mailbox: its IMAP UID there. */
export const mailboxMessages = sqliteTable(
  'mailbox_messages',
  {
    mailboxId: integer('mailbox_id')
      .notNull()
      .references(() => mailboxes.id, { onDelete: 'cascade' }),
    uid: integer('uid').notNull(),
    emailId: integer('email_id')
      .notNull()
      .references(() => emails.id, { onDelete: 'cascade' }),
    /** Modseq of the last change seen through this mailbox (added here, keywords changed). */
    modseq: integer('modseq').notNull(),
    /**
     * A copy of the email's system flag bits (emails.flags), written with it: flag searches,
     * unseen lookups and a mailbox's UID list read this table's index alone, not every email row.
     */
    flags: integer('flags').notNull().default(0),
    /**
     * A copy of the email's receivedAt (emails.received_at, which never changes), written when the
     * email is placed: JMAP Email/query {inMailbox, sort receivedAt} reads one index range of
     * this table instead of sorting a join of the whole mailbox.
     */
    receivedAt: integer('received_at').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.mailboxId, t.uid] }),
    index('mailbox_messages_email_idx').on(t.emailId, t.mailboxId),
    index('mailbox_messages_modseq_idx').on(t.mailboxId, t.modseq),
    index('mailbox_messages_view_idx').on(t.mailboxId, t.uid, t.emailId, t.flags),
    // Unseen drafts (flags $seen = 1, $draft = 8): JMAP unreadEmails leaves them out (rfc8621#section-2).
    index('mailbox_messages_unseen_draft_idx').on(t.mailboxId).where(sql`flags & 9 = 8`),
    index('mailbox_messages_received_idx').on(t.mailboxId, t.receivedAt, t.emailId),
    // IMAP SEARCH FLAGGED and UNSEEN (and searches that AND them with more) read only the
    // messages concerned, not the whole mailbox's index; search/compile.ts writes those terms
    // exactly so, since SQLite uses a partial index only for the very expression.
    index('mailbox_messages_flagged_idx').on(t.mailboxId, t.uid).where(sql`flags & 2 != 0`),
    index('mailbox_messages_unseen_idx').on(t.mailboxId, t.uid).where(sql`flags & 1 = 0`),
  ],
)

/** Message-IDs seen in an account, with their thread: how replies find their thread. */
export const threadRefs = sqliteTable(
  'thread_refs',
  {
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    messageId: text('message_id').notNull(),
    threadId: integer('thread_id').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.messageId] }),
    index('thread_refs_thread_idx').on(t.accountId, t.threadId),
  ],
)

/** The change log: one row per object changed at a modseq (JMAP /changes, IMAP CONDSTORE). */
export const changes = sqliteTable(
  'changes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    modseq: integer('modseq').notNull(),
    /** The JMAP type of the object (store/change-set.ts ChangeKind). */
    kind: text('kind', {
      enum: ['mailbox', 'email', 'thread', 'identity', 'emailSubmission', 'emailDelivery'],
    }).notNull(),
    objectId: integer('object_id').notNull(),
    /** 'created' | 'updated' | 'destroyed', or 'counts' for a mailbox whose counters alone changed */
    op: text('op', { enum: ['created', 'updated', 'destroyed', 'counts'] }).notNull(),
  },
  (t) => [index('changes_account_modseq_idx').on(t.accountId, t.kind, t.modseq)],
)

/** Expunged UIDs per mailbox, for QRESYNC VANISHED (rfc7162#section-3.2.10). */
export const vanished = sqliteTable(
  'vanished',
  {
    mailboxId: integer('mailbox_id')
      .notNull()
      .references(() => mailboxes.id, { onDelete: 'cascade' }),
    uid: integer('uid').notNull(),
    modseq: integer('modseq').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.mailboxId, t.uid] }),
    index('vanished_modseq_idx').on(t.mailboxId, t.modseq),
  ],
)
