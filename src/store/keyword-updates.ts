// Changing keywords (IMAP STORE, JMAP Email/set keywords): on the email, seen through every
// mailbox it is in; unread counters and per-message MODSEQ move with it. UNCHANGEDSINCE
// (rfc7162#section-3.1.3) fails messages changed after the given modseq.
import type { Db } from '../db/client.ts'
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

interface EmailKeywords {
  id: number
  flags: number
  keywords: string
  modseq: number
}

// STORE is one of the commands clients send most: plain SQL, compiled once by bun:sqlite.
const selectSql = `SELECT id, flags, keywords, modseq FROM emails
  WHERE account_id = ? AND id IN (SELECT value FROM json_each(?))`
const updateEmailSql = 'UPDATE emails SET flags = ?, keywords = ?, modseq = ? WHERE id = ?'
// mailbox_messages.flags is the copy of emails.flags that flag searches read; it moves with it.
const updatePlacesSql =
  'UPDATE mailbox_messages SET modseq = ?, flags = ? WHERE email_id = ? RETURNING mailbox_id'
const unreadSql = 'UPDATE mailboxes SET unread_emails = unread_emails - ? WHERE id = ?'

export function createKeywordUpdates(db: Db) {
  const sqlite = db.$client
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
        const rows = sqlite
          .query(selectSql)
          .all(changes.accountId, JSON.stringify(unique.slice(i, i + 5000))) as EmailKeywords[]
        for (const row of rows) {
          if (unchangedSince !== undefined && row.modseq > unchangedSince) {
            result.modified.push(row.id)
            continue
          }
          const current = { flags: row.flags, keywords: JSON.parse(row.keywords) as string[] }
          const next = applyKeywordOp(current, op, change)
          if (next.flags === current.flags && next.keywords.join('\0') === current.keywords.join('\0'))
            continue
          sqlite.query(updateEmailSql).run(next.flags, JSON.stringify(next.keywords), changes.modseq, row.id)
          const places = sqlite.query(updatePlacesSql).values(changes.modseq, next.flags, row.id) as [
            number,
          ][]
          const unreadDelta = (current.flags & seenBit ? 0 : 1) - (next.flags & seenBit ? 0 : 1)
          for (const [mailboxId] of places) {
            if (unreadDelta !== 0) sqlite.query(unreadSql).run(unreadDelta, mailboxId)
            changes.touchMailbox(mailboxId, unreadDelta !== 0)
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
