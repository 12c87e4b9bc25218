// Email/set create (rfc8621#section-4.6): an Email object as a client writes it — header
// properties, bodyStructure or textBody/htmlBody/attachments, bodyValues and blob parts — checked
// against the section's rules and turned into a MIME message (mail/mime-build.ts).
import { randomUUID } from 'node:crypto'
import {
  buildMessage,
  formatDateWithOffset,
  formatParameterized,
  type HeaderLine,
  type MimeEntity,
} from '../../mail/mime-build.ts'
import { readBlob } from '../blobs/access.ts'
import { isPlainObject } from '../core/args.ts'
import type { MethodContext } from '../core/context.ts'
import { SetError } from '../core/errors.ts'
import { structuredPartProperties } from './email-body-parts.ts'
import { tryParseHeaderProperty } from './email-header-forms.ts'
import { convenienceHeaders, type HeaderProperty, headerLines } from './email-header-write.ts'

const bodyProperties = new Set(['bodyStructure', 'textBody', 'htmlBody', 'attachments', 'bodyValues'])
const otherProperties = new Set(['mailboxIds', 'keywords', 'receivedAt'])
// The structured part properties and the fields they write: a header:* property may not write them too.
const structuredFields: Record<string, string[]> = {
  'content-type': ['type', 'charset', 'name'],
  'content-disposition': ['disposition', 'name'],
  'content-id': ['cid'],
  'content-language': ['language'],
  'content-location': ['location'],
}
const mediaType = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/

interface Composition {
  /** Blob ids that the account cannot read (blobNotFound). */
  missingBlobs: string[]
  bodyValues: Record<string, unknown>
}

/** Header properties of an object (Email or EmailBodyPart) as fields, each field named once. */
function headerFields(
  object: Record<string, unknown>,
  names: Map<string, string>,
  where: string,
  extra: Record<string, HeaderProperty> = {},
): HeaderLine[] {
  const lines: HeaderLine[] = []
  for (const [key, value] of Object.entries(object)) {
    const property = extra[key] ?? tryParseHeaderProperty(key)
    if (!property) continue
    const field = property.name.toLowerCase()
    const previous = names.get(field)
    if (previous !== undefined)
      throw SetError.invalidProperties([where], `${previous} and ${key} both set the ${property.name} field`)
    names.set(field, key)
    const made = headerLines(property, value)
    if (!made) throw SetError.invalidProperties([where], `${key} is not a valid ${property.form} value`)
    lines.push(...made)
  }
  return lines
}

function optionalText(part: Record<string, unknown>, key: string, where: string): string | null {
  const v = part[key]
  if (v === undefined || v === null) return null
  if (typeof v !== 'string' || /[\r\n]/.test(v))
    throw SetError.invalidProperties([where], `${key} must be a string`)
  return v
}

