// COPY and UID COPY (rfc9051#section-6.4.7), MOVE and UID MOVE (rfc6851), with UIDPLUS's COPYUID
// (rfc4315#section-3). A missing destination is NO [TRYCREATE]; over quota, NO [OVERQUOTA]
// (through errors.ts). MOVE reports its own expunges before the tagged OK (rfc6851#section-4.3).
import { compressSequenceSet, formatResponseCode, type ResponseCode } from '../../proto/index.ts'
import type { Handler } from '../context.ts'
import { ImapNo } from '../errors.ts'
import { destinationMailbox, selectedOf, uidsOfSet } from './message-set.ts'

function copyUid(result: { uidValidity: number; mapping: [number, number][] }): ResponseCode {
  return {
    code: 'COPYUID',
    uidValidity: result.uidValidity,
    sourceUids: result.mapping.map(([from]) => from),
    destinationUids: result.mapping.map(([, to]) => to),
  }
}

export const copy: Handler<'COPY'> = async (ctx, c) => {
  const selected = selectedOf(ctx)
  const target = destinationMailbox(ctx, c.mailbox)
  const uids = uidsOfSet(selected, c.sequenceSet, c.uid, ctx.savedResult).filter(
    (u) => !selected.pendingExpunges.has(u),
  )
  const result = await ctx.deps.store.copy(selected.accountId, selected.mailboxId, uids, target.id)
  // Copies into the selected mailbox show up as EXISTS with the session's sync before the OK.
  if (result.mapping.length === 0) {
    ctx.complete(c.tag, 'OK', 'COPY completed')
    return
  }
  ctx.complete(c.tag, 'OK', 'COPY completed', copyUid(result))
}

export const move: Handler<'MOVE'> = async (ctx, c) => {
  const selected = selectedOf(ctx)
  // rfc6851#section-3.3: MOVE expunges from the source, which a read-only mailbox cannot do.
  if (selected.readOnly) throw new ImapNo('Mailbox is read-only (EXAMINE)')
  const target = destinationMailbox(ctx, c.mailbox)
  const uids = uidsOfSet(selected, c.sequenceSet, c.uid, ctx.savedResult).filter(
    (u) => !selected.pendingExpunges.has(u),
  )
  const result = await ctx.deps.store.move(selected.accountId, selected.mailboxId, uids, target.id)
  if (result.mapping.length > 0) {
    // rfc6851#section-4.3: COPYUID goes in an untagged OK, before the expunges.
    ctx.untagged(`OK ${formatResponseCode(copyUid(result))} Moved`)
  }
  // Only this command's own expunges: others' wait for a moment that allows them (non-UID MOVE).
  const gone = result.expunged.filter((u) => selected.emailIds.has(u))
  if (gone.length > 0) {
    if (ctx.enabled.has('QRESYNC')) ctx.untagged(`VANISHED ${compressSequenceSet(gone)}`)
    else {
      // Highest sequence number first, so each number is right as the client applies them.
      for (let i = gone.length - 1; i >= 0; i--) ctx.untagged(`${selected.seqOf(gone[i] as number)} EXPUNGE`)
    }
    selected.forget(gone)
  }
  ctx.complete(c.tag, 'OK', 'MOVE completed')
}
