// Email/get (rfc8621#section-4.2) and Email/changes (rfc8621#section-4.3). Metadata, the
// convenience header properties and the part tree come from what delivery stored; the message
// bytes are read only for header:* forms and headers (the header alone), and for body values and
// part headers (the whole message), in batches.
import type { MimePart } from '../../mail/types.ts'
import { type StoredMeta, unpackPart } from '../../store/facts.ts'
import type { JmapEmailRow } from '../../store/jmap-reads.ts'
import { keywordNames } from '../../store/keywords.ts'
import { formatObjectId, parseObjectId } from '../../store/object-ids.ts'
import { formatBlobId } from '../core/blob-ids.ts'
import { mailCapability } from '../core/capabilities.ts'
import type { MethodContext } from '../core/context.ts'
import { MethodError } from '../core/errors.ts'
import type { MethodArgs, MethodDefinition } from '../core/registry.ts'
import { accountIdOf, changesResponse, readGetArgs, stateOf } from '../core/standard.ts'
import { bodyPropertiesNeedRaw, partSizes } from './email-body-parts.ts'
import {
  addMessageProperties,
  convenienceHeaderProperties,
  type EmailRequest,
  emailProperties,
  metadataProperties,
  parseDefaultProperties,
  readEmailRequest,
  wantsBodyValues,
  wantsParts,
} from './email-properties.ts'

/** rfc8621#section-4.2: the properties returned when `properties` is null. */
const defaultProperties = [...metadataProperties, ...parseDefaultProperties]

/** One email's stored facts, parsed once. */
interface Loaded {
  row: JmapEmailRow
  meta: StoredMeta | null
  root: MimePart | null
}

/** rfc8620#section-1.4 UTCDate: no fraction when it is zero. */
function utcDate(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z')
}

/** Whether this email's properties need the whole message rather than stored facts. */
function needsRaw(req: EmailRequest, e: Loaded): boolean {
  if (wantsBodyValues(req)) return true
  if (!wantsParts(req)) return false
  return bodyPropertiesNeedRaw(req.body) || (req.body.names.includes('size') && !e.meta?.decodedSizes)
}

function buildEmail(
  req: EmailRequest,
  e: Loaded,
  raw: Uint8Array | null,
  header: Uint8Array | null,
): Record<string, unknown> {
  const { row, meta, root } = e
  const out: Record<string, unknown> = { id: formatObjectId('email', row.id) }
  const names = req.names
  if (names.has('blobId')) out.blobId = formatBlobId(row.blobId)
  if (names.has('threadId')) out.threadId = formatObjectId('thread', row.threadId)
  if (names.has('mailboxIds'))
    out.mailboxIds = Object.fromEntries(row.mailboxIds.map((id) => [formatObjectId('mailbox', id), true]))
  if (names.has('keywords')) {
    const set = { flags: row.flags, keywords: JSON.parse(row.keywords) as string[] }
    out.keywords = Object.fromEntries(keywordNames(set).map((k) => [k, true]))
  }
  if (names.has('receivedAt')) out.receivedAt = utcDate(row.receivedAt)
  // sizes only matter when parts are built, and may need the bytes for older rows
  const sizes = root && wantsParts(req) ? (partSizes(root, meta?.decodedSizes, raw) ?? {}) : {}
  addMessageProperties(out, req, {
    size: row.size,
    hasAttachment: row.hasAttachment,
    preview: row.preview,
    facts: meta,
    root,
    parts: { blob: row.blobId, section: null, sizes, raw },
    header,
  })
  return out
}

/** Email ids to fetch: the ones asked for, or all of the account when there are few enough. */
function requestedIds(args: MethodArgs, ctx: MethodContext): string[] {
  const { ids } = readGetArgs({ ...args, properties: null }, ctx, emailProperties)
  if (ids) return ids
  const { store, limits } = ctx.services
  // rfc8621#section-4.2: a server may refuse ids null for Email; we do when it would be too many
  if (store.countEmails(ctx.accountId) > limits.maxObjectsInGet)
    throw new MethodError('requestTooLarge', `more than ${limits.maxObjectsInGet} emails: ask for ids`)
  return store.allEmailIds(ctx.accountId).map((id) => formatObjectId('email', id))
}

/** rfc8621#section-4.2 Email/get. */
export function emailGet(args: MethodArgs, ctx: MethodContext): MethodArgs {
  const { store } = ctx.services
  const state = stateOf(ctx, 'email')
  const ids = requestedIds(args, ctx)
  const req = readEmailRequest(args, defaultProperties, ['id'])
  const numeric = new Map<string, number>()
  const notFound: string[] = []
  for (const id of ids) {
    const n = parseObjectId('email', id)
    // only the spelling we issue ("E01" is not "E1")
    if (n === undefined || formatObjectId('email', n) !== id) notFound.push(id)
    else numeric.set(id, n)
  }
  const wantsMeta =
    wantsParts(req) ||
    req.names.has('bodyValues') ||
    convenienceHeaderProperties.some((p) => req.names.has(p))
  const loaded = new Map<number, Loaded>()
  for (const row of store.jmapEmailRows(ctx.accountId, [...numeric.values()], wantsMeta)) {
    const meta = row.meta ? (JSON.parse(row.meta) as StoredMeta) : null
    loaded.set(row.id, { row, meta, root: meta ? unpackPart(meta.parts) : null })
  }
  const built = new Map<number, Record<string, unknown>>()
  const rawIds = [...loaded.values()].filter((e) => needsRaw(req, e)).map((e) => e.row.id)
  store.eachRaw(ctx.accountId, rawIds, (id, raw) => {
    const e = loaded.get(id)
    if (e) built.set(id, buildEmail(req, e, raw, null))
  })
  const rest = [...loaded.keys()].filter((id) => !built.has(id))
  const headers =
    req.names.has('headers') || req.headers.length > 0 ? store.messageHeaders(ctx.accountId, rest) : new Map()
  for (const id of rest)
    built.set(id, buildEmail(req, loaded.get(id) as Loaded, null, headers.get(id) ?? null))
  const list: Record<string, unknown>[] = []
  for (const [id, n] of numeric) {
    const email = built.get(n)
    if (email) list.push(email)
    else notFound.push(id)
  }
  return { accountId: accountIdOf(ctx), state, list, notFound }
}

export const emailGetMethods: MethodDefinition[] = [
  { name: 'Email/get', capability: mailCapability, handler: emailGet },
  {
    name: 'Email/changes',
    capability: mailCapability,
    // rfc8621#section-4.3: the standard /changes
    handler: (args, ctx) => changesResponse(args, ctx, 'email', (id) => formatObjectId('email', id)),
  },
]
