// The messages a command names: a sequence set resolved against the session's view of the
// selected mailbox (rfc9051#section-6.4.9 UIDs, rfc9051#section-9 seq-number), and the mailbox a
// COPY, MOVE or APPEND writes to (TRYCREATE when it is missing, rfc9051#section-7.1).
import type { MailboxRow } from '../../../store/mailboxes.ts'
import { expandSequenceNumbers, hasNumberAbove, type SequenceSet, selectExisting } from '../../proto/index.ts'
import type { ImapContext } from '../context.ts'
import { ImapNo } from '../errors.ts'
import { pathFromWire } from '../mailbox-names.ts'
import type { SelectedMailbox } from '../selected.ts'

/**
 * The UIDs of the view that `set` names, ascending. By UID, numbers that name no message are
 * ignored (rfc9051#section-6.4.9); a sequence number past the last message is a client error.
 * `saved` is the session's saved SEARCH result (`ctx.savedResult`), what `$` names.
 */
export function uidsOfSet(
  selected: SelectedMailbox,
  set: SequenceSet,
  byUid: boolean,
  saved: readonly number[] | undefined,
): number[] {
  // rfc5182#section-2.1: `$` is the UIDs SEARCH saved, the same with or without UID; those
  // expunged since name nothing (rfc5182#section-2.4), and an empty `$` is not an error.
  if (set.kind === 'saved') return (saved ?? []).filter((u) => selected.seqOf(u) > 0).sort((a, b) => a - b)
  if (byUid) return selectExisting(set.ranges, selected.uids())
  if (hasNumberAbove(set.ranges, selected.exists)) {
    throw new ImapNo('Invalid message sequence number', undefined, 'BAD')
  }
  return expandSequenceNumbers(set.ranges, selected.exists).map((n) => selected.uidAt(n - 1))
}

/** The selected mailbox (the state table guarantees one for the commands that call this). */
export function selectedOf(ctx: ImapContext): SelectedMailbox {
  const selected = ctx.selected
  if (!selected) throw new ImapNo('No mailbox selected', undefined, 'BAD')
  return selected
}

/** The mailbox messages go to; NO [TRYCREATE] when it does not exist (rfc9051#section-6.3.12, 6.4.7). */
export function destinationMailbox(ctx: ImapContext, wire: string): MailboxRow {
  const box = ctx.deps.store.findMailbox(ctx.account?.id ?? 0, pathFromWire(ctx, wire))
  if (!box) throw new ImapNo(`Mailbox does not exist: ${wire}`, { code: 'TRYCREATE' })
  return box
}
