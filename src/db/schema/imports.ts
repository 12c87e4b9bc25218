// Progress of imports (mbox, Maildir), so an interrupted import resumes where it stopped.
import { integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'

export const imports = sqliteTable(
  'imports',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    /** Absolute path of the source, with the target mailbox for mbox imports. */
    source: text('source').notNull(),
    kind: text('kind', { enum: ['mbox', 'maildir'] }).notNull(),
    /** mbox: byte offset of the next message; Maildir: messages done in name order. */
    position: integer('position').notNull().default(0),
    imported: integer('imported').notNull().default(0),
    skipped: integer('skipped').notNull().default(0),
    isComplete: integer('is_complete', { mode: 'boolean' }).notNull().default(false),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('imports_account_source_unique').on(t.accountId, t.source, t.kind)],
)
