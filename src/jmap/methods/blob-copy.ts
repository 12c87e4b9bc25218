// Blob/copy (rfc8620#section-6.3) copies blobs between two different accounts. A Postern
// principal reaches only its own account, so every other fromAccountId is fromAccountNotFound
// and no copy can happen; the arguments are still checked as the RFC says.
import { optionalIds, requiredString } from '../core/args.ts'
import { coreCapability } from '../core/capabilities.ts'
import type { MethodContext } from '../core/context.ts'
import { invalidArguments, MethodError } from '../core/errors.ts'
import { parseAccountId } from '../core/ids.ts'
import type { MethodArgs, MethodDefinition } from '../core/registry.ts'

function blobCopy(args: MethodArgs, ctx: MethodContext): MethodArgs {
  const fromAccountId = requiredString(args, 'fromAccountId')
  if (optionalIds(args, 'blobIds') === null) throw invalidArguments('blobIds is required')
  // The copy is between two accounts: the same one on both sides is not a copy.
  if (parseAccountId(fromAccountId) === ctx.accountId)
    throw invalidArguments('fromAccountId must differ from accountId')
  // Only one's own account exists for a principal; others are never confirmed to exist.
  throw new MethodError('fromAccountNotFound', 'no such account')
}

export const blobCopyMethods: MethodDefinition[] = [
  { name: 'Blob/copy', capability: coreCapability, handler: blobCopy },
]
