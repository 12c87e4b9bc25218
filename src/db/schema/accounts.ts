// Accounts (one principal each), the addresses that reach them (primary, aliases,
// catch-all) and their app passwords.
import { sql } from 'drizzle-orm'
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { domains } from './domains.ts'

export const accounts = sqliteTable(
  'accounts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The primary address, lower-case; the login name. */
    email: text('email').notNull().unique(),
    domainId: integer('domain_id')
      .notNull()
      .references(() => domains.id, { onDelete: 'restrict' }),
    displayName: text('display_name').notNull().default(''),
    passwordHash: text('password_hash').notNull(),
    /** Storage quota in bytes; null = unlimited. */
    quotaBytes: integer('quota_bytes'),
    /** Message-count quota; null = unlimited. */
    quotaMessages: integer('quota_messages'),
    isDisabled: integer('is_disabled', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('accounts_domain_id_idx').on(t.domainId)],
)

export const addresses = sqliteTable(
  'addresses',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Lower-case local part; '' for a catch-all (`@domain`). */
    localPart: text('local_part').notNull(),
    domainId: integer('domain_id')
      .notNull()
      .references(() => domains.id, { onDelete: 'restrict' }),
    kind: text('kind', { enum: ['primary', 'alias'] }).notNull(),
    /** Set for primary addresses. */
    accountId: integer('account_id').references(() => accounts.id, { onDelete: 'cascade' }),
    /** Set for aliases: the address mail is passed on to (local or remote). */
    target: text('target'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    index('addresses_lookup_idx').on(t.domainId, t.localPart),
    index('addresses_account_id_idx').on(t.accountId),
    uniqueIndex('addresses_primary_unique').on(t.domainId, t.localPart).where(sql`kind = 'primary'`),
    uniqueIndex('addresses_alias_unique').on(t.domainId, t.localPart, t.target).where(sql`kind = 'alias'`),
  ],
)

export const appPasswords = sqliteTable(
  'app_passwords',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at'),
  },
  (t) => [uniqueIndex('app_passwords_account_name_unique').on(t.accountId, t.name)],
)
