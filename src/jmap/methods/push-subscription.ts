// PushSubscription/get and /set (rfc8620#section-7.2): the principal's push URLs. No accountId,
// no /changes, no ifInState; url and keys are never returned. Pushing is push/push-subscriptions.ts.
// A subscription is tied to the credential that made it; the push service destroys it once that
// credential is revoked or changed (rfc8620#section-7.2).
import { createHash, randomBytes } from 'node:crypto'
import type { PushSubscriptionChanges, StoredPushSubscription } from '../../store/push-subscriptions.ts'
import { isPlainObject, optionalIds, optionalObject, parseUtcDate } from '../core/args.ts'
import { coreCapability } from '../core/capabilities.ts'
import { type MethodContext, resolveCreationRef } from '../core/context.ts'
import { invalidArguments, MethodError, SetError } from '../core/errors.ts'
import type { MethodArgs, MethodDefinition } from '../core/registry.ts'
import { applyPatch, pick, readGetArgs } from '../core/standard.ts'
import { pushKeysProblem } from '../push/push-encryption.ts'
import {
  formatPushSubscriptionId,
  type PushSubscriptionService,
  parsePushSubscriptionId,
} from '../push/push-subscriptions.ts'
import { utcDate } from './email-submission.ts'

const properties = ['id', 'deviceClientId', 'url', 'keys', 'verificationCode', 'expires', 'types'] as const
const known = new Set<string>(properties)
/** rfc8620#section-7.2.1: url and keys may hold device secrets; /get never returns them. */
const secret = new Set(['url', 'keys'])
const defaultProperties = properties.filter((p) => !secret.has(p))

/** A device that keeps re-subscribing without destroying its old subscriptions hits this. */
export const maxPushSubscriptionsPerPrincipal = 10
/** The server MAY shorten `expires` (rfc8620#section-7.2); it also sets one when none is given. */
export const maxPushSubscriptionLifetimeMs = 7 * 24 * 60 * 60 * 1000
const maxDeviceClientIdLength = 255
const maxUrlLength = 2048

function serviceOf(ctx: MethodContext): PushSubscriptionService {
  const service = ctx.services.pushSubscriptions
  if (!service) throw new MethodError('serverFail', 'push subscriptions are not running')
  return service
}

function toJmap(sub: StoredPushSubscription): Record<string, unknown> {
  return {
    id: formatPushSubscriptionId(sub.id),
    deviceClientId: sub.deviceClientId,
    url: sub.url,
    keys: sub.keys,
    // rfc8620#section-7.2: null until the client sets the code it was sent.
    verificationCode: sub.isVerified ? sub.verificationCode : null,
    expires: utcDate(sub.expiresAt),
    types: sub.types,
  }
}

/** The principal's unexpired subscriptions (expired ones wait for the sweep but no longer count). */
function liveSubscriptions(ctx: MethodContext): StoredPushSubscription[] {
  const now = ctx.services.clock.now()
  return ctx.services.store.pushSubscriptions.list(ctx.accountId).filter((s) => s.expiresAt > now)
}

function stateOf(subs: readonly StoredPushSubscription[]): string {
  const view = subs.map((s) => [s.id, s.isVerified, s.expiresAt, s.types])
  return createHash('sha256').update(JSON.stringify(view)).digest('base64url').slice(0, 16)
}

// rfc8620#section-7.2.1 PushSubscription/get
function getPushSubscriptions(args: MethodArgs, ctx: MethodContext): MethodArgs {
  const { ids, properties: wanted } = readGetArgs(args, ctx, known)
  const asked = wanted?.filter((p) => secret.has(p)) ?? []
  if (asked.length > 0) throw new MethodError('forbidden', `${asked.join(' and ')} are never returned`)
  const subs = liveSubscriptions(ctx)
  const byId = new Map(subs.map((s) => [formatPushSubscriptionId(s.id), s]))
  const chosen = ids ?? [...byId.keys()]
  const list: Record<string, unknown>[] = []
  const notFound: string[] = []
  for (const id of chosen) {
    const sub = byId.get(id)
    if (sub) list.push(pick(toJmap(sub), wanted ?? defaultProperties))
    else notFound.push(id)
  }
  return { state: stateOf(subs), list, notFound }
}

/** rfc8620#section-1.4 UTCDate → milliseconds, clamped to the server's maximum lifetime. */
function readExpires(value: unknown, now: number): number {
  if (value === null || value === undefined) return now + maxPushSubscriptionLifetimeMs
  const ms = parseUtcDate(value)
  if (ms === undefined) throw SetError.invalidProperties(['expires'], 'expires must be a UTCDate or null')
  if (ms <= now) throw SetError.invalidProperties(['expires'], 'expires must be in the future')
  return Math.min(ms, now + maxPushSubscriptionLifetimeMs)
}

