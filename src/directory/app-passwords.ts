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

/** Never the output of a hasher: an app password row being created cannot be used yet. */
const unusableHash = '!'

/** The row id an app password starts with ("ap-<id base 36>-…"), if it has one. */
export function appPasswordRowId(password: string): number | undefined {
  const m = /^ap-([0-9a-z]{1,10})-[A-Za-z0-9]{24}$/.exec(password)
  return m?.[1] ? Number.parseInt(m[1], 36) : undefined
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
    /**
     * Creates an app password and returns it; it is shown once and only its hash is kept. It
     * starts with its row id ("ap-<id>-<secret>"), so it can also be used alone, as a bearer
     * token (JMAP): the id finds the one hash to check.
     */
    async add(email: string, name: string): Promise<string> {
      if (!/^[\w .@-]{1,64}$/.test(name))
        throw new StoreError('invalidParams', 'name must be 1-64 letters, digits, spaces or . _ @ -')
      const id = accountId(email)
      // The row first (its id is part of the password), holding a hash that matches nothing
      // until the real one is written.
      const row = db
        .insert(appPasswords)
        .values({ accountId: id, name, passwordHash: unusableHash, createdAt: clock.now() })
        .onConflictDoNothing()
        .returning({ id: appPasswords.id })
        .get()
      if (!row) throw new StoreError('exists', `app password "${name}" already exists for ${email}`)
      try {
        const password = `ap-${row.id.toString(36)}-${randomPassword()}`
        const hash = await hasher.hash(password)
        db.update(appPasswords).set({ passwordHash: hash }).where(eq(appPasswords.id, row.id)).run()
        return password
      } catch (err) {
        db.delete(appPasswords).where(eq(appPasswords.id, row.id)).run()
        throw err
      }
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
