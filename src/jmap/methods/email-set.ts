// Email/set (rfc8621#section-4.6): create from client-written Email objects (email-compose.ts),
// update keywords and mailboxIds (whole or by patch path), destroy. Each change is durable before
// the response.
import { keywordNames } from '../../store/keywords.ts'
import { formatObjectId, parseObjectId } from '../../store/object-ids.ts'
import { formatBlobId } from '../core/blob-ids.ts'
import { mailCapability } from '../core/capabilities.ts'
import { type MethodContext, resolveCreationRef } from '../core/context.ts'
import { SetError } from '../core/errors.ts'
import type { MethodDefinition } from '../core/registry.ts'
import { standardSet } from '../core/standard.ts'
import { composeMessage } from './email-compose.ts'
import {
  checkMailboxCount,
  keywordSetOf,
  mailboxIdSet,
  readKeywords,
  readMailboxIds,
  readReceivedAt,
} from './email-fields.ts'

/** JSON pointer token unescaping (rfc6901#section-4), for "keywords/…" and "mailboxIds/…" paths. */
const unescapeToken = (t: string) => t.replaceAll('~1', '/').replaceAll('~0', '~')

interface CurrentEmail {
  keywords: string[]
  mailboxIds: number[]
}

/** Stores a new email; the created object carries the server-set properties (rfc8621#section-4.6). */
export async function storeNewEmail(
  ctx: MethodContext,
  object: Record<string, unknown>,
  bytes: Uint8Array,
  mailboxes: ReadonlySet<number>,
) {
  if (object.mailboxIds === undefined)
    throw SetError.invalidProperties(['mailboxIds'], 'mailboxIds is required')
  const mailboxIds = readMailboxIds(ctx, object.mailboxIds, mailboxes)
  const keywords = readKeywords(object.keywords)
  const receivedAt = readReceivedAt(ctx, object.receivedAt)
  const stored = await ctx.services.store.appendRaw(ctx.accountId, {
    mailboxIds,
    bytes,
    keywords,
    receivedAt,
  })
  return {
    id: formatObjectId('email', stored.emailId),
    blobId: formatBlobId(stored.blobId),
    threadId: formatObjectId('thread', stored.threadId),
    size: stored.size,
  }
}

/** The whole keyword and mailbox sets after a patch (rfc8620#section-5.3 PatchObject). */
function patched(
  ctx: MethodContext,
  patch: Record<string, unknown>,
  current: CurrentEmail,
  mailboxes: ReadonlySet<number>,
) {
  let keywords: Set<string> | undefined
  let mailboxIds: Set<number> | undefined
  const paths = Object.keys(patch)
  if (paths.some((a) => paths.some((b) => b.startsWith(`${a}/`))))
    throw new SetError('invalidPatch', 'one patch path is a prefix of another') // rfc8620#section-5.3
  for (const [path, value] of Object.entries(patch)) {
    if (path === 'keywords') {
      keywords = new Set(keywordNames(readKeywords(value ?? {})))
    } else if (path.startsWith('keywords/')) {
      if (value !== true && value !== null)
        throw SetError.invalidProperties(['keywords'], `${path} must be true or null`)
      keywords ??= new Set(current.keywords)
      const name = keywordNames(keywordSetOf([unescapeToken(path.slice(9))]))[0] as string
      if (value) keywords.add(name)
      else keywords.delete(name)
    } else if (path === 'mailboxIds') {
      mailboxIds = new Set(readMailboxIds(ctx, value, mailboxes))
    } else if (path.startsWith('mailboxIds/')) {
      if (value !== true && value !== null)
        throw SetError.invalidProperties(['mailboxIds'], `${path} must be true or null`)
      mailboxIds ??= new Set(current.mailboxIds)
      const ref = unescapeToken(path.slice(11))
      const id = parseObjectId('mailbox', resolveCreationRef(ctx, ref) ?? '')
      if (id === undefined || (value && !mailboxes.has(id)))
        throw SetError.invalidProperties(['mailboxIds'], `${ref} is not a mailbox of this account`)
      if (value) mailboxIds.add(id)
      else mailboxIds.delete(id)
    } else {
      // rfc8621#section-4.6: every other property is immutable once the email exists.
      throw SetError.invalidProperties([path.split('/')[0] as string], `${path} cannot be changed`)
    }
  }
  return {
    keywords: keywords ? keywordSetOf([...keywords]) : undefined,
    mailboxIds: mailboxIds ? checkMailboxCount([...mailboxIds]) : undefined,
  }
}

async function emailSet(args: Record<string, unknown>, ctx: MethodContext) {
  const store = ctx.services.store
  const mailboxes = mailboxIdSet(ctx)
  // The current keywords and mailboxes of every email to update, read in two queries.
  const updateIds = Object.keys((args.update as Record<string, unknown> | null) ?? {})
    .map((id) => parseObjectId('email', id))
    .filter((id): id is number => id !== undefined)
  const rows = new Map(store.emails(ctx.accountId, updateIds).map((e) => [e.id, e]))
  const placements = store.emailMailboxIds(ctx.accountId, updateIds)
  const currentOf = (id: number): CurrentEmail | undefined => {
    const row = rows.get(id) ?? store.emails(ctx.accountId, [id])[0]
    if (!row) return undefined
    const mailboxIds = placements.get(id) ?? store.emailMailboxIds(ctx.accountId, [id]).get(id) ?? []
    return {
      keywords: keywordNames({ flags: row.flags, keywords: JSON.parse(row.keywords) as string[] }),
      mailboxIds,
    }
  }
  return standardSet(args, ctx, 'email', {
    create: async (object) => storeNewEmail(ctx, object, composeMessage(ctx, object), mailboxes),
    update: async (id, patch) => {
      const emailId = parseObjectId('email', id)
      const current = emailId === undefined ? undefined : currentOf(emailId)
      if (emailId === undefined || !current) throw new SetError('notFound')
      const update = patched(ctx, patch, current, mailboxes)
      await store.updateEmail(ctx.accountId, emailId, update)
      return null
    },
    destroy: async (id) => {
      const emailId = parseObjectId('email', id)
      const destroyed = emailId === undefined ? [] : await store.destroyEmails(ctx.accountId, [emailId])
      if (destroyed.length === 0) throw new SetError('notFound')
    },
  })
}

export const emailSetMethods: MethodDefinition[] = [
  { name: 'Email/set', capability: mailCapability, handler: emailSet },
]
