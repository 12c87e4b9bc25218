// The outbound queue: messages accepted for remote recipients, kept durably until delivered
// (delivery itself is the queue's own module).
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'
import { blobs } from './emails.ts'

export const queuedMessages = sqliteTable(
  'queued_messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The submitting account, or null for mail relayed by the server itself (forwards, bounces). */
    accountId: integer('account_id').references(() => accounts.id, { onDelete: 'set null' }),
    blobId: integer('blob_id')
      .notNull()
      .references(() => blobs.id),
    /** Envelope sender ('' for the null sender <>). */
    mailFrom: text('mail_from').notNull(),
    size: integer('size').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('queued_messages_created_idx').on(t.createdAt)],
)

export const queuedRecipients = sqliteTable(
  'queued_recipients',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    messageId: integer('message_id')
      .notNull()
      .references(() => queuedMessages.id, { onDelete: 'cascade' }),
    address: text('address').notNull(),
    /** 'queued' | 'delivered' | 'failed' */
    status: text('status', { enum: ['queued', 'delivered', 'failed'] })
      .notNull()
      .default('queued'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastError: text('last_error'),
  },
  (t) => [
    index('queued_recipients_next_idx').on(t.status, t.nextAttemptAt),
    index('queued_recipients_message_idx').on(t.messageId),
  ],
)
