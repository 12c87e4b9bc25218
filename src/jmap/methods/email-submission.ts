// EmailSubmission/get, /changes, /query, /queryChanges and /set (rfc8621#section-7). Sending is
// immediate (maxDelayedSend 0), so every submission is "final" as soon as it is created; its
// deliveryStatus follows the queue's attempts.
import { formatObjectId, parseObjectId } from '../../store/object-ids.ts'
import type { SubmissionRow } from '../../store/submissions.ts'
import { isPlainObject, optionalObject, optionalString } from '../core/args.ts'
import { submissionCapability } from '../core/capabilities.ts'
import { type MethodContext, resolveCreationRef } from '../core/context.ts'
import { invalidArguments, MethodError, SetError } from '../core/errors.ts'
import { formatRowId, isValidId, parseRowId } from '../core/ids.ts'
import type { MethodArgs, MethodDefinition } from '../core/registry.ts'
import { accountIdOf, changesResponse, pick, readGetArgs, standardSet, stateOf } from '../core/standard.ts'
import { implicitEmailSet } from './email-submission-followup.ts'
import { querySubmissions } from './email-submission-query.ts'
import { readEnvelope, sendSubmission } from './email-submission-send.ts'
import { formatIdentityId, identitiesOf, parseIdentityId } from './identity.ts'

const properties = [
  'id',
  'identityId',
  'emailId',
  'threadId',
  'envelope',
  'sendAt',
  'undoStatus',
  'deliveryStatus',
  'dsnBlobIds',
  'mdnBlobIds',
] as const
const known = new Set<string>(properties)

/** EmailSubmission ids: "S" and the row id in base 36. */
export const formatSubmissionId = (id: number): string => formatRowId('S', id)
export const parseSubmissionId = (text: string): number | undefined => parseRowId('S', text)

/** rfc8620#section-1.4 UTCDate, to the second. */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

export function toJmap(row: SubmissionRow): Record<string, unknown> {
  return {
    id: formatSubmissionId(row.id),
    identityId: formatIdentityId(row.identityId),
    emailId: formatObjectId('email', row.emailId),
    threadId: formatObjectId('thread', row.threadId),
    envelope: row.envelope,
    sendAt: utcDate(row.sendAt),
    undoStatus: row.undoStatus,
    deliveryStatus: row.deliveryStatus,
    // Postern does not yet file DSNs or MDNs against the submission they answer.
    dsnBlobIds: [],
    mdnBlobIds: [],
  }
}

/** onSuccessUpdateEmail / onSuccessDestroyEmail, checked before anything is sent. */
function readOnSuccess(args: MethodArgs) {
  const update = optionalObject(args, 'onSuccessUpdateEmail') ?? {}
  for (const [key, patch] of Object.entries(update)) {
    const ref = key.startsWith('#') ? key.slice(1) : key
    if (!isValidId(ref)) throw invalidArguments(`onSuccessUpdateEmail: bad id ${key}`)
    if (!isPlainObject(patch))
      throw invalidArguments(`onSuccessUpdateEmail: the patch for ${key} must be an object`)
  }
  const destroyValue = args.onSuccessDestroyEmail
  const destroy = destroyValue === undefined || destroyValue === null ? [] : destroyValue
  if (
    !Array.isArray(destroy) ||
    !destroy.every((k) => typeof k === 'string' && isValidId(k.startsWith('#') ? k.slice(1) : k))
  )
    throw invalidArguments('onSuccessDestroyEmail must be a list of EmailSubmission ids')
  return { update: update as Record<string, Record<string, unknown>>, destroy: destroy as string[] }
}

/** An id argument of a create, resolving a creation reference ("#k") made earlier in the request. */
function referencedId(ctx: MethodContext, object: Record<string, unknown>, name: string): string {
  const value = object[name]
  if (typeof value !== 'string') throw SetError.invalidProperties([name], `${name} is required`)
  const resolved = resolveCreationRef(ctx, value)
  if (resolved === undefined) throw SetError.invalidProperties([name], `nothing was created as ${value}`)
  return resolved
}

