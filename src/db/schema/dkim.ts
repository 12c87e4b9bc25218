// DKIM signing keys: each local domain has an RSA and an Ed25519 key (rfc6376, rfc8463) under
// dated selectors. A rotated-out key stays published until retireAt so mail signed with it in
// transit still verifies.
import { index, integer, sqliteTable, text, unique } from 'drizzle-orm/sqlite-core'
import { domains } from './domains.ts'

export const dkimKeys = sqliteTable(
  'dkim_keys',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    domainId: integer('domain_id')
      .notNull()
      .references(() => domains.id, { onDelete: 'cascade' }),
    selector: text('selector').notNull(),
    algorithm: text('algorithm', { enum: ['rsa-sha256', 'ed25519-sha256'] }).notNull(),
    /** PKCS#8 PEM. */
    privateKey: text('private_key').notNull(),
    /** The p= value: base64 of the SubjectPublicKeyInfo (RSA) or the raw 32-byte key (Ed25519). */
    publicKey: text('public_key').notNull(),
    createdAt: integer('created_at').notNull(),
    /** Set when a newer key replaced this one: no longer signs, still published until then. */
    retireAt: integer('retire_at'),
  },
  (t) => [
    unique('dkim_keys_selector_uq').on(t.domainId, t.selector),
    index('dkim_keys_domain_idx').on(t.domainId),
  ],
)
