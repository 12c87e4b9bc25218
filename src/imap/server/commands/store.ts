// STORE and UID STORE (rfc9051#section-6.4.6) with CONDSTORE's UNCHANGEDSINCE
// (rfc7162#section-3.1.3): flags change on the email, and the client hears the new FLAGS (and
// MODSEQ once CONDSTORE is on) as untagged FETCH responses, or nothing with .SILENT.
import { toKeywordSet } from '../../../store/keywords.ts'
import type { MailboxMessage } from '../../../store/read.ts'
import type { CommandOf } from '../../proto/index.ts'
import type { Handler, ImapContext } from '../context.ts'
import { ImapNo } from '../errors.ts'
import type { SelectedMailbox } from '../selected.ts'
import { selectedOf, uidsOfSet } from './message-set.ts'

export const store: Handler<'STORE'> = async (ctx, c) => {
  const selected = selectedOf(ctx)
  // rfc9051#section-6.3.3: nothing in a mailbox opened with EXAMINE may change.
  if (selected.readOnly) throw new ImapNo('Mailbox is read-only (EXAMINE)')
  if (c.unchangedSince !== undefined) enableCondstore(ctx, selected)
  const keywords = toKeywordSet(c.flags)
  // Messages another session expunged stay in the view until reported; the store skips them.
  const uids = uidsOfSet(selected, c.sequenceSet, c.uid, ctx.savedResult)
  const result = await ctx.deps.store.setKeywordsByUid(
    selected.accountId,
    selected.mailboxId,
    uids,
    c.operation,
    keywords,
    c.unchangedSince,
  )
  const modified = new Set(result.modified)
  const changed = new Set(result.updated.map((u) => u.uid))
  // rfc7162#section-3.1.3: messages that failed UNCHANGEDSINCE get no FETCH; the rest are read
  // back so the FLAGS and MODSEQ sent are what the store holds now (.SILENT: only those changed).
  const current = ctx.deps.store.mailboxMessagesByUid(
    selected.mailboxId,
    uids.filter((u) => (c.silent ? changed.has(u) : !modified.has(u))),
  )
  for (const m of current) {
    const line = fetchLine(ctx, selected, c, m, changed.has(m.uid) && m.modseq === result.modseq)
    if (line !== undefined) ctx.untagged(line)
  }
  if (modified.size > 0) {
    // MODIFIED lists sequence numbers for STORE and UIDs for UID STORE.
    const numbers = c.uid ? [...modified] : [...modified].map((u) => selected.seqOf(u)).filter((n) => n > 0)
    ctx.complete(c.tag, 'OK', 'Conditional STORE failed', { code: 'MODIFIED', numbers })
    return
  }
  ctx.complete(c.tag, 'OK', 'STORE completed')
}

/**
 * The untagged FETCH for one message, or undefined when nothing is due. `isOwnChange`: this
 * command changed the message and nobody has since. What is sent is recorded in the view so the
 * sync before the tagged OK does not repeat it.
 */
function fetchLine(
  ctx: ImapContext,
  selected: SelectedMailbox,
  c: CommandOf<'STORE'>,
  m: MailboxMessage,
  isOwnChange: boolean,
): string | undefined {
  const withModseq = ctx.enabled.has('CONDSTORE')
  const seq = selected.seqOf(m.uid)
  if (seq === 0) return undefined
  // rfc7162#section-3.1: once CONDSTORE is on, every untagged FETCH carries UID and MODSEQ.
  const items = c.uid || withModseq ? [`UID ${m.uid}`] : []
  if (c.silent) {
    // .SILENT: no FLAGS; the client knows what it asked for. With CONDSTORE the new MODSEQ must
    // still be reported for each message changed (rfc7162#section-3.1.3).
    if (!isOwnChange) return undefined
    selected.reportedFlags.set(m.uid, m.modseq)
    if (!withModseq) return undefined
    items.push(`MODSEQ (${m.modseq})`)
  } else {
    selected.reportedFlags.set(m.uid, m.modseq)
    items.push(`FLAGS (${selected.flagText(m)})`)
    if (withModseq) items.push(`MODSEQ (${m.modseq})`)
  }
  return `${seq} FETCH (${items.join(' ')})`
}

/**
 * STORE (UNCHANGEDSINCE) turns CONDSTORE on (rfc7162#section-3.1); the first enabling command
 * while a mailbox is selected reports its HIGHESTMODSEQ, which the client may not have yet.
 */
function enableCondstore(ctx: ImapContext, selected: SelectedMailbox): void {
  if (ctx.enabled.has('CONDSTORE')) return
  ctx.enabled.add('CONDSTORE')
  ctx.untagged(`OK [HIGHESTMODSEQ ${selected.knownModseq}] Highest`)
}
