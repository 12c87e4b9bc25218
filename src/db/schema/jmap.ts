// What JMAP keeps beyond the mail store: uploaded blobs waiting to be used, sending identities,
// email submissions, and the vacation response with the senders it already answered.
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'
import { blobs } from './emails.ts'
import { queuedMessages } from './queue.ts'

/**
 * A blob uploaded by an account (rfc8620#section-6.1): it holds a reference on the stored bytes
 * until it expires, so an email made from it later finds the bytes still there.
 */
export const jmapUploads = sqliteTable(
  'jmap_uploads',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    blobId: integer('blob_id')
      .notNull()
      .references(() => blobs.id),
    type: text('type').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [
    index('jmap_uploads_account_blob_idx').on(t.accountId, t.blobId),
    index('jmap_uploads_expires_idx').on(t.expiresAt),
  ],
)

/** rfc8621#section-6: an address the account may send as, with its signatures. */
export const identities = sqliteTable(
  'identities',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    name: text('name').notNull().default(''),
    email: text('email').notNull(),
    /** JSON EmailAddress[] or null. */
    replyTo: text('reply_to'),
    bcc: text('bcc'),
    textSignature: text('text_signature').notNull().default(''),
    htmlSignature: text('html_signature').notNull().default(''),
  },
  (t) => [index('identities_account_idx').on(t.accountId)],
)

/** rfc8621#section-7: an email handed to the outbound queue, and how its delivery went. */
export const emailSubmissions = sqliteTable(
  'email_submissions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    identityId: integer('identity_id').notNull(),
    emailId: integer('email_id').notNull(),
    threadId: integer('thread_id').notNull(),
    /** JSON Envelope (mailFrom, rcptTo with parameters). */
    envelope: text('envelope').notNull(),
    sendAt: integer('send_at').notNull(),
    undoStatus: text('undo_status', { enum: ['pending', 'final', 'canceled'] }).notNull(),
    /** The queue entry carrying it (null once the queue forgot it, or for local-only recipients). */
    queueId: integer('queue_id').references(() => queuedMessages.id, { onDelete: 'set null' }),
    /** JSON map of recipient → DeliveryStatus, as last known. */
    deliveryStatus: text('delivery_status').notNull().default('{}'),
  },
  (t) => [
    index('email_submissions_account_idx').on(t.accountId, t.sendAt),
    index('email_submissions_queue_idx').on(t.queueId),
  ],
)

/** rfc8621#section-8: the account's one VacationResponse. */
export const vacationResponses = sqliteTable('vacation_responses', {
  accountId: integer('account_id')
    .primaryKey()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  isEnabled: integer('is_enabled', { mode: 'boolean' }).notNull().default(false),
  fromDate: integer('from_date'),
  toDate: integer('to_date'),
  subject: text('subject'),
  textBody: text('text_body'),
  htmlBody: text('html_body'),
})

/** Senders already sent a vacation reply, so each gets at most one per period (rfc3834#section-2). */
export const vacationReplies = sqliteTable(
  'vacation_replies',
  {
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    sender: text('sender').notNull(),
    repliedAt: integer('replied_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.sender] }), index('vacation_replies_at_idx').on(t.repliedAt)],
)

/**
 * rfc8620#section-7.2: a URL the server POSTs StateChange objects to for the account (principal),
 * once the client proved it receives there by echoing the verification code.
 */
export const pushSubscriptions = sqliteTable(
  'push_subscriptions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    deviceClientId: text('device_client_id').notNull(),
    url: text('url').notNull(),
    /** rfc8291 keys, base64url; both null when the client gave none. */
    keysP256dh: text('keys_p256dh'),
    keysAuth: text('keys_auth'),
    /** The code sent in the PushVerification; the client must set it before pushes start. */
    verificationCode: text('verification_code').notNull(),
    isVerified: integer('is_verified', { mode: 'boolean' }).notNull().default(false),
    /** UTC milliseconds; the server always sets one. */
    expiresAt: integer('expires_at').notNull(),
    /** JSON string[] of type names, or null for every type. */
    types: text('types'),
    createdAt: integer('created_at').notNull(),
    /**
     * The credential that created it (directory AuthenticatedAccount.credential): rfc8620#section-7.2
     * ties a subscription to it, so it is destroyed once that is revoked or changed.
     */
    credential: text('credential').notNull().default(''),
  },
  (t) => [
    index('push_subscriptions_account_idx').on(t.accountId),
    index('push_subscriptions_expires_idx').on(t.expiresAt),
  ],
)
