// EXPUNGE (rfc9051#section-6.4.3) and UID EXPUNGE (rfc4315#section-2.1): removes the \Deleted
// messages (only those in the UID set for UID EXPUNGE) and reports each as EXPUNGE, or as
// VANISHED once QRESYNC is enabled (rfc7162#section-3.2.10).
import type { Handler } from '../context.ts'
import { ImapNo } from '../errors.ts'
import { selectedOf, uidsOfSet } from './message-set.ts'

export const expunge: Handler<'EXPUNGE'> = async (ctx, c) => {
  const selected = selectedOf(ctx)
  if (selected.readOnly) throw new ImapNo('Mailbox is read-only (EXAMINE)')
  // Only messages the client knows of: one that arrived since the last update and was flagged
  // \Deleted elsewhere stays until the client has seen it.
  const candidates =
    c.uid && c.sequenceSet
      ? uidsOfSet(selected, c.sequenceSet, true, ctx.savedResult)
      : Array.from(selected.uids())
  const removed = await ctx.deps.store.expunge(selected.accountId, selected.mailboxId, candidates)
  // The session's own expunges join those of others still unreported; all may go out now
  // (rfc9051#section-7.5.1), highest sequence number first.
  for (const uid of removed) if (selected.emailIds.has(uid)) selected.pendingExpunges.add(uid)
  const qresync = ctx.enabled.has('QRESYNC')
  for (const line of selected.takeExpunges(qresync)) ctx.untagged(line)
  if (qresync) {
    // rfc7162#section-3.2.7: the tagged OK carries the mailbox's new HIGHESTMODSEQ, so the client
    // need not ask for these expunges again; every update up to it is sent first.
    ctx.sendUpdates(true)
    ctx.complete(c.tag, 'OK', 'EXPUNGE completed', { code: 'HIGHESTMODSEQ', modseq: selected.knownModseq })
    return
  }
  ctx.complete(c.tag, 'OK', 'EXPUNGE completed')
}
