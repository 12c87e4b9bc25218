// The shared parts of the standard methods (rfc8620#section-5): /get's ids and properties,
// /changes from the store's change log, /set's create → update → destroy loop with SetErrors,
// and /query's window (position, anchor, limit).
import { isStoreError } from '../../lib/errors.ts'
import type { ChangeKind } from '../../store/change-set.ts'
import type { ChangesResult } from '../../store/changes.ts'
import {
  isCreationRef,
  optionalIds,
  optionalInt,
  optionalObject,
  optionalString,
  optionalStringList,
  optionalUnsignedInt,
} from './args.ts'
import { type MethodContext, resolveCreationRef } from './context.ts'
import { invalidArguments, MethodError, SetError } from './errors.ts'
import { formatAccountId, isValidId, parseState } from './ids.ts'
import type { MethodArgs } from './registry.ts'

// --- state ---------------------------------------------------------------------------------

/** The state string of one type: the last modseq at which an object of that type changed. */
export function stateOf(ctx: MethodContext, kind: ChangeKind): string {
  return String(ctx.services.store.kindState(ctx.accountId, kind))
}

// --- /get ----------------------------------------------------------------------------------

export interface GetArgs {
  /** null: every object of the account. */
  ids: string[] | null
  /** null: the type's default properties. */
  properties: string[] | null
}

/** ids (with creation references resolved) and properties of a /get call (rfc8620#section-5.1). */
export function readGetArgs(args: MethodArgs, ctx: MethodContext, known: ReadonlySet<string>): GetArgs {
  const ids = optionalIds(args, 'ids')
  if (ids && ids.length > ctx.services.limits.maxObjectsInGet)
    throw new MethodError('requestTooLarge', `at most ${ctx.services.limits.maxObjectsInGet} ids per /get`)
  const properties = optionalStringList(args, 'properties')
  if (properties) {
    const unknown = properties.filter((p) => !known.has(p))
    if (unknown.length > 0) throw invalidArguments(`unknown properties: ${unknown.join(', ')}`)
  }
  return {
    ids: ids ? [...new Set(ids.map((id) => resolveCreationRef(ctx, id) ?? id))] : null,
    properties: properties ? [...new Set(['id', ...properties])] : null,
  }
}

/** The listed properties of an object (id always). */
export function pick(
  object: Record<string, unknown>,
  properties: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const p of properties) if (p in object) out[p] = object[p]
  return out
}

// --- /changes ------------------------------------------------------------------------------

/**
 * A /changes response (rfc8620#section-5.2) for one type, ids formatted by `format`; `inspect`
 * sees the store's result, for what a type adds (Mailbox/changes' updatedProperties).
 */
export function changesResponse(
  args: MethodArgs,
  ctx: MethodContext,
  kind: ChangeKind,
  format: (id: number) => string,
  inspect?: (result: ChangesResult) => void,
): MethodArgs {
  const sinceText = optionalString(args, 'sinceState')
  if (sinceText === null) throw invalidArguments('sinceState is required')
  const maxChanges = optionalUnsignedInt(args, 'maxChanges')
  if (maxChanges === 0) throw invalidArguments('maxChanges must be positive')
  const since = parseState(sinceText)
  if (since === undefined) throw new MethodError('cannotCalculateChanges', 'unknown state')
  let result: ReturnType<MethodContext['services']['store']['changes']>
  try {
    result = ctx.services.store.changes(ctx.accountId, kind, since, maxChanges ?? 5000)
  } catch (err) {
    if (isStoreError(err, 'notPossible')) throw new MethodError('cannotCalculateChanges', err.message)
    throw err
  }
  inspect?.(result)
  const newState = result.hasMoreChanges ? String(result.newModseq) : stateOf(ctx, kind)
  return {
    accountId: accountIdOf(ctx),
    oldState: sinceText,
    newState,
    hasMoreChanges: result.hasMoreChanges,
    created: result.created.map(format),
    updated: result.updated.map(format),
    destroyed: result.destroyed.map(format),
  }
}

/** The accountId a response names: the one the call works on. */
export function accountIdOf(ctx: MethodContext): string {
  return formatAccountId(ctx.accountId)
}

// --- /set ----------------------------------------------------------------------------------

export interface SetHandlers {
  /** Creates one object; returns its id and any server-set properties to report. */
  create?(
    object: Record<string, unknown>,
    creationId: string,
  ): Promise<{ id: string } & Record<string, unknown>>
  /** Updates one object; returns properties the server changed beyond the patch, or null. */
  update?(id: string, patch: Record<string, unknown>): Promise<Record<string, unknown> | null>
  destroy?(id: string): Promise<void>
}

/**
 * A /set call (rfc8620#section-5.3): ifInState, then every create, update and destroy in that
 * order, each on its own; a failure of one becomes its SetError and the others go on.
 */
