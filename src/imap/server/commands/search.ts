// SEARCH and UID SEARCH (rfc9051#section-6.4.4, rfc3501#section-6.4.4): the classic `* SEARCH`
// answer, ESEARCH result options (rfc4731, rfc9051#section-7.3.4), SAVE and `$` (rfc5182), WITHIN
// (rfc5032), MODSEQ (rfc7162#section-3.1.5) and EMAILID/THREADID (rfc8474#section-6). The
// criteria become search/'s query (search-query.ts) and the engine answers with UIDs.
import type { Query, View } from '../../../search/index.ts'
import { parseObjectId } from '../../../store/object-ids.ts'
import {
  buildEsearchResponse,
  buildSearchResponse,
  type EsearchResult,
  type SearchKey,
  type SearchReturnOption,
} from '../../proto/index.ts'
import type { Handler, ImapContext } from '../context.ts'
import { ImapNo } from '../errors.ts'
import { BadCharsetError, searchQuery } from '../search-query.ts'
import type { SelectedMailbox } from '../selected.ts'
import { selectedOf } from './message-set.ts'

export const search: Handler<'SEARCH'> = (ctx, c) => {
  const selected = selectedOf(ctx)
  const isSaving = c.returns?.includes('SAVE') === true
  try {
    const view = viewOf(selected)
    const { query, hasModseq } = queryOf(ctx, selected, view, c.criteria, c.charset)
    // Flags and UIDs alone (no MODSEQ, whose highest value the answer would need): from memory.
    const byFlags = selected.searchFlags(query)
    const found =
      byFlags !== undefined
        ? { uids: byFlags, highestModseq: null }
        : ctx.deps.search.search(selected.accountId, selected.mailboxId, view, query, ctx.deps.clock.now())
    const numbers = numbersOf(selected, found.uids, c.uid)
    // rfc9051#section-6.4.4: an IMAP4rev2 session always gets ESEARCH; no RETURN means ALL.
    const returns = c.returns ?? (ctx.enabled.has('IMAP4REV2') ? ['ALL'] : undefined)
    if (returns === undefined) {
      // rfc7162#section-3.1.5: `(MODSEQ n)` after the numbers when the query had MODSEQ.
      ctx.conn.write(buildSearchResponse(numbers, hasModseq ? (found.highestModseq ?? undefined) : undefined))
    } else {
      const returned = returnedUids(found.uids, returns)
      // rfc5182#section-2.1 (rfc9051#section-6.4.4.1): `$` holds what MIN/MAX returned, else all.
      if (isSaving) ctx.savedResult = returned
      // rfc9051#section-6.4.4: SAVE alone suppresses the ESEARCH response.
      if (returns.some((r) => r !== 'SAVE')) {
        const modseq = hasModseq
          ? modseqOf(ctx, selected, found.uids, returned, found.highestModseq)
          : undefined
        ctx.conn.write(buildEsearchResponse(esearchResult(c.tag, c.uid, returns, numbers, modseq)))
      }
    }
    ctx.complete(c.tag, 'OK', `${c.uid ? 'UID SEARCH' : 'SEARCH'} completed`)
  } catch (err) {
    // rfc5182#section-2.1: a SEARCH with SAVE that fails leaves `$` empty.
    if (isSaving) ctx.savedResult = []
    throw err
  }
}

/** The session's view of the selected mailbox as the search engine takes it. */
export function viewOf(selected: SelectedMailbox): View {
  return selected.uids()
}

/** UIDs as the client gets them: UIDs for the UID form, else their sequence numbers in the view. */
export function numbersOf(selected: SelectedMailbox, uids: readonly number[], byUid: boolean): number[] {
  return byUid ? [...uids] : uids.map((u) => selected.seqOf(u))
}

/**
 * The query of SEARCH, SORT or THREAD criteria. CHARSET names a charset we cannot decode: NO
 * [BADCHARSET] (rfc9051#section-6.4.4). A MODSEQ criterion turns CONDSTORE on (rfc7162#section-3.1).
 */
export function queryOf(
  ctx: ImapContext,
  selected: SelectedMailbox,
  view: View,
  keys: SearchKey[],
  charset: string | undefined,
): { query: Query; hasModseq: boolean } {
  const name = charset?.toUpperCase()
  // rfc6855#section-3 (erratum 4029): after ENABLE UTF8=ACCEPT strings are UTF-8, so another
  // charset label conflicts with them.
  if (name !== undefined && name !== 'UTF-8' && name !== 'US-ASCII' && ctx.enabled.has('UTF8=ACCEPT')) {
    throw new ImapNo(`CHARSET ${charset} conflicts with UTF8=ACCEPT`, undefined, 'BAD')
  }
  let query: Query
  try {
    query = searchQuery(keys.map(checkObjectIds), {
      view,
      saved: ctx.savedResult ?? [],
      recent: [...selected.recent].sort((a, b) => a - b),
      ...(charset !== undefined ? { charset } : {}),
      parseObjectId: (id) => parseObjectId('email', id) ?? parseObjectId('thread', id),
    })
  } catch (err) {
    if (err instanceof BadCharsetError) {
      throw new ImapNo(`Unsupported charset ${err.charset}`, { code: 'BADCHARSET', charsets: err.charsets })
    }
    throw err
  }
  const hasModseq = keys.some(hasModseqKey)
  if (hasModseq) enableCondstore(ctx, selected)
  return { query, hasModseq }
}

