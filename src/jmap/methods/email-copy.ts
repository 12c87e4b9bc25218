// Email/copy (rfc8621#section-4.7, rfc8620#section-5.4) copies emails between two different
// accounts. A Postern principal reaches only its own account, so every other fromAccountId is
// fromAccountNotFound and no copy can happen; the arguments are still checked as the RFC says.
import {
  isPlainObject,
  optionalBoolean,
  optionalObject,
  optionalString,
  requiredString,
} from '../core/args.ts'
import { mailCapability } from '../core/capabilities.ts'
import type { MethodContext } from '../core/context.ts'
import { invalidArguments, MethodError } from '../core/errors.ts'
import { parseAccountId } from '../core/ids.ts'
import type { MethodArgs, MethodDefinition } from '../core/registry.ts'

function emailCopy(args: MethodArgs, ctx: MethodContext): MethodArgs {
  const fromAccountId = requiredString(args, 'fromAccountId')
  optionalString(args, 'ifFromInState')
  optionalString(args, 'ifInState')
  optionalString(args, 'destroyFromIfInState')
  optionalBoolean(args, 'onSuccessDestroyOriginal', false)
  const create = optionalObject(args, 'create')
  if (create === null) throw invalidArguments('create is required')
  for (const [creationId, object] of Object.entries(create))
    if (!isPlainObject(object) || typeof object.id !== 'string')
      throw invalidArguments(`create/${creationId} must be an Email with the id to copy`)
  // rfc8620#section-5.4: accountId "MUST be different to the fromAccountId".
  if (parseAccountId(fromAccountId) === ctx.accountId)
    throw invalidArguments('fromAccountId must differ from accountId; use Email/set to change mailboxes')
  // Only one's own account exists for a principal; others are never confirmed to exist.
  throw new MethodError('fromAccountNotFound', 'no such account')
}

export const emailCopyMethods: MethodDefinition[] = [
  { name: 'Email/copy', capability: mailCapability, handler: emailCopy },
]
