// Single-pass MIME structure scanner over the raw bytes: headers, bodies, multipart boundaries and
// embedded messages. rfc2045, rfc2046#section-5.1 (multipart, boundaries, digest), rfc2046#section-5.2
// (message/rfc822), rfc3501#section-6.4.5 (section numbers). Broken input gives a structure the way
// Dovecot builds one: boundaries match as line prefixes, inner boundaries first, an outer boundary
// ends every inner part, and a part header stops at a boundary line.
import { BoundaryStack } from './boundaries.ts'
import { countLf, newlineBefore } from './bytes.ts'
import {
  decodeHeaderText,
  decodeParams,
  parseContentType,
  parseDisposition,
  parseLanguage,
  parseTransferEncoding,
  type RawContentType,
  type RawParams,
} from './content-type.ts'
import { findHeaderEnd, type HeaderField, splitHeaderFields } from './header.ts'
import type { MimePart } from './types.ts'

/** MIME header data as written, for BODYSTRUCTURE (rfc3501#section-7.4.2). */
export interface RawMime {
  contentType: RawContentType | null
  encoding: string | null
  id: string | null
  description: string | null
  disposition: { value: string; params: RawParams } | null
  language: string[] | null
  location: string | null
  md5: string | null
}

/** A scanned entity: the public part plus what the IMAP builders need. */
export interface ScanNode {
  part: MimePart
  fields: HeaderField[]
  raw: RawMime
  /** 'text' counts lines; 'multipart' and 'message' have children / an embedded message. */
  kind: 'text' | 'leaf' | 'multipart' | 'message'
  children: ScanNode[]
  message: ScanNode | null
}

interface Parsed {
  node: ScanNode
  stop: Stop | null
}

interface Stop {
  lineStart: number
  lineEnd: number
  /** Index of the matching boundary in the stack (0 = outermost). */
  level: number
  close: boolean
}

// Same limits as Dovecot's defaults (mail_max_nested_mime_parts, mail_max_total_mime_parts): a
// part nested deeper is not parsed further, and the part that reaches the total takes the rest of
// the message as its body, so hostile input cannot exhaust the stack or memory.
const MAX_DEPTH = 100
const MAX_PARTS = 10_000
const NL_DASHES = Buffer.from('\n--')

/** MIME data of an entity without any Content-* field. */
export function emptyMime(): RawMime {
  return {
    contentType: null,
    encoding: null,
    id: null,
    description: null,
    disposition: null,
    language: null,
    location: null,
    md5: null,
  }
}

/**
 * Reads the MIME header fields that matter for structure: the first Content-Type, the first valid
 * Content-Transfer-Encoding, the first of the others; a later Content-Disposition replaces one that
 * had no parameters. Outside MIME (no MIME-Version, no Content-Type, not inside a multipart) the
 * Content-* fields mean nothing (rfc2045#section-4) and are ignored.
 */
function readMime(fields: HeaderField[], isMime: boolean): RawMime {
  const raw = emptyMime()
  if (!isMime) return raw
  for (const f of fields) {
    if (!f.key.startsWith('content-')) continue
    switch (f.key) {
      case 'content-type':
        raw.contentType ??= parseContentType(f.value)
        break
      case 'content-transfer-encoding':
        raw.encoding ??= parseTransferEncoding(f.value)
        break
      case 'content-id':
        raw.id ??= f.value
        break
      case 'content-description':
        raw.description ??= f.value
        break
      case 'content-disposition':
        if (raw.disposition === null || raw.disposition.params.length === 0) {
          raw.disposition = parseDisposition(f.value)
        }
        break
      case 'content-language':
        raw.language ??= parseLanguage(f.value)
        break
      case 'content-location':
        raw.location ??= f.value
        break
      case 'content-md5':
        raw.md5 ??= f.value
        break
    }
  }
  return raw
}

function hasMimeMarker(fields: HeaderField[]): boolean {
  for (const f of fields) {
    if (f.key === 'mime-version' || f.key === 'content-type') return true
  }
  return false
}

/**
 * A multipart or message/rfc822 type on a part that was not parsed as one (no subtype, or past the
 * nesting limits): its content is opaque, so it is shown as application/octet-stream.
 */
