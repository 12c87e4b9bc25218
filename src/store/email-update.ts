// JMAP Email/set update (rfc8621#section-4.6): an email's keywords and mailboxes changed in one
// transaction, so a client never sees half an update. An email stays in at least one mailbox.
import type { Db } from '../db/client.ts'
import { StoreError } from '../lib/errors.ts'
import type { ChangeSet } from './change-set.ts'
import type { KeywordUpdates } from './keyword-updates.ts'
import type { KeywordSet } from './keywords.ts'
import type { Messages } from './messages.ts'

export interface EmailUpdate {
  /** The whole new keyword set, or undefined to leave keywords alone. */
  keywords?: KeywordSet
  /** The whole new set of mailboxes, or undefined to leave them alone. */
  mailboxIds?: number[]
}

const emailSql = 'SELECT flags, size FROM emails WHERE account_id = ? AND id = ?'
const placesSql = 'SELECT mailbox_id, uid FROM mailbox_messages WHERE email_id = ?'
const mailboxesSql =
  'SELECT id FROM mailboxes WHERE account_id = ? AND id IN (SELECT value FROM json_each(?))'
// mailbox_messages_email_idx answers it; the account check keeps other accounts' emails out.
const placementsSql = `SELECT mm.email_id, mm.mailbox_id FROM mailbox_messages mm JOIN emails e ON e.id = mm.email_id
  WHERE e.account_id = ? AND mm.email_id IN (SELECT value FROM json_each(?))`

export function createEmailUpdates(db: Db, messages: Messages, keywordUpdates: KeywordUpdates) {
  const sqlite = db.$client
  return {
    /** The mailboxes of several emails in one query: email id → mailbox ids (emails in none left out). */
    mailboxIdsOf(accountId: number, emailIds: readonly number[]): Map<number, number[]> {
      const out = new Map<number, number[]>()
      const rows = sqlite.query(placementsSql).values(accountId, JSON.stringify([...new Set(emailIds)])) as [
        number,
        number,
      ][]
      for (const [emailId, mailboxId] of rows) {
        const list = out.get(emailId)
        if (list) list.push(mailboxId)
        else out.set(emailId, [mailboxId])
      }
      return out
    },

    /** Applies one update inside a write job; throws notFound for an email the account lacks. */
    update(changes: ChangeSet, emailId: number, update: EmailUpdate): void {
      const accountId = changes.accountId
      if (!sqlite.query(emailSql).values(accountId, emailId)[0])
        throw new StoreError('notFound', 'no such email')
      if (update.mailboxIds) {
        const targets = [...new Set(update.mailboxIds)]
        if (targets.length === 0)
          throw new StoreError('invalidParams', 'an email must be in at least one mailbox')
        const known = sqlite.query(mailboxesSql).values(accountId, JSON.stringify(targets)) as [number][]
        if (known.length !== targets.length) throw new StoreError('invalidParams', 'no such mailbox')
      }
      if (update.keywords) keywordUpdates.update(changes, [emailId], 'replace', update.keywords)
      if (!update.mailboxIds) return
      const [flags, size] = sqlite.query(emailSql).values(accountId, emailId)[0] as [number, number]
      const places = sqlite.query(placesSql).values(emailId) as [number, number][]
      const current = new Map(places)
      const targets = new Set(update.mailboxIds)
      let moved = false
      // Add before removing: removing the last placement would destroy the email.
      for (const mailboxId of targets) {
        if (current.has(mailboxId)) continue
        messages.addToMailbox(changes, { id: emailId, flags, size }, mailboxId)
        moved = true
      }
      for (const [mailboxId, uid] of current) {
        if (targets.has(mailboxId)) continue
        messages.removeFromMailbox(changes, mailboxId, [uid])
        moved = true
      }
      if (moved) changes.record('email', emailId, 'updated')
    },
  }
}

export type EmailUpdates = ReturnType<typeof createEmailUpdates>