/** One EmailBodyPart (rfc8621#section-4.1.4) as a MIME entity; `where` names it in errors. */
function partEntity(
  ctx: MethodContext,
  value: unknown,
  where: string,
  c: Composition,
  defaultType: string,
  reserved: Map<string, string> = new Map(),
): MimeEntity {
  if (!isPlainObject(value)) throw SetError.invalidProperties([where], 'a body part must be an object')
  for (const key of Object.keys(value))
    if (!structuredPartProperties.has(key) && !tryParseHeaderProperty(key))
      throw SetError.invalidProperties([where], `${key} cannot be set on a body part`)
  const names = new Map(reserved)
  const headers = headerFields(value, names, where)
  for (const [field, props] of Object.entries(structuredFields)) {
    const by = names.get(field)
    if (by && (field === 'content-type' || props.some((p) => value[p] !== undefined && value[p] !== null)))
      throw SetError.invalidProperties([where], `${by} conflicts with the part's ${props.join('/')}`)
  }
  if (names.has('content-transfer-encoding'))
    throw SetError.invalidProperties([where], 'the server chooses the Content-Transfer-Encoding')
  const type = (optionalText(value, 'type', where) ?? defaultType).toLowerCase()
  if (!mediaType.test(type)) throw SetError.invalidProperties([where], `${type} is not a media type`)
  const { partId, blobId, subParts } = value
  const params: Record<string, string> = {}
  const entity: MimeEntity = { type, params, headers }
  if (type.startsWith('multipart/')) {
    if (partId !== undefined || blobId !== undefined || value.charset !== undefined)
      throw SetError.invalidProperties([where], 'a multipart has subParts, not content')
    if (!Array.isArray(subParts) || subParts.length === 0)
      throw SetError.invalidProperties([where], 'a multipart needs subParts')
    entity.parts = subParts.map((p) =>
      partEntity(ctx, p, where, c, type === 'multipart/digest' ? 'message/rfc822' : 'text/plain'),
    )
  } else {
    if (subParts !== undefined && subParts !== null)
      throw SetError.invalidProperties([where], 'only a multipart has subParts')
    if ((partId === undefined) === (blobId === undefined))
      throw SetError.invalidProperties([where], 'a leaf part needs exactly one of partId and blobId')
    if (typeof partId === 'string') {
      // rfc8621#section-4.6: with partId the server picks charset and size.
      if (value.charset !== undefined || value.size !== undefined)
        throw SetError.invalidProperties([where], 'charset and size cannot be given with partId')
      const bodyValue = c.bodyValues[partId]
      if (!isPlainObject(bodyValue) || typeof bodyValue.value !== 'string')
        throw SetError.invalidProperties(['bodyValues'], `no body value for part ${partId}`)
      if (!type.startsWith('text/'))
        throw SetError.invalidProperties([where], 'a bodyValues part must be text/*')
      entity.body = new TextEncoder().encode(bodyValue.value.replace(/\r?\n/g, '\r\n'))
      params.charset = 'utf-8'
    } else if (typeof blobId === 'string') {
      const content = readBlob(ctx.services, ctx.accountId, blobId)
      if (!content) c.missingBlobs.push(blobId)
      entity.body = content?.bytes ?? new Uint8Array(0)
      const charset = optionalText(value, 'charset', where)
      if (charset) params.charset = charset
    } else throw SetError.invalidProperties([where], 'partId and blobId must be strings')
  }
  const name = optionalText(value, 'name', where)
  const disposition = optionalText(value, 'disposition', where) ?? (name ? 'attachment' : null)
  if (name) params.name = name
  if (disposition) {
    headers.push({
      name: 'Content-Disposition',
      value: formatParameterized(disposition, name ? { filename: name } : {}),
    })
  }
  const cid = optionalText(value, 'cid', where)
  if (cid) headers.push({ name: 'Content-ID', value: `<${cid}>` })
  const language = value.language
  if (language !== undefined && language !== null) {
    if (
      !Array.isArray(language) ||
      !language.every((l) => typeof l === 'string' && /^[A-Za-z0-9-]+$/.test(l))
    )
      throw SetError.invalidProperties([where], 'language must be a list of language tags')
    headers.push({ name: 'Content-Language', value: language.join(', ') })
  }
  const location = optionalText(value, 'location', where)
  if (location) headers.push({ name: 'Content-Location', value: location })
  return entity
}

