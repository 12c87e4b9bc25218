// JMAP push subscriptions (rfc8620#section-7.2): the URLs an account's devices asked the server
// to POST StateChange objects to, with their verification state and expiry.
import { and, eq, lte } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { pushSubscriptions } from '../db/schema/index.ts'

export interface PushKeys {
  p256dh: string
  auth: string
}

export interface StoredPushSubscription {
  id: number
  accountId: number
  deviceClientId: string
  url: string
  keys: PushKeys | null
  verificationCode: string
  isVerified: boolean
  /** UTC milliseconds. */
  expiresAt: number
  /** Type names, or null for every type. */
  types: string[] | null
  /** The credential that created it (directory AuthenticatedAccount.credential), '' if unknown. */
  credential: string
}

export interface NewPushSubscription {
  deviceClientId: string
  url: string
  keys: PushKeys | null
  verificationCode: string
  expiresAt: number
  types: string[] | null
  credential: string
}

/** What PushSubscription/set may change (rfc8620#section-7.2.2: url and keys are immutable). */
export interface PushSubscriptionChanges {
  isVerified?: boolean
  expiresAt?: number
  types?: string[] | null
}

type Row = typeof pushSubscriptions.$inferSelect

function fromRow(row: Row): StoredPushSubscription {
  return {
    id: row.id,
    accountId: row.accountId,
    deviceClientId: row.deviceClientId,
    url: row.url,
    keys:
      row.keysP256dh !== null && row.keysAuth !== null
        ? { p256dh: row.keysP256dh, auth: row.keysAuth }
        : null,
    verificationCode: row.verificationCode,
    isVerified: row.isVerified,
    expiresAt: row.expiresAt,
    types: row.types === null ? null : (JSON.parse(row.types) as string[]),
    credential: row.credential,
  }
}

export function createPushSubscriptions(db: Db) {
  return {
    /** The account's subscriptions, oldest first. */
    list(accountId: number): StoredPushSubscription[] {
      return db
        .select()
        .from(pushSubscriptions)
        .where(eq(pushSubscriptions.accountId, accountId))
        .orderBy(pushSubscriptions.id)
        .all()
        .map(fromRow)
    },

    get(id: number): StoredPushSubscription | undefined {
      const row = db.select().from(pushSubscriptions).where(eq(pushSubscriptions.id, id)).get()
      return row ? fromRow(row) : undefined
    },

    /** Every verified subscription of every account: the ones to push to after a restart. */
    /** Every subscription of every account (the revoked-credential sweep). */
    listAll(): StoredPushSubscription[] {
      return db.select().from(pushSubscriptions).all().map(fromRow)
    },

    listVerified(): StoredPushSubscription[] {
      return db
        .select()
        .from(pushSubscriptions)
        .where(eq(pushSubscriptions.isVerified, true))
        .all()
        .map(fromRow)
    },

    /** Inside a write job. */
    create(accountId: number, values: NewPushSubscription, now: number): StoredPushSubscription {
      const row = db
        .insert(pushSubscriptions)
        .values({
          accountId,
          deviceClientId: values.deviceClientId,
          url: values.url,
          keysP256dh: values.keys?.p256dh ?? null,
          keysAuth: values.keys?.auth ?? null,
          verificationCode: values.verificationCode,
          expiresAt: values.expiresAt,
          types: values.types === null ? null : JSON.stringify(values.types),
          createdAt: now,
          credential: values.credential,
        })
        .returning()
        .get()
      return fromRow(row)
    },

    /** Inside a write job; false when the subscription is not the account's. */
    update(accountId: number, id: number, changes: PushSubscriptionChanges): boolean {
      const set: Partial<Row> = {}
      if (changes.isVerified !== undefined) set.isVerified = changes.isVerified
      if (changes.expiresAt !== undefined) set.expiresAt = changes.expiresAt
      if (changes.types !== undefined)
        set.types = changes.types === null ? null : JSON.stringify(changes.types)
      if (Object.keys(set).length === 0) return this.get(id)?.accountId === accountId
      const done = db
        .update(pushSubscriptions)
        .set(set)
        .where(and(eq(pushSubscriptions.id, id), eq(pushSubscriptions.accountId, accountId)))
        .returning({ id: pushSubscriptions.id })
        .all()
      return done.length > 0
    },

    /** Inside a write job; false when the subscription is not the account's. */
    destroy(accountId: number, id: number): boolean {
      const done = db
        .delete(pushSubscriptions)
        .where(and(eq(pushSubscriptions.id, id), eq(pushSubscriptions.accountId, accountId)))
        .returning({ id: pushSubscriptions.id })
        .all()
      return done.length > 0
    },

    /** Removes every subscription expired at `now`; inside a write job. Returns their ids. */
    removeExpired(now: number): number[] {
      return db
        .delete(pushSubscriptions)
        .where(lte(pushSubscriptions.expiresAt, now))
        .returning({ id: pushSubscriptions.id })
        .all()
        .map((r) => r.id)
    },
  }
}
