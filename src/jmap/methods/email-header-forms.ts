// Header field properties of Email and EmailBodyPart (rfc8621#section-4.1.2 and 4.1.3): the
// "header:{name}[:as{Form}][:all]" property names, which forms each field may be asked for, and
// the values of each form, from the raw header bytes.
import { parseDate } from '../../mail/date.ts'
import { asAddresses, asGroupedAddresses, asMessageIds, asText, asUrls } from '../../mail/jmap-headers.ts'
import { invalidArguments } from '../core/errors.ts'

export type HeaderForm = 'Raw' | 'Text' | 'Addresses' | 'GroupedAddresses' | 'MessageIds' | 'Date' | 'URLs'

/** One requested header property, e.g. "header:List-Post:asURLs:all". */
export interface HeaderProperty {
  /** The property name exactly as requested: the key in the response. */
  property: string
  /** The field name as the client spelled it. */
  name: string
  /** The field name, lower-case (field names are case-insensitive). */
  key: string
  form: HeaderForm
  all: boolean
}

/** One header field as it is in the message. */
export interface RawHeaderField {
  /** The name with the capitalization the message has. */
  name: string
  key: string
  /** The octets after the colon up to the terminating CRLF, folds kept, as a byte string. */
  raw: string
}

const forms = new Set<string>(['Raw', 'Text', 'Addresses', 'GroupedAddresses', 'MessageIds', 'Date', 'URLs'])

// Fields defined by rfc5322 and rfc2369: each may be asked for only in the forms that make
// sense for it (rfc8621#section-4.1.2); any other field in every form.
const addressFields = ['from', 'sender', 'reply-to', 'to', 'cc', 'bcc']
const resentAddressFields = ['resent-from', 'resent-sender', 'resent-reply-to', 'resent-to', 'resent-cc']
const listUrlFields = [
  'list-help',
  'list-unsubscribe',
  'list-subscribe',
  'list-post',
  'list-owner',
  'list-archive',
]
const allowedFor: Record<Exclude<HeaderForm, 'Raw'>, ReadonlySet<string>> = {
  Text: new Set(['subject', 'comments', 'keywords', 'list-id']),
  Addresses: new Set([...addressFields, ...resentAddressFields, 'resent-bcc']),
  GroupedAddresses: new Set([...addressFields, ...resentAddressFields, 'resent-bcc']),
  MessageIds: new Set(['message-id', 'in-reply-to', 'references', 'resent-message-id']),
  Date: new Set(['date', 'resent-date']),
  URLs: new Set(listUrlFields),
}
const definedFields = new Set([
  ...Object.values(allowedFor).flatMap((s) => [...s]),
  'return-path',
  'received',
])
// List-Id (rfc2919) is not an rfc5322/rfc2369 field: every form is allowed for it.
definedFields.delete('list-id')

/** rfc5322#section-3.6.8 field-name: printable US-ASCII except ":". */
const fieldName = /^[\x21-\x39\x3b-\x7e]+$/

/**
 * Reads a "header:…" property (rfc8621#section-4.1.3): undefined for any other property, the
 * reason as a string for a malformed one or a form the field may not take.
 */
function readHeaderProperty(property: string): HeaderProperty | string | undefined {
  if (!property.startsWith('header:')) return undefined
  const parts = property.split(':')
  const name = parts[1] ?? ''
  if (!fieldName.test(name)) return 'bad header field name'
  let form: HeaderForm = 'Raw'
  let all = false
  let i = 2
  const formPart = parts[i]
  if (formPart?.startsWith('as')) {
    if (!forms.has(formPart.slice(2))) return 'unknown header form'
    form = formPart.slice(2) as HeaderForm
    i++
  }
  if (parts[i] === 'all') {
    all = true
    i++
  }
  if (i !== parts.length) return 'unknown header property'
  const key = name.toLowerCase()
  if (form !== 'Raw' && definedFields.has(key) && !allowedFor[form].has(key))
    return `the ${form} form is not allowed for ${name}`
  return { property, name, key, form, all }
}