async function setSubmissions(args: MethodArgs, ctx: MethodContext): Promise<MethodArgs> {
  const { store } = ctx.services
  const onSuccess = readOnSuccess(args)
  await identitiesOf(ctx)
  /** Submission id (and "#creation id") → its email, for the onSuccess actions. */
  const emailOf = new Map<string, number>()
  const rowOf = (id: string) => {
    const n = parseSubmissionId(id)
    const row = n === undefined ? undefined : store.submissions.get(ctx.accountId, [n])[0]
    if (!row) throw new SetError('notFound', `no submission ${id}`)
    emailOf.set(id, row.emailId)
    return row
  }
  const response = await standardSet(args, ctx, 'emailSubmission', {
    async create(object, creationId) {
      const unknown = Object.keys(object).filter((k) => !['identityId', 'emailId', 'envelope'].includes(k))
      if (unknown.length > 0) throw SetError.invalidProperties(unknown, `cannot set ${unknown.join(', ')}`)
      const identityNumber = parseIdentityId(referencedId(ctx, object, 'identityId'))
      const identity =
        identityNumber === undefined ? undefined : store.identities.get(ctx.accountId, identityNumber)
      if (!identity) throw SetError.invalidProperties(['identityId'], 'no such identity')
      const emailNumber = parseObjectId('email', referencedId(ctx, object, 'emailId'))
      const email = emailNumber === undefined ? undefined : store.emails(ctx.accountId, [emailNumber])[0]
      if (!email) throw SetError.invalidProperties(['emailId'], 'no such email')
      const envelope = readEnvelope(object.envelope)
      const sent = await sendSubmission(ctx, {
        identity,
        emailId: email.id,
        threadId: email.threadId,
        envelope,
      })
      const row = await store.submissions.create(ctx.accountId, sent)
      const id = formatSubmissionId(row.id)
      emailOf.set(`#${creationId}`, row.emailId)
      emailOf.set(id, row.emailId)
      const created = toJmap(row)
      return {
        id,
        threadId: created.threadId,
        sendAt: created.sendAt,
        undoStatus: created.undoStatus,
        ...(object.envelope === undefined || object.envelope === null ? { envelope: created.envelope } : {}),
        deliveryStatus: created.deliveryStatus,
        dsnBlobIds: [],
        mdnBlobIds: [],
      }
    },
    async update(id, patch) {
      const row = rowOf(id)
      for (const [key, value] of Object.entries(patch)) {
        if (key !== 'undoStatus') throw SetError.invalidProperties([key], `${key} cannot be changed`)
        if (value !== 'canceled')
          throw SetError.invalidProperties(['undoStatus'], 'undoStatus can only be set to "canceled"')
        // rfc8621#section-7.5: only a pending submission can be canceled; sending here is immediate.
        if (row.undoStatus !== 'pending')
          throw new SetError('cannotUnsend', 'the email has already been sent')
      }
      return null
    },
    async destroy(id) {
      const row = rowOf(id)
      await store.submissions.destroy(ctx.accountId, row.id)
    },
  })

  // rfc8621#section-7.5: the Email changes for submissions that succeeded, as an implicit Email/set.
  const succeeded = new Set<string>([
    ...Object.keys((response.created as Record<string, unknown> | null) ?? {}).map((c) => `#${c}`),
    ...Object.keys((response.updated as Record<string, unknown> | null) ?? {}),
    ...((response.destroyed as string[] | null) ?? []),
  ])
  const emailIdFor = (key: string) => (succeeded.has(key) ? emailOf.get(key) : undefined)
  const updates = new Map<number, Record<string, unknown>>()
  for (const [key, patch] of Object.entries(onSuccess.update)) {
    const emailId = emailIdFor(key)
    if (emailId !== undefined) updates.set(emailId, { ...(updates.get(emailId) ?? {}), ...patch })
  }
  const destroys = onSuccess.destroy.map(emailIdFor).filter((e): e is number => e !== undefined)
  if (updates.size > 0 || destroys.length > 0)
    ctx.followUp('Email/set', await implicitEmailSet(ctx, updates, destroys))
  return response
}

export const emailSubmissionMethods: MethodDefinition[] = [
  {
    // rfc8621#section-7.1 EmailSubmission/get
    name: 'EmailSubmission/get',
    capability: submissionCapability,
    handler(args, ctx) {
      const { ids, properties: wanted } = readGetArgs(args, ctx, known)
      const { store } = ctx.services
      const rows = ids
        ? store.submissions.get(
            ctx.accountId,
            ids.map(parseSubmissionId).filter((n): n is number => n !== undefined),
          )
        : store.submissions.list(ctx.accountId)
      const byId = new Map(rows.map((r) => [formatSubmissionId(r.id), r]))
      const chosen = ids ?? [...byId.keys()]
      const list: Record<string, unknown>[] = []
      const notFound: string[] = []
      for (const id of chosen) {
        const row = byId.get(id)
        if (row) list.push(pick(toJmap(row), wanted ?? properties))
        else notFound.push(id)
      }
      return { accountId: accountIdOf(ctx), state: stateOf(ctx, 'emailSubmission'), list, notFound }
    },
  },
  {
    // rfc8621#section-7.2 EmailSubmission/changes
    name: 'EmailSubmission/changes',
    capability: submissionCapability,
    handler: (args, ctx) => changesResponse(args, ctx, 'emailSubmission', formatSubmissionId),
  },
  {
    // rfc8621#section-7.3 EmailSubmission/query
    name: 'EmailSubmission/query',
    capability: submissionCapability,
    handler: (args, ctx) => querySubmissions(args, ctx),
  },
  {
    // rfc8621#section-7.4 EmailSubmission/queryChanges: results are not kept per query state,
    // so changes cannot be calculated (canCalculateChanges is false in every /query response).
    name: 'EmailSubmission/queryChanges',
    capability: submissionCapability,
    handler(args) {
      if (optionalString(args, 'sinceQueryState') === null)
        throw invalidArguments('sinceQueryState is required')
      throw new MethodError('cannotCalculateChanges', 'EmailSubmission query results are not tracked')
    },
  },
  {
    // rfc8621#section-7.5 EmailSubmission/set
    name: 'EmailSubmission/set',
    capability: submissionCapability,
    handler: setSubmissions,
  },
]
