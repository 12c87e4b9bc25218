// Quota/get, /changes, /query and /queryChanges (rfc9425): the account's storage quota as up to
// two Quota objects (octets and count), each present while the account has that limit. The state
// string carries the limits and usage it describes, so /changes and /queryChanges can be
// calculated exactly from any earlier state without a change log of their own.
import { isPlainObject, optionalBoolean, optionalString } from '../core/args.ts'
import { mailCapability, quotaCapability } from '../core/capabilities.ts'
import type { MethodContext } from '../core/context.ts'
import { invalidArguments, MethodError } from '../core/errors.ts'
import type { MethodArgs, MethodDefinition } from '../core/registry.ts'
import { accountIdOf, pick, queryWindow, readGetArgs } from '../core/standard.ts'

const properties = [
  'id',
  'resourceType',
  'used',
  'hardLimit',
  'scope',
  'name',
  'types',
  'warnLimit',
  'softLimit',
  'description',
] as const
const known = new Set<string>(properties)

interface QuotaObject {
  id: string
  resourceType: 'octets' | 'count'
  used: number
  hardLimit: number
  scope: 'account'
  name: string
  types: string[]
  warnLimit: null
  softLimit: null
  description: string
}

interface QuotaSnapshot {
  limitBytes: number | null
  limitMessages: number | null
  usedBytes: number
  usedMessages: number
}

function snapshotOf(ctx: MethodContext): QuotaSnapshot {
  const q = ctx.services.store.quota(ctx.accountId)
  return {
    limitBytes: q.limitBytes,
    limitMessages: q.limitMessages,
    usedBytes: q.usedBytes,
    usedMessages: q.usedMessages,
  }
}

/** The state: limits ("n" for none) and usage, e.g. "1048576.n.2048.3". */
function stateOf(s: QuotaSnapshot): string {
  const n = (v: number | null) => (v === null ? 'n' : String(v))
  return `${n(s.limitBytes)}.${n(s.limitMessages)}.${s.usedBytes}.${s.usedMessages}`
}

function parseState(text: string): QuotaSnapshot | undefined {
  const m = /^(n|\d{1,16})\.(n|\d{1,16})\.(\d{1,16})\.(\d{1,16})$/.exec(text)
  if (!m) return undefined
  const v = (t: string | undefined) => (t === 'n' || t === undefined ? null : Number(t))
  return {
    limitBytes: v(m[1]),
    limitMessages: v(m[2]),
    usedBytes: Number(m[3]),
    usedMessages: Number(m[4]),
  }
}

/**
 * The account's quotas. rfc9425#section-4: types whose capability the request does not use are
 * left out, and a quota left with no type is not shown at all; these apply to mail only.
 */
function quotasOf(s: QuotaSnapshot, using: ReadonlySet<string>): QuotaObject[] {
  if (!using.has(mailCapability)) return []
  const out: QuotaObject[] = []
  const common = { scope: 'account' as const, types: ['Mail'], warnLimit: null, softLimit: null }
  if (s.limitBytes !== null)
    out.push({
      id: 'mail-octets',
      resourceType: 'octets',
      used: s.usedBytes,
      hardLimit: s.limitBytes,
      name: 'Mail storage',
      description: 'The size of all the messages of the account',
      ...common,
    })
  if (s.limitMessages !== null)
    out.push({
      id: 'mail-count',
      resourceType: 'count',
      used: s.usedMessages,
      hardLimit: s.limitMessages,
      name: 'Mail messages',
      description: 'The number of messages of the account',
      ...common,
    })
  return out
}

// --- /query ----------------------------------------------------------------------------------

type Predicate = (q: QuotaObject) => boolean

/** rfc9425#section-4.4 FilterCondition: name (contains), scope, resourceType, type. */
function predicate(filter: unknown, depth = 0): Predicate {
  if (!isPlainObject(filter)) throw invalidArguments('filter must be an object')
  if (depth > 16) throw invalidArguments('filter is nested too deeply')
  if ('operator' in filter) {
    const { operator, conditions } = filter
    if (!Array.isArray(conditions)) throw invalidArguments('a FilterOperator needs conditions')
    const parts = conditions.map((c) => predicate(c, depth + 1))
    if (operator === 'AND') return (q) => parts.every((p) => p(q))
    if (operator === 'OR') return (q) => parts.some((p) => p(q))
    if (operator === 'NOT') return (q) => !parts.some((p) => p(q))
    throw invalidArguments('operator must be AND, OR or NOT')
  }
  const tests: Predicate[] = []
  for (const [key, value] of Object.entries(filter)) {
    if (typeof value !== 'string') throw invalidArguments(`filter ${key} must be a string`)
    if (key === 'name') tests.push((q) => q.name.toLowerCase().includes(value.toLowerCase()))
    else if (key === 'scope') tests.push((q) => q.scope === value)
    else if (key === 'resourceType') tests.push((q) => q.resourceType === value)
    else if (key === 'type') tests.push((q) => q.types.includes(value))
    else throw new MethodError('unsupportedFilter', `unknown filter condition ${key}`)
  }
  return (q) => tests.every((t) => t(q))
}

