// rfc9051#section-6.4.5 FETCH and rfc9051#section-6.4.9 UID FETCH, with the CHANGEDSINCE and
// VANISHED modifiers (rfc7162#section-3.1.4.1, rfc7162#section-3.2.6). The messages' listing rows
// come in one query, stored facts in batches, raw bytes one message at a time, and responses go
// out as they are made (fetch/writer.ts).
import type { MailboxMessage, StoredEmail } from '../../../store/read.ts'
import {
  buildVanishedResponse,
  type CommandOf,
  expandSequenceNumbers,
  hasNumberAbove,
  resolveRanges,
  selectExisting,
} from '../../proto/index.ts'
import type { Handler, ImapContext } from '../context.ts'
import { ImapNo } from '../errors.ts'
import {
  type FetchPlan,
  type FetchSource,
  planFetch,
  type RenderOptions,
  renderItems,
} from '../fetch/items.ts'
import { markSeen } from '../fetch/seen.ts'
import { ResponseWriter } from '../fetch/writer.ts'
import type { SelectedMailbox } from '../selected.ts'

type FetchCommand = CommandOf<'FETCH'>

/** Messages whose facts and email rows are loaded in one query. */
const batchSize = 500

export const fetch: Handler<'FETCH'> = async (ctx, c) => {
  const selected = ctx.selected
  if (selected === undefined) throw new ImapNo('No mailbox selected', undefined, 'BAD')
  // rfc7162#section-3.2.6: VANISHED only once QRESYNC is enabled.
  if (c.vanished && !ctx.enabled.has('QRESYNC')) {
    throw new ImapNo('VANISHED needs ENABLE QRESYNC first', { code: 'CLIENTBUG' }, 'BAD')
  }
  const seqs = targetSequenceNumbers(ctx, selected, c)
  const plan = planFetch(c.attributes)
  // rfc7162#section-3.1: CHANGEDSINCE and fetching MODSEQ are CONDSTORE enabling commands.
  if (c.changedSince !== undefined || plan.hasModseq) ctx.enabled.add('CONDSTORE')
  const writer = new ResponseWriter(ctx.conn)
  let lost = 0
  try {
    if (c.vanished && c.changedSince !== undefined) {
      await writer.line(vanishedEarlier(ctx, selected, c, c.changedSince))
    }
    const { sources, gone } = loadListing(ctx, selected, seqs, c.changedSince)
    const changed =
      plan.setsSeen && !selected.readOnly
        ? await markSeen(
            ctx,
            selected,
            sources.filter((s) => !s.pending).map((s) => s.message),
          )
        : new Set<number>()
    const options: RenderOptions = {
      utf8: ctx.utf8Names,
      condstore: ctx.enabled.has('CONDSTORE'),
      changedSince: c.changedSince !== undefined,
      flagText: (m) => selected.flagText(m),
    }
    lost = gone
    for (let i = 0; i < sources.length; i += batchSize) {
      const batch = sources.slice(i, i + batchSize)
      for (const s of batch) s.flagsChanged = changed.has(s.message.uid)
      lost += await writeBatch(ctx, selected, plan, batch, options, writer)
    }
  } finally {
    // Responses already made (VANISHED included) go out before the completion, also when a
    // later step failed.
    await writer.end()
  }
  const name = c.uid ? 'UID FETCH' : 'FETCH'
  // rfc5530#section-3 EXPUNGEISSUED: some messages named by sequence number are gone from the
  // store; the rest were answered (as Dovecot does). UID FETCH simply leaves them out.
  if (lost > 0 && !c.uid) {
    ctx.complete(c.tag, 'NO', 'Some messages were expunged and could not be fetched', {
      code: 'EXPUNGEISSUED',
    })
  } else ctx.complete(c.tag, 'OK', `${name} completed`)
}

/**
 * The sequence numbers a FETCH names, ascending. UID FETCH ignores UIDs that do not exist
 * (rfc9051#section-6.4.9); a sequence number beyond the mailbox is a client error, answered BAD
 * (rfc9051#section-9 seq-number), and so is any sequence number in an empty mailbox.
 */
function targetSequenceNumbers(ctx: ImapContext, selected: SelectedMailbox, c: FetchCommand): number[] {
  const view = selected.uids()
  if (c.sequenceSet.kind === 'saved') {
    // rfc5182#section-2.1: `$` is the UIDs SEARCH saved; those expunged since are gone from it.
    const saved = new Set(ctx.savedResult ?? [])
    const out: number[] = []
    view.forEach((uid, i) => {
      if (saved.has(uid)) out.push(i + 1)
    })
    return out
  }
  const ranges = c.sequenceSet.ranges
  if (c.uid) return selectExisting(ranges, view).map((uid) => selected.seqOf(uid))
  if (hasNumberAbove(ranges, view.length)) {
    throw new ImapNo('Invalid message sequence number', undefined, 'BAD')
  }
  return expandSequenceNumbers(ranges, view.length)
}

