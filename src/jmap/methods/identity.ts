// Identity/get, /changes and /set (rfc8621#section-6): the addresses an account sends as. Only
// addresses the account may use as From in SMTP submission (its own and its aliases) can become
// identities, so EmailSubmission's From check and this one agree.

import type { IdentityRow, IdentityValues } from '../../store/identities.ts'
import { isPlainObject } from '../core/args.ts'
import { submissionCapability } from '../core/capabilities.ts'
import type { MethodContext } from '../core/context.ts'
import { SetError } from '../core/errors.ts'
import { formatRowId, parseRowId } from '../core/ids.ts'
import type { MethodDefinition } from '../core/registry.ts'
import {
  accountIdOf,
  applyPatch,
  changesResponse,
  pick,
  readGetArgs,
  standardSet,
  stateOf,
} from '../core/standard.ts'

const properties = [
  'id',
  'name',
  'email',
  'replyTo',
  'bcc',
  'textSignature',
  'htmlSignature',
  'mayDelete',
] as const
const known = new Set<string>(properties)

/** Identity ids: "I" and the row id in base 36. */
export const formatIdentityId = (id: number): string => formatRowId('I', id)
export const parseIdentityId = (text: string): number | undefined => parseRowId('I', text)

/** Whether the account may send as `email`: it reaches the account (its address, an alias of it). */
export function maySendAs(ctx: MethodContext, email: string): boolean {
  return ctx.services.directory.resolver.resolve(email)?.accounts.some((a) => a.id === ctx.accountId) ?? false
}

/** The account's identities; one for its own address is made the first time there are none. */
export async function identitiesOf(ctx: MethodContext): Promise<IdentityRow[]> {
  const { store, directory } = ctx.services
  const list = store.identities.list(ctx.accountId)
  if (list.length > 0) return list
  const account = directory.accounts.byId(ctx.accountId)
  await store.identities.ensureDefault(ctx.accountId, {
    name: account?.displayName ?? '',
    email: account?.email ?? ctx.principal.email,
    replyTo: null,
    bcc: null,
    textSignature: '',
    htmlSignature: '',
  })
  return store.identities.list(ctx.accountId)
}

/** The default identity (the oldest for the account's own address) cannot be deleted. */
function defaultIdentityId(ctx: MethodContext, list: IdentityRow[]): number | undefined {
  return list.find((i) => i.email.toLowerCase() === ctx.principal.email.toLowerCase())?.id
}

function toJmap(row: IdentityRow, mayDelete: boolean): Record<string, unknown> {
  return {
    id: formatIdentityId(row.id),
    name: row.name,
    email: row.email,
    replyTo: row.replyTo,
    bcc: row.bcc,
    textSignature: row.textSignature,
    htmlSignature: row.htmlSignature,
    mayDelete,
  }
}

/** rfc8621#section-4.1.2.3 EmailAddress[] or null. */
function readAddresses(value: unknown, name: string): IdentityValues['replyTo'] {
  if (value === null) return null
  if (!Array.isArray(value)) throw SetError.invalidProperties([name], `${name} must be a list of addresses`)
  return value.map((a) => {
    if (
      !isPlainObject(a) ||
      typeof a.email !== 'string' ||
      !(a.name === undefined || a.name === null || typeof a.name === 'string') ||
      Object.keys(a).some((k) => k !== 'name' && k !== 'email')
    )
      throw SetError.invalidProperties([name], `${name} must be a list of {name, email}`)
    return { name: (a.name as string | null | undefined) ?? null, email: a.email }
  })
}

/** The writable properties in `object`, checked; server-set ones are refused. */
function readValues(object: Record<string, unknown>): Partial<IdentityValues> {
  const out: Partial<IdentityValues> = {}
  for (const [key, value] of Object.entries(object)) {
    switch (key) {
      case 'name':
      case 'textSignature':
      case 'htmlSignature':
        if (typeof value !== 'string') throw SetError.invalidProperties([key], `${key} must be a string`)
        out[key] = value
        break
      case 'email':
        if (typeof value !== 'string') throw SetError.invalidProperties([key], 'email must be a string')
        out.email = value
        break
      case 'replyTo':
      case 'bcc':
        out[key] = readAddresses(value, key)
        break
      default:
        throw SetError.invalidProperties([key], `${key} cannot be set`)
    }
  }
  return out
}