/** rfc9425#section-4.4 sort: name or used. */
function comparator(sort: unknown): (a: QuotaObject, b: QuotaObject) => number {
  if (sort === undefined || sort === null) return (a, b) => a.id.localeCompare(b.id)
  if (!Array.isArray(sort)) throw invalidArguments('sort must be a list of Comparators')
  const parts = sort.map((c) => {
    if (!isPlainObject(c) || typeof c.property !== 'string') throw invalidArguments('bad Comparator')
    const sign = optionalBoolean(c, 'isAscending', true) ? 1 : -1
    if (c.property === 'name') return (a: QuotaObject, b: QuotaObject) => sign * a.name.localeCompare(b.name)
    if (c.property === 'used') return (a: QuotaObject, b: QuotaObject) => sign * (a.used - b.used)
    throw new MethodError('unsupportedSort', `cannot sort by ${c.property}`)
  })
  return (a, b) => {
    for (const p of parts) {
      const d = p(a, b)
      if (d !== 0) return d
    }
    return a.id.localeCompare(b.id)
  }
}

function queryIds(args: MethodArgs, s: QuotaSnapshot, using: ReadonlySet<string>): QuotaObject[] {
  const matches = args.filter === undefined || args.filter === null ? () => true : predicate(args.filter)
  return quotasOf(s, using).filter(matches).sort(comparator(args.sort))
}

// --- methods ---------------------------------------------------------------------------------

export const quotaMethods: MethodDefinition[] = [
  {
    // rfc9425#section-4.1 Quota/get
    name: 'Quota/get',
    capability: quotaCapability,
    handler(args, ctx) {
      const { ids, properties: wanted } = readGetArgs(args, ctx, known)
      const snapshot = snapshotOf(ctx)
      const quotas = new Map(quotasOf(snapshot, ctx.using).map((q) => [q.id, q]))
      const chosen = ids ?? [...quotas.keys()]
      const list: Record<string, unknown>[] = []
      const notFound: string[] = []
      for (const id of chosen) {
        const q = quotas.get(id)
        if (q) list.push(pick({ ...q }, wanted ?? properties))
        else notFound.push(id)
      }
      return { accountId: accountIdOf(ctx), state: stateOf(snapshot), list, notFound }
    },
  },
  {
    // rfc9425#section-4.2 Quota/changes
    name: 'Quota/changes',
    capability: quotaCapability,
    handler(args, ctx) {
      const sinceState = optionalString(args, 'sinceState')
      if (sinceState === null) throw invalidArguments('sinceState is required')
      const maxChanges = args.maxChanges
      if (
        maxChanges !== undefined &&
        maxChanges !== null &&
        (!Number.isSafeInteger(maxChanges) || (maxChanges as number) < 1)
      )
        throw invalidArguments('maxChanges must be a positive integer')
      const old = parseState(sinceState)
      if (!old) throw new MethodError('cannotCalculateChanges', 'unknown state')
      const now = snapshotOf(ctx)
      const before = new Map(quotasOf(old, ctx.using).map((q) => [q.id, q]))
      const after = new Map(quotasOf(now, ctx.using).map((q) => [q.id, q]))
      const created = [...after.keys()].filter((id) => !before.has(id))
      const destroyed = [...before.keys()].filter((id) => !after.has(id))
      const updated = [...after.keys()].filter(
        (id) => before.has(id) && JSON.stringify(before.get(id)) !== JSON.stringify(after.get(id)),
      )
      return {
        accountId: accountIdOf(ctx),
        oldState: sinceState,
        newState: stateOf(now),
        hasMoreChanges: false,
        created,
        updated,
        destroyed,
        // rfc9425#section-4.2: which properties changed when only usage did.
        updatedProperties:
          updated.length > 0 &&
          old.limitBytes === now.limitBytes &&
          old.limitMessages === now.limitMessages &&
          created.length === 0 &&
          destroyed.length === 0
            ? ['used']
            : null,
      }
    },
  },
  {
    // rfc9425#section-4.3 Quota/query
    name: 'Quota/query',
    capability: quotaCapability,
    handler(args, ctx) {
      const snapshot = snapshotOf(ctx)
      const all = queryIds(args, snapshot, ctx.using).map((q) => q.id)
      const window = queryWindow(all, args)
      return {
        accountId: accountIdOf(ctx),
        queryState: stateOf(snapshot),
        canCalculateChanges: true,
        position: window.position,
        ids: window.ids,
        ...(optionalBoolean(args, 'calculateTotal', false) ? { total: all.length } : {}),
      }
    },
  },
  {
    // rfc9425#section-4.4 Quota/queryChanges: every quota whose place or value may differ is
    // reported removed and added again (rfc8620#section-5.6).
    name: 'Quota/queryChanges',
    capability: quotaCapability,
    handler(args, ctx) {
      const since = optionalString(args, 'sinceQueryState')
      if (since === null) throw invalidArguments('sinceQueryState is required')
      const old = parseState(since)
      if (!old) throw new MethodError('cannotCalculateChanges', 'unknown query state')
      const now = snapshotOf(ctx)
      const before = queryIds(args, old, ctx.using)
      const after = queryIds(args, now, ctx.using)
      const same = (a: QuotaObject | undefined, b: QuotaObject | undefined) =>
        a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b)
      const removed = before.filter((q, i) => !same(q, after[i])).map((q) => q.id)
      const added = after.flatMap((q, index) => (same(before[index], q) ? [] : [{ id: q.id, index }]))
      return {
        accountId: accountIdOf(ctx),
        oldQueryState: since,
        newQueryState: stateOf(now),
        ...(optionalBoolean(args, 'calculateTotal', false) ? { total: after.length } : {}),
        removed,
        added,
      }
    },
  },
]