export async function standardSet(
  args: MethodArgs,
  ctx: MethodContext,
  kind: ChangeKind,
  handlers: SetHandlers,
): Promise<MethodArgs> {
  const create = optionalObject(args, 'create') ?? {}
  const update = optionalObject(args, 'update') ?? {}
  const destroyList = optionalIds(args, 'destroy') ?? []
  const total = Object.keys(create).length + Object.keys(update).length + destroyList.length
  if (total > ctx.services.limits.maxObjectsInSet)
    throw new MethodError(
      'requestTooLarge',
      `at most ${ctx.services.limits.maxObjectsInSet} objects per /set`,
    )
  for (const id of Object.keys(update))
    if (!isValidId(id as unknown) && !isCreationRef(id)) throw invalidArguments(`bad id ${id}`)
  const oldState = stateOf(ctx, kind)
  const ifInState = optionalString(args, 'ifInState')
  if (ifInState !== null && ifInState !== oldState) throw new MethodError('stateMismatch')

  const out = {
    created: {} as Record<string, unknown>,
    updated: {} as Record<string, unknown>,
    destroyed: [] as string[],
    notCreated: {} as Record<string, unknown>,
    notUpdated: {} as Record<string, unknown>,
    notDestroyed: {} as Record<string, unknown>,
  }
  const failure = (err: unknown): Record<string, unknown> => {
    if (err instanceof SetError) return err.object()
    if (isStoreError(err, 'notFound')) return { type: 'notFound' }
    if (isStoreError(err, 'overQuota')) return { type: 'overQuota', description: err.message }
    if (isStoreError(err, 'invalidParams') || isStoreError(err, 'notPossible') || isStoreError(err, 'exists'))
      return { type: 'invalidProperties', description: err.message }
    throw err
  }
  for (const [creationId, object] of Object.entries(create)) {
    try {
      if (!handlers.create) throw new SetError('forbidden', 'objects of this type cannot be created')
      if (typeof object !== 'object' || object === null || Array.isArray(object))
        throw new SetError('invalidProperties', 'the object to create must be an object')
      const created = await handlers.create(object as Record<string, unknown>, creationId)
      ctx.createdIds.set(creationId, created.id)
      out.created[creationId] = created
    } catch (err) {
      out.notCreated[creationId] = failure(err)
    }
  }
  for (const [rawId, patch] of Object.entries(update)) {
    const id = resolveCreationRef(ctx, rawId)
    try {
      if (!id) throw new SetError('notFound', `nothing was created as ${rawId}`)
      if (!handlers.update) throw new SetError('forbidden', 'objects of this type cannot be changed')
      if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
        throw new SetError('invalidPatch', 'the patch must be an object')
      if (destroyList.includes(rawId)) throw new SetError('willDestroy')
      out.updated[id] = await handlers.update(id, patch as Record<string, unknown>)
    } catch (err) {
      out.notUpdated[id ?? rawId] = failure(err)
    }
  }
  for (const rawId of destroyList) {
    const id = resolveCreationRef(ctx, rawId)
    try {
      if (!id) throw new SetError('notFound', `nothing was created as ${rawId}`)
      if (!handlers.destroy) throw new SetError('forbidden', 'objects of this type cannot be destroyed')
      await handlers.destroy(id)
      out.destroyed.push(id)
    } catch (err) {
      out.notDestroyed[id ?? rawId] = failure(err)
    }
  }
  const nullIfEmpty = (o: Record<string, unknown>) => (Object.keys(o).length > 0 ? o : null)
  return {
    accountId: accountIdOf(ctx),
    oldState,
    newState: stateOf(ctx, kind),
    created: nullIfEmpty(out.created),
    updated: nullIfEmpty(out.updated),
    destroyed: out.destroyed.length > 0 ? out.destroyed : null,
    notCreated: nullIfEmpty(out.notCreated),
    notUpdated: nullIfEmpty(out.notUpdated),
    notDestroyed: nullIfEmpty(out.notDestroyed),
  }
}

// --- patches -------------------------------------------------------------------------------

/**
 * Applies a PatchObject (rfc8620#section-5.3) to a copy of `object`: each key a JSON pointer
 * without its leading "/", null removes. Two keys where one is a prefix of the other are invalid.
 */
export function applyPatch(
  object: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const keys = Object.keys(patch)
  for (const a of keys)
    for (const b of keys)
      if (a !== b && b.startsWith(`${a}/`)) throw new SetError('invalidPatch', `${a} and ${b} overlap`)
  const out = structuredClone(object)
  for (const [path, value] of Object.entries(patch)) {
    const tokens = path.split('/').map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'))
    let target: Record<string, unknown> = out
    for (let i = 0; i < tokens.length - 1; i++) {
      const next = target[tokens[i] as string]
      if (typeof next !== 'object' || next === null || Array.isArray(next))
        throw new SetError('invalidPatch', `${path} does not name a property inside an object`)
      target = next as Record<string, unknown>
    }
    const last = tokens[tokens.length - 1] as string
    if (value === null) delete target[last]
    else target[last] = value
  }
  return out
}

// --- /query --------------------------------------------------------------------------------

export interface QueryWindow {
  ids: string[]
  position: number
}

/** position or anchor/anchorOffset, and limit, over the full sorted result (rfc8620#section-5.5). */
export function queryWindow(all: readonly string[], args: MethodArgs, maxLimit = 10_000): QueryWindow {
  const position = optionalInt(args, 'position') ?? 0
  const anchor = optionalString(args, 'anchor')
  const anchorOffset = optionalInt(args, 'anchorOffset') ?? 0
  const limit = optionalUnsignedInt(args, 'limit')
  const count = Math.min(limit ?? maxLimit, maxLimit)
  let start: number
  if (anchor !== null) {
    const at = all.indexOf(anchor)
    if (at < 0) throw new MethodError('anchorNotFound')
    start = Math.max(0, at + anchorOffset)
  } else if (position < 0) {
    start = Math.max(0, all.length + position)
  } else {
    start = position
  }
  const ids = start >= all.length ? [] : all.slice(start, start + count)
  return { ids, position: start >= all.length && anchor === null ? start : Math.min(start, all.length) }
}
