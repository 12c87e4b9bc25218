// EmailSubmission/query (rfc8621#section-7.3): filter conditions identityIds, emailIds,
// threadIds, undoStatus, before and after, combined with AND/OR/NOT (rfc8620#section-5.5);
// sort by emailId, threadId or sentAt.

import { formatObjectId } from '../../store/object-ids.ts'
import type { SubmissionKeys as SubmissionRow } from '../../store/submissions.ts'
import { isPlainObject, optionalBoolean, parseUtcDate } from '../core/args.ts'
import type { MethodContext } from '../core/context.ts'
import { invalidArguments, MethodError } from '../core/errors.ts'
import type { MethodArgs } from '../core/registry.ts'
import { accountIdOf, queryWindow, stateOf } from '../core/standard.ts'
import { formatIdentityId } from './identity.ts'

type Predicate = (row: SubmissionRow) => boolean

const conditionKeys = new Set(['identityIds', 'emailIds', 'threadIds', 'undoStatus', 'before', 'after'])

function idList(value: unknown, name: string): Set<string> {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw invalidArguments(`filter ${name} must be a list of ids`)
  return new Set(value as string[])
}

/** rfc8620#section-1.4 UTCDate: "Z" required. */
function utcDateOf(value: unknown, name: string): number {
  const ms = parseUtcDate(value)
  if (ms === undefined) throw invalidArguments(`filter ${name} must be a UTCDate`)
  return ms
}

function condition(filter: Record<string, unknown>): Predicate {
  const tests: Predicate[] = []
  for (const [key, value] of Object.entries(filter)) {
    if (!conditionKeys.has(key)) throw new MethodError('unsupportedFilter', `unknown filter condition ${key}`)
    switch (key) {
      case 'identityIds': {
        const ids = idList(value, key)
        tests.push((r) => ids.has(formatIdentityId(r.identityId)))
        break
      }
      case 'emailIds': {
        const ids = idList(value, key)
        tests.push((r) => ids.has(formatObjectId('email', r.emailId)))
        break
      }
      case 'threadIds': {
        const ids = idList(value, key)
        tests.push((r) => ids.has(formatObjectId('thread', r.threadId)))
        break
      }
      case 'undoStatus':
        if (value !== 'pending' && value !== 'final' && value !== 'canceled')
          throw invalidArguments('filter undoStatus must be pending, final or canceled')
        tests.push((r) => r.undoStatus === value)
        break
      case 'before': {
        const at = utcDateOf(value, key)
        tests.push((r) => r.sendAt < at)
        break
      }
      case 'after': {
        const at = utcDateOf(value, key)
        tests.push((r) => r.sendAt >= at)
        break
      }
    }
  }
  return (r) => tests.every((t) => t(r))
}

/** A FilterOperator or FilterCondition (rfc8620#section-5.5). */
function predicate(filter: unknown, depth = 0): Predicate {
  if (!isPlainObject(filter)) throw invalidArguments('filter must be an object')
  if (depth > 16) throw invalidArguments('filter is nested too deeply')
  if (!('operator' in filter)) return condition(filter)
  const { operator, conditions } = filter
  if (!Array.isArray(conditions) || Object.keys(filter).some((k) => k !== 'operator' && k !== 'conditions'))
    throw invalidArguments('a FilterOperator has operator and conditions only')
  const parts = conditions.map((c) => predicate(c, depth + 1))
  if (operator === 'AND') return (r) => parts.every((p) => p(r))
  if (operator === 'OR') return (r) => parts.some((p) => p(r))
  if (operator === 'NOT') return (r) => !parts.some((p) => p(r))
  throw invalidArguments('operator must be AND, OR or NOT')
}

type Compare = (a: SubmissionRow, b: SubmissionRow) => number

function comparator(sort: unknown): Compare {
  if (sort === undefined || sort === null) return (a, b) => a.sendAt - b.sendAt || a.id - b.id
  if (!Array.isArray(sort)) throw invalidArguments('sort must be a list of Comparators')
  const parts: Compare[] = sort.map((c) => {
    if (!isPlainObject(c) || typeof c.property !== 'string') throw invalidArguments('bad Comparator')
    const ascending = optionalBoolean(c, 'isAscending', true)
    if (c.collation !== undefined && typeof c.collation !== 'string') throw invalidArguments('bad collation')
    const key: ((r: SubmissionRow) => number) | undefined =
      c.property === 'emailId'
        ? (r) => r.emailId
        : c.property === 'threadId'
          ? (r) => r.threadId
          : // rfc8621#section-7.3 names it sentAt; the property is sendAt.
            c.property === 'sentAt' || c.property === 'sendAt'
            ? (r) => r.sendAt
            : undefined
    if (!key) throw new MethodError('unsupportedSort', `cannot sort by ${c.property}`)
    return (a, b) => (ascending ? 1 : -1) * (key(a) - key(b))
  })
  return (a, b) => {
    for (const p of parts) {
      const d = p(a, b)
      if (d !== 0) return d
    }
    return a.id - b.id
  }
}

export function querySubmissions(args: MethodArgs, ctx: MethodContext): MethodArgs {
  const matches = args.filter === undefined || args.filter === null ? () => true : predicate(args.filter)
  const compare = comparator(args.sort)
  const calculateTotal = optionalBoolean(args, 'calculateTotal', false)
  const all = ctx.services.store.submissions
    .listForQuery(ctx.accountId)
    .filter(matches)
    .sort(compare)
    .map((r) => `S${r.id.toString(36)}`)
  const window = queryWindow(all, args)
  return {
    accountId: accountIdOf(ctx),
    queryState: stateOf(ctx, 'emailSubmission'),
    canCalculateChanges: false,
    position: window.position,
    ids: window.ids,
    ...(calculateTotal ? { total: all.length } : {}),
  }
}
