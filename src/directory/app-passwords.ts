// App passwords: per-device passwords an account holder can revoke one by one.
import { and, asc, eq } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { accounts, appPasswords } from '../db/schema/index.ts'
import type { Clock } from '../lib/clock.ts'
import { StoreError } from '../lib/errors.ts'
import { randomPassword } from '../lib/ids.ts'
import type { PasswordHasher } from './passwords.ts'

export interface AppPasswordInfo {
  name: string
  createdAt: number
  lastUsedAt: number | null
}

export function createAppPasswords(db: Db, hasher: PasswordHasher, clock: Clock) {
  const accountId = (email: string) => {
    const row = db
      .select({ id: accounts.id })
      .from(accounts)
      .where(eq(accounts.email, email.trim().toLowerCase()))
      .get()
    if (!row) throw new StoreError('notFound', `account ${email} does not exist`)
    return row.id
  }
  return {
    /** Creates an app password and returns it; it is shown once and only its hash is kept. */
    async add(email: string, name: string): Promise<string> {
      if (!/^[\w .@-]{1,64}$/.test(name))
        throw new StoreError('invalidParams', 'name must be 1-64 letters, digits, spaces or . _ @ -')
      const id = accountId(email)
      const password = randomPassword()
      const hash = await hasher.hash(password)
      const row = db
        .insert(appPasswords)
        .values({ accountId: id, name, passwordHash: hash, createdAt: clock.now() })
        .onConflictDoNothing()
        .returning({ id: appPasswords.id })
        .get()
      if (!row) throw new StoreError('exists', `app password "${name}" already exists for ${email}`)
      return password
    },

    list(email: string): AppPasswordInfo[] {
      return db
        .select({
          name: appPasswords.name,
          createdAt: appPasswords.createdAt,
          lastUsedAt: appPasswords.lastUsedAt,
        })
        .from(appPasswords)
        .where(eq(appPasswords.accountId, accountId(email)))
        .orderBy(asc(appPasswords.name))
        .all()
    },

    remove(email: string, name: string): void {
      const removed = db
        .delete(appPasswords)
        .where(and(eq(appPasswords.accountId, accountId(email)), eq(appPasswords.name, name)))
        .returning({ id: appPasswords.id })
        .all()
      if (removed.length === 0)
        throw new StoreError('notFound', `app password "${name}" does not exist for ${email}`)
    },
  }
}

export type AppPasswords = ReturnType<typeof createAppPasswords>