/** The body of textBody/htmlBody/attachments (rfc8621#section-4.6): alternative, related, mixed. */
function bodyFromLists(ctx: MethodContext, object: Record<string, unknown>, c: Composition): MimeEntity {
  const single = (key: 'textBody' | 'htmlBody', type: string): MimeEntity | null => {
    const list = object[key]
    if (list === undefined || list === null) return null
    if (!Array.isArray(list) || list.length !== 1)
      throw SetError.invalidProperties([key], `${key} must hold exactly one part`)
    const part = partEntity(ctx, list[0], key, c, type)
    if (part.type !== type) throw SetError.invalidProperties([key], `${key} must be ${type}`)
    return part
  }
  const text = single('textBody', 'text/plain')
  const html = single('htmlBody', 'text/html')
  const attachmentList = object.attachments ?? []
  if (!Array.isArray(attachmentList))
    throw SetError.invalidProperties(['attachments'], 'attachments must be a list')
  const attachments = attachmentList.map((p) =>
    partEntity(ctx, p, 'attachments', c, 'application/octet-stream'),
  )
  let main: MimeEntity | null =
    text && html
      ? { type: 'multipart/alternative', params: {}, headers: [], parts: [text, html] }
      : (text ?? html)
  // Inline parts with a Content-ID belong with the HTML that refers to them.
  const isInline = (a: MimeEntity) =>
    html !== null &&
    a.headers.some((h) => h.name === 'Content-ID') &&
    a.headers.some((h) => h.name === 'Content-Disposition' && h.value.startsWith('inline'))
  const inline = attachments.filter(isInline)
  const others = attachments.filter((a) => !isInline(a))
  if (main && inline.length > 0)
    main = { type: 'multipart/related', params: {}, headers: [], parts: [main, ...inline] }
  if (others.length === 0)
    return main ?? { type: 'text/plain', params: { charset: 'utf-8' }, headers: [], body: new Uint8Array(0) }
  return { type: 'multipart/mixed', params: {}, headers: [], parts: main ? [main, ...others] : others }
}

/**
 * The message bytes for an Email/set create. Throws SetError invalidProperties for a rule of
 * rfc8621#section-4.6 broken, blobNotFound for blobs the account cannot read.
 */
export function composeMessage(ctx: MethodContext, object: Record<string, unknown>): Uint8Array {
  for (const key of Object.keys(object))
    if (
      !otherProperties.has(key) &&
      !bodyProperties.has(key) &&
      !(key in convenienceHeaders) &&
      !tryParseHeaderProperty(key)
    )
      throw SetError.invalidProperties([key], `${key} cannot be set on create`)
  const names = new Map<string, string>()
  const headers = headerFields(object, names, 'headers', convenienceHeaders)
  for (const [field, key] of names)
    if (field.startsWith('content-'))
      throw SetError.invalidProperties([key], 'Content-* fields belong on body parts')
  const bodyValues = object.bodyValues ?? {}
  if (!isPlainObject(bodyValues))
    throw SetError.invalidProperties(['bodyValues'], 'bodyValues must be an object')
  for (const v of Object.values(bodyValues))
    if (!isPlainObject(v) || (v.isEncodingProblem ?? false) !== false || (v.isTruncated ?? false) !== false)
      throw SetError.invalidProperties(['bodyValues'], 'isEncodingProblem and isTruncated must be false')
  const c: Composition = { missingBlobs: [], bodyValues }
  let body: MimeEntity
  if (object.bodyStructure !== undefined) {
    if (['textBody', 'htmlBody', 'attachments'].some((k) => object[k] !== undefined))
      throw SetError.invalidProperties(
        ['bodyStructure'],
        'bodyStructure excludes textBody, htmlBody and attachments',
      )
    // rfc8621#section-4.6: the root part may not repeat a field set on the Email.
    body = partEntity(ctx, object.bodyStructure, 'bodyStructure', c, 'text/plain', names)
  } else body = bodyFromLists(ctx, object, c)
  if (c.missingBlobs.length > 0)
    throw new SetError('blobNotFound', 'some blobs are not there', { notFound: [...new Set(c.missingBlobs)] })
  // rfc8621#section-4.6: the server adds Date and Message-ID when the client did not.
  if (!names.has('date'))
    headers.push({
      name: 'Date',
      value: formatDateWithOffset(new Date(ctx.services.clock.now()).toISOString()) ?? '',
    })
  if (!names.has('message-id')) {
    const domain = ctx.principal.email.split('@')[1] ?? 'localhost'
    headers.push({ name: 'Message-ID', value: `<${randomUUID()}@${domain}>` })
  }
  if (!names.has('mime-version')) headers.push({ name: 'MIME-Version', value: '1.0' })
  return buildMessage({ ...body, headers: [...headers, ...body.headers] })
}
