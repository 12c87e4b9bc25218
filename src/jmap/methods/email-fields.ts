// The Email properties that Email/set, Email/import and Email/copy all take for a new email
// (rfc8621#section-4.1.1): mailboxIds, keywords and receivedAt, checked and turned into store values.
import { isStoreError } from '../../lib/errors.ts'
import { type KeywordSet, maxKeywordsPerEmail, toKeywordSet } from '../../store/keywords.ts'
import { parseObjectId } from '../../store/object-ids.ts'
import { isPlainObject, parseUtcDate } from '../core/args.ts'
import { type MethodContext, resolveCreationRef } from '../core/context.ts'
import { SetError } from '../core/errors.ts'

/** The most mailboxes one email may be in (advertised as maxMailboxesPerEmail, rfc8621#section-1.3.1). */
export const maxMailboxesPerEmail = 256

/**
 * mailboxIds (Id[Boolean], rfc8621#section-4.1.1): every value true, ids of the account's
 * mailboxes (creation references resolved), at least one, at most maxMailboxesPerEmail.
 */
export function readMailboxIds(ctx: MethodContext, value: unknown, existing: ReadonlySet<number>): number[] {
  if (!isPlainObject(value)) throw SetError.invalidProperties(['mailboxIds'], 'mailboxIds must be an object')
  const ids: number[] = []
  for (const [key, flag] of Object.entries(value)) {
    const id = parseObjectId('mailbox', resolveCreationRef(ctx, key) ?? '')
    if (flag !== true || id === undefined || !existing.has(id))
      throw SetError.invalidProperties(['mailboxIds'], `${key} is not a mailbox of this account`)
    ids.push(id)
  }
  return checkMailboxCount(ids)
}

export function checkMailboxCount(ids: number[]): number[] {
  if (ids.length === 0)
    throw SetError.invalidProperties(['mailboxIds'], 'an email must be in at least one mailbox')
  if (ids.length > maxMailboxesPerEmail)
    throw new SetError('tooManyMailboxes', `an email may be in at most ${maxMailboxesPerEmail} mailboxes`)
  return ids
}

/** keywords (String[Boolean]): every value true, valid keywords, at most the store's limit. */
export function readKeywords(value: unknown): KeywordSet {
  if (value === undefined) return { flags: 0, keywords: [] }
  if (!isPlainObject(value)) throw SetError.invalidProperties(['keywords'], 'keywords must be an object')
  const names = Object.keys(value)
  if (Object.values(value).some((v) => v !== true))
    throw SetError.invalidProperties(['keywords'], 'every keyword value must be true')
  return keywordSetOf(names)
}

export function keywordSetOf(names: string[]): KeywordSet {
  if (names.length > maxKeywordsPerEmail)
    throw new SetError('tooManyKeywords', `an email may have at most ${maxKeywordsPerEmail} keywords`)
  try {
    return toKeywordSet(names)
  } catch (err) {
    if (isStoreError(err, 'invalidParams')) throw SetError.invalidProperties(['keywords'], err.message)
    throw err
  }
}

/** receivedAt (UTCDate), now when absent. */
export function readReceivedAt(ctx: MethodContext, value: unknown): number {
  if (value === undefined) return ctx.services.clock.now()
  const ms = parseUtcDate(value)
  if (ms === undefined) throw SetError.invalidProperties(['receivedAt'], 'receivedAt must be a UTCDate')
  return ms
}

/** The ids of the account's mailboxes, read once per method call. */
export function mailboxIdSet(ctx: MethodContext): Set<number> {
  return new Set(ctx.services.store.listMailboxes(ctx.accountId).map((m) => m.id))
}
