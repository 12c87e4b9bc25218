// CREATE (rfc9051#section-6.3.4, CREATE-SPECIAL-USE rfc6154#section-3, MAILBOXID rfc8474),
// DELETE (rfc9051#section-6.3.5), RENAME (rfc9051#section-6.3.6), SUBSCRIBE and UNSUBSCRIBE
// (rfc9051#section-6.3.7 and 6.3.8). The mailbox logic is the store's; this is the IMAP glue.
import type { MailboxRow } from '../../../store/mailboxes.ts'
import { formatObjectId } from '../../../store/object-ids.ts'
import type { Handler, ImapContext } from '../context.ts'
import { ImapNo } from '../errors.ts'
import { findMailbox, pathFromWire, roleFromAttribute } from '../mailbox-names.ts'

/** The role a CREATE's USE list asks for, or NO [USEATTR] when it cannot be given. */
function roleForUse(ctx: ImapContext, attributes: readonly string[]): string | undefined {
  if (attributes.length === 0) return undefined
  // A mailbox has one role in this store (rfc6154#section-3 lets a server refuse combinations).
  if (attributes.length > 1) throw new ImapNo('Only one special use per mailbox', { code: 'USEATTR' })
  const attribute = attributes[0] ?? ''
  const role = roleFromAttribute(attribute)
  if (!role) throw new ImapNo(`${attribute} is not supported`, { code: 'USEATTR' })
  if (ctx.deps.store.findMailboxByRole(ctx.account?.id ?? 0, role)) {
    throw new ImapNo(`Another mailbox already has ${attribute}`, { code: 'USEATTR' })
  }
  return role
}

/**
 * Missing parents are created too; a trailing "/" only declares that children will follow
 * (rfc9051#section-6.3.4). CREATE INBOX is ALREADYEXISTS. New mailboxes start subscribed, as
 * the store creates them for JMAP. The OK carries MAILBOXID (rfc8474#section-4.1).
 */
export const create: Handler<'CREATE'> = async (ctx, c) => {
  const accountId = ctx.account?.id ?? 0
  const path = pathFromWire(ctx, c.mailbox)
  const role = roleForUse(ctx, c.specialUse)
  const box = await ctx.deps.store.createMailbox(accountId, path, role ? { role } : {})
  ctx.complete(c.tag, 'OK', 'CREATE completed', { code: 'MAILBOXID', id: formatObjectId('mailbox', box.id) })
}

/**
 * The mailbox and its messages go. INBOX cannot be deleted; a mailbox with children is refused
 * with HASCHILDREN rather than left behind as \Noselect (rfc9051#section-6.3.5 allows either).
 * Deleting the selected mailbox is allowed and leaves the session in the authenticated state.
 */
export const deleteMailbox: Handler<'DELETE'> = async (ctx, c) => {
  const accountId = ctx.account?.id ?? 0
  const box = findMailbox(ctx, c.mailbox)
  if (box.role === 'inbox') throw new ImapNo('INBOX cannot be deleted', { code: 'CANNOT' })
  if (ctx.deps.store.listMailboxes(accountId).some((m) => m.parentId === box.id)) {
    throw new ImapNo('Delete the mailboxes inside it first', { code: 'HASCHILDREN' })
  }
  await ctx.deps.store.deleteMailbox(accountId, box.id, { removeEmails: true })
  if (ctx.selected?.mailboxId === box.id) {
    // Nothing is selected any more; say so where the client knows CLOSED (rfc9051#section-7.1).
    ctx.select(null)
    if (ctx.enabled.has('QRESYNC') || ctx.enabled.has('IMAP4REV2')) {
      ctx.untagged('OK [CLOSED] The selected mailbox was deleted')
    }
  }
  ctx.complete(c.tag, 'OK', 'DELETE completed')
}

/**
 * Renaming INBOX moves its messages into a new mailbox and leaves INBOX empty, its children where
 * they are (rfc9051#section-6.3.6): a create, then one atomic MOVE of every message.
 */
async function renameInbox(ctx: ImapContext, inbox: MailboxRow, newPath: string): Promise<void> {
  const { store } = ctx.deps
  const accountId = ctx.account?.id ?? 0
  const target = await store.createMailbox(accountId, newPath)
  const uids = store.mailboxMessages(inbox.id).map((m) => m.uid)
  if (uids.length === 0) return
  try {
    await store.move(accountId, inbox.id, uids, target.id)
  } catch (err) {
    await store.deleteMailbox(accountId, target.id, { removeEmails: false }).catch(() => undefined)
    throw err
  }
}

/** Children follow and UIDVALIDITY stays (the store does both); missing parents are created. */
export const rename: Handler<'RENAME'> = async (ctx, c) => {
  const accountId = ctx.account?.id ?? 0
  const box = findMailbox(ctx, c.mailbox)
  const newPath = pathFromWire(ctx, c.newMailbox)
  // Renaming onto any existing name, itself included, is an error (rfc9051#section-6.3.6).
  if (ctx.deps.store.findMailbox(accountId, newPath)) {
    throw new ImapNo(`Mailbox already exists: ${c.newMailbox}`, { code: 'ALREADYEXISTS' })
  }
  if (box.role === 'inbox') await renameInbox(ctx, box, newPath)
  else await ctx.deps.store.renameMailbox(accountId, box.id, newPath)
  ctx.complete(c.tag, 'OK', 'RENAME completed')
}

/**
 * Only existing mailboxes can be subscribed (rfc9051#section-6.3.7 lets the server check), and
 * names still subscribed after their mailbox was deleted. Subscribing twice is OK.
 */
export const subscribe: Handler<'SUBSCRIBE'> = async (ctx, c) => {
  const accountId = ctx.account?.id ?? 0
  const path = pathFromWire(ctx, c.mailbox)
  const box = ctx.deps.store.findMailbox(accountId, path)
  if (box === undefined && !ctx.deps.store.isOrphanSubscription(accountId, path)) findMailbox(ctx, c.mailbox) // NO [NONEXISTENT]
  if (box && !box.isSubscribed) await ctx.deps.store.subscribeMailbox(accountId, box.id, true)
  ctx.complete(c.tag, 'OK', 'SUBSCRIBE completed')
}

/**
 * OK also when the name was not subscribed, which covers names that are not mailboxes
 * (rfc9051#section-6.3.8); a name kept after its mailbox was deleted is dropped.
 */
export const unsubscribe: Handler<'UNSUBSCRIBE'> = async (ctx, c) => {
  const accountId = ctx.account?.id ?? 0
  const path = pathFromWire(ctx, c.mailbox)
  const box = ctx.deps.store.findMailbox(accountId, path)
  if (box?.isSubscribed) await ctx.deps.store.subscribeMailbox(accountId, box.id, false)
  else if (box === undefined) await ctx.deps.store.dropOrphanSubscription(accountId, path)
  ctx.complete(c.tag, 'OK', 'UNSUBSCRIBE completed')
}
