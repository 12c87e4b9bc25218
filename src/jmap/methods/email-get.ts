// Email/get (rfc8621#section-4.2) and Email/changes (rfc8621#section-4.3). Metadata, the
// convenience header properties and the part tree come from what delivery stored; the message
// bytes are read only for header:* forms and headers (the header alone), and for body values and
// part headers (the whole message), in batches.
import type { MimePart } from '../../mail/types.ts'
import { type StoredMeta, unpackPart } from '../../store/facts.ts'
import type { JmapEmailRow } from '../../store/jmap-reads.ts'
import { keywordNames } from '../../store/keywords.ts'
import { formatObjectId, parseObjectId } from '../../store/object-ids.ts'
import { optionalBoolean, optionalStringList, optionalUnsignedInt } from '../core/args.ts'
import { formatBlobId } from '../core/blob-ids.ts'
import { mailCapability } from '../core/capabilities.ts'
import type { MethodContext } from '../core/context.ts'
import { invalidArguments, MethodError } from '../core/errors.ts'
import type { MethodArgs, MethodDefinition } from '../core/registry.ts'
import { accountIdOf, changesResponse, readGetArgs, stateOf } from '../core/standard.ts'
import {
  type BodyProperties,
  bodyPart,
  bodyPropertiesNeedRaw,
  bodyValue,
  leafParts,
  partSizes,
  readBodyProperties,
} from './email-body-parts.ts'
import {
  emailHeaders,
  type HeaderProperty,
  headerPropertyValue,
  parseHeaderProperty,
  rawHeaderFields,
} from './email-header-forms.ts'

/** The convenience header properties, stored in meta under the same names (rfc8621#section-4.1.3). */
const storedHeaderProperties = [
  'messageId',
  'inReplyTo',
  'references',
  'sender',
  'from',
  'to',
  'cc',
  'bcc',
  'replyTo',
  'subject',
  'sentAt',
] as const
const partListProperties = ['bodyStructure', 'textBody', 'htmlBody', 'attachments'] as const

const emailProperties = new Set<string>([
  'id',
  'blobId',
  'threadId',
  'mailboxIds',
  'keywords',
  'size',
  'receivedAt',
  'headers',
  ...storedHeaderProperties,
  ...partListProperties,
  'bodyValues',
  'hasAttachment',
  'preview',
])

/** rfc8621#section-4.2: the properties returned when `properties` is null. */
const defaultProperties = [
  'id',
  'blobId',
  'threadId',
  'mailboxIds',
  'keywords',
  'size',
  'receivedAt',
  'messageId',
  'inReplyTo',
  'references',
  'sender',
  'from',
  'to',
  'cc',
  'bcc',
  'replyTo',
  'subject',
  'sentAt',
  'hasAttachment',
  'preview',
  'bodyValues',
  'textBody',
  'htmlBody',
  'attachments',
]

interface EmailRequest {
  names: Set<string>
  headers: HeaderProperty[]
  body: BodyProperties
  fetchText: boolean
  fetchHtml: boolean
  fetchAll: boolean
  maxBodyValueBytes: number
}

function readEmailRequest(args: MethodArgs): EmailRequest {
  const list = optionalStringList(args, 'properties') ?? defaultProperties
  const names = new Set<string>(['id'])
  const headers: HeaderProperty[] = []
  for (const p of new Set(list)) {
    const header = parseHeaderProperty(p)
    if (header) headers.push(header)
    else if (emailProperties.has(p)) names.add(p)
    else throw invalidArguments(`unknown property: ${p}`)
  }
  return {
    names,
    headers,
    body: readBodyProperties(args),
    fetchText: optionalBoolean(args, 'fetchTextBodyValues', false),
    fetchHtml: optionalBoolean(args, 'fetchHTMLBodyValues', false),
    fetchAll: optionalBoolean(args, 'fetchAllBodyValues', false),
    maxBodyValueBytes: optionalUnsignedInt(args, 'maxBodyValueBytes') ?? 0,
  }
}

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

function wantsParts(req: EmailRequest): boolean {
  return partListProperties.some((p) => req.names.has(p))
}

function wantsBodyValues(req: EmailRequest): boolean {
  return req.names.has('bodyValues') && (req.fetchText || req.fetchHtml || req.fetchAll)
}

/** Whether this email's properties need the whole message rather than stored facts. */
function needsRaw(req: EmailRequest, e: Loaded): boolean {
  if (wantsBodyValues(req)) return true
  if (!wantsParts(req)) return false
  return bodyPropertiesNeedRaw(req.body) || (req.body.names.includes('size') && !e.meta?.decodedSizes)
}

/** The part ids whose values bodyValues holds (rfc8621#section-4.2 fetch*BodyValues). */
function bodyValueIds(req: EmailRequest, meta: StoredMeta, leaves: Map<string, MimePart>): Set<string> {
  const ids = new Set<string>()
  if (req.fetchText) for (const id of meta.textBody) ids.add(id)
  if (req.fetchHtml) for (const id of meta.htmlBody) ids.add(id)
  if (req.fetchAll) for (const id of leaves.keys()) ids.add(id)
  return ids
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
  if (names.has('size')) out.size = row.size
  if (names.has('receivedAt')) out.receivedAt = utcDate(row.receivedAt)
  if (meta) for (const p of storedHeaderProperties) if (names.has(p)) out[p] = meta[p]
  if (names.has('hasAttachment')) out.hasAttachment = row.hasAttachment
  if (names.has('preview')) out.preview = row.preview
  if (names.has('headers') || req.headers.length > 0) {
    const fields = rawHeaderFields(raw ?? header ?? new Uint8Array())
    if (names.has('headers')) out.headers = emailHeaders(fields)
    for (const h of req.headers) out[h.property] = headerPropertyValue(fields, h)
  }
  if (!meta || !root || !(wantsParts(req) || names.has('bodyValues'))) return out
  const leaves = leafParts(root)
  const source = { blob: row.blobId, sizes: partSizes(root, meta.decodedSizes, raw) ?? {}, raw }
  const part = (id: string) => {
    const p = leaves.get(id)
    return p ? [bodyPart(p, req.body, source, false)] : []
  }
  if (names.has('bodyStructure')) out.bodyStructure = bodyPart(root, req.body, source, true)
  if (names.has('textBody')) out.textBody = meta.textBody.flatMap(part)
  if (names.has('htmlBody')) out.htmlBody = meta.htmlBody.flatMap(part)
  if (names.has('attachments')) out.attachments = meta.attachments.flatMap(part)
  if (names.has('bodyValues')) {
    const values: Record<string, unknown> = {}
    if (raw) {
      for (const id of bodyValueIds(req, meta, leaves)) {
        const p = leaves.get(id)
        // only text/* parts have values (rfc8621#section-4.1.4 bodyValues)
        if (p?.type === 'text') values[id] = bodyValue(raw, p, req.maxBodyValueBytes)
      }
    }
    out.bodyValues = values
  }
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
  const req = readEmailRequest(args)
  const numeric = new Map<string, number>()
  const notFound: string[] = []
  for (const id of ids) {
    const n = parseObjectId('email', id)
    // only the spelling we issue ("E01" is not "E1")
    if (n === undefined || formatObjectId('email', n) !== id) notFound.push(id)
    else numeric.set(id, n)
  }
  const wantsMeta =
    wantsParts(req) || req.names.has('bodyValues') || storedHeaderProperties.some((p) => req.names.has(p))
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
