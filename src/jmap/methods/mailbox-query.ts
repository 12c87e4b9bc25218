// Mailbox/query and Mailbox/queryChanges (rfc8621#section-2.3, #section-2.4): filter, sort
// (optionally as a tree), window, and changes to a query's results from the change log.
import { isStoreError } from '../../lib/errors.ts'
import type { MailboxRow } from '../../store/mailboxes.ts'
import { isPlainObject, optionalBoolean, optionalString, optionalUnsignedInt } from '../core/args.ts'
import type { MethodContext } from '../core/context.ts'
import { invalidArguments, MethodError } from '../core/errors.ts'
import { isValidId, parseState } from '../core/ids.ts'
import type { MethodArgs } from '../core/registry.ts'
import { accountIdOf, queryWindow, stateOf } from '../core/standard.ts'
import { formatMailboxId, parseMailboxId } from './mailbox-object.ts'

type Filter =
  | { operator: 'AND' | 'OR' | 'NOT'; conditions: Filter[] }
  | {
      parentId?: number | null
      name?: string
      role?: string | null
      hasAnyRole?: boolean
      isSubscribed?: boolean
    }

interface Comparator {
  property: 'sortOrder' | 'name'
  isAscending: boolean
  collation: string
}

/** The most ids one Mailbox/query returns. */
const maxQueryLimit = 10_000

const conditionKeys = new Set(['parentId', 'name', 'role', 'hasAnyRole', 'isSubscribed'])
const collations = new Set(['i;ascii-numeric', 'i;ascii-casemap', 'i;unicode-casemap'])

/** rfc8620#section-5.5 FilterOperator / rfc8621#section-2.3 FilterCondition. */
function readFilter(value: unknown): Filter {
  if (!isPlainObject(value)) throw invalidArguments('a filter must be an object')
  if ('operator' in value) {
    const { operator, conditions, ...rest } = value
    if (operator !== 'AND' && operator !== 'OR' && operator !== 'NOT')
      throw invalidArguments('operator must be AND, OR or NOT')
    if (!Array.isArray(conditions)) throw invalidArguments('conditions must be a list')
    if (Object.keys(rest).length > 0)
      throw invalidArguments('a FilterOperator has operator and conditions only')
    return { operator, conditions: conditions.map(readFilter) }
  }
  for (const key of Object.keys(value))
    if (!conditionKeys.has(key)) throw new MethodError('unsupportedFilter', `unknown filter condition ${key}`)
  const out: Filter = {}
  if ('parentId' in value) {
    const p = value.parentId
    if (p !== null && !isValidId(p)) throw invalidArguments('filter parentId must be an id or null')
    // An id that names no mailbox matches nothing: no mailbox has row id 0.
    out.parentId = p === null ? null : (parseMailboxId(p) ?? 0)
  }
  if ('name' in value) {
    if (typeof value.name !== 'string') throw invalidArguments('filter name must be a string')
    out.name = value.name
  }
  if ('role' in value) {
    if (value.role !== null && typeof value.role !== 'string')
      throw invalidArguments('filter role must be a string or null')
    out.role = value.role
  }
  for (const key of ['hasAnyRole', 'isSubscribed'] as const) {
    if (!(key in value)) continue
    if (typeof value[key] !== 'boolean') throw invalidArguments(`filter ${key} must be a boolean`)
    out[key] = value[key]
  }
  return out
}

const fold = (s: string) => s.normalize('NFKD').toLowerCase()

function matches(filter: Filter, box: MailboxRow): boolean {
  if ('operator' in filter) {
    const results = filter.conditions.map((c) => matches(c, box))
    if (filter.operator === 'AND') return results.every(Boolean)
    if (filter.operator === 'OR') return results.some(Boolean)
    return !results.some(Boolean)
  }
  if (filter.parentId !== undefined && box.parentId !== filter.parentId) return false
  // "contains the given string": case-insensitively, as IMAP LIST matching users expect.
  if (filter.name !== undefined && !fold(box.name).includes(fold(filter.name))) return false
  if (filter.role !== undefined && box.role !== filter.role) return false
  if (filter.hasAnyRole !== undefined && (box.role !== null) !== filter.hasAnyRole) return false
  if (filter.isSubscribed !== undefined && box.isSubscribed !== filter.isSubscribed) return false
  return true
}

