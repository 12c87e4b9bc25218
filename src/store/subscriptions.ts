// Subscriptions that outlive their mailbox (rfc9051#section-6.3.7): a subscribed mailbox that is
// deleted leaves its name here; a mailbox that comes back under the name takes the subscription.
import type { Db } from '../db/client.ts'

export function createOrphanSubscriptions(db: Db) {
  const sqlite = db.$client
  return {
    /** Keeps the name of a subscribed mailbox being deleted. Inside a write job. */
    keep(accountId: number, path: string): void {
      sqlite
        .query('INSERT OR IGNORE INTO orphan_subscriptions (account_id, path) VALUES (?, ?)')
        .run(accountId, path)
    },

    /** Removes the name; true when it was there. Inside a write job. */
    take(accountId: number, path: string): boolean {
      return (
        sqlite
          .query('DELETE FROM orphan_subscriptions WHERE account_id = ? AND path = ? RETURNING path')
          .values(accountId, path).length > 0
      )
    },

    has(accountId: number, path: string): boolean {
      return (
        sqlite
          .query('SELECT 1 FROM orphan_subscriptions WHERE account_id = ? AND path = ?')
          .values(accountId, path).length > 0
      )
    },

    list(accountId: number): string[] {
      return (
        sqlite
          .query('SELECT path FROM orphan_subscriptions WHERE account_id = ? ORDER BY path')
          .values(accountId) as [string][]
      ).map((r) => r[0])
    },
  }
}

export type OrphanSubscriptions = ReturnType<typeof createOrphanSubscriptions>