/** rfc7162#section-3.2.6: `* VANISHED (EARLIER)` for UIDs of the set expunged after `modseq`. */
function vanishedEarlier(
  ctx: ImapContext,
  selected: SelectedMailbox,
  c: FetchCommand,
  modseq: number,
): string {
  const all = ctx.deps.store.vanishedSince(selected.mailboxId, modseq)
  let inSet: number[]
  if (c.sequenceSet.kind === 'saved') {
    const saved = new Set(ctx.savedResult ?? [])
    inSet = all.filter((u) => saved.has(u))
  } else {
    const intervals = resolveRanges(c.sequenceSet.ranges, Math.max(selected.maxUid, 1))
    inSet = all.filter((u) => intervals.some(([lo, hi]) => u >= lo && u <= hi))
  }
  return buildVanishedResponse(inSet, true)
}

interface Loaded extends FetchSource {
  /** Expunged from the mailbox, not yet reported: served from the email while it exists. */
  pending: boolean
}

/**
 * The listing rows of the named messages in one query (the whole mailbox when all are asked
 * for). A message expunged meanwhile is served from its email row while that still exists
 * (moved elsewhere, say); `gone` counts those whose email no longer exists.
 */
function loadListing(
  ctx: ImapContext,
  selected: SelectedMailbox,
  seqs: number[],
  changedSince: number | undefined,
): { sources: Loaded[]; gone: number } {
  const { store } = ctx.deps
  const uids = seqs.map((n) => selected.uidAt(n - 1))
  const rows =
    uids.length > 1000 && uids.length >= selected.exists / 2
      ? store.mailboxMessages(selected.mailboxId)
      : store.mailboxMessagesByUid(selected.mailboxId, uids)
  const byUid = new Map(rows.map((r) => [r.uid, r]))
  const missing = uids.filter((u) => !byUid.has(u))
  const fromEmails = new Map<number, MailboxMessage>()
  if (missing.length > 0 && changedSince === undefined) {
    const ids = missing.flatMap((u) => selected.emailIds.get(u) ?? [])
    const emails = new Map(store.emails(selected.accountId, ids).map((e) => [e.id, e]))
    for (const uid of missing) {
      const email = emails.get(selected.emailIds.get(uid) ?? 0)
      if (email) fromEmails.set(uid, listingOf(uid, email))
    }
  }
  const sources: Loaded[] = []
  let gone = 0
  seqs.forEach((seq, i) => {
    const uid = uids[i] as number
    const row = byUid.get(uid)
    if (row !== undefined) {
      // rfc7162#section-3.1.4.1: only messages changed after the CHANGEDSINCE modseq.
      if (changedSince === undefined || row.modseq > changedSince)
        sources.push({ seq, message: row, pending: false, flagsChanged: false })
      return
    }
    const stale = fromEmails.get(uid)
    if (stale !== undefined) sources.push({ seq, message: stale, pending: true, flagsChanged: false })
    else if (changedSince === undefined) gone++
  })
  return { sources, gone }
}

function listingOf(uid: number, email: StoredEmail): MailboxMessage {
  return {
    uid,
    emailId: email.id,
    modseq: email.modseq,
    flags: email.flags,
    keywords: email.keywords,
    size: email.size,
    receivedAt: email.receivedAt,
    threadId: email.threadId,
  }
}

/** Loads a batch's facts and email rows, then each message's bytes, and writes the responses. */
async function writeBatch(
  ctx: ImapContext,
  selected: SelectedMailbox,
  plan: FetchPlan,
  batch: Loaded[],
  options: RenderOptions,
  writer: ResponseWriter,
): Promise<number> {
  const { store } = ctx.deps
  const ids = batch.map((s) => s.message.emailId)
  // Facts never change: those of recently fetched emails come from memory (store/facts-cache.ts).
  const facts = plan.needsFacts
    ? new Map(store.facts(selected.accountId, ids, plan.factFields).map((f) => [f.emailId, f]))
    : undefined
  const previews = plan.needsEmail
    ? new Map(store.emails(selected.accountId, ids).map((e) => [e.id, e.preview]))
    : undefined
  // Headers are small: the batch's come in one query. Whole messages are read one at a time.
  const headers = plan.needsRaw && plan.headerOnly ? store.messageHeaders(selected.accountId, ids) : undefined
  let lost = 0
  for (const source of batch) {
    if (ctx.conn.isClosed) break // the client went away: stop reading messages for nobody
    const emailId = source.message.emailId
    if (facts !== undefined) {
      source.facts = facts.get(emailId)
      if (source.facts === undefined) {
        lost++ // destroyed since the listing was read
        continue
      }
    }
    if (previews !== undefined) source.preview = previews.get(emailId)
    if (plan.needsRaw) {
      const raw =
        headers !== undefined ? headers.get(emailId) : store.messageBytes(selected.accountId, emailId)
      source.headerOnly = plan.headerOnly
      if (raw === undefined) {
        lost++
        continue
      }
      source.raw = raw
    }
    const items = renderItems(plan, source, options)
    source.raw = undefined // one message's bytes in memory at a time
    // The client now knows these flags; the sync before the tagged OK need not repeat them.
    if (!source.pending && (plan.hasFlags || source.flagsChanged))
      selected.reportedFlags.set(source.message.uid, source.message.modseq)
    await writer.fetchResponse(source.seq, items)
  }
  return lost
}
