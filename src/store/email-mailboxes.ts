// Setting the mailboxes an email is in, as a whole (JMAP mailboxIds, rfc8621#section-4.1.1):
// new places get the mailbox's next UID, left places are expunged like an IMAP expunge, in one
// operation. Used by EmailSubmission's onSuccessUpdateEmail.
import { eq } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { mailboxMessages } from '../db/schema/index.ts'
import { StoreError } from '../lib/errors.ts'
import type { ChangeSet } from './change-set.ts'
import type { Messages } from './messages.ts'

/** Puts the email in exactly `mailboxIds` (at least one); inside a store operation. */
export function replaceEmailMailboxes(
  db: Db,
  messages: Messages,
  changes: ChangeSet,
  emailId: number,
  mailboxIds: readonly number[],
): void {
  if (mailboxIds.length === 0)
    throw new StoreError('invalidParams', 'an email must be in at least one mailbox')
  const email = messages.emailsById([emailId]).get(emailId)
  if (!email) throw new StoreError('notFound', 'no such email')
  const places = db
    .select({ mailboxId: mailboxMessages.mailboxId, uid: mailboxMessages.uid })
    .from(mailboxMessages)
    .where(eq(mailboxMessages.emailId, emailId))
    .all()
  const current = new Set(places.map((p) => p.mailboxId))
  const wanted = new Set(mailboxIds)
  // Added first: removing the last place would destroy the email.
  for (const id of wanted)
    if (!current.has(id))
      messages.addToMailbox(changes, { id: emailId, flags: email.flags, size: email.size }, id)
  for (const p of places)
    if (!wanted.has(p.mailboxId)) messages.removeFromMailbox(changes, p.mailboxId, [p.uid])
  changes.record('email', emailId, 'updated')
}
