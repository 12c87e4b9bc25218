// The \Seen side effect of FETCH BODY[...], BINARY[...], RFC822 and RFC822.TEXT
// (rfc9051#section-6.4.5): one store write for all the messages read, before any response.
import { seenBit } from '../../../store/keywords.ts'
import type { MailboxMessage } from '../../../store/read.ts'
import type { ImapContext } from '../context.ts'
import type { SelectedMailbox } from '../selected.ts'

/**
 * Sets \Seen on those of `messages` that lack it and updates them in place (flags, keywords,
 * modseq). Returns the UIDs whose flags changed: their FETCH responses carry FLAGS.
 */
export async function markSeen(
  ctx: ImapContext,
  selected: SelectedMailbox,
  messages: MailboxMessage[],
): Promise<Set<number>> {
  const unseen = messages.filter((m) => (m.flags & seenBit) === 0)
  if (unseen.length === 0) return new Set()
  const result = await ctx.deps.store.setKeywordsByUid(
    selected.accountId,
    selected.mailboxId,
    unseen.map((m) => m.uid),
    'add',
    { flags: seenBit, keywords: [] },
  )
  const byUid = new Map(unseen.map((m) => [m.uid, m]))
  const changed = new Set<number>()
  for (const u of result.updated) {
    const m = byUid.get(u.uid)
    if (m === undefined) continue
    m.flags = u.flags
    m.keywords = JSON.stringify(u.keywords)
    m.modseq = result.modseq
    changed.add(u.uid)
    // This FETCH reports the new flags itself; the sync before the tagged OK need not repeat them.
    selected.reportedFlags.set(u.uid, result.modseq)
  }
  return changed
}
