// Local delivery into the store: one message to several accounts in ONE transaction (with
// whatever else the caller must commit alongside, such as the outbound queue), each account
// once per message, and a retried delivery of the same message not stored twice.
import { createHash } from 'node:crypto'
import { and, eq, lt } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { recentDeliveries } from '../db/schema/index.ts'
import { isStoreError, type StoreError } from '../lib/errors.ts'
import type { ChangeSet } from './change-set.ts'
import { type KeywordSet, toKeywordSet } from './keywords.ts'
import type { Mailboxes } from './mailboxes.ts'
import type { Messages } from './messages.ts'
import type { PreparedMessage } from './prepare-message.ts'

/** A retry of the same message within this window is recognised as a duplicate. */
export const duplicateWindowMs = 24 * 3600 * 1000

export interface DeliveryTarget {
  accountId: number
  /** 'inbox', 'junk' (falls back to the inbox when the account has none) or a mailbox id. */
  mailbox: 'inbox' | 'junk' | number
  keywords?: KeywordSet
}

export interface LocalDelivery {
  prepared: PreparedMessage
  receivedAt: number
  /** Envelope sender, part of what makes a delivery "the same" one. */
  mailFrom: string
  targets: DeliveryTarget[]
}

export interface DeliveryOutcome {
  stored: { accountId: number; emailId: number; mailboxId: number }[]
  duplicates: number[]
  failed: { accountId: number; error: StoreError }[]
}

function dedupeKey(delivery: LocalDelivery, mailboxId: number): string | undefined {
  const messageId = delivery.prepared.facts.messageId
  if (!messageId) return undefined
  return createHash('sha256')
    .update(`${messageId}\0${delivery.mailFrom.toLowerCase()}\0${mailboxId}`)
    .digest('hex')
}

export function createDeliveries(db: Db, mailboxes: Mailboxes, messages: Messages) {
  return {
    /** Runs inside a write job: `changesFor` gives each account's ChangeSet (committed by the caller). */
    deliver(
      delivery: LocalDelivery,
      changesFor: (accountId: number) => ChangeSet,
      now: number,
    ): DeliveryOutcome {
      const outcome: DeliveryOutcome = { stored: [], duplicates: [], failed: [] }
      const seen = new Set<number>()
      for (const target of delivery.targets) {
        if (seen.has(target.accountId)) continue
        seen.add(target.accountId)
        if (!mailboxes.isProvisioned(target.accountId)) mailboxes.provision(target.accountId)
        const mailbox =
          typeof target.mailbox === 'number'
            ? mailboxes.get(target.accountId, target.mailbox)
            : (mailboxes.findByRole(target.accountId, target.mailbox) ??
              mailboxes.findByRole(target.accountId, 'inbox'))
        if (!mailbox) {
          outcome.failed.push({ accountId: target.accountId, error: new Error('no inbox') as StoreError })
          continue
        }
        const key = dedupeKey(delivery, mailbox.id)
        if (key) {
          const previous = db
            .select({ at: recentDeliveries.at })
            .from(recentDeliveries)
            .where(and(eq(recentDeliveries.accountId, target.accountId), eq(recentDeliveries.key, key)))
            .get()
          if (previous && now - previous.at < duplicateWindowMs) {
            outcome.duplicates.push(target.accountId)
            continue
          }
        }
        try {
          const result = messages.append(changesFor(target.accountId), {
            mailboxIds: [mailbox.id],
            raw: delivery.prepared.raw,
            facts: delivery.prepared.facts,
            blob: delivery.prepared.blob,
            searchText: delivery.prepared.searchText,
            keywords: target.keywords ?? toKeywordSet([]),
            receivedAt: delivery.receivedAt,
          })
          if (key) {
            db.insert(recentDeliveries)
              .values({ accountId: target.accountId, key, emailId: result.emailId, at: now })
              .onConflictDoUpdate({
                target: [recentDeliveries.accountId, recentDeliveries.key],
                set: { emailId: result.emailId, at: now },
              })
              .run()
          }
          outcome.stored.push({ accountId: target.accountId, emailId: result.emailId, mailboxId: mailbox.id })
        } catch (err) {
          // append() refuses (quota, mailbox) before it writes, so nothing is half stored.
          if (!isStoreError(err)) throw err
          outcome.failed.push({ accountId: target.accountId, error: err })
        }
      }
      return outcome
    },

    /** Forgets deliveries older than the duplicate window. */
    prune(now: number): void {
      db.delete(recentDeliveries)
        .where(lt(recentDeliveries.at, now - duplicateWindowMs))
        .run()
    },
  }
}

export type Deliveries = ReturnType<typeof createDeliveries>
