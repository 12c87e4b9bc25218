// Reading the change log: JMAP /changes (rfc8620#section-5.2) and IMAP CONDSTORE/QRESYNC
// (rfc7162) queries, and pruning old history.
import { and, asc, eq, gt, lte } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { changes, mailAccounts } from '../db/schema/index.ts'
import { StoreError } from '../lib/errors.ts'
import type { ChangeKind } from './change-set.ts'

export interface ChangesResult {
  oldModseq: number
  newModseq: number
  hasMoreChanges: boolean
  created: number[]
  updated: number[]
  destroyed: number[]
  /** Those of `updated` whose every change was a counts-only one (op 'counts', mailboxes). */
  countsOnly: number[]
}

// Both run after every command of every IMAP session with a mailbox selected, so they must touch
// only the changed rows. Once ANALYZE has statistics, SQLite prefers walking the (mailbox, uid)
// primary key to skip the ORDER BY, which reads the whole mailbox; the modseq index is forced
// and the few rows are sorted here instead.
export const changedSinceSql =
  'SELECT uid FROM mailbox_messages INDEXED BY mailbox_messages_modseq_idx WHERE mailbox_id = ? AND modseq > ?'
// The MODSEQ of each expunge too, for the IMAP change feed (VANISHED reads the UIDs alone).
export const vanishedSinceSql =
  'SELECT uid, modseq FROM vanished INDEXED BY vanished_modseq_idx WHERE mailbox_id = ? AND modseq > ?'

export function createChangeLog(db: Db) {
  const uidsAfter = (text: string, mailboxId: number, sinceModseq: number): number[] => {
    const rows = db.$client.query(text).values(mailboxId, sinceModseq) as [number][]
    return rows.map((r) => r[0]).sort((a, b) => a - b)
  }

  const state = (accountId: number) => {
    const row = db
      .select({ modseq: mailAccounts.modseq, floor: mailAccounts.changesFloor })
      .from(mailAccounts)
      .where(eq(mailAccounts.accountId, accountId))
      .get()
    return row ?? { modseq: 0, floor: 0 }
  }

  return {
    /** The account's current modseq (JMAP state). */
    modseq(accountId: number): number {
      return state(accountId).modseq
    },

    /**
     * Objects of `kind` created/updated/destroyed after `sinceModseq`, at most `maxChanges` ids
     * (whole modseqs only). Throws `notPossible` ("cannotCalculateChanges") past pruned history.
     */
    since(accountId: number, kind: ChangeKind, sinceModseq: number, maxChanges = 5000): ChangesResult {
      const { modseq, floor } = state(accountId)
      if (sinceModseq < floor || sinceModseq > modseq) {
        throw new StoreError('notPossible', 'cannot calculate changes from that state')
      }
      const rows = db
        .select({ modseq: changes.modseq, objectId: changes.objectId, op: changes.op })
        .from(changes)
        .where(and(eq(changes.accountId, accountId), eq(changes.kind, kind), gt(changes.modseq, sinceModseq)))
        .orderBy(asc(changes.modseq), asc(changes.id))
        .all()
      // Whole modseqs only, so the next call starts cleanly; a single modseq is never split.
      const status = new Map<number, { first: string; last: string; countsOnly: boolean }>()
      let newModseq = modseq
      let hasMoreChanges = false
      let i = 0
      while (i < rows.length) {
        const groupModseq = rows[i]?.modseq ?? 0
        let j = i
        const groupIds = new Set<number>()
        while (j < rows.length && rows[j]?.modseq === groupModseq) groupIds.add(rows[j++]?.objectId ?? 0)
        const added = [...groupIds].filter((id) => !status.has(id)).length
        if (status.size > 0 && status.size + added > maxChanges) {
          newModseq = rows[i - 1]?.modseq ?? sinceModseq
          hasMoreChanges = true
          break
        }
        for (let k = i; k < j; k++) {
          const r = rows[k]
          if (!r) continue
          const st = status.get(r.objectId)
          if (st) {
            st.last = r.op
            st.countsOnly &&= r.op === 'counts'
          } else status.set(r.objectId, { first: r.op, last: r.op, countsOnly: r.op === 'counts' })
        }
        i = j
      }
      const result: ChangesResult = {
        oldModseq: sinceModseq,
        newModseq,
        hasMoreChanges,
        created: [],
        updated: [],
        destroyed: [],
        countsOnly: [],
      }
      for (const [id, s] of status) {
        if (s.first === 'created' && s.last === 'destroyed') continue
        if (s.last === 'destroyed') result.destroyed.push(id)
        else if (s.first === 'created') result.created.push(id)
        else {
          result.updated.push(id)
          if (s.countsOnly) result.countsOnly.push(id)
        }
      }
      return result
    },

    /**
     * The modseq of the last change to an object of `kind` (its JMAP state): one index probe.
     * History before the floor is gone, so the floor stands in when nothing later changed.
     */
    kindState(accountId: number, kind: ChangeKind): number {
      const row = db.$client
        .query(
          `SELECT max(modseq) FROM changes INDEXED BY changes_account_modseq_idx WHERE account_id = ? AND kind = ?`,
        )
        .values(accountId, kind) as [number | null][]
      return Math.max(row[0]?.[0] ?? 0, state(accountId).floor)
    },

    /** UIDs expunged from a mailbox after `sinceModseq` (QRESYNC VANISHED), ascending. */
    vanishedSince(mailboxId: number, sinceModseq: number): number[] {
      return uidsAfter(vanishedSinceSql, mailboxId, sinceModseq)
    },

    /** UIDs expunged from a mailbox after `sinceModseq`, each with the MODSEQ of its expunge. */
    expungedSince(mailboxId: number, sinceModseq: number): { uid: number; modseq: number }[] {
      return db.$client.query(vanishedSinceSql).all(mailboxId, sinceModseq) as {
        uid: number
        modseq: number
      }[]
    },

    /** UIDs in a mailbox changed after `sinceModseq` (CONDSTORE CHANGEDSINCE), ascending. */
    changedSince(mailboxId: number, sinceModseq: number): number[] {
      return uidsAfter(changedSinceSql, mailboxId, sinceModseq)
    },

    /** Forgets change history at or before `modseq`; later /changes from before it cannot be calculated. */
    prune(accountId: number, modseq: number): void {
      db.delete(changes)
        .where(and(eq(changes.accountId, accountId), lte(changes.modseq, modseq)))
        .run()
      db.update(mailAccounts).set({ changesFloor: modseq }).where(eq(mailAccounts.accountId, accountId)).run()
    },

    /** Oldest modseq from which changes can still be calculated. */
    floor(accountId: number): number {
      return state(accountId).floor
    },
  }
}

export type ChangeLog = ReturnType<typeof createChangeLog>
