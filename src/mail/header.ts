// Header sections: finding where a header ends, splitting it into fields, and cutting fields out
// of the raw bytes for BODY[HEADER.FIELDS (...)]. rfc5322#section-2.2 (fields, folding),
// rfc3501#section-6.4.5 (HEADER.FIELDS, HEADER.FIELDS.NOT).
import { asBuffer } from './bytes.ts'

/** One header field. `value` is a byte string: the text after the colon without leading blanks,
 * folded lines joined by "\n" (each keeping its leading whitespace), CRs before LFs removed. */
export interface HeaderField {
  name: string
  /** `name` in lower case, for lookups. */
  key: string
  value: string
}

/** Where a header section ends. */
export interface HeaderBounds {
  /** Offset just past the last header line (before the blank line). */
  fieldsEnd: number
  /** Offset of the body: after the blank line, or where the header stopped. */
  bodyStart: number
  /** The header was cut short by a line for which `stopAt` returned true (a MIME boundary). */
  stopped: boolean
}

/**
 * Finds the end of the header that starts at `start`: the first empty line (rfc5322#section-2.1),
 * a line for which `stopAt` says yes (a MIME boundary inside a part header), or the end of input.
 */
export function findHeaderEnd(
  buf: Buffer,
  start: number,
  stopAt?: (lineStart: number) => boolean,
): HeaderBounds {
  const end = buf.length
  let pos = start
  while (pos < end) {
    const c = buf[pos]
    if (c === 0x0a) return { fieldsEnd: pos, bodyStart: pos + 1, stopped: false }
    if (c === 0x0d && buf[pos + 1] === 0x0a) return { fieldsEnd: pos, bodyStart: pos + 2, stopped: false }
    if (c === 0x2d && stopAt && buf[pos + 1] === 0x2d && stopAt(pos)) {
      return { fieldsEnd: pos, bodyStart: pos, stopped: true }
    }
    const nl = buf.indexOf(0x0a, pos)
    if (nl < 0) break
    pos = nl + 1
  }
  return { fieldsEnd: end, bodyStart: end, stopped: false }
}

/** Offset of the body of a message: just after the blank line ending its header; -1 without one. */
export function bodyOffset(raw: Uint8Array): number {
  const bounds = findHeaderEnd(asBuffer(raw), 0)
  return bounds.fieldsEnd < bounds.bodyStart ? bounds.bodyStart : -1
}

/** The header fields of a message, without the blank line (the whole input when there is none). */
export function headerSection(raw: Uint8Array): Uint8Array {
  return raw.subarray(0, findHeaderEnd(asBuffer(raw), 0).fieldsEnd)
}

/** A message needs at least one header field to be one (rfc5322#section-2.1). */
export function looksLikeMessage(raw: Uint8Array): boolean {
  return splitHeaderFields(asBuffer(headerSection(raw)).toString('latin1')).length > 0
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09
}

/**
 * Splits a header section (a byte string without the blank line) into fields. A line without a
 * colon (such as an mbox "From " line) is not a field and is skipped with its continuation lines.
 */
export function splitHeaderFields(header: string): HeaderField[] {
  const fields: HeaderField[] = []
  let current: HeaderField | undefined
  let pos = 0
  while (pos < header.length) {
    let nl = header.indexOf('\n', pos)
    if (nl < 0) nl = header.length
    const lineEnd = header.charCodeAt(nl - 1) === 0x0d && nl - 1 >= pos ? nl - 1 : nl
    const first = header.charCodeAt(pos)
    if (first === 0x20 || first === 0x09) {
      // rfc5322#section-2.2.3 folding: a line starting with WSP continues the field
      if (current) current.value += `\n${header.slice(pos, lineEnd)}`
    } else {
      const colon = header.indexOf(':', pos)
      if (colon < 0 || colon >= lineEnd) {
        // not a field: kept out of the list, and so are the lines that continue it
        current = { name: '', key: '', value: '' }
        pos = nl + 1
        continue
      }
      let nameEnd = colon
      while (nameEnd > pos && isBlank(header.charCodeAt(nameEnd - 1))) nameEnd--
      let valueStart = colon + 1
      while (valueStart < lineEnd && isBlank(header.charCodeAt(valueStart))) valueStart++
      const name = header.slice(pos, nameEnd)
      current = { name, key: name.toLowerCase(), value: header.slice(valueStart, lineEnd) }
      fields.push(current)
    }
    pos = nl + 1
  }
  return fields
}

/**
 * rfc3501#section-6.4.5 HEADER.FIELDS / HEADER.FIELDS.NOT: the fields of `rawHeader` whose names
 * are (or, with `not`, are not) in `names` (case-insensitive), copied byte for byte with their
 * folded lines, followed by the blank line that ends a header.
 */
export function extractHeaderFields(rawHeader: Uint8Array, names: string[], not: boolean): Uint8Array {
  const buf = asBuffer(rawHeader)
  const wanted = new Set(names.map((n) => n.toLowerCase()))
  const chunks: Buffer[] = []
  let keep = false
  let pos = 0
  while (pos < buf.length) {
    let nl = buf.indexOf(0x0a, pos)
    const lineEnd = nl < 0 ? buf.length : nl + 1
    if (nl < 0) nl = buf.length
    const first = buf[pos]
    if (first === 0x0a || (first === 0x0d && buf[pos + 1] === 0x0a)) break // the blank line
    if (first !== 0x20 && first !== 0x09) {
      const colon = buf.indexOf(0x3a, pos)
      if (colon < 0 || colon > nl)
        keep = false // not a field
      else {
        const name = buf
          .toString('latin1', pos, colon)
          .replace(/[ \t]+$/, '')
          .toLowerCase()
        keep = wanted.has(name) !== not
      }
    }
    if (keep) {
      chunks.push(buf.subarray(pos, lineEnd))
      if (nl === buf.length) chunks.push(Buffer.from('\r\n'))
    }
    pos = lineEnd
  }
  chunks.push(Buffer.from('\r\n'))
  return Buffer.concat(chunks)
}