/** rfc8620#section-5.5 Comparator: property sortOrder or name (rfc8621#section-2.3). */
function readSort(value: unknown): Comparator[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) throw invalidArguments('sort must be a list of comparators')
  return value.map((c) => {
    if (!isPlainObject(c)) throw invalidArguments('a comparator must be an object')
    const property = c.property
    if (typeof property !== 'string') throw invalidArguments('a comparator needs a property')
    if (property !== 'sortOrder' && property !== 'name')
      throw new MethodError('unsupportedSort', `cannot sort mailboxes by ${property}`)
    if (c.isAscending !== undefined && typeof c.isAscending !== 'boolean')
      throw invalidArguments('isAscending must be a boolean')
    if (c.collation !== undefined && typeof c.collation !== 'string')
      throw invalidArguments('collation must be a string')
    const collation = (c.collation as string | undefined) ?? 'i;unicode-casemap'
    if (!collations.has(collation)) throw new MethodError('unsupportedSort', `unknown collation ${collation}`)
    return { property, isAscending: (c.isAscending as boolean | undefined) ?? true, collation }
  })
}

/** rfc4790 collations the core capability advertises, as compare functions. */
function compareText(a: string, b: string, collation: string): number {
  if (collation === 'i;ascii-numeric') {
    // rfc4790#section-9.1: the leading digits as a number; strings without any sort last.
    const na = /^[0-9]+/.exec(a)?.[0]
    const nb = /^[0-9]+/.exec(b)?.[0]
    if (na === undefined || nb === undefined) return (na === undefined ? 1 : 0) - (nb === undefined ? 1 : 0)
    const x = BigInt(na)
    const y = BigInt(nb)
    return x < y ? -1 : x > y ? 1 : 0
  }
  const fa = collation === 'i;ascii-casemap' ? a.replace(/[A-Z]/g, (c) => c.toLowerCase()) : fold(a)
  const fb = collation === 'i;ascii-casemap' ? b.replace(/[A-Z]/g, (c) => c.toLowerCase()) : fold(b)
  return fa < fb ? -1 : fa > fb ? 1 : 0
}

function siblingOrder(sort: Comparator[]): (a: MailboxRow, b: MailboxRow) => number {
  // Without a sort: sortOrder, then name, as rfc8621#section-2 suggests clients display them.
  const comparators: Comparator[] =
    sort.length > 0
      ? sort
      : [
          { property: 'sortOrder', isAscending: true, collation: 'i;unicode-casemap' },
          { property: 'name', isAscending: true, collation: 'i;unicode-casemap' },
        ]
  return (a, b) => {
    for (const c of comparators) {
      const d =
        c.property === 'sortOrder' ? a.sortOrder - b.sortOrder : compareText(a.name, b.name, c.collation)
      if (d !== 0) return c.isAscending ? d : -d
    }
    return a.id - b.id
  }
}

/** Each mailbox's chain of ancestors, root first, itself last. */
function ancestry(rows: MailboxRow[]): Map<number, MailboxRow[]> {
  const byId = new Map(rows.map((r) => [r.id, r]))
  const chains = new Map<number, MailboxRow[]>()
  const chainOf = (row: MailboxRow): MailboxRow[] => {
    const known = chains.get(row.id)
    if (known) return known
    const parent = row.parentId === null ? undefined : byId.get(row.parentId)
    const chain = parent ? [...chainOf(parent), row] : [row]
    chains.set(row.id, chain)
    return chain
  }
  for (const r of rows) chainOf(r)
  return chains
}

interface QueryInput {
  filter: Filter | null
  sort: Comparator[]
  sortAsTree: boolean
  filterAsTree: boolean
}

function readQueryInput(args: MethodArgs): QueryInput {
  return {
    filter: args.filter === undefined || args.filter === null ? null : readFilter(args.filter),
    sort: readSort(args.sort),
    sortAsTree: optionalBoolean(args, 'sortAsTree', false),
    filterAsTree: optionalBoolean(args, 'filterAsTree', false),
  }
}

