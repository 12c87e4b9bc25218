// SELECT and EXAMINE with CONDSTORE and QRESYNC (rfc9051#section-6.3.2, rfc7162#section-3.2.5),
// CLOSE and UNSELECT (rfc3691).
import { formatObjectId } from '../../../store/object-ids.ts'
import { type CommandOf, compressSequenceSet, resolveRanges } from '../../proto/index.ts'
import type { Handler, ImapContext } from '../context.ts'
import { ImapNo } from '../errors.ts'
import { findMailbox } from '../mailbox-names.ts'
import { SelectedMailbox } from '../selected.ts'

const systemFlags = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft']
const commonKeywords = ['$Forwarded', '$MDNSent', '$Junk', '$NotJunk', '$Phishing']

export const select: Handler<'SELECT' | 'EXAMINE'> = (ctx, c) => {
  const wasSelected = ctx.selected !== undefined
  // A failed SELECT leaves no mailbox selected (rfc9051#section-6.3.2).
  ctx.select(null)
  if (wasSelected && (ctx.enabled.has('QRESYNC') || ctx.enabled.has('IMAP4REV2'))) {
    ctx.untagged('OK [CLOSED] Previous mailbox closed')
  }
  if (c.qresync && !ctx.enabled.has('QRESYNC')) {
    throw new ImapNo('QRESYNC must be enabled first', { code: 'CLIENTBUG' }, 'BAD')
  }
  // rfc7162#section-3.1.8: SELECT (CONDSTORE) enables CONDSTORE for the session.
  if (c.condstore) ctx.enabled.add('CONDSTORE')
  const accountId = ctx.account?.id ?? 0
  const box = findMailbox(ctx, c.mailbox)
  const readOnly = c.name === 'EXAMINE'
  const rev2 = ctx.enabled.has('IMAP4REV2')
  const mailbox = new SelectedMailbox(ctx.deps, ctx.shared, { accountId, mailboxId: box.id, readOnly, rev2 })
  mailbox.open()
  ctx.untagged(`FLAGS (${[...systemFlags, ...commonKeywords].join(' ')})`)
  ctx.untagged(
    `OK [PERMANENTFLAGS (${readOnly ? '' : [...systemFlags, ...commonKeywords, '\\*'].join(' ')})] Flags permitted`,
  )
  ctx.untagged(`${mailbox.exists} EXISTS`)
  if (!rev2) {
    ctx.untagged(`${mailbox.recent.size} RECENT`)
    const unseen = ctx.deps.store.firstUnseenUid(box.id)
    const firstUnseen = unseen === null ? 0 : mailbox.seqOf(unseen)
    if (firstUnseen > 0) ctx.untagged(`OK [UNSEEN ${firstUnseen}] First unseen`)
  }
  ctx.untagged(`OK [UIDVALIDITY ${box.uidValidity}] UIDs valid`)
  ctx.untagged(`OK [UIDNEXT ${box.uidNext}] Predicted next UID`)
  ctx.untagged(`OK [HIGHESTMODSEQ ${box.highestModseq}] Highest`)
  ctx.untagged(`OK [MAILBOXID (${formatObjectId('mailbox', box.id)})] Ok`)
  if (c.qresync && c.qresync.uidValidity === box.uidValidity) resync(ctx, mailbox, c.qresync)
  ctx.select(mailbox)
  ctx.complete(c.tag, 'OK', `${c.name} completed`, { code: readOnly ? 'READ-ONLY' : 'READ-WRITE' })
}

/** rfc7162#section-3.2.5.1: what was expunged (VANISHED (EARLIER)) and changed since the client's modseq. */
function resync(
  ctx: ImapContext,
  mailbox: SelectedMailbox,
  q: NonNullable<CommandOf<'SELECT'>['qresync']>,
): void {
  const { store } = ctx.deps
  const all = store.vanishedSince(mailbox.mailboxId, q.modseq)
  let vanished = all
  if (q.knownUids?.kind === 'ranges') {
    // Only UIDs the client says it knows; `*` is the mailbox's largest UID.
    const intervals = resolveRanges(q.knownUids.ranges, Math.max(mailbox.maxUid, 1))
    vanished = all.filter((u) => intervals.some(([lo, hi]) => u >= lo && u <= hi))
  }
  if (vanished.length > 0) ctx.untagged(`VANISHED (EARLIER) ${compressSequenceSet(vanished)}`)
  const changed = store.changedSince(mailbox.mailboxId, q.modseq)
  if (changed.length === 0) return
  for (const m of store.mailboxMessagesByUid(mailbox.mailboxId, changed)) {
    const seq = mailbox.seqOf(m.uid)
    if (seq === 0) continue
    ctx.untagged(`${seq} FETCH (UID ${m.uid} FLAGS (${mailbox.flagText(m)}) MODSEQ (${m.modseq}))`)
  }
}

/** CLOSE: expunges \Deleted messages silently when read-write, then unselects (rfc9051#section-6.4.1). */
export const close: Handler<'CLOSE'> = async (ctx, c) => {
  const mailbox = ctx.selected
  ctx.select(null)
  if (mailbox && !mailbox.readOnly) await ctx.deps.store.expunge(mailbox.accountId, mailbox.mailboxId)
  ctx.complete(c.tag, 'OK', 'CLOSE completed')
}

export const unselect: Handler<'UNSELECT'> = (ctx, c) => {
  ctx.select(null)
  ctx.complete(c.tag, 'OK', 'UNSELECT completed')
}