export function isUnparsedContainer(type: string, subtype: string): boolean {
  const t = type.toLowerCase()
  return t === 'multipart' || (t === 'message' && subtype.toLowerCase() === 'rfc822')
}

/** The public media type: lower-case, with defaults for missing and broken values. */
function mediaType(node: Pick<ScanNode, 'kind' | 'raw'>, digest: boolean): [string, string] {
  const ct = node.raw.contentType
  if (node.kind === 'message') return ['message', 'rfc822']
  if (ct === null) return digest ? ['message', 'rfc822'] : ['text', 'plain'] // rfc2046#section-5.1.5
  const type = ct.type.toLowerCase()
  const subtype = ct.subtype.toLowerCase()
  if (node.kind === 'multipart') return ['multipart', subtype]
  if (type === 'text' && subtype === '') return ['text', 'plain']
  if (type === '' || subtype === '' || isUnparsedContainer(type, subtype))
    return ['application', 'octet-stream']
  return [type, subtype]
}

function nullableText(value: string | null): string | null {
  return value === null ? null : decodeHeaderText(value.trim())
}

function makePart(node: Omit<ScanNode, 'part'>, id: string, bounds: number[], digest: boolean): MimePart {
  const [type, subtype] = mediaType(node, digest)
  const raw = node.raw
  const params = decodeParams(raw.contentType?.params ?? [])
  const dispositionParams = decodeParams(raw.disposition?.params ?? [])
  return {
    id,
    headerStart: bounds[0] as number,
    bodyStart: bounds[1] as number,
    bodyEnd: bounds[2] as number,
    type,
    subtype,
    params,
    contentId: raw.id === null ? null : raw.id.trim(),
    description: nullableText(raw.description),
    encoding: raw.encoding === null ? null : raw.encoding.toLowerCase(),
    disposition: raw.disposition === null ? null : raw.disposition.value.toLowerCase(),
    dispositionParams,
    language: raw.language,
    location: raw.location === null ? null : raw.location.trim(),
    md5: raw.md5 === null ? null : raw.md5.trim(),
    name: dispositionParams.filename ?? params.name ?? null,
    lines: bounds[3] as number,
    children: node.children.map((c) => c.part),
    message: node.message === null ? null : node.message.part,
  }
}

/** Walks one message (or part) and everything nested in it. */
class Scanner {
  private readonly boundaries = new BoundaryStack()
  private parts = 0
  /** The part limit was reached: no more boundaries are recognised. */
  private exhausted = false
  private headerStop: Stop | null = null

  constructor(private readonly buf: Buffer) {}

  /** The boundary that the line at `pos` (starting with "--") opens or closes, innermost first. */
  private match(pos: number): Stop | null {
    const buf = this.buf
    const found = this.boundaries.match(buf, pos + 2)
    if (found === undefined) return null
    const after = pos + 2 + found.length
    const nl = buf.indexOf(0x0a, after)
    const close = buf[after] === 0x2d && buf[after + 1] === 0x2d // rfc2046#section-5.1.1 close-delimiter
    return { lineStart: pos, lineEnd: nl < 0 ? buf.length : nl + 1, level: found.level, close }
  }

  /** The next boundary line at or after the line start `from` (rfc2046#section-5.1.1). */
  private findBoundary(from: number): Stop | null {
    if (this.boundaries.depth === 0 || this.exhausted) return null
    const buf = this.buf
    let pos = from
    while (pos < buf.length) {
      if (buf[pos] === 0x2d && buf[pos + 1] === 0x2d) {
        const stop = this.match(pos)
        if (stop) return stop
      }
      const nl = buf.indexOf(NL_DASHES, pos)
      if (nl < 0) return null
      pos = nl + 1
    }
    return null
  }

  /** Where a body that starts at `bodyStart` ends, given the boundary that stopped it. */
  private bodyEnd(bodyStart: number, stop: Stop | null): number {
    if (stop === null) return this.buf.length
    // rfc2046#section-5.1.1: the CRLF before a boundary belongs to the boundary
    return stop.lineStart - newlineBefore(this.buf, stop.lineStart, bodyStart)
  }

