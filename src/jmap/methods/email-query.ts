// Email/query (rfc8621#section-4.4, rfc8620#section-5.5) and Email/queryChanges
// (rfc8621#section-4.5, rfc8620#section-5.6), over the search module's account-wide query.
// The query state is the Email state: every change that can move an email in or out of a result
// (keywords, mailboxes, creation, destruction, thread membership) changes an email.
import { isStoreError } from '../../lib/errors.ts'
import type { EmailComparator, EmailHit, Query } from '../../search/index.ts'
import { formatObjectId, parseObjectId } from '../../store/object-ids.ts'
import {
  isCreationRef,
  optionalBoolean,
  optionalInt,
  optionalString,
  optionalUnsignedInt,
  requiredString,
} from '../core/args.ts'
import { mailCapability } from '../core/capabilities.ts'
import { type MethodContext, resolveCreationRef } from '../core/context.ts'
import { invalidArguments, MethodError } from '../core/errors.ts'
import { isValidId, parseState } from '../core/ids.ts'
import type { MethodArgs, MethodDefinition } from '../core/registry.ts'
import { accountIdOf, stateOf } from '../core/standard.ts'
import { readEmailFilter, readEmailSort } from './email-filter.ts'

/** The most ids one Email/query answers; a larger or absent limit is cut to it and reported. */
export const maxQueryLimit = 10_000

const emailId = (id: number) => formatObjectId('email', id)

function readQuery(args: MethodArgs, ctx: MethodContext) {
  const filter = readEmailFilter(args.filter, (id) => resolveCreationRef(ctx, id))
  const sort = readEmailSort(args.sort, ctx.services.limits.collationAlgorithms)
  const collapseThreads = optionalBoolean(args, 'collapseThreads', false)
  return { filter, sort, collapseThreads }
}

function allHits(
  ctx: MethodContext,
  query: Query,
  sort: EmailComparator[],
  collapseThreads: boolean,
): EmailHit[] {
  return ctx.services.search.queryEmails(ctx.accountId, query, sort, {
    collapseThreads,
    now: ctx.services.clock.now(),
  })
}

/** rfc8621#section-4.4 Email/query */
function emailQuery(args: MethodArgs, ctx: MethodContext): MethodArgs {
  const { filter, sort, collapseThreads } = readQuery(args, ctx)
  const position = optionalInt(args, 'position') ?? 0
  const anchorText = optionalString(args, 'anchor')
  if (anchorText !== null && !isValidId(anchorText) && !isCreationRef(anchorText))
    throw invalidArguments('anchor must be an id')
  const anchor = anchorText === null ? null : (resolveCreationRef(ctx, anchorText) ?? '')
  const anchorOffset = optionalInt(args, 'anchorOffset') ?? 0
  const requestedLimit = optionalUnsignedInt(args, 'limit')
  const calculateTotal = optionalBoolean(args, 'calculateTotal', false)
  const limit = Math.min(requestedLimit ?? maxQueryLimit, maxQueryLimit)
  const search = ctx.services.search
  const queryState = stateOf(ctx, 'email')
  const now = ctx.services.clock.now()

  let ids: number[]
  let start: number
  let total: number | undefined
  if (anchor === null && position >= 0 && !collapseThreads) {
    // The common case (a page from the top): LIMIT/OFFSET in SQL, the total counted apart.
    ids = search
      .queryEmailsPage(ctx.accountId, filter.query, sort.comparators, position, limit, now)
      .map((h) => h.emailId)
    start = position
    if (calculateTotal) total = search.countEmails(ctx.accountId, filter.query, now)
  } else {
    const hits = allHits(ctx, filter.query, sort.comparators, collapseThreads)
    total = hits.length
    if (anchor !== null) {
      // rfc8620#section-5.5: position is ignored; the anchor's index plus anchorOffset, clamped at 0
      const anchorId = parseObjectId('email', anchor)
      const at = anchorId === undefined ? -1 : hits.findIndex((h) => h.emailId === anchorId)
      if (at < 0) throw new MethodError('anchorNotFound')
      start = Math.max(0, at + anchorOffset)
    } else {
      start = position < 0 ? Math.max(0, hits.length + position) : position
    }
    ids = hits.slice(start, start + limit).map((h) => h.emailId)
  }
  const out: MethodArgs = {
    accountId: accountIdOf(ctx),
    queryState,
    canCalculateChanges: true,
    position: start,
    ids: ids.map(emailId),
  }
  if (calculateTotal) out.total = total
  if (requestedLimit === null || requestedLimit > maxQueryLimit) out.limit = limit
  return out
}

