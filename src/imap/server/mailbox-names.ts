// Mailbox names between the wire and the store: the store's paths use "/" between levels and
// "INBOX" for the inbox, as IMAP does; the wire adds modified UTF-7 unless UTF-8 is on
// (rfc9051#section-5.1, rfc6855#section-3). Roles map to special-use attributes (rfc6154, rfc8457).
import type { MailboxRow } from '../../store/mailboxes.ts'
import { MailboxNameError, mailboxFromWire, mailboxToWire } from '../proto/index.ts'
import type { ImapContext } from './context.ts'
import { ImapNo } from './errors.ts'

/** The store path for a name the client sent; BAD for an invalid encoding. */
export function pathFromWire(ctx: ImapContext, wire: string): string {
  try {
    return mailboxFromWire(wire, { utf8: ctx.utf8Names })
  } catch (err) {
    if (err instanceof MailboxNameError) throw new ImapNo(err.message, undefined, 'BAD')
    throw err
  }
}

export function pathToWire(ctx: ImapContext, path: string): string {
  return mailboxToWire(path, { utf8: ctx.utf8Names })
}

/** The mailbox a client names, or NO [NONEXISTENT]. */
export function findMailbox(ctx: ImapContext, wire: string): MailboxRow {
  const accountId = ctx.account?.id ?? 0
  const box = ctx.deps.store.findMailbox(accountId, pathFromWire(ctx, wire))
  if (!box) throw new ImapNo(`Mailbox does not exist: ${wire}`, { code: 'NONEXISTENT' })
  return box
}

const roleAttributes: Record<string, string> = {
  all: '\\All',
  archive: '\\Archive',
  drafts: '\\Drafts',
  flagged: '\\Flagged',
  important: '\\Important',
  junk: '\\Junk',
  sent: '\\Sent',
  trash: '\\Trash',
}

export function specialUse(role: string | null): string | undefined {
  return role ? roleAttributes[role] : undefined
}

/** The role a CREATE-SPECIAL-USE attribute asks for (rfc6154#section-3), or undefined. */
export function roleFromAttribute(attribute: string): string | undefined {
  const lower = attribute.toLowerCase()
  return Object.entries(roleAttributes).find(([, a]) => a.toLowerCase() === lower)?.[0]
}
