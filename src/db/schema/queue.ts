// The outbound queue: messages accepted for remote recipients, kept durably until delivered,
// bounced or expired; plus what delivery learns about destinations (MTA-STS policies, TLS-RPT
// results).
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'
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
    /** After this, recipients not yet delivered fail and the sender gets a DSN. */
    expiresAt: integer('expires_at').notNull().default(0),
    /** DKIM-Signature fields (CRLF-ended) made on the first attempt, reused on retries. */
    dkimSignature: text('dkim_signature'),
    /** When the "still trying" notice went to the sender (once per message). */
    delayNotifiedAt: integer('delay_notified_at'),
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
    /** queued: not tried yet; deferred: a temporary failure, tried again at nextAttemptAt. */
    status: text('status', { enum: ['queued', 'deferred', 'delivered', 'failed'] })
      .notNull()
      .default('queued'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastError: text('last_error'),
    lastAttemptAt: integer('last_attempt_at'),
    /** The host that gave the last answer (DSN Remote-MTA). */
    remoteMta: text('remote_mta'),
    /** RFC 3463 status code of the last outcome, e.g. 5.1.1. */
    statusCode: text('status_code'),
  },
  (t) => [
    index('queued_recipients_next_idx').on(t.status, t.nextAttemptAt),
    index('queued_recipients_message_idx').on(t.messageId),
  ],
)

/** rfc8461: the last MTA-STS policy fetched for a destination domain, applied until it expires. */
export const mtaStsPolicies = sqliteTable('mta_sts_policies', {
  domain: text('domain').primaryKey(),
  policyId: text('policy_id').notNull(),
  mode: text('mode', { enum: ['enforce', 'testing', 'none'] }).notNull(),
  /** JSON array of MX patterns (`mail.example.org`, `*.example.org`). */
  mx: text('mx').notNull(),
  maxAge: integer('max_age').notNull(),
  fetchedAt: integer('fetched_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
})

/** rfc8460: counts of TLS outcomes per day, destination and result, for reports. */
export const tlsReportResults = sqliteTable(
  'tls_report_results',
  {
    /** UTC day, YYYY-MM-DD. */
    day: text('day').notNull(),
    domain: text('domain').notNull(),
    /** sts | no-policy-found */
    policyType: text('policy_type').notNull(),
    mxHost: text('mx_host').notNull(),
    /** `success`, or an RFC 8460 result-type (starttls-not-supported, certificate-host-mismatch …). */
    resultType: text('result_type').notNull(),
    count: integer('count').notNull().default(0),
    /** The last failure's detail, for the report's failure-reason-code. */
    detail: text('detail'),
  },
  (t) => [primaryKey({ columns: [t.day, t.domain, t.policyType, t.mxHost, t.resultType] })],
)