/** The whole sorted result of a query, as mailbox rows. */
function runQuery(rows: MailboxRow[], input: QueryInput): MailboxRow[] {
  const chains = ancestry(rows)
  const filter = input.filter
  const matched = new Set(rows.filter((r) => !filter || matches(filter, r)).map((r) => r.id))
  // filterAsTree: a mailbox is in only if all its ancestors are too (rfc8621#section-2.3).
  const result = rows.filter(
    (r) =>
      matched.has(r.id) && (!input.filterAsTree || (chains.get(r.id) ?? []).every((a) => matched.has(a.id))),
  )
  const order = siblingOrder(input.sort)
  if (!input.sortAsTree) return result.sort(order)
  // sortAsTree: ancestors first; otherwise compare the nearest ancestors that are siblings.
  return result.sort((a, b) => {
    const ca = chains.get(a.id) ?? [a]
    const cb = chains.get(b.id) ?? [b]
    let i = 0
    while (i < ca.length && i < cb.length && ca[i]?.id === cb[i]?.id) i++
    if (i === ca.length) return -1
    if (i === cb.length) return 1
    return order(ca[i] as MailboxRow, cb[i] as MailboxRow)
  })
}

/** rfc8621#section-2.3 Mailbox/query. */
export function mailboxQuery(args: MethodArgs, ctx: MethodContext): MethodArgs {
  const input = readQueryInput(args)
  const calculateTotal = optionalBoolean(args, 'calculateTotal', false)
  const queryState = stateOf(ctx, 'mailbox')
  const all = runQuery(ctx.services.store.listMailboxes(ctx.accountId), input).map((r) =>
    formatMailboxId(r.id),
  )
  const window = queryWindow(all, args, maxQueryLimit)
  const limit = optionalUnsignedInt(args, 'limit')
  return {
    accountId: accountIdOf(ctx),
    queryState,
    canCalculateChanges: true,
    position: window.position,
    ids: window.ids,
    ...(calculateTotal ? { total: all.length } : {}),
    // rfc8620#section-5.5: the limit is returned when the server used a smaller one.
    ...(limit !== null && limit > maxQueryLimit ? { limit: maxQueryLimit } : {}),
  }
}

/**
 * rfc8621#section-2.4 Mailbox/queryChanges. Every sort and filter property of a mailbox can
 * change, so (rfc8620#section-5.6) each mailbox changed since the old state other than in its
 * counts is removed, and re-added at its index if it is in the results now. With a tree sort or
 * filter a mailbox's place also depends on its ancestors, so the descendants of a changed
 * mailbox count as changed too.
 */
export function mailboxQueryChanges(args: MethodArgs, ctx: MethodContext): MethodArgs {
  const input = readQueryInput(args)
  const sinceQueryState = optionalString(args, 'sinceQueryState')
  if (sinceQueryState === null) throw invalidArguments('sinceQueryState is required')
  const maxChanges = optionalUnsignedInt(args, 'maxChanges')
  if (maxChanges === 0) throw invalidArguments('maxChanges must be positive')
  const upToId = optionalString(args, 'upToId')
  if (upToId !== null && !isValidId(upToId)) throw invalidArguments('upToId must be an id')
  const calculateTotal = optionalBoolean(args, 'calculateTotal', false)
  const since = parseState(sinceQueryState)
  if (since === undefined) throw new MethodError('cannotCalculateChanges', 'unknown query state')
  const store = ctx.services.store
  const newQueryState = stateOf(ctx, 'mailbox')
  let changes: ReturnType<typeof store.changes>
  try {
    changes = store.changes(ctx.accountId, 'mailbox', since, Number.MAX_SAFE_INTEGER)
  } catch (err) {
    if (isStoreError(err, 'notPossible')) throw new MethodError('cannotCalculateChanges', err.message)
    throw err
  }
  const rows = store.listMailboxes(ctx.accountId)
  const countsOnly = new Set(changes.countsOnly)
  const changed = new Set([...changes.created, ...changes.updated.filter((id) => !countsOnly.has(id))])
  if (input.sortAsTree || input.filterAsTree) {
    const chains = ancestry(rows)
    for (const r of rows) if ((chains.get(r.id) ?? []).some((a) => changed.has(a.id))) changed.add(r.id)
  }
  const created = new Set(changes.created)
  const removed = [...[...changed].filter((id) => !created.has(id)), ...changes.destroyed].map(
    formatMailboxId,
  )
  const result = runQuery(rows, input)
  const added: { id: string; index: number }[] = []
  result.forEach((r, index) => {
    if (changed.has(r.id)) added.push({ id: formatMailboxId(r.id), index })
  })
  if (maxChanges !== null && removed.length + added.length > maxChanges)
    throw new MethodError('tooManyChanges', `${removed.length + added.length} changes, more than maxChanges`)
  return {
    accountId: accountIdOf(ctx),
    oldQueryState: sinceQueryState,
    newQueryState,
    ...(calculateTotal ? { total: result.length } : {}),
    removed,
    added,
  }
}
