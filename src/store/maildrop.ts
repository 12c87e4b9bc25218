// What a POP3 maildrop needs from the store beyond the shared reads: the end of a session
// (rfc1939#section-6, UPDATE state) as one store operation: the messages the client retrieved
// get \Seen and the ones it deleted leave the mailbox, together. Messages are named by email
// id, not UID: another client may have moved one out of the mailbox and back during the session
// (new UID, same email), or expunged it (then it is skipped).
import { and, eq, inArray } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { mailboxMessages } from '../db/schema/index.ts'
import type { ChangeSet } from './change-set.ts'
import type { KeywordUpdates } from './keyword-updates.ts'
import { seenBit } from './keywords.ts'
import type { Messages } from './messages.ts'

export interface MaildropUpdate {
  /** Emails to mark \Seen. */
  seen: number[]
  /** Emails to take out of the mailbox. */
  remove: number[]
  /** Where removed emails go (Trash, Archive); undefined = out of the mailbox only (destroyed if in no other). */
  moveTo?: number
}

export interface MaildropUpdateResult {
  /** How many of the emails to remove were still in the mailbox and were removed. */
  removed: number
}

export interface MaildropDeps {
  db: Db
  messages: Messages
  keywordUpdates: KeywordUpdates
}

/** UID of each email in a mailbox (emails not in it are left out). */
function uidsOf(db: Db, mailboxId: number, emailIds: number[]): Map<number, number> {
  const out = new Map<number, number>()
  for (let i = 0; i < emailIds.length; i += 5000) {
    for (const row of db
      .select({ uid: mailboxMessages.uid, emailId: mailboxMessages.emailId })
      .from(mailboxMessages)
      .where(
        and(
          eq(mailboxMessages.mailboxId, mailboxId),
          inArray(mailboxMessages.emailId, emailIds.slice(i, i + 5000)),
        ),
      )
      .all()) {
      out.set(row.emailId, row.uid)
    }
  }
  return out
}

/** Applies a POP3 session's changes to `mailboxId`; runs inside one write job. */
export function updateMaildrop(
  { db, messages, keywordUpdates }: MaildropDeps,
  changes: ChangeSet,
  mailboxId: number,
  update: MaildropUpdate,
): MaildropUpdateResult {
  if (update.seen.length > 0)
    keywordUpdates.update(changes, update.seen, 'add', { flags: seenBit, keywords: [] })
  const present = uidsOf(db, mailboxId, [...new Set(update.remove)])
  if (present.size === 0) return { removed: 0 }
  const moveTo = update.moveTo
  if (moveTo !== undefined && moveTo !== mailboxId) {
    const already = uidsOf(db, moveTo, [...present.keys()])
    const info = messages.emailsById([...present.keys()])
    for (const emailId of present.keys()) {
      const email = info.get(emailId)
      if (!email || already.has(emailId)) continue
      changes.record('email', emailId, 'updated')
      messages.addToMailbox(changes, { id: emailId, flags: email.flags, size: email.size }, moveTo)
    }
  }
  const removed = messages.removeFromMailbox(changes, mailboxId, [...present.values()])
  return { removed: removed.length }
}
