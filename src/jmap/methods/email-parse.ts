// Email/parse (rfc8621#section-4.9): message blobs (uploads, attached message/rfc822 parts)
// read as Email objects without storing them. Parse-specific: the Email/get branch's property
// code was not on main when this was written, so this module serves the default properties,
// headers and bodyStructure only; header:* forms are refused (todo(rfc8621#section-4.1.3): reuse
// Email/get's property code once merged).

import { headerSection, splitHeaderFields } from '../../mail/header.ts'
import { decodePartBody, decodePartText, findPart, type MimePart, parseMessage } from '../../mail/index.ts'
import { partSection } from '../../mail/jmap-body.ts'
import { readBlob } from '../blobs/access.ts'
import { optionalBoolean, optionalIds, optionalStringList, optionalUnsignedInt } from '../core/args.ts'
import { formatBlobId, parseBlobId } from '../core/blob-ids.ts'
import { mailCapability } from '../core/capabilities.ts'
import { type MethodContext, resolveCreationRef } from '../core/context.ts'
import { invalidArguments, MethodError } from '../core/errors.ts'
import type { MethodArgs, MethodDefinition } from '../core/registry.ts'
import { accountIdOf, pick } from '../core/standard.ts'

const defaultProperties = [
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
const emailProperties = new Set([
  ...defaultProperties,
  'id',
  'blobId',
  'threadId',
  'mailboxIds',
  'keywords',
  'receivedAt',
  'size',
  'headers',
  'bodyStructure',
])
const defaultBodyProperties = [
  'partId',
  'blobId',
  'size',
  'name',
  'type',
  'charset',
  'disposition',
  'cid',
  'language',
  'location',
]
const bodyPropertySet = new Set([...defaultBodyProperties, 'headers', 'subParts'])

/** A message needs at least one header field to be one (rfc5322#section-2.1). */
export function looksLikeMessage(bytes: Uint8Array): boolean {
  return splitHeaderFields(Buffer.from(headerSection(bytes)).toString('latin1')).length > 0
}

function rawHeaders(raw: Uint8Array, start: number, end: number) {
  const text = Buffer.from(raw.subarray(start, end)).toString('latin1')
  return splitHeaderFields(text).map((f) => ({ name: f.name, value: f.value }))
}

interface ParseScope {
  raw: Uint8Array
  /** The stored blob the parts live in, and the section prefix of the parsed message within it. */
  blob: number
  prefix: string | null
  bodyProperties: string[]
}

/** An EmailBodyPart (rfc8621#section-4.1.4) of a parsed message. */
function bodyPart(scope: ParseScope, part: MimePart): Record<string, unknown> {
  const isMultipart = part.type === 'multipart'
  const local = partSection(part)
  const section = scope.prefix === null ? local : `${scope.prefix}.${local}`
  const out: Record<string, unknown> = {
    partId: isMultipart ? null : local,
    blobId: isMultipart ? null : formatBlobId(scope.blob, section),
    size: isMultipart ? 0 : decodePartBody(scope.raw, part).length,
    headers: rawHeaders(scope.raw, part.headerStart, part.bodyStart),
    name: part.name,
    type: `${part.type}/${part.subtype}`,
    charset: part.params.charset ?? (part.type === 'text' ? 'us-ascii' : null),
    disposition: part.disposition,
    cid: part.contentId,
    language: part.language,
    location: part.location,
  }
  if (isMultipart) out.subParts = part.children.map((c) => bodyPart(scope, c))
  return pick(out, scope.bodyProperties)
}

function parseOne(
  ctx: MethodContext,
  blobId: string,
  args: ParseArgs,
): Record<string, unknown> | 'notFound' | 'notParsable' {
  const content = readBlob(ctx.services, ctx.accountId, blobId)
  const ref = parseBlobId(blobId)
  if (!content || !ref) return 'notFound'
  if (!looksLikeMessage(content.bytes)) return 'notParsable'
  const raw = content.bytes
  const parsed = parseMessage(raw)
  const scope: ParseScope = { raw, blob: ref.blob, prefix: ref.part, bodyProperties: args.bodyProperties }
  const partById = (id: string) => findPart(parsed.parts, id) as MimePart
  const list = (ids: string[]) => ids.map((id) => bodyPart(scope, partById(id)))
  const wanted = new Set<string>()
  if (args.fetchText || args.fetchAll) for (const id of parsed.textBody) wanted.add(id)
  if (args.fetchHtml || args.fetchAll) for (const id of parsed.htmlBody) wanted.add(id)
  if (args.fetchAll) for (const id of parsed.attachments) if (partById(id).type === 'text') wanted.add(id)
  const bodyValues: Record<string, unknown> = {}
  for (const id of wanted) {
    const text = decodePartText(raw, partById(id))
    const max = args.maxBodyValueBytes
    const truncated = max > 0 && Buffer.byteLength(text) > max
    // Cut on a character boundary: decoding the first max bytes drops a split character.
    const value = truncated
      ? new TextDecoder().decode(Buffer.from(text).subarray(0, max)).replace(/\uFFFD$/, '')
      : text
    bodyValues[id] = { value, isEncodingProblem: false, isTruncated: truncated }
  }
  const email: Record<string, unknown> = {
    id: null,
    blobId,
    threadId: null,
    mailboxIds: null,
    keywords: null,
    receivedAt: null,
    size: raw.length,
    headers: rawHeaders(raw, 0, parsed.headerSize),
    messageId: parsed.messageId,
    inReplyTo: parsed.inReplyTo,
    references: parsed.references,
    sender: parsed.sender,
    from: parsed.from,
    to: parsed.to,
    cc: parsed.cc,
    bcc: parsed.bcc,
    replyTo: parsed.replyTo,
    subject: parsed.subject,
    sentAt: parsed.sentAt,
    hasAttachment: parsed.hasAttachment,
    preview: parsed.preview,
    bodyValues,
    textBody: list(parsed.textBody),
    htmlBody: list(parsed.htmlBody),
    attachments: list(parsed.attachments),
    bodyStructure: bodyPart(scope, parsed.parts),
  }
  return pick(email, args.properties)
}

interface ParseArgs {
  properties: string[]
  bodyProperties: string[]
  fetchText: boolean
  fetchHtml: boolean
  fetchAll: boolean
  maxBodyValueBytes: number
}

function emailParse(args: MethodArgs, ctx: MethodContext): MethodArgs {
  const blobIds = optionalIds(args, 'blobIds')
  if (blobIds === null) throw invalidArguments('blobIds is required')
  if (blobIds.length > ctx.services.limits.maxObjectsInGet)
    throw new MethodError('requestTooLarge', `at most ${ctx.services.limits.maxObjectsInGet} blobs per call`)
  const properties = optionalStringList(args, 'properties') ?? defaultProperties
  const unknown = properties.filter((p) => !emailProperties.has(p))
  if (unknown.length > 0) throw invalidArguments(`unsupported properties: ${unknown.join(', ')}`)
  const bodyProperties = optionalStringList(args, 'bodyProperties') ?? defaultBodyProperties
  const unknownBody = bodyProperties.filter((p) => !bodyPropertySet.has(p))
  if (unknownBody.length > 0) throw invalidArguments(`unsupported bodyProperties: ${unknownBody.join(', ')}`)
  const parseArgs: ParseArgs = {
    properties,
    bodyProperties,
    fetchText: optionalBoolean(args, 'fetchTextBodyValues', false),
    fetchHtml: optionalBoolean(args, 'fetchHTMLBodyValues', false),
    fetchAll: optionalBoolean(args, 'fetchAllBodyValues', false),
    maxBodyValueBytes: optionalUnsignedInt(args, 'maxBodyValueBytes') ?? 0,
  }
  const parsed: Record<string, unknown> = {}
  const notParsable: string[] = []
  const notFound: string[] = []
  for (const rawId of new Set(blobIds)) {
    const blobId = resolveCreationRef(ctx, rawId) ?? rawId
    const result = parseOne(ctx, blobId, parseArgs)
    if (result === 'notFound') notFound.push(rawId)
    else if (result === 'notParsable') notParsable.push(rawId)
    else parsed[blobId] = result
  }
  return {
    accountId: accountIdOf(ctx),
    parsed: Object.keys(parsed).length > 0 ? parsed : null,
    notParsable: notParsable.length > 0 ? notParsable : null,
    notFound: notFound.length > 0 ? notFound : null,
  }
}

export const emailParseMethods: MethodDefinition[] = [
  { name: 'Email/parse', capability: mailCapability, handler: emailParse },
]
