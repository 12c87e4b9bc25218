// APPEND (rfc9051#section-6.3.12) with MULTIAPPEND (rfc3502), UIDPLUS's APPENDUID
// (rfc4315#section-3), BINARY literal8 (rfc3516#section-4.4), UTF8=ACCEPT's `UTF8 (~{n})`
// (rfc6855#section-4) and APPENDLIMIT (rfc7889; the command reader refuses larger literals with
// NO [TOOBIG] before they are sent).
//
// Line endings: a message must use CRLF (rfc9051#section-6.3.12 via rfc5322#section-2.1), but many
// clients send bare LF; like Dovecot we accept it and the store turns each bare LF into CRLF, so
// sizes and sections are those of the CRLF form. A literal8 is different: its body parts may be
// binary, where an LF byte is data, and rfc3516#section-4.4 allows changing the content only
// without loss; so a literal8 message is stored exactly as sent. `UTF8 (~{n})` is literal8 only
// by syntax and carries a text message, so it is normalised like a plain literal.
import { toKeywordSet } from '../../../store/keywords.ts'
import type { Handler } from '../context.ts'
import { ImapNo } from '../errors.ts'
import { destinationMailbox } from './message-set.ts'

export const append: Handler<'APPEND'> = async (ctx, c) => {
  const accountId = ctx.account?.id ?? 0
  const target = destinationMailbox(ctx, c.mailbox)
  const now = ctx.deps.clock.now()
  const inputs = c.messages.map((m) => {
    // rfc6855#section-4: the UTF8 data item is only valid once UTF8=ACCEPT is enabled.
    if (m.utf8 && !ctx.enabled.has('UTF8=ACCEPT')) {
      throw new ImapNo('UTF8 data needs ENABLE UTF8=ACCEPT first', { code: 'CLIENTBUG' }, 'BAD')
    }
    if (m.content.length === 0) throw new ImapNo('An empty message cannot be appended', { code: 'CANNOT' })
    return {
      mailboxIds: [target.id],
      bytes: m.content,
      keywords: toKeywordSet(m.flags),
      receivedAt: m.internalDate ?? now,
      keepLineEnds: m.binary && !m.utf8,
    }
  })
  // rfc3502#section-6.3.11: all messages or none, so they go in one store transaction.
  const results = await ctx.deps.store.appendRawAll(accountId, inputs)
  const placements = results.map((r) => r.placements.find((p) => p.mailboxId === target.id))
  const uids = placements.map((p) => p?.uid ?? 0)
  // A new message in the selected mailbox is announced (EXISTS) by the sync before the OK.
  ctx.complete(c.tag, 'OK', 'APPEND completed', {
    code: 'APPENDUID',
    uidValidity: placements[0]?.uidValidity ?? target.uidValidity,
    uids,
  })
}
