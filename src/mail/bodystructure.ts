// IMAP BODY and BODYSTRUCTURE from the scanned part tree: rfc3501#section-7.4.2 /
// rfc9051#section-7.5.2 (body, body-type-1part, body-type-mpart, body extension data).
import type { RawParams } from './content-type.ts'
import { buildEnvelope } from './envelope.ts'
import { nstringNoLf } from './imap-strings.ts'
import type { ImapValue } from './imap-value.ts'
import { isUnparsedContainer, type ScanNode } from './mime-scan.ts'

/** A multipart with no parts is not allowed (rfc2046#section-5.1.1); show one empty text part. */
function emptyPart(extended: boolean): ImapValue[] {
  const body: ImapValue[] = ['text', 'plain', ['charset', 'us-ascii'], null, null, '7bit', 0, 0]
  return extended ? [...body, null, null, null, null] : body
}

/** body-fld-param: NIL or (name value ...); text parts get charset us-ascii when they have none. */
function params(list: RawParams, defaultCharset: boolean): ImapValue {
  const out: ImapValue[] = []
  let hasCharset = false
  for (const [k, v] of list) {
    if (defaultCharset && k.toLowerCase() === 'charset') hasCharset = true
    out.push(k, v)
  }
  if (defaultCharset && !hasCharset) out.push('charset', 'us-ascii') // rfc2045#section-5.2 default charset
  return out.length === 0 ? null : out
}

/** body-ext-1part / body-ext-mpart tail: disposition, language, location (rfc3501#section-7.4.2). */
function commonExtension(node: ScanNode): ImapValue[] {
  const { disposition, language, location } = node.raw
  return [
    disposition === null ? null : [disposition.value, params(disposition.params, false)],
    language,
    nstringNoLf(location),
  ]
}

function multipart(node: ScanNode, extended: boolean): ImapValue[] {
  const out: ImapValue[] =
    node.children.length > 0 ? node.children.map((c) => structure(c, extended)) : [emptyPart(extended)]
  out.push(node.raw.contentType?.subtype ?? '')
  if (extended) out.push(params(node.raw.contentType?.params ?? [], false), ...commonExtension(node))
  return out
}

/** body-fld type and subtype as written, with the defaults and stand-ins of rfc2045#section-5.2. */
function mediaType(node: ScanNode): [string, string] {
  const ct = node.raw.contentType
  if (node.kind === 'message') return ['message', 'rfc822']
  if (ct === null) return ['text', 'plain'] // rfc2045#section-5.2 default
  if (isUnparsedContainer(ct.type, ct.subtype)) return ['application', 'octet-stream']
  return [ct.type, ct.subtype]
}

function single(node: ScanNode, extended: boolean): ImapValue[] {
  const { raw, part } = node
  const ct = raw.contentType
  const [type, subtype] = mediaType(node)
  const isText = node.kind === 'text'
  const out: ImapValue[] = [
    type,
    subtype,
    params(ct?.params ?? [], isText),
    nstringNoLf(raw.id),
    nstringNoLf(raw.description),
    raw.encoding ?? '7bit', // rfc2045#section-6.1 default encoding
    part.bodyEnd - part.bodyStart,
  ]
  if (isText) {
    out.push(part.lines) // rfc3501#section-7.4.2 body-type-text: size in lines
  } else if (node.kind === 'message' && node.message !== null) {
    // rfc3501#section-7.4.2 body-type-msg: envelope, body, lines of the embedded message
    out.push(buildEnvelope(node.message.fields), structure(node.message, extended), part.lines)
  }
  if (extended) out.push(nstringNoLf(raw.md5), ...commonExtension(node))
  return out
}

/**
 * True when a message is one text/plain part in us-ascii and 7bit with no other MIME data: Dovecot
 * then always serves the canonical form (charset and types in lower case), and so do we.
 */
function isPlain7bit(node: ScanNode): boolean {
  const { raw } = node
  const ct = raw.contentType
  if (node.kind !== 'text') return false
  if (ct !== null) {
    if (ct.subtype.toLowerCase() !== 'plain') return false
    if (ct.params.length > 1) return false
    const [param] = ct.params
    if (param && (param[0].toLowerCase() !== 'charset' || param[1].toLowerCase() !== 'us-ascii')) return false
  }
  if (raw.encoding !== null && raw.encoding.toLowerCase() !== '7bit') return false
  return (
    raw.id === null &&
    raw.description === null &&
    raw.md5 === null &&
    raw.disposition === null &&
    raw.language === null &&
    raw.location === null
  )
}

/** BODYSTRUCTURE (`extended`) or BODY of a whole message: {@link structure} of its root part. */
export function messageStructure(root: ScanNode, extended: boolean): ImapValue[] {
  if (!isPlain7bit(root)) return structure(root, extended)
  const { bodyStart, bodyEnd, lines } = root.part
  const body: ImapValue[] = [
    'text',
    'plain',
    ['charset', 'us-ascii'],
    null,
    null,
    '7bit',
    bodyEnd - bodyStart,
    lines,
  ]
  return extended ? [...body, null, null, null, null] : body
}

/**
 * BODYSTRUCTURE (`extended`) or BODY of a scanned entity. Type names and parameters are as
 * written in the message (IMAP compares them case-insensitively); parameter values stay encoded.
 */
export function structure(node: ScanNode, extended: boolean): ImapValue[] {
  return node.kind === 'multipart' ? multipart(node, extended) : single(node, extended)
}
