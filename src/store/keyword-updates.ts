// Changing keywords (IMAP STORE, JMAP Email/set keywords): on the email, seen through every
// mailbox it is in; unread counters and per-message MODSEQ move with it. UNCHANGEDSINCE
// (rfc7162#section-3.1.3) fails messages changed after the given modseq.
import { and, eq, inArray, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { emails, mailboxes, mailboxMessages } from '../db/schema/index.ts'
import type { ChangeSet } from './change-set.ts'
import { type KeywordSet, seenBit } from './keywords.ts'

export type KeywordOp = 'add' | 'remove' | 'replace'

export interface KeywordUpdate {
  emailId: number
  flags: number
  keywords: string[]
}

export interface KeywordResult {
  /** Emails whose keywords changed, with their new keywords. */
  updated: KeywordUpdate[]
  /** Emails not changed because they were modified after `unchangedSince`. */
  modified: number[]
}

/** The keyword set after applying `op` with `change` to `current`. */
export function applyKeywordOp(current: KeywordSet, op: KeywordOp, change: KeywordSet): KeywordSet {
  if (op === 'replace') return { flags: change.flags, keywords: [...change.keywords] }
  if (op === 'add') {
    return {
      flags: current.flags | change.flags,
      keywords: [...new Set([...current.keywords, ...change.keywords])].sort(),
    }
  }
  const drop = new Set(change.keywords)
  return { flags: current.flags & ~change.flags, keywords: current.keywords.filter((k) => !drop.has(k)) }
}

export function createKeywordUpdates(db: Db) {
  return {
    /**
     * Applies `op` to the given emails. With `unchangedSince`, emails whose modseq is higher are
     * left alone and reported in `modified`. An email whose keywords do not change keeps its modseq.
     */
    update(
      changes: ChangeSet,
      emailIds: number[],
      op: KeywordOp,
      change: KeywordSet,
      unchangedSince?: number,
    ): KeywordResult {
      const result: KeywordResult = { updated: [], modified: [] }
      const unique = [...new Set(emailIds)]
      for (let i = 0; i < unique.length; i += 5000) {
        const rows = db
          .select({ id: emails.id, flags: emails.flags, keywords: emails.keywords, modseq: emails.modseq })
          .from(emails)
          .where(and(eq(emails.accountId, changes.accountId), inArray(emails.id, unique.slice(i, i + 5000))))
          .all()
        for (const row of rows) {
          if (unchangedSince !== undefined && row.modseq > unchangedSince) {
            result.modified.push(row.id)
            continue
          }
          const current = { flags: row.flags, keywords: JSON.parse(row.keywords) as string[] }
          const next = applyKeywordOp(current, op, change)
          if (next.flags === current.flags && next.keywords.join('\0') === current.keywords.join('\0'))
            continue
          db.update(emails)
            .set({ flags: next.flags, keywords: JSON.stringify(next.keywords), modseq: changes.modseq })
            .where(eq(emails.id, row.id))
            .run()
          const places = db
            .update(mailboxMessages)
            .set({ modseq: changes.modseq })
            .where(eq(mailboxMessages.emailId, row.id))
            .returning({ mailboxId: mailboxMessages.mailboxId })
            .all()
          const unreadDelta = (current.flags & seenBit ? 0 : 1) - (next.flags & seenBit ? 0 : 1)
          for (const p of places) {
            if (unreadDelta !== 0) {
              db.update(mailboxes)
                .set({ unreadEmails: sql`${mailboxes.unreadEmails} - ${unreadDelta}` })
                .where(eq(mailboxes.id, p.mailboxId))
                .run()
            }
            changes.touchMailbox(p.mailboxId, unreadDelta !== 0)
          }
          changes.record('email', row.id, 'updated')
          result.updated.push({ emailId: row.id, ...next })
        }
      }
      return result
    },
  }
}

export type KeywordUpdates = ReturnType<typeof createKeywordUpdates>
