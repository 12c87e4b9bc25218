// Accounts: create, list, change password/quota, remove, authenticate (password or app password).
import { createHash } from 'node:crypto'
import { and, asc, eq } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { accounts, addresses, appPasswords, domains } from '../db/schema/index.ts'
import type { Clock } from '../lib/clock.ts'
import { StoreError } from '../lib/errors.ts'
import { randomPassword } from '../lib/ids.ts'
import { formatAddress, parseAddress } from './address.ts'
import { appPasswordRowId } from './app-passwords.ts'
import { maxPasswordLength, minPasswordLength, type PasswordHasher } from './passwords.ts'

export interface AccountInfo {
  id: number
  email: string
  displayName: string
  /** Bytes; null = unlimited. */
  quotaBytes: number | null
  quotaMessages: number | null
  isDisabled: boolean
  createdAt: number
  updatedAt: number
}

export interface NewAccount {
  email: string
  password: string
  displayName?: string
  quotaBytes?: number | null
  quotaMessages?: number | null
}

export interface AccountChanges {
  displayName?: string
  quotaBytes?: number | null
  quotaMessages?: number | null
  isDisabled?: boolean
}

export interface AuthenticatedAccount {
  id: number
  email: string
  /** Name of the app password used, if it was one. */
  appPassword?: string
  /**
   * Which credential it was, as accounts.isCredentialCurrent checks it later: "app:<row id>" or
   * "pw:<digest of the password hash>" (a new password gets a new hash). What outlives a request
   * (a JMAP push subscription) is tied to it and ends when it is revoked.
   */
  credential: string
}

/** A short digest of a stored password hash: changes whenever the password does. */
function passwordCredential(hash: string): string {
  return `pw:${createHash('sha256').update(hash).digest('hex').slice(0, 24)}`
}

const columns = {
  id: accounts.id,
  email: accounts.email,
  displayName: accounts.displayName,
  quotaBytes: accounts.quotaBytes,
  quotaMessages: accounts.quotaMessages,
  isDisabled: accounts.isDisabled,
  createdAt: accounts.createdAt,
  updatedAt: accounts.updatedAt,
}

export function checkPassword(password: unknown): string {
  if (typeof password !== 'string' || password.length < minPasswordLength) {
    throw new StoreError('invalidParams', `password must be at least ${minPasswordLength} characters`)
  }
  if (password.length > maxPasswordLength) {
    throw new StoreError('invalidParams', `password must be at most ${maxPasswordLength} characters`)
  }
  return password
}

function checkQuota(value: number | null | undefined, what: string): number | null {
  if (value === undefined || value === null) return null
  if (!Number.isSafeInteger(value) || value < 0)
    throw new StoreError('invalidParams', `${what} must be a whole number ≥ 0`)
  return value === 0 ? null : value
}

