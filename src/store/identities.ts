// Sending identities (rfc8621#section-6): the addresses an account sends as, with a display
// name, Reply-To/Bcc defaults and signatures. Writes run inside a store operation and log an
// 'identity' change, so JMAP Identity/changes and state strings follow them.
import { and, asc, eq } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { identities } from '../db/schema/index.ts'
import { StoreError } from '../lib/errors.ts'
import type { ChangeSet } from './change-set.ts'

/** An address with an optional display name, as JMAP's EmailAddress. */
export interface IdentityAddress {
  name: string | null
  email: string
}

export interface IdentityRow {
  id: number
  name: string
  email: string
  replyTo: IdentityAddress[] | null
  bcc: IdentityAddress[] | null
  textSignature: string
  htmlSignature: string
}

export type IdentityValues = Omit<IdentityRow, 'id'>

type Stored = typeof identities.$inferSelect

function fromStored(r: Stored): IdentityRow {
  return {
    id: r.id,
    name: r.name,
    email: r.email,
    replyTo: r.replyTo === null ? null : (JSON.parse(r.replyTo) as IdentityAddress[]),
    bcc: r.bcc === null ? null : (JSON.parse(r.bcc) as IdentityAddress[]),
    textSignature: r.textSignature,
    htmlSignature: r.htmlSignature,
  }
}

function toStored(v: Partial<IdentityValues>) {
  return {
    ...(v.name !== undefined ? { name: v.name } : {}),
    ...(v.email !== undefined ? { email: v.email } : {}),
    ...(v.replyTo !== undefined ? { replyTo: v.replyTo === null ? null : JSON.stringify(v.replyTo) } : {}),
    ...(v.bcc !== undefined ? { bcc: v.bcc === null ? null : JSON.stringify(v.bcc) } : {}),
    ...(v.textSignature !== undefined ? { textSignature: v.textSignature } : {}),
    ...(v.htmlSignature !== undefined ? { htmlSignature: v.htmlSignature } : {}),
  }
}

export function createIdentities(db: Db) {
  const one = (accountId: number, id: number): Stored | undefined =>
    db
      .select()
      .from(identities)
      .where(and(eq(identities.accountId, accountId), eq(identities.id, id)))
      .get()

  return {
    /** Every identity of the account, oldest first (the first is the default one). */
    list(accountId: number): IdentityRow[] {
      return db
        .select()
        .from(identities)
        .where(eq(identities.accountId, accountId))
        .orderBy(asc(identities.id))
        .all()
        .map(fromStored)
    },

    get(accountId: number, id: number): IdentityRow | undefined {
      const row = one(accountId, id)
      return row ? fromStored(row) : undefined
    },

    create(changes: ChangeSet, values: IdentityValues): IdentityRow {
      const row = db
        .insert(identities)
        .values({ accountId: changes.accountId, ...toStored(values), email: values.email })
        .returning()
        .get()
      changes.record('identity', row.id, 'created')
      return fromStored(row)
    },

    /** Creates the account's default identity unless it already has one (both in one job, so never twice). */
    ensureDefault(changes: ChangeSet, values: IdentityValues): void {
      const any = db
        .select({ id: identities.id })
        .from(identities)
        .where(eq(identities.accountId, changes.accountId))
        .limit(1)
        .get()
      if (!any) this.create(changes, values)
    },

    update(changes: ChangeSet, id: number, values: Partial<IdentityValues>): IdentityRow {
      if (!one(changes.accountId, id)) throw new StoreError('notFound', 'no such identity')
      const set = toStored(values)
      const row =
        Object.keys(set).length === 0
          ? one(changes.accountId, id)
          : db.update(identities).set(set).where(eq(identities.id, id)).returning().get()
      if (!row) throw new StoreError('notFound', 'no such identity')
      changes.record('identity', id, 'updated')
      return fromStored(row)
    },

    destroy(changes: ChangeSet, id: number): void {
      const gone = db
        .delete(identities)
        .where(and(eq(identities.accountId, changes.accountId), eq(identities.id, id)))
        .returning({ id: identities.id })
        .get()
      if (!gone) throw new StoreError('notFound', 'no such identity')
      changes.record('identity', id, 'destroyed')
    },
  }
}

export type Identities = ReturnType<typeof createIdentities>