function readTypes(value: unknown): string[] | null {
  if (value === null || value === undefined) return null
  if (!Array.isArray(value) || !value.every((t) => typeof t === 'string' && t.length > 0 && t.length <= 255))
    throw SetError.invalidProperties(['types'], 'types must be a list of type names or null')
  return [...new Set(value as string[])]
}

function readKeys(value: unknown): { p256dh: string; auth: string } | null {
  if (value === null || value === undefined) return null
  if (
    !isPlainObject(value) ||
    Object.keys(value).some((k) => k !== 'p256dh' && k !== 'auth') ||
    typeof value.p256dh !== 'string' ||
    typeof value.auth !== 'string'
  )
    throw SetError.invalidProperties(['keys'], 'keys must be an object with p256dh and auth strings')
  const keys = { p256dh: value.p256dh, auth: value.auth }
  const problem = pushKeysProblem(keys)
  if (problem) throw SetError.invalidProperties(['keys'], problem)
  return keys
}

function readUrl(value: unknown, service: PushSubscriptionService): string {
  if (typeof value !== 'string' || value.length > maxUrlLength)
    throw SetError.invalidProperties(['url'], 'url is required: an https URL')
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw SetError.invalidProperties(['url'], 'url is not a URL')
  }
  // rfc8620#section-7.2: "The URL MUST use HTTPS."
  if (url.protocol !== 'https:') throw SetError.invalidProperties(['url'], 'url must use https')
  if (url.username !== '' || url.password !== '')
    throw SetError.invalidProperties(['url'], 'url must not carry credentials')
  if (service.isOwnEndpoint(value))
    throw SetError.invalidProperties(['url'], 'url must not point at this server')
  return value
}

async function createOne(
  object: Record<string, unknown>,
  ctx: MethodContext,
  service: PushSubscriptionService,
) {
  const unknown = Object.keys(object).filter((k) => !known.has(k))
  if (unknown.length > 0)
    throw SetError.invalidProperties(unknown, `unknown properties: ${unknown.join(', ')}`)
  if (object.id !== undefined) throw SetError.invalidProperties(['id'], 'id is set by the server')
  const { deviceClientId } = object
  if (
    typeof deviceClientId !== 'string' ||
    deviceClientId === '' ||
    deviceClientId.length > maxDeviceClientIdLength
  )
    throw SetError.invalidProperties(['deviceClientId'], 'deviceClientId is required: a non-empty string')
  // rfc8620#section-7.2: "This MUST be null (or omitted) when the subscription is created."
  if (object.verificationCode !== undefined && object.verificationCode !== null)
    throw SetError.invalidProperties(['verificationCode'], 'verificationCode must be null on creation')
  const url = readUrl(object.url, service)
  const keys = readKeys(object.keys)
  const now = ctx.services.clock.now()
  const expiresAt = readExpires(object.expires, now)
  const types = readTypes(object.types)
  if (liveSubscriptions(ctx).length >= maxPushSubscriptionsPerPrincipal)
    throw new SetError('overQuota', `at most ${maxPushSubscriptionsPerPrincipal} push subscriptions`)
  const sub = await ctx.services.store.pushSubscriptions.create(ctx.accountId, {
    deviceClientId,
    url,
    keys,
    // Unguessable: only a receiver at the URL learns it (rfc8620#section-7.2.2).
    verificationCode: randomBytes(18).toString('base64url'),
    expiresAt,
    types,
    // rfc8620#section-7.2: tied to the credentials of the request that made it.
    credential: ctx.principal.credential,
  })
  service.created(sub)
  // The server-set id and the expiry actually used.
  return { id: formatPushSubscriptionId(sub.id), expires: utcDate(sub.expiresAt) }
}

const immutable = ['id', 'deviceClientId', 'url', 'keys'] as const