export function createAccounts(db: Db, hasher: PasswordHasher, clock: Clock) {
  // A hash to verify against when the login is unknown, so timing does not tell which logins exist.
  let dummyHash: Promise<string> | undefined
  /** A failed check that takes as long as one failing on a real hash: no timing tells which part was wrong. */
  const failSlowly = async (secret: string): Promise<undefined> => {
    dummyHash ??= hasher.hash(randomPassword())
    await hasher.verify(secret.slice(0, maxPasswordLength), await dummyHash)
    return undefined
  }
  /** An app password that matched: marked used, and named as the credential. */
  const usedAppPassword = (
    account: { id: number; email: string },
    app: { id: number; name: string },
  ): AuthenticatedAccount => {
    db.update(appPasswords).set({ lastUsedAt: clock.now() }).where(eq(appPasswords.id, app.id)).run()
    return { id: account.id, email: account.email, appPassword: app.name, credential: `app:${app.id}` }
  }
  const findByEmail = (email: string) =>
    db.select(columns).from(accounts).where(eq(accounts.email, email)).get()

  return {
    async add(input: NewAccount): Promise<AccountInfo> {
      const address = parseAddress(input.email)
      const email = formatAddress(address)
      const hash = await hasher.hash(checkPassword(input.password))
      const quotaBytes = checkQuota(input.quotaBytes, 'quota')
      const quotaMessages = checkQuota(input.quotaMessages, 'message quota')
      const now = clock.now()
      return db.transaction((tx) => {
        const domain = tx.select().from(domains).where(eq(domains.name, address.domain)).get()
        if (!domain)
          throw new StoreError('invalidParams', `domain ${address.domain} is not local; add the domain first`)
        const taken = tx
          .select({ kind: addresses.kind })
          .from(addresses)
          .where(and(eq(addresses.domainId, domain.id), eq(addresses.localPart, address.local)))
          .get()
        if (taken)
          throw new StoreError(
            'exists',
            `${email} is already in use (${taken.kind === 'alias' ? 'an alias' : 'an account'})`,
          )
        const row = tx
          .insert(accounts)
          .values({
            email,
            domainId: domain.id,
            displayName: input.displayName ?? '',
            passwordHash: hash,
            quotaBytes,
            quotaMessages,
            createdAt: now,
            updatedAt: now,
          })
          .returning(columns)
          .get()
        tx.insert(addresses)
          .values({
            localPart: address.local,
            domainId: domain.id,
            kind: 'primary',
            accountId: row.id,
            createdAt: now,
          })
          .run()
        return row
      })
    },

    list(domain?: string): AccountInfo[] {
      const query = db.select(columns).from(accounts)
      if (domain === undefined) return query.orderBy(asc(accounts.email)).all()
      return query
        .innerJoin(domains, eq(domains.id, accounts.domainId))
        .where(eq(domains.name, domain.toLowerCase()))
        .orderBy(asc(accounts.email))
        .all()
    },

    get(email: string): AccountInfo {
      const row = findByEmail(email.trim().toLowerCase())
      if (!row) throw new StoreError('notFound', `account ${email} does not exist`)
      return row
    },

    /** The account with this id, or undefined (for sessions that hold an id). */
    byId(id: number): AccountInfo | undefined {
      return db.select(columns).from(accounts).where(eq(accounts.id, id)).get()
    },

    async setPassword(email: string, password: string): Promise<void> {
      const hash = await hasher.hash(checkPassword(password))
      const changed = db
        .update(accounts)
        .set({ passwordHash: hash, updatedAt: clock.now() })
        .where(eq(accounts.email, email.trim().toLowerCase()))
        .returning({ id: accounts.id })
        .all()
      if (changed.length === 0) throw new StoreError('notFound', `account ${email} does not exist`)
    },

    update(email: string, changes: AccountChanges): AccountInfo {
      const set: Partial<typeof accounts.$inferInsert> = { updatedAt: clock.now() }
      if (changes.displayName !== undefined) set.displayName = changes.displayName
      if (changes.quotaBytes !== undefined) set.quotaBytes = checkQuota(changes.quotaBytes, 'quota')
      if (changes.quotaMessages !== undefined)
        set.quotaMessages = checkQuota(changes.quotaMessages, 'message quota')
      if (changes.isDisabled !== undefined) set.isDisabled = changes.isDisabled
      const row = db
        .update(accounts)
        .set(set)
        .where(eq(accounts.email, email.trim().toLowerCase()))
        .returning(columns)
        .get()
      if (!row) throw new StoreError('notFound', `account ${email} does not exist`)
      return row
    },

    /** Removes the account with its addresses and app passwords. Aliases pointing at it stay (they may point elsewhere too). */
    remove(email: string): void {
      const removed = db
        .delete(accounts)
        .where(eq(accounts.email, email.trim().toLowerCase()))
        .returning({ id: accounts.id })
        .all()
      if (removed.length === 0) throw new StoreError('notFound', `account ${email} does not exist`)
    },

    /**
     * Whether a credential from AuthenticatedAccount.credential still works for the account: its
     * app password still exists, or the account's password is still the same; and the account
     * is not disabled.
     */
    isCredentialCurrent(accountId: number, credential: string): boolean {
      const account = db
        .select({ hash: accounts.passwordHash, isDisabled: accounts.isDisabled })
        .from(accounts)
        .where(eq(accounts.id, accountId))
        .get()
      if (!account || account.isDisabled) return false
      if (credential.startsWith('pw:')) return passwordCredential(account.hash) === credential
      const appId = /^app:(\d+)$/.exec(credential)?.[1]
      if (!appId) return false
      return (
        db
          .select({ id: appPasswords.id })
          .from(appPasswords)
          .where(and(eq(appPasswords.id, Number(appId)), eq(appPasswords.accountId, accountId)))
          .get() !== undefined
      )
    },

    /**
     * Checks a bearer token: an app password used alone (its row id says whose it is). Returns
     * undefined for any failure, taking as long as a check that fails on the hash.
     */
    async authenticateToken(token: string): Promise<AuthenticatedAccount | undefined> {
      const rowId = appPasswordRowId(token)
      const row =
        rowId === undefined
          ? undefined
          : db
              .select({
                appId: appPasswords.id,
                name: appPasswords.name,
                hash: appPasswords.passwordHash,
                id: accounts.id,
                email: accounts.email,
                isDisabled: accounts.isDisabled,
              })
              .from(appPasswords)
              .innerJoin(accounts, eq(accounts.id, appPasswords.accountId))
              .where(eq(appPasswords.id, rowId))
              .get()
      if (!row) return failSlowly(token)
      if (!(await hasher.verify(token, row.hash)) || row.isDisabled) return undefined
      return usedAppPassword(row, { id: row.appId, name: row.name })
    },

    /**
     * Checks a login and password (the account password or one of its app passwords).
     * Returns undefined for any failure, without saying which part was wrong.
     */
    async authenticate(login: string, password: string): Promise<AuthenticatedAccount | undefined> {
      const row = db
        .select({
          id: accounts.id,
          email: accounts.email,
          hash: accounts.passwordHash,
          isDisabled: accounts.isDisabled,
        })
        .from(accounts)
        .where(eq(accounts.email, login.trim().toLowerCase()))
        .get()
      if (!row || password.length > maxPasswordLength) return failSlowly(password)
      if (await hasher.verify(password, row.hash))
        return row.isDisabled
          ? undefined
          : { id: row.id, email: row.email, credential: passwordCredential(row.hash) }
      // An app password names its row ("ap-<id>-…"): only that hash is checked. Older ones,
      // without an id, are tried against each of the account's app passwords.
      const rowId = appPasswordRowId(password)
      const apps = db
        .select({ id: appPasswords.id, name: appPasswords.name, hash: appPasswords.passwordHash })
        .from(appPasswords)
        .where(
          rowId === undefined
            ? eq(appPasswords.accountId, row.id)
            : and(eq(appPasswords.accountId, row.id), eq(appPasswords.id, rowId)),
        )
        .all()
      for (const app of apps) {
        if (await hasher.verify(password, app.hash))
          return row.isDisabled ? undefined : usedAppPassword(row, app)
      }
      return undefined
    },
  }
}

export type Accounts = ReturnType<typeof createAccounts>
