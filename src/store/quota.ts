// Quotas per account: storage bytes and message count, checked on every append and copy that
// creates an email; usage is kept current in the same transaction as the change.
import { StoreError } from '../lib/errors.ts'
import type { Statements } from './statements.ts'

export interface QuotaUsage {
  usedBytes: number
  usedMessages: number
  /** null = unlimited */
  limitBytes: number | null
  limitMessages: number | null
}

export function createQuota(statements: Statements) {
  const api = {
    usage(accountId: number): QuotaUsage {
      const row = statements.quotaUsage.get({ accountId })
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
      statements.quotaAdd.run({ accountId, bytes, messages })
    },
  }
  return api
}

export type Quota = ReturnType<typeof createQuota>