async function updateOne(
  sub: StoredPushSubscription,
  patch: Record<string, unknown>,
  ctx: MethodContext,
  service: PushSubscriptionService,
): Promise<Record<string, unknown> | null> {
  const before = toJmap(sub)
  const after = applyPatch(before, patch)
  const unknown = Object.keys(after).filter((k) => !known.has(k))
  if (unknown.length > 0)
    throw SetError.invalidProperties(unknown, `unknown properties: ${unknown.join(', ')}`)
  // rfc8620#section-7.2.2: url and keys are immutable; a client destroys and re-creates instead.
  const changedFixed = immutable.filter(
    (p) => JSON.stringify(after[p] ?? null) !== JSON.stringify(before[p] ?? null),
  )
  if (changedFixed.length > 0)
    throw SetError.invalidProperties(changedFixed, `${changedFixed.join(', ')} cannot be changed`)
  const changes: PushSubscriptionChanges = {}
  const serverSet: Record<string, unknown> = {}
  if ('verificationCode' in patch) {
    const code = after.verificationCode ?? null
    if (code !== null && code !== sub.verificationCode)
      throw SetError.invalidProperties(['verificationCode'], 'verificationCode does not match the one sent')
    changes.isVerified = code !== null
  }
  if ('expires' in patch) {
    changes.expiresAt = readExpires(after.expires, ctx.services.clock.now())
    if (after.expires !== utcDate(changes.expiresAt)) serverSet.expires = utcDate(changes.expiresAt)
  }
  if (Object.keys(patch).some((k) => k === 'types' || k.startsWith('types/')))
    changes.types = readTypes(after.types)
  await ctx.services.store.pushSubscriptions.update(ctx.accountId, sub.id, changes)
  const now = ctx.services.store.pushSubscriptions.get(sub.id)
  if (now) service.updated(now)
  return Object.keys(serverSet).length > 0 ? serverSet : null
}

// rfc8620#section-7.2.2 PushSubscription/set
async function setPushSubscriptions(args: MethodArgs, ctx: MethodContext): Promise<MethodArgs> {
  if (args.ifInState !== undefined && args.ifInState !== null)
    throw invalidArguments('PushSubscription/set takes no ifInState (rfc8620#section-7.2.2)')
  const service = serviceOf(ctx)
  const create = optionalObject(args, 'create') ?? {}
  const update = optionalObject(args, 'update') ?? {}
  const destroy = optionalIds(args, 'destroy') ?? []
  const total = Object.keys(create).length + Object.keys(update).length + destroy.length
  if (total > ctx.services.limits.maxObjectsInSet)
    throw new MethodError(
      'requestTooLarge',
      `at most ${ctx.services.limits.maxObjectsInSet} objects per /set`,
    )
  const created: Record<string, unknown> = {}
  const updated: Record<string, unknown> = {}
  const destroyed: string[] = []
  const notCreated: Record<string, unknown> = {}
  const notUpdated: Record<string, unknown> = {}
  const notDestroyed: Record<string, unknown> = {}
  const fail = (err: unknown) => {
    if (err instanceof SetError) return err.object()
    throw err
  }
  for (const [creationId, object] of Object.entries(create)) {
    try {
      if (!isPlainObject(object))
        throw new SetError('invalidProperties', 'the object to create must be an object')
      const result = await createOne(object, ctx, service)
      ctx.createdIds.set(creationId, result.id)
      created[creationId] = result
    } catch (err) {
      notCreated[creationId] = fail(err)
    }
  }
  // One read for every update (after the creates, so "#ref" updates find them).
  const live = Object.keys(update).length > 0 ? liveSubscriptions(ctx) : []
  const owned = (id: string) => {
    const n = parsePushSubscriptionId(id)
    return live.find((s) => s.id === n)
  }
  for (const [rawId, patch] of Object.entries(update)) {
    const id = resolveCreationRef(ctx, rawId) ?? rawId
    try {
      const sub = owned(id)
      if (!sub) throw new SetError('notFound')
      if (!isPlainObject(patch)) throw new SetError('invalidPatch', 'the patch must be an object')
      if (destroy.includes(rawId) || destroy.includes(id)) throw new SetError('willDestroy')
      updated[id] = await updateOne(sub, patch, ctx, service)
    } catch (err) {
      notUpdated[id] = fail(err)
    }
  }
  for (const rawId of destroy) {
    const id = resolveCreationRef(ctx, rawId) ?? rawId
    try {
      const n = parsePushSubscriptionId(id)
      if (n === undefined || !(await ctx.services.store.pushSubscriptions.destroy(ctx.accountId, n)))
        throw new SetError('notFound')
      service.destroyed(n)
      destroyed.push(id)
    } catch (err) {
      notDestroyed[id] = fail(err)
    }
  }
  const orNull = (o: Record<string, unknown>) => (Object.keys(o).length > 0 ? o : null)
  return {
    created: orNull(created),
    updated: orNull(updated),
    destroyed: destroyed.length > 0 ? destroyed : null,
    notCreated: orNull(notCreated),
    notUpdated: orNull(notUpdated),
    notDestroyed: orNull(notDestroyed),
  }
}

export const pushSubscriptionMethods: MethodDefinition[] = [
  {
    name: 'PushSubscription/get',
    capability: coreCapability,
    needsAccount: false,
    handler: getPushSubscriptions,
  },
  {
    name: 'PushSubscription/set',
    capability: coreCapability,
    needsAccount: false,
    handler: setPushSubscriptions,
  },
]
