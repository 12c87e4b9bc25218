// Runtime settings kept in the database (editable from the admin) and the audit log of admin actions.
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  /** JSON text. */
  value: text('value').notNull(),
  updatedAt: integer('updated_at').notNull(),
})

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    /** Who did it: `admin` (API), `cli`, `system`. */
    actor: text('actor').notNull(),
    /** What was done, e.g. `account.create`. */
    action: text('action').notNull(),
    /** The thing acted on, e.g. the account email. */
    target: text('target').notNull(),
    /** JSON with details; never secrets. */
    detail: text('detail'),
    remoteAddress: text('remote_address'),
  },
  (t) => [index('audit_log_at_idx').on(t.at)],
)
