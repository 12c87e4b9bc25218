// Thread/get and Thread/changes (rfc8621#section-3): a thread is the emails the store grouped
// together at delivery (store/threads.ts); it exists while it has emails.
import { formatObjectId, parseObjectId } from '../../store/object-ids.ts'
import { mailCapability } from '../core/capabilities.ts'
import type { MethodContext } from '../core/context.ts'
import { MethodError } from '../core/errors.ts'
import type { MethodArgs, MethodDefinition } from '../core/registry.ts'
import { accountIdOf, changesResponse, pick, readGetArgs, stateOf } from '../core/standard.ts'

const threadProperties = new Set(['id', 'emailIds'])

/** rfc8621#section-3.1 Thread/get: emailIds oldest receivedAt first. */
export function threadGet(args: MethodArgs, ctx: MethodContext): MethodArgs {
  const { store, limits } = ctx.services
  const state = stateOf(ctx, 'thread')
  const { ids: asked, properties } = readGetArgs(args, ctx, threadProperties)
  let ids = asked
  if (ids === null) {
    // rfc8620#section-5.1: all records only while they fit in maxObjectsInGet
    if (store.countThreads(ctx.accountId) > limits.maxObjectsInGet)
      throw new MethodError('requestTooLarge', `more than ${limits.maxObjectsInGet} threads: ask for ids`)
    ids = store.allThreadIds(ctx.accountId).map((id) => formatObjectId('thread', id))
  }
  const numeric = new Map<string, number>()
  const notFound: string[] = []
  for (const id of ids) {
    const n = parseObjectId('thread', id)
    // only the spelling we issue ("E01" is not "E1")
    if (n === undefined || formatObjectId('thread', n) !== id) notFound.push(id)
    else numeric.set(id, n)
  }
  const emails = store.threadEmails(ctx.accountId, [...numeric.values()])
  const list: Record<string, unknown>[] = []
  for (const [id, n] of numeric) {
    const emailIds = emails.get(n)
    if (!emailIds) {
      notFound.push(id)
      continue
    }
    const thread = { id, emailIds: emailIds.map((e) => formatObjectId('email', e)) }
    list.push(properties ? pick(thread, properties) : thread)
  }
  return { accountId: accountIdOf(ctx), state, list, notFound }
}

export const threadMethods: MethodDefinition[] = [
  { name: 'Thread/get', capability: mailCapability, handler: threadGet },
  {
    name: 'Thread/changes',
    capability: mailCapability,
    // rfc8621#section-3.2: the standard /changes
    handler: (args, ctx) => changesResponse(args, ctx, 'thread', (id) => formatObjectId('thread', id)),
  },
]
