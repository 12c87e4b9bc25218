// The implicit Email/set of EmailSubmission/set's onSuccessUpdateEmail and
// onSuccessDestroyEmail (rfc8621#section-7.5): after the submissions succeed, their emails get
// the given keyword and mailbox patches or are destroyed, and the response is an Email/set
// response following EmailSubmission/set's own.
import { isStoreError } from '../../lib/errors.ts'
import { toKeywordSet } from '../../store/keywords.ts'
import { formatObjectId, parseObjectId } from '../../store/object-ids.ts'
import { isPlainObject } from '../core/args.ts'
import { type MethodContext, resolveCreationRef } from '../core/context.ts'
import { SetError } from '../core/errors.ts'
import { accountIdOf, stateOf } from '../core/standard.ts'

function unescapePointer(token: string): string {
  return token.replaceAll('~1', '/').replaceAll('~0', '~')
}

/** A mailbox id of the patch (a creation reference allowed), or invalidProperties. */
function mailboxIdOf(ctx: MethodContext, text: string): number {
  const resolved = resolveCreationRef(ctx, text)
  const id = resolved === undefined ? undefined : parseObjectId('mailbox', resolved)
  if (id === undefined) throw SetError.invalidProperties(['mailboxIds'], `no mailbox ${text}`)
  return id
}

/** Applies one Email PatchObject limited to keywords and mailboxIds (what sending needs). */
async function patchEmail(
  ctx: MethodContext,
  emailId: number,
  patch: Record<string, unknown>,
): Promise<void> {
  const { store } = ctx.services
  let keywordsReplace: string[] | undefined
  const keywordsAdd: string[] = []
  const keywordsRemove: string[] = []
  let mailboxes: Set<number> | undefined
  const mailboxAdd: number[] = []
  const mailboxRemove: number[] = []
  for (const [path, value] of Object.entries(patch)) {
    const [head, ...rest] = path.split('/')
    const tail = rest.length > 0 ? unescapePointer(rest.join('/')) : undefined
    if (head === 'keywords' && tail === undefined) {
      if (!isPlainObject(value) || !Object.values(value).every((v) => v === true))
        throw SetError.invalidProperties(['keywords'], 'keywords must map keywords to true')
      keywordsReplace = Object.keys(value)
    } else if (head === 'keywords' && tail !== undefined && !tail.includes('/')) {
      if (value === true) keywordsAdd.push(tail)
      else if (value === null) keywordsRemove.push(tail)
      else throw SetError.invalidProperties(['keywords'], `keywords/${tail} must be true or null`)
    } else if (head === 'mailboxIds' && tail === undefined) {
      if (!isPlainObject(value) || !Object.values(value).every((v) => v === true))
        throw SetError.invalidProperties(['mailboxIds'], 'mailboxIds must map mailbox ids to true')
      mailboxes = new Set(Object.keys(value).map((id) => mailboxIdOf(ctx, id)))
    } else if (head === 'mailboxIds' && tail !== undefined && !tail.includes('/')) {
      if (value === true) mailboxAdd.push(mailboxIdOf(ctx, tail))
      else if (value === null) mailboxRemove.push(mailboxIdOf(ctx, tail))
      else throw SetError.invalidProperties(['mailboxIds'], `mailboxIds/${tail} must be true or null`)
    } else {
      throw SetError.invalidProperties([head ?? path], `${path} cannot be changed here`)
    }
  }
  if (keywordsReplace && (keywordsAdd.length > 0 || keywordsRemove.length > 0))
    throw new SetError('invalidPatch', 'keywords and keywords/… in one patch')
  if (mailboxes && (mailboxAdd.length > 0 || mailboxRemove.length > 0))
    throw new SetError('invalidPatch', 'mailboxIds and mailboxIds/… in one patch')
  const keywordSets = {
    replace: keywordsReplace ? toKeywordSet(keywordsReplace) : undefined,
    add: toKeywordSet(keywordsAdd),
    remove: toKeywordSet(keywordsRemove),
  }
  if (mailboxes || mailboxAdd.length > 0 || mailboxRemove.length > 0) {
    const next = mailboxes ?? new Set(store.mailboxIdsOf(emailId))
    for (const id of mailboxAdd) next.add(id)
    for (const id of mailboxRemove) next.delete(id)
    if (next.size === 0) throw SetError.invalidProperties(['mailboxIds'], 'an email must be in a mailbox')
    try {
      await store.replaceEmailMailboxes(ctx.accountId, emailId, [...next])
    } catch (err) {
      if (isStoreError(err, 'notFound')) throw SetError.invalidProperties(['mailboxIds'], err.message)
      throw err
    }
  }
  if (keywordSets.replace) await store.setKeywords(ctx.accountId, [emailId], 'replace', keywordSets.replace)
  if (keywordsAdd.length > 0) await store.setKeywords(ctx.accountId, [emailId], 'add', keywordSets.add)
  if (keywordsRemove.length > 0)
    await store.setKeywords(ctx.accountId, [emailId], 'remove', keywordSets.remove)
}

function setErrorOf(err: unknown): Record<string, unknown> {
  if (err instanceof SetError) return err.object()
  if (isStoreError(err, 'notFound')) return { type: 'notFound' }
  if (isStoreError(err, 'invalidParams')) return { type: 'invalidProperties', description: err.message }
  throw err
}

/** Runs the updates and destroys and returns the implicit Email/set response's arguments. */
export async function implicitEmailSet(
  ctx: MethodContext,
  updates: Map<number, Record<string, unknown>>,
  destroys: number[],
): Promise<Record<string, unknown>> {
  const oldState = stateOf(ctx, 'email')
  const updated: Record<string, null> = {}
  const notUpdated: Record<string, unknown> = {}
  const destroyed: string[] = []
  const notDestroyed: Record<string, unknown> = {}
  const existing = new Set(
    ctx.services.store.emails(ctx.accountId, [...new Set([...updates.keys(), ...destroys])]).map((e) => e.id),
  )
  for (const [emailId, patch] of updates) {
    const id = formatObjectId('email', emailId)
    try {
      if (!existing.has(emailId)) throw new SetError('notFound')
      if (destroys.includes(emailId)) throw new SetError('willDestroy')
      await patchEmail(ctx, emailId, patch)
      updated[id] = null
    } catch (err) {
      notUpdated[id] = setErrorOf(err)
    }
  }
  const toDestroy = [...new Set(destroys)].filter((emailId) => {
    if (existing.has(emailId)) return true
    notDestroyed[formatObjectId('email', emailId)] = { type: 'notFound' }
    return false
  })
  if (toDestroy.length > 0) {
    await ctx.services.store.destroyEmails(ctx.accountId, toDestroy)
    destroyed.push(...toDestroy.map((emailId) => formatObjectId('email', emailId)))
  }
  const orNull = (o: Record<string, unknown>) => (Object.keys(o).length > 0 ? o : null)
  return {
    accountId: accountIdOf(ctx),
    oldState,
    newState: stateOf(ctx, 'email'),
    created: null,
    updated: orNull(updated),
    destroyed: destroyed.length > 0 ? destroyed : null,
    notCreated: null,
    notUpdated: orNull(notUpdated),
    notDestroyed: orNull(notDestroyed),
  }
}