/** rfc8620#section-1.2 state strings: the modseq the Email state is made of. */
/** The change log of one kind since `since`, every change at once; cannotCalculateChanges past its history. */
function changesSince(ctx: MethodContext, kind: 'email' | 'thread', since: number) {
  try {
    return ctx.services.store.changes(ctx.accountId, kind, since, Number.MAX_SAFE_INTEGER)
  } catch (err) {
    if (isStoreError(err, 'notPossible')) throw new MethodError('cannotCalculateChanges', err.message)
    throw err
  }
}

/**
 * rfc8621#section-4.5 Email/queryChanges. Exact in what it adds: every email changed since the
 * old state (and, when collapsing, every email of a changed thread) is reported removed, and
 * those of them in the results now are added with their index (rfc8620#section-5.6 allows the
 * extra removed ids; a client removes and re-adds them, which keeps its list right).
 */
function emailQueryChanges(args: MethodArgs, ctx: MethodContext): MethodArgs {
  const { filter, sort, collapseThreads } = readQuery(args, ctx)
  const sinceText = requiredString(args, 'sinceQueryState')
  const maxChanges = optionalUnsignedInt(args, 'maxChanges')
  const upToText = optionalString(args, 'upToId')
  if (upToText !== null && !isValidId(upToText)) throw invalidArguments('upToId must be an id')
  const calculateTotal = optionalBoolean(args, 'calculateTotal', false)
  const since = parseState(sinceText)
  if (since === undefined) throw new MethodError('cannotCalculateChanges', 'unknown query state')
  const newQueryState = stateOf(ctx, 'email')

  const emailChanges = changesSince(ctx, 'email', since)
  const removed = new Set<number>([...emailChanges.updated, ...emailChanges.destroyed])
  const candidates = new Set<number>([...emailChanges.created, ...emailChanges.updated])
  if (collapseThreads) {
    // Which email stands for a thread depends on all of them: a thread whose emails changed
    // may be represented by another email now.
    const threadChanges = changesSince(ctx, 'thread', since)
    const threads = new Set<number>([...threadChanges.created, ...threadChanges.updated])
    const search = ctx.services.search
    const changedEmails = ctx.services.store.emails(ctx.accountId, [...candidates])
    for (const e of changedEmails) threads.add(e.threadId)
    for (const member of search.emailsInThreads(ctx.accountId, [...threads])) {
      removed.add(member.emailId)
      candidates.add(member.emailId)
    }
  }

  const hits = allHits(ctx, filter.query, sort.comparators, collapseThreads)
  let added: { id: string; index: number }[] = []
  hits.forEach((h, index) => {
    if (candidates.has(h.emailId)) added.push({ id: emailId(h.emailId), index })
  })
  // rfc8620#section-5.6 upToId: only when filter and sort rest on properties that never change
  if (upToText !== null && filter.isImmutable && sort.isImmutable && !collapseThreads) {
    const upTo = parseObjectId('email', upToText)
    const at = upTo === undefined ? -1 : hits.findIndex((h) => h.emailId === upTo)
    if (at >= 0) added = added.filter((a) => a.index <= at)
  }
  if (maxChanges !== null && removed.size + added.length > maxChanges)
    throw new MethodError('tooManyChanges', `${removed.size + added.length} changes, more than ${maxChanges}`)
  const out: MethodArgs = {
    accountId: accountIdOf(ctx),
    oldQueryState: sinceText,
    newQueryState,
    removed: [...removed].sort((a, b) => a - b).map(emailId),
    added,
  }
  if (calculateTotal) out.total = hits.length
  return out
}

export const emailQueryMethods: MethodDefinition[] = [
  { name: 'Email/query', capability: mailCapability, handler: emailQuery },
  { name: 'Email/queryChanges', capability: mailCapability, handler: emailQueryChanges },
]
