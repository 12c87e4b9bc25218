// Quotas per account: storage bytes and message count, checked on every append and copy that
// creates an email; usage is kept current in the same transaction as the change.
import { eq, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { accounts, mailAccounts } from '../db/schema/index.ts'
import { StoreError } from '../lib/errors.ts'

export interface QuotaUsage {
  usedBytes: number
  usedMessages: number
  /** null = unlimited */
  limitBytes: number | null
  limitMessages: number | null
}

export function createQuota(db: Db) {
  const api = {
    usage(accountId: number): QuotaUsage {
      const row = db
        .select({
          usedBytes: mailAccounts.usedBytes,
          usedMessages: mailAccounts.usedMessages,
          limitBytes: accounts.quotaBytes,
          limitMessages: accounts.quotaMessages,
        })
        .from(accounts)
        .leftJoin(mailAccounts, eq(mailAccounts.accountId, accounts.id))
        .where(eq(accounts.id, accountId))
        .get()
      if (!row) throw new StoreError('notFound', 'no such account')
      return {
        usedBytes: row.usedBytes ?? 0,
        usedMessages: row.usedMessages ?? 0,
        limitBytes: row.limitBytes,
        limitMessages: row.limitMessages,
      }
    },

    /** Throws overQuota if adding `bytes` in `messages` new emails would pass a limit. */
    check(accountId: number, bytes: number, messages: number): void {
      const u = api.usage(accountId)
      if (u.limitBytes !== null && u.usedBytes + bytes > u.limitBytes) {
        throw new StoreError(
          'overQuota',
          `over quota: ${u.usedBytes + bytes} bytes of ${u.limitBytes} allowed`,
        )
      }
      if (u.limitMessages !== null && u.usedMessages + messages > u.limitMessages) {
        throw new StoreError(
          'overQuota',
          `over quota: ${u.usedMessages + messages} messages of ${u.limitMessages} allowed`,
        )
      }
    },

    add(accountId: number, bytes: number, messages: number): void {
      db.update(mailAccounts)
        .set({
          usedBytes: sql`${mailAccounts.usedBytes} + ${bytes}`,
          usedMessages: sql`${mailAccounts.usedMessages} + ${messages}`,
        })
        .where(eq(mailAccounts.accountId, accountId))
        .run()
    },
  }
  return api
}

export type Quota = ReturnType<typeof createQuota>