/**
 * Parses a "header:…" property; undefined for any other property. Throws invalidArguments for a
 * malformed one or a form the field may not be asked for (rfc8621#section-4.1.3).
 */
export function parseHeaderProperty(property: string): HeaderProperty | undefined {
  const read = readHeaderProperty(property)
  if (typeof read === 'string') throw invalidArguments(`${property}: ${read}`)
  return read
}

/** A valid "header:…" property, or undefined for any other property, valid or not (Email/set). */
export function tryParseHeaderProperty(property: string): HeaderProperty | undefined {
  const read = readHeaderProperty(property)
  return typeof read === 'string' ? undefined : read
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09
}

/**
 * The fields of a header section (bytes up to the blank line or the end), in order. A line with
 * no colon is not a field and is skipped with its continuation lines, as mail/header.ts does.
 */
export function rawHeaderFields(header: Uint8Array): RawHeaderField[] {
  const text = Buffer.from(header.buffer, header.byteOffset, header.byteLength).toString('latin1')
  const fields: RawHeaderField[] = []
  let current: RawHeaderField | null = null
  let pos = 0
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos)
    if (nl < 0) nl = text.length
    const lineEnd = nl > pos && text.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl
    if (lineEnd === pos) break // the blank line that ends the header
    if (isBlank(text.charCodeAt(pos))) {
      // rfc5322#section-2.2.3: a folded line belongs to the field before it, CRLF and all
      if (current) current.raw += `\r\n${text.slice(pos, lineEnd)}`
    } else {
      const colon = text.indexOf(':', pos)
      if (colon < 0 || colon >= lineEnd) {
        current = null
      } else {
        let nameEnd = colon
        while (nameEnd > pos && isBlank(text.charCodeAt(nameEnd - 1))) nameEnd--
        const name = text.slice(pos, nameEnd)
        current = { name, key: name.toLowerCase(), raw: text.slice(colon + 1, lineEnd) }
        fields.push(current)
      }
    }
    pos = nl + 1
  }
  return fields
}

/**
 * rfc8621#section-4.1.2.1 Raw form as a string: the octets as UTF-8, any run that is not valid
 * UTF-8 replaced by U+FFFD.
 */
function rawText(raw: string): string {
  return Buffer.from(raw, 'latin1').toString('utf8')
}

/** The value the parsers of mail/ take: leading blanks dropped, folds joined by "\n". */
function parserInput(raw: string): string {
  return raw.replace(/^[ \t]+/, '').replace(/\r\n/g, '\n')
}

function formValue(raw: string, form: HeaderForm): unknown {
  switch (form) {
    case 'Raw':
      return rawText(raw)
    case 'Text':
      return asText(parserInput(raw))
    case 'Addresses':
      return asAddresses(parserInput(raw))
    case 'GroupedAddresses':
      return asGroupedAddresses(parserInput(raw))
    case 'MessageIds':
      return asMessageIds(parserInput(raw))
    case 'Date':
      return parseDate(parserInput(raw))
    case 'URLs':
      return asUrls(parserInput(raw))
  }
}

/**
 * A header property's value (rfc8621#section-4.1.3): the last instance of the field, or null
 * when there is none; with ":all" every instance in message order ([] when there is none).
 */
export function headerPropertyValue(fields: readonly RawHeaderField[], p: HeaderProperty): unknown {
  if (p.all) return fields.filter((f) => f.key === p.key).map((f) => formValue(f.raw, p.form))
  for (let i = fields.length - 1; i >= 0; i--) {
    const f = fields[i] as RawHeaderField
    if (f.key === p.key) return formValue(f.raw, p.form)
  }
  return null
}

/** rfc8621#section-4.1.3 headers: every field in order as EmailHeader (name, Raw value). */
export function emailHeaders(fields: readonly RawHeaderField[]): { name: string; value: string }[] {
  return fields.map((f) => ({ name: f.name, value: rawText(f.raw) }))
}
