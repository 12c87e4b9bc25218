// VacationResponse/get and /set (rfc8621#section-8): the account's one auto-reply setting, id
// "singleton". Local delivery sends the replies (delivery/vacation.ts). The state string is a
// digest of the settings, so it changes exactly when they do.
import { createHash } from 'node:crypto'
import type { VacationSettings } from '../../store/vacation.ts'
import { optionalIds, optionalObject, optionalString, parseUtcDate } from '../core/args.ts'
import { vacationCapability } from '../core/capabilities.ts'
import type { MethodContext } from '../core/context.ts'
import { MethodError, SetError } from '../core/errors.ts'
import type { MethodDefinition } from '../core/registry.ts'
import { accountIdOf, applyPatch, pick, readGetArgs } from '../core/standard.ts'
import { utcDate } from './email-submission.ts'

const singleton = 'singleton'
const properties = ['id', 'isEnabled', 'fromDate', 'toDate', 'subject', 'textBody', 'htmlBody'] as const
const known = new Set<string>(properties)

function stateOf(s: VacationSettings): string {
  return createHash('sha256').update(JSON.stringify(s)).digest('base64url').slice(0, 16)
}

function toJmap(s: VacationSettings): Record<string, unknown> {
  return {
    id: singleton,
    isEnabled: s.isEnabled,
    fromDate: s.fromDate === null ? null : utcDate(s.fromDate),
    toDate: s.toDate === null ? null : utcDate(s.toDate),
    subject: s.subject,
    textBody: s.textBody,
    htmlBody: s.htmlBody,
  }
}

/** rfc8620#section-1.4 UTCDate or null. */
function readDate(value: unknown, name: string): number | null {
  if (value === null) return null
  const ms = parseUtcDate(value)
  if (ms === undefined) throw SetError.invalidProperties([name], `${name} must be a UTCDate or null`)
  return ms
}

function readText(value: unknown, name: string): string | null {
  if (value === null || typeof value === 'string') return value
  throw SetError.invalidProperties([name], `${name} must be a string or null`)
}

/** The settings after a patch (rfc8620#section-5.3), checked. */
function patched(current: VacationSettings, patch: Record<string, unknown>): VacationSettings {
  const next = applyPatch(toJmap(current), patch)
  for (const key of Object.keys(next))
    if (!known.has(key)) throw SetError.invalidProperties([key], `unknown property ${key}`)
  if (next.id !== singleton) throw SetError.invalidProperties(['id'], 'id cannot be changed')
  if (typeof next.isEnabled !== 'boolean')
    throw SetError.invalidProperties(['isEnabled'], 'isEnabled must be a boolean')
  return {
    isEnabled: next.isEnabled,
    fromDate: readDate(next.fromDate ?? null, 'fromDate'),
    toDate: readDate(next.toDate ?? null, 'toDate'),
    subject: readText(next.subject ?? null, 'subject'),
    textBody: readText(next.textBody ?? null, 'textBody'),
    htmlBody: readText(next.htmlBody ?? null, 'htmlBody'),
  }
}

async function setVacation(args: Record<string, unknown>, ctx: MethodContext) {
  const { store } = ctx.services
  const create = optionalObject(args, 'create') ?? {}
  const update = optionalObject(args, 'update') ?? {}
  const destroy = optionalIds(args, 'destroy') ?? []
  const current = store.vacation.get(ctx.accountId)
  const oldState = stateOf(current)
  const ifInState = optionalString(args, 'ifInState')
  if (ifInState !== null && ifInState !== oldState) throw new MethodError('stateMismatch')
  const notCreated: Record<string, unknown> = {}
  const notUpdated: Record<string, unknown> = {}
  const notDestroyed: Record<string, unknown> = {}
  let updated: Record<string, null> | null = null
  // rfc8621#section-8.2: there is exactly one; it can be neither created nor destroyed.
  for (const id of Object.keys(create))
    notCreated[id] = new SetError('singleton', 'the VacationResponse cannot be created').object()
  for (const id of destroy)
    notDestroyed[id] = new SetError('singleton', 'the VacationResponse cannot be destroyed').object()
  for (const [id, patch] of Object.entries(update)) {
    try {
      if (id !== singleton) throw new SetError('notFound', 'the only VacationResponse is "singleton"')
      if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
        throw new SetError('invalidPatch', 'the patch must be an object')
      await store.vacation.put(ctx.accountId, patched(current, patch as Record<string, unknown>))
      updated = { [singleton]: null }
    } catch (err) {
      if (!(err instanceof SetError)) throw err
      notUpdated[id] = err.object()
    }
  }
  const orNull = (o: Record<string, unknown>) => (Object.keys(o).length > 0 ? o : null)
  return {
    accountId: accountIdOf(ctx),
    oldState,
    newState: stateOf(store.vacation.get(ctx.accountId)),
    created: null,
    updated,
    destroyed: null,
    notCreated: orNull(notCreated),
    notUpdated: orNull(notUpdated),
    notDestroyed: orNull(notDestroyed),
  }
}

export const vacationMethods: MethodDefinition[] = [
  {
    // rfc8621#section-8.1 VacationResponse/get
    name: 'VacationResponse/get',
    capability: vacationCapability,
    handler(args, ctx) {
      const { ids, properties: wanted } = readGetArgs(args, ctx, known)
      const settings = ctx.services.store.vacation.get(ctx.accountId)
      const chosen = ids ?? [singleton]
      return {
        accountId: accountIdOf(ctx),
        state: stateOf(settings),
        list: chosen.includes(singleton) ? [pick(toJmap(settings), wanted ?? properties)] : [],
        notFound: chosen.filter((id) => id !== singleton),
      }
    },
  },
  {
    // rfc8621#section-8.2 VacationResponse/set
    name: 'VacationResponse/set',
    capability: vacationCapability,
    handler: setVacation,
  },
]
