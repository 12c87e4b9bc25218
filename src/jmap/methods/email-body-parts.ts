// EmailBodyPart and EmailBodyValue (rfc8621#section-4.1.4) from the stored MIME part tree: the
// part properties, the bodyProperties argument, and decoded text values with truncation.
import { decodePartTextChecked } from '../../mail/decode.ts'
import { decodedSizes, partSection } from '../../mail/jmap-body.ts'
import type { MimePart } from '../../mail/types.ts'
import { optionalStringList } from '../core/args.ts'
import { formatBlobId } from '../core/blob-ids.ts'
import { invalidArguments } from '../core/errors.ts'
import type { MethodArgs } from '../core/registry.ts'
import {
  emailHeaders,
  type HeaderProperty,
  headerPropertyValue,
  parseHeaderProperty,
  rawHeaderFields,
} from './email-header-forms.ts'

/** rfc8621#section-4.2 bodyProperties default. */
export const defaultBodyProperties = [
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

/** The EmailBodyPart properties but headers: those Email/set create may give (rfc8621#section-4.6). */
export const structuredPartProperties: ReadonlySet<string> = new Set([...defaultBodyProperties, 'subParts'])
const partProperties = new Set([...structuredPartProperties, 'headers'])

export interface BodyProperties {
  /** Plain properties, in the order asked. */
  names: string[]
  headers: HeaderProperty[]
}

/** The bodyProperties argument: default list, or the listed properties (header:* allowed). */
export function readBodyProperties(args: MethodArgs): BodyProperties {
  const list = optionalStringList(args, 'bodyProperties') ?? defaultBodyProperties
  const names: string[] = []
  const headers: HeaderProperty[] = []
  for (const p of new Set(list)) {
    const header = parseHeaderProperty(p)
    if (header) headers.push(header)
    else if (partProperties.has(p)) names.push(p)
    else throw invalidArguments(`unknown body property: ${p}`)
  }
  return { names, headers }
}

/** Whether building parts with these properties reads the message bytes (part headers). */
export function bodyPropertiesNeedRaw(props: BodyProperties): boolean {
  return props.headers.length > 0 || props.names.includes('headers')
}

/** What parts of one email are built from. */
export interface PartSource {
  /** The blob row id the message is in. */
  blob: number
  /**
   * The message's part id within that blob: null for a whole blob, else the message/rfc822 part
   * that Email/parse read, so that part blob ids are ones the download endpoint serves.
   */
  section: string | null
  /** Decoded size of each leaf part by part id. */
  sizes: Record<string, number>
  /** The message bytes, when the properties need them. */
  raw: Uint8Array | null
}

/** Decoded sizes for a message: stored at delivery; computed from the bytes for older rows. */
export function partSizes(
  root: MimePart,
  stored: Record<string, number> | undefined,
  raw: Uint8Array | null,
) {
  if (stored) return stored
  return raw ? decodedSizes(raw, root) : null
}

/** rfc8621#section-4.1.4 cid: the Content-ID without CFWS and angle brackets. */
function cidOf(part: MimePart): string | null {
  if (part.contentId === null) return null
  const id = part.contentId
    .replace(/\([^()]*\)/g, '')
    .trim()
    .replace(/^<(.*)>$/s, '$1')
    .trim()
  return id === '' ? null : id
}

/** One EmailBodyPart; `withSubParts` adds the children of multiparts (bodyStructure). */
export function bodyPart(
  part: MimePart,
  props: BodyProperties,
  source: PartSource,
  withSubParts: boolean,
): Record<string, unknown> {
  const isMultipart = part.type === 'multipart'
  const partId = isMultipart ? null : partSection(part)
  const out: Record<string, unknown> = {}
  const fields =
    bodyPropertiesNeedRaw(props) && source.raw
      ? rawHeaderFields(source.raw.subarray(part.headerStart, part.bodyStart))
      : []
  for (const name of props.names) {
    switch (name) {
      case 'partId':
        out.partId = partId
        break
      case 'blobId':
        out.blobId =
          partId === null
            ? null
            : formatBlobId(source.blob, source.section === null ? partId : `${source.section}.${partId}`)
        break
      case 'size':
        // a multipart has no transfer encoding of its own: its size is that of its body
        out.size = (partId === null ? undefined : source.sizes[partId]) ?? part.bodyEnd - part.bodyStart
        break
      case 'headers':
        out.headers = emailHeaders(fields)
        break
      case 'name':
        out.name = part.name
        break
      case 'type':
        out.type = `${part.type}/${part.subtype}`
        break
      case 'charset':
        // rfc8621#section-4.1.4: the implicit us-ascii for text/* without a charset parameter
        out.charset = part.params.charset ?? (part.type === 'text' ? 'us-ascii' : null)
        break
      case 'disposition':
        out.disposition = part.disposition
        break
      case 'cid':
        out.cid = cidOf(part)
        break
      case 'language':
        out.language = part.language
        break
      case 'location':
        out.location = part.location
        break
      case 'subParts':
        out.subParts = isMultipart ? part.children.map((c) => bodyPart(c, props, source, true)) : null
        break
    }
  }
  for (const h of props.headers) out[h.property] = headerPropertyValue(fields, h)
  if (withSubParts && isMultipart && !('subParts' in out))
    out.subParts = part.children.map((c) => bodyPart(c, props, source, true))
  return out
}

/** The leaf parts of a message by part id (not descending into message/rfc822). */
export function leafParts(root: MimePart): Map<string, MimePart> {
  const out = new Map<string, MimePart>()
  const visit = (part: MimePart) => {
    if (part.type === 'multipart') for (const child of part.children) visit(child)
    else out.set(partSection(part), part)
  }
  visit(root)
  return out
}

/** rfc8621#section-4.1.4 EmailBodyValue. */
export interface BodyValue {
  value: string
  isEncodingProblem: boolean
  isTruncated: boolean
}

/**
 * The decoded text of a text/* part, CRLF turned into LF, cut to at most `maxBytes` octets of
 * UTF-8 when `maxBytes` > 0 (rfc8621#section-4.2 maxBodyValueBytes).
 */
export function bodyValue(raw: Uint8Array, part: MimePart, maxBytes: number): BodyValue {
  const decoded = decodePartTextChecked(raw, part)
  const text = decoded.text.replace(/\r\n/g, '\n')
  const cut = maxBytes > 0 ? truncateUtf8(text, maxBytes, part.subtype === 'html') : text
  return { value: cut, isEncodingProblem: decoded.isEncodingProblem, isTruncated: cut.length < text.length }
}

/**
 * At most `maxBytes` octets of `text` in UTF-8, never cutting a code point; for HTML not inside
 * a tag either (rfc8621#section-4.2: SHOULD NOT truncate inside an HTML tag).
 */
export function truncateUtf8(text: string, maxBytes: number, isHtml: boolean): string {
  const bytes = Buffer.from(text, 'utf8')
  if (bytes.length <= maxBytes) return text
  let end = maxBytes
  // back up to the first byte of a UTF-8 sequence (continuation bytes are 10xxxxxx)
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--
  let cut = bytes.toString('utf8', 0, end)
  if (isHtml) {
    const open = cut.lastIndexOf('<')
    if (open > cut.lastIndexOf('>')) cut = cut.slice(0, open)
  }
  return cut
}