export const identityMethods: MethodDefinition[] = [
  {
    // rfc8621#section-6.1 Identity/get
    name: 'Identity/get',
    capability: submissionCapability,
    async handler(args, ctx) {
      const { ids, properties: wanted } = readGetArgs(args, ctx, known)
      const list = await identitiesOf(ctx)
      const keep = defaultIdentityId(ctx, list)
      const byId = new Map(list.map((i) => [formatIdentityId(i.id), i]))
      const chosen = ids ?? [...byId.keys()]
      const found: Record<string, unknown>[] = []
      const notFound: string[] = []
      for (const id of chosen) {
        const row = byId.get(id)
        if (row) found.push(pick(toJmap(row, row.id !== keep), wanted ?? properties))
        else notFound.push(id)
      }
      return { accountId: accountIdOf(ctx), state: stateOf(ctx, 'identity'), list: found, notFound }
    },
  },
  {
    // rfc8621#section-6.2 Identity/changes
    name: 'Identity/changes',
    capability: submissionCapability,
    async handler(args, ctx) {
      await identitiesOf(ctx)
      return changesResponse(args, ctx, 'identity', formatIdentityId)
    },
  },
  {
    // rfc8621#section-6.3 Identity/set
    name: 'Identity/set',
    capability: submissionCapability,
    async handler(args, ctx) {
      const { store } = ctx.services
      await identitiesOf(ctx)
      const rowOf = (id: string) => {
        const n = parseIdentityId(id)
        const row = n === undefined ? undefined : store.identities.get(ctx.accountId, n)
        if (!row) throw new SetError('notFound', `no identity ${id}`)
        return row
      }
      return standardSet(args, ctx, 'identity', {
        async create(object) {
          const values = readValues(object)
          if (values.email === undefined) throw SetError.invalidProperties(['email'], 'email is required')
          // rfc8621#section-6.3: forbiddenFrom when the user may not send from that address.
          if (!maySendAs(ctx, values.email))
            throw new SetError('forbiddenFrom', `you may not send as ${values.email}`)
          const row = await store.identities.create(ctx.accountId, {
            name: '',
            replyTo: null,
            bcc: null,
            textSignature: '',
            htmlSignature: '',
            ...values,
            email: values.email,
          })
          const created = toJmap(row, true)
          // The server-set id and mayDelete, and the defaults of what the client left out.
          const extra: Record<string, unknown> = { mayDelete: true }
          for (const p of properties) if (p !== 'id' && !(p in object)) extra[p] = created[p]
          return { ...extra, id: formatIdentityId(row.id) }
        },
        async update(id, patch) {
          const row = rowOf(id)
          const current = toJmap(row, true)
          const next = applyPatch(current, patch)
          const changed: Record<string, unknown> = {}
          for (const p of properties)
            if (JSON.stringify(next[p] ?? null) !== JSON.stringify(current[p] ?? null))
              changed[p] = next[p] ?? null
          // rfc8621#section-6: id, email (immutable) and mayDelete (server-set) cannot change.
          for (const p of ['id', 'email', 'mayDelete'])
            if (p in changed) throw SetError.invalidProperties([p], `${p} cannot be changed`)
          await store.identities.update(ctx.accountId, row.id, readValues(changed))
          return null
        },
        async destroy(id) {
          const row = rowOf(id)
          if (row.id === defaultIdentityId(ctx, store.identities.list(ctx.accountId)))
            throw new SetError('forbidden', 'the default identity cannot be deleted (mayDelete is false)')
          await store.identities.destroy(ctx.accountId, row.id)
        },
      })
    },
  },
]
