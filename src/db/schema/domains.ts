// Domains this server receives mail for.
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export const domains = sqliteTable('domains', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** Lower-case ASCII (A-labels for IDNs). */
  name: text('name').notNull().unique(),
  createdAt: integer('created_at').notNull(),
})
