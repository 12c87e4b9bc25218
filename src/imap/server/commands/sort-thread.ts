// SORT and UID SORT (rfc5256#section-3, SORT=DISPLAY rfc5957) with ESORT's RETURN options
// (rfc5267#section-3.2) and the MODSEQ suffix (rfc7162#section-3.1.5); THREAD and UID THREAD with
// REFERENCES and ORDEREDSUBJECT (rfc5256#section-3). The engine sorts and threads UIDs; these
// handlers number them and write the answer.
import { buildEsearchResponse } from '../../proto/index.ts'
import type { Handler } from '../context.ts'
import { ImapNo } from '../errors.ts'
import { formatThreads, sortKeys, threadAlgorithm } from '../search-query.ts'
import { selectedOf } from './message-set.ts'
import { esearchResult, modseqOf, numbersOf, queryOf, returnedUids, viewOf } from './search.ts'

export const sort: Handler<'SORT'> = (ctx, c) => {
  const selected = selectedOf(ctx)
  const view = viewOf(selected)
  const { query, hasModseq } = queryOf(ctx, selected, view, c.searchCriteria, c.charset)
  const uids = ctx.deps.search.sort(
    selected.accountId,
    selected.mailboxId,
    view,
    sortKeys(c.criteria),
    query,
    ctx.deps.clock.now(),
  )
  const numbers = numbersOf(selected, uids, c.uid)
  if (c.returns === undefined) {
    // rfc7162#section-7 sort-data: `* SORT 2 84 882 (MODSEQ 917162500)` when the query had MODSEQ.
    const modseq = hasModseq ? modseqOf(ctx, selected, uids, uids, null) : undefined
    const suffix = modseq !== undefined ? ` (MODSEQ ${modseq})` : ''
    ctx.untagged(`SORT${numbers.map((n) => ` ${n}`).join('')}${suffix}`)
  } else {
    // rfc5267#section-3.2: MIN and MAX are the first and last in sort order, ALL keeps that order.
    const returned = returnedUids(uids, c.returns)
    const modseq = hasModseq ? modseqOf(ctx, selected, uids, returned, null) : undefined
    ctx.conn.write(buildEsearchResponse(esearchResult(c.tag, c.uid, c.returns, numbers, modseq), true))
  }
  ctx.complete(c.tag, 'OK', `${c.uid ? 'UID SORT' : 'SORT'} completed`)
}

export const thread: Handler<'THREAD'> = (ctx, c) => {
  const selected = selectedOf(ctx)
  const algorithm = threadAlgorithm(c.algorithm)
  // rfc5256#section-3: only the algorithms announced as THREAD=<name> may be asked for.
  if (algorithm === undefined)
    throw new ImapNo(`Unsupported thread algorithm ${c.algorithm}`, undefined, 'BAD')
  const view = viewOf(selected)
  const { query } = queryOf(ctx, selected, view, c.searchCriteria, c.charset)
  const threads = ctx.deps.search.thread(
    selected.accountId,
    selected.mailboxId,
    view,
    algorithm,
    query,
    ctx.deps.clock.now(),
  )
  // rfc5256#section-4 thread-data: `* THREAD (1)(2 3)`, or `* THREAD` when nothing matched.
  const list = formatThreads(threads, c.uid ? (u) => u : (u) => selected.seqOf(u))
  ctx.untagged(list === '' ? 'THREAD' : `THREAD ${list}`)
  ctx.complete(c.tag, 'OK', `${c.uid ? 'UID THREAD' : 'THREAD'} completed`)
}
