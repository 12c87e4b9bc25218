// Mailbox/get and Mailbox/changes (rfc8621#section-2.1, #section-2.2), and the Mailbox methods
// of the mail capability.
import { mailCapability } from '../core/capabilities.ts'
import type { MethodContext } from '../core/context.ts'
import type { MethodArgs, MethodDefinition } from '../core/registry.ts'
import { accountIdOf, changesResponse, pick, readGetArgs, stateOf } from '../core/standard.ts'
import {
  countProperties,
  formatMailboxId,
  mailboxProperties,
  parseMailboxId,
  toMailbox,
} from './mailbox-object.ts'
import { mailboxQuery, mailboxQueryChanges } from './mailbox-query.ts'
import { mailboxSet } from './mailbox-set.ts'

const knownProperties = new Set<string>(mailboxProperties)

/** rfc8621#section-2.1 Mailbox/get: ids null means every mailbox of the account. */
function mailboxGet(args: MethodArgs, ctx: MethodContext): MethodArgs {
  const { ids, properties } = readGetArgs(args, ctx, knownProperties)
  const store = ctx.services.store
  // The state is read before the objects, so a change racing this call makes the state older,
  // never newer, than what is returned (the client then sees the change in /changes).
  const state = stateOf(ctx, 'mailbox')
  const rows = store.listMailboxes(ctx.accountId)
  const wanted = properties ?? [...mailboxProperties]
  let found = rows
  const notFound: string[] = []
  if (ids) {
    const byId = new Map(rows.map((r) => [r.id, r]))
    found = []
    for (const id of ids) {
      const rowId = parseMailboxId(id)
      const row = rowId === undefined ? undefined : byId.get(rowId)
      if (row) found.push(row)
      else notFound.push(id)
    }
  }
  // The counts cost a query; only when asked for.
  const needsCounts = wanted.some((p) => (countProperties as readonly string[]).includes(p))
  const counts = needsCounts
    ? store.mailboxCounts(
        ctx.accountId,
        found.map((r) => r.id),
      )
    : new Map()
  return {
    accountId: accountIdOf(ctx),
    state,
    list: found.map((row) => pick(toMailbox(row, counts.get(row.id)), wanted)),
    notFound,
  }
}

/**
 * rfc8621#section-2.2 Mailbox/changes: updatedProperties names the count properties when every
 * updated mailbox changed only in its counts (the store logs those changes apart), else null.
 */
function mailboxChanges(args: MethodArgs, ctx: MethodContext): MethodArgs {
  let countsOnly = true
  const response = changesResponse(args, ctx, 'mailbox', formatMailboxId, (result) => {
    const onlyCounts = new Set(result.countsOnly)
    countsOnly = result.updated.length > 0 && result.updated.every((id) => onlyCounts.has(id))
  })
  return { ...response, updatedProperties: countsOnly ? [...countProperties] : null }
}

export const mailboxMethods: MethodDefinition[] = [
  { name: 'Mailbox/get', capability: mailCapability, handler: mailboxGet },
  { name: 'Mailbox/changes', capability: mailCapability, handler: mailboxChanges },
  { name: 'Mailbox/query', capability: mailCapability, handler: mailboxQuery },
  { name: 'Mailbox/queryChanges', capability: mailCapability, handler: mailboxQueryChanges },
  { name: 'Mailbox/set', capability: mailCapability, handler: mailboxSet },
]
