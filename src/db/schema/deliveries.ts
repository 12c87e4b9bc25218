// Local deliveries remembered for a while, so a sender that retries after a lost 250 does not
// get the same message stored twice in the same mailbox.
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'

export const recentDeliveries = sqliteTable(
  'recent_deliveries',
  {
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    /** SHA-256 of Message-ID, envelope sender and mailbox: what makes a delivery "the same". */
    key: text('key').notNull(),
    emailId: integer('email_id').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.key] }), index('recent_deliveries_at_idx').on(t.at)],
)