  /** Parses the entity whose header starts at `start`; returns it and the boundary that ended it. */
  entity(start: number, id: string, depth: number, inMultipart: boolean, digest: boolean): Parsed {
    const buf = this.buf
    if (++this.parts >= MAX_PARTS) this.exhausted = true
    this.headerStop = null
    const stopAt =
      this.boundaries.depth === 0 || this.exhausted
        ? undefined
        : (pos: number) => {
            this.headerStop = this.match(pos)
            return this.headerStop !== null
          }
    const hdr = findHeaderEnd(buf, start, stopAt)
    const headerStop = hdr.stopped ? this.headerStop : null
    const fields = splitHeaderFields(buf.toString('latin1', start, hdr.fieldsEnd))
    const raw = readMime(fields, inMultipart || hasMimeMarker(fields))
    const ct = raw.contentType
    const ltype = ct?.type.toLowerCase()
    const lsub = ct?.subtype.toLowerCase()
    const nestable = depth < MAX_DEPTH - 1 && !this.exhausted
    let kind: ScanNode['kind'] = 'leaf'
    if (ct === null ? digest : ltype === 'message' && lsub === 'rfc822') kind = nestable ? 'message' : 'leaf'
    else if (ltype === 'multipart' && lsub !== '') kind = nestable ? 'multipart' : 'leaf'
    else if (ct === null || ltype === 'text') kind = 'text'

    const bodyStart = hdr.bodyStart
    let bodyEnd = bodyStart
    let stop: Stop | null = headerStop
    const children: ScanNode[] = []
    let message: ScanNode | null = null
    if (kind === 'message') {
      const inner = this.entity(bodyStart, id, depth + 1, false, false)
      message = inner.node
      bodyEnd = inner.node.part.bodyEnd
      stop = inner.stop
    } else if (headerStop === null) {
      const boundary =
        kind === 'multipart' ? ct?.params.find(([k]) => k.toLowerCase() === 'boundary') : undefined
      if (boundary === undefined) {
        stop = this.findBoundary(bodyStart)
        bodyEnd = this.bodyEnd(bodyStart, stop)
      } else {
        ;({ stop, bodyEnd } = this.multipart(bodyStart, boundary[1], id, depth, lsub === 'digest', children))
      }
    }
    const lines = kind === 'text' || kind === 'message' ? countLf(buf, bodyStart, bodyEnd) : 0
    const rest: Omit<ScanNode, 'part'> = { fields, raw, kind, children, message }
    const part = makePart(rest, id, [start, bodyStart, bodyEnd, lines], digest)
    return { node: { part, ...rest }, stop }
  }

  /** The body of a multipart: preamble, parts, epilogue (rfc2046#section-5.1.1). */
  private multipart(
    bodyStart: number,
    boundary: string,
    id: string,
    depth: number,
    digest: boolean,
    out: ScanNode[],
  ) {
    const level = this.boundaries.push(Buffer.from(boundary, 'latin1'))
    let stop = this.findBoundary(bodyStart)
    let bodyEnd = -1
    while (stop !== null && stop.level === level && !stop.close) {
      const childId = id === '' ? String(out.length + 1) : `${id}.${out.length + 1}`
      const child = this.entity(stop.lineEnd, childId, depth + 1, true, digest)
      out.push(child.node)
      stop = child.stop
      bodyEnd = child.node.part.bodyEnd
    }
    this.boundaries.truncate(level) // this boundary (and any inner one) ends here
    if (stop !== null && stop.level === level) {
      // after the close-delimiter comes the epilogue, up to an outer boundary
      const epilogue = stop.lineEnd
      stop = this.findBoundary(epilogue)
      bodyEnd = stop === null ? this.buf.length : Math.max(epilogue, this.bodyEnd(epilogue, stop))
    } else if (bodyEnd < 0) bodyEnd = this.bodyEnd(bodyStart, stop)
    return { stop, bodyEnd }
  }
}

/** Scans a whole message (CRLF or LF line endings) into its part tree. Never throws on content. */
export function scanMessage(buf: Buffer): ScanNode {
  return new Scanner(buf).entity(0, '', 0, false, false).node
}
