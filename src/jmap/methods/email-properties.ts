// The Email object's properties (rfc8621#section-4.1) that come from the message itself, shared
// by Email/get (rfc8621#section-4.2, from stored facts) and Email/parse (rfc8621#section-4.9,
// from a parse of a blob): the properties and fetch* arguments, and one builder for the values.
import type { MimePart } from '../../mail/types.ts'
import type { StoredMeta } from '../../store/facts.ts'
import { optionalBoolean, optionalStringList, optionalUnsignedInt } from '../core/args.ts'
import { invalidArguments } from '../core/errors.ts'
import type { MethodArgs } from '../core/registry.ts'
import {
  type BodyProperties,
  bodyPart,
  bodyValue,
  leafParts,
  type PartSource,
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
export const convenienceHeaderProperties = [
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
export const partListProperties = ['bodyStructure', 'textBody', 'htmlBody', 'attachments'] as const

/** rfc8621#section-4.1.1 Metadata: Email/parse has the blobId and size, and null for the rest. */
export const metadataProperties = ['id', 'blobId', 'threadId', 'mailboxIds', 'keywords', 'size', 'receivedAt']

export const emailProperties = new Set<string>([
  ...metadataProperties,
  'headers',
  ...convenienceHeaderProperties,
  ...partListProperties,
  'bodyValues',
  'hasAttachment',
  'preview',
])

/** rfc8621#section-4.9: the properties Email/parse returns when `properties` is null. */
export const parseDefaultProperties = [
  ...convenienceHeaderProperties,
  'hasAttachment',
  'preview',
  'bodyValues',
  'textBody',
  'htmlBody',
  'attachments',
]

/** What an Email/get or Email/parse call asks for (rfc8621#section-4.2 arguments). */
export interface EmailRequest {
  names: Set<string>
  headers: HeaderProperty[]
  body: BodyProperties
  fetchText: boolean
  fetchHtml: boolean
  fetchAll: boolean
  maxBodyValueBytes: number
}

/** The properties, bodyProperties and fetch* arguments; `always` are returned whether asked or not. */
export function readEmailRequest(
  args: MethodArgs,
  defaults: readonly string[],
  always: string[],
): EmailRequest {
  const list = optionalStringList(args, 'properties') ?? defaults
  const names = new Set<string>(always)
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

export function wantsParts(req: EmailRequest): boolean {
  return partListProperties.some((p) => req.names.has(p))
}

export function wantsBodyValues(req: EmailRequest): boolean {
  return req.names.has('bodyValues') && (req.fetchText || req.fetchHtml || req.fetchAll)
}

/** The JMAP header values and body lists of a message: stored meta, or a ParsedMessage. */
export type MessageFacts = Pick<
  StoredMeta,
  (typeof convenienceHeaderProperties)[number] | 'textBody' | 'htmlBody' | 'attachments'
>

/** A message as its Email properties are built: facts from delivery or a fresh parse, and bytes. */
export interface MessageSource {
  size: number
  hasAttachment: boolean
  preview: string
  facts: MessageFacts | null
  root: MimePart | null
  /** Where the parts live (blob ids, decoded sizes) and the message bytes when they were read. */
  parts: PartSource
  /** The header section alone, when the whole message was not read. */
  header: Uint8Array | null
}

/** The part ids whose values bodyValues holds (rfc8621#section-4.2 fetch*BodyValues). */
function bodyValueIds(req: EmailRequest, facts: MessageFacts, leaves: Map<string, MimePart>): Set<string> {
  const ids = new Set<string>()
  if (req.fetchText) for (const id of facts.textBody) ids.add(id)
  if (req.fetchHtml) for (const id of facts.htmlBody) ids.add(id)
  if (req.fetchAll) for (const id of leaves.keys()) ids.add(id)
  return ids
}

/** Adds to `out` every requested property that the message itself gives (not the metadata). */
export function addMessageProperties(
  out: Record<string, unknown>,
  req: EmailRequest,
  m: MessageSource,
): void {
  const { names } = req
  const { facts, root } = m
  const raw = m.parts.raw
  if (names.has('size')) out.size = m.size
  if (facts) for (const p of convenienceHeaderProperties) if (names.has(p)) out[p] = facts[p]
  if (names.has('hasAttachment')) out.hasAttachment = m.hasAttachment
  if (names.has('preview')) out.preview = m.preview
  if (names.has('headers') || req.headers.length > 0) {
    const fields = rawHeaderFields(raw ?? m.header ?? new Uint8Array())
    if (names.has('headers')) out.headers = emailHeaders(fields)
    for (const h of req.headers) out[h.property] = headerPropertyValue(fields, h)
  }
  if (!facts || !root || !(wantsParts(req) || names.has('bodyValues'))) return
  const leaves = leafParts(root)
  const part = (id: string) => {
    const p = leaves.get(id)
    return p ? [bodyPart(p, req.body, m.parts, false)] : []
  }
  if (names.has('bodyStructure')) out.bodyStructure = bodyPart(root, req.body, m.parts, true)
  if (names.has('textBody')) out.textBody = facts.textBody.flatMap(part)
  if (names.has('htmlBody')) out.htmlBody = facts.htmlBody.flatMap(part)
  if (names.has('attachments')) out.attachments = facts.attachments.flatMap(part)
  if (names.has('bodyValues')) {
    const values: Record<string, unknown> = {}
    if (raw) {
      for (const id of bodyValueIds(req, facts, leaves)) {
        const p = leaves.get(id)
        // only text/* parts have values (rfc8621#section-4.1.4 bodyValues)
        if (p?.type === 'text') values[id] = bodyValue(raw, p, req.maxBodyValueBytes)
      }
    }
    out.bodyValues = values
  }
}
