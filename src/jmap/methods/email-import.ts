// Email/import (rfc8621#section-4.8): messages from blobs the account holds (uploads, attached
// message/rfc822 parts) stored as emails with the given mailboxIds, keywords and receivedAt.
import { isStoreError } from '../../lib/errors.ts'
import { looksLikeMessage } from '../../mail/index.ts'
import { readBlob } from '../blobs/access.ts'
import { isPlainObject, optionalObject, optionalString } from '../core/args.ts'
import { mailCapability } from '../core/capabilities.ts'
import { type MethodContext, resolveCreationRef } from '../core/context.ts'
import { invalidArguments, MethodError, SetError } from '../core/errors.ts'
import type { MethodArgs, MethodDefinition } from '../core/registry.ts'
import { accountIdOf, stateOf } from '../core/standard.ts'
import { mailboxIdSet } from './email-fields.ts'
import { storeNewEmail } from './email-set.ts'

const importProperties = new Set(['blobId', 'mailboxIds', 'keywords', 'receivedAt'])

async function importOne(ctx: MethodContext, object: unknown, mailboxes: ReadonlySet<number>) {
  if (!isPlainObject(object)) throw SetError.invalidProperties([], 'an EmailImport must be an object')
  for (const key of Object.keys(object))
    if (!importProperties.has(key))
      throw SetError.invalidProperties([key], `${key} is not an EmailImport property`)
  if (typeof object.blobId !== 'string') throw SetError.invalidProperties(['blobId'], 'blobId is required')
  const blobId = resolveCreationRef(ctx, object.blobId) ?? object.blobId
  const content = readBlob(ctx.services, ctx.accountId, blobId)
  // rfc8621#section-4.8: a blobId not found is an invalid property here, not blobNotFound.
  if (!content) throw SetError.invalidProperties(['blobId'], `${object.blobId} is not there`)
  if (!looksLikeMessage(content.bytes))
    throw new SetError('invalidEmail', 'the blob is not an RFC 5322 message')
  return storeNewEmail(ctx, object, content.bytes, mailboxes)
}

async function emailImport(args: MethodArgs, ctx: MethodContext): Promise<MethodArgs> {
  const emails = optionalObject(args, 'emails')
  if (emails === null) throw invalidArguments('emails is required')
  if (Object.keys(emails).length > ctx.services.limits.maxObjectsInSet)
    throw new MethodError(
      'requestTooLarge',
      `at most ${ctx.services.limits.maxObjectsInSet} emails per import`,
    )
  const oldState = stateOf(ctx, 'email')
  const ifInState = optionalString(args, 'ifInState')
  if (ifInState !== null && ifInState !== oldState) throw new MethodError('stateMismatch')
  const mailboxes = mailboxIdSet(ctx)
  const created: Record<string, unknown> = {}
  const notCreated: Record<string, unknown> = {}
  for (const [creationId, object] of Object.entries(emails)) {
    try {
      const email = await importOne(ctx, object, mailboxes)
      ctx.createdIds.set(creationId, email.id)
      created[creationId] = email
    } catch (err) {
      if (err instanceof SetError) notCreated[creationId] = err.object()
      else if (isStoreError(err, 'overQuota'))
        notCreated[creationId] = { type: 'overQuota', description: err.message }
      else if (isStoreError(err, 'invalidParams') || isStoreError(err, 'notFound'))
        notCreated[creationId] = {
          type: 'invalidProperties',
          description: err.message,
          properties: ['mailboxIds'],
        }
      else throw err
    }
  }
  const nullIfEmpty = (o: Record<string, unknown>) => (Object.keys(o).length > 0 ? o : null)
  return {
    accountId: accountIdOf(ctx),
    oldState,
    newState: stateOf(ctx, 'email'),
    created: nullIfEmpty(created),
    notCreated: nullIfEmpty(notCreated),
  }
}

export const emailImportMethods: MethodDefinition[] = [
  { name: 'Email/import', capability: mailCapability, handler: emailImport },
]