/**
 * EMAILID takes email ids and THREADID thread ids only (rfc8474#section-6); an id of the other
 * kind is made one that parses as nothing, so it matches no message.
 */
function checkObjectIds(key: SearchKey): SearchKey {
  switch (key.kind) {
    case 'emailId':
      return parseObjectId('email', key.id) === undefined ? { kind: 'emailId', id: '' } : key
    case 'threadId':
      return parseObjectId('thread', key.id) === undefined ? { kind: 'threadId', id: '' } : key
    case 'not':
      return { kind: 'not', key: checkObjectIds(key.key) }
    case 'or':
      return { kind: 'or', left: checkObjectIds(key.left), right: checkObjectIds(key.right) }
    case 'and':
      return { kind: 'and', keys: key.keys.map(checkObjectIds) }
    default:
      return key
  }
}

function hasModseqKey(key: SearchKey): boolean {
  switch (key.kind) {
    case 'modseq':
      return true
    case 'not':
      return hasModseqKey(key.key)
    case 'or':
      return hasModseqKey(key.left) || hasModseqKey(key.right)
    case 'and':
      return key.keys.some(hasModseqKey)
    default:
      return false
  }
}

/**
 * CONDSTORE turned on by a command (rfc7162#section-3.1): the first such command while a mailbox
 * is selected reports its HIGHESTMODSEQ, which the client may not have yet.
 */
function enableCondstore(ctx: ImapContext, selected: SelectedMailbox): void {
  if (ctx.enabled.has('CONDSTORE')) return
  ctx.enabled.add('CONDSTORE')
  ctx.untagged(`OK [HIGHESTMODSEQ ${selected.knownModseq}] Highest`)
}

/**
 * The messages the result options return, in the order given (rfc4731#section-3.2): with MIN
 * and/or MAX but neither ALL nor COUNT, the first and/or last; otherwise all of them.
 */
export function returnedUids(uids: readonly number[], returns: readonly SearchReturnOption[]): number[] {
  const hasAll = returns.includes('ALL') || returns.includes('COUNT')
  const hasMin = returns.includes('MIN')
  const hasMax = returns.includes('MAX')
  if (uids.length === 0 || hasAll || (!hasMin && !hasMax)) return [...uids]
  const out: number[] = []
  if (hasMin) out.push(uids[0] as number)
  if (hasMax && (!hasMin || uids.length > 1)) out.push(uids[uids.length - 1] as number)
  return out
}

/**
 * The MODSEQ of an ESEARCH answer (rfc4731#section-3.2, rfc7162#section-3.1.5): the highest
 * MODSEQ of the messages returned; undefined when none matched.
 */
export function modseqOf(
  ctx: ImapContext,
  selected: SelectedMailbox,
  matched: readonly number[],
  returned: readonly number[],
  highestOfMatched: number | null,
): number | undefined {
  if (returned.length === 0) return undefined
  if (returned.length === matched.length && highestOfMatched !== null) return highestOfMatched
  let highest = 0
  for (const m of ctx.deps.store.mailboxMessagesByUid(selected.mailboxId, [...returned])) {
    highest = Math.max(highest, m.modseq)
  }
  return highest
}

/**
 * The data of one ESEARCH (or ESORT) response: MIN and MAX the first and last of `numbers` (in
 * mailbox order for SEARCH, sort order for SORT), COUNT even when 0; MIN, MAX and ALL left out
 * when nothing matched (rfc4731#section-3.1, rfc5267#section-3.2).
 */
export function esearchResult(
  tag: string,
  uid: boolean,
  returns: readonly SearchReturnOption[],
  numbers: readonly number[],
  modseq: number | undefined,
): EsearchResult {
  const result: EsearchResult = { tag, uid }
  const first = numbers[0]
  const last = numbers[numbers.length - 1]
  if (returns.includes('MIN') && first !== undefined) result.min = first
  if (returns.includes('MAX') && last !== undefined) result.max = last
  if (returns.includes('COUNT')) result.count = numbers.length
  if (returns.includes('ALL') && numbers.length > 0) result.all = numbers
  if (modseq !== undefined) result.modseq = modseq
  return result
}
