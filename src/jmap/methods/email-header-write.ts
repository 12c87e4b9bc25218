// Header fields of an Email/set create (rfc8621#section-4.6): the header:{name}:as{Form}:all
// properties and the convenience ones (from, subject, sentAt …), checked against the forms each
// field allows (rfc8621#section-4.1.2) and formatted as RFC 5322 fields.
import {
  encodePhrase,
  encodeText,
  formatAddress,
  formatDateWithOffset,
  type HeaderLine,
} from '../../mail/mime-build.ts'
import type { HeaderForm, HeaderProperty as ReadHeaderProperty } from './email-header-forms.ts'

/** A header property to write: the field as the client spelled it, its form and whether it carries every instance. */
export type HeaderProperty = Pick<ReadHeaderProperty, 'name' | 'form' | 'all'>

/** The convenience properties and the header property each stands for (rfc8621#section-4.1.3). */
export const convenienceHeaders: Record<string, HeaderProperty> = {
  messageId: { name: 'Message-ID', form: 'MessageIds', all: false },
  inReplyTo: { name: 'In-Reply-To', form: 'MessageIds', all: false },
  references: { name: 'References', form: 'MessageIds', all: false },
  sender: { name: 'Sender', form: 'Addresses', all: false },
  from: { name: 'From', form: 'Addresses', all: false },
  to: { name: 'To', form: 'Addresses', all: false },
  cc: { name: 'Cc', form: 'Addresses', all: false },
  bcc: { name: 'Bcc', form: 'Addresses', all: false },
  replyTo: { name: 'Reply-To', form: 'Addresses', all: false },
  subject: { name: 'Subject', form: 'Text', all: false },
  sentAt: { name: 'Date', form: 'Date', all: false },
}

const isString = (v: unknown): v is string => typeof v === 'string'
const noLineBreak = (s: string) => !/[\r\n]/.test(s)

function isAddress(v: unknown): v is { name: string | null; email: string } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const a = v as Record<string, unknown>
  const nameOk = a.name === undefined || a.name === null || (isString(a.name) && noLineBreak(a.name))
  return nameOk && isString(a.email) && /^[^\s<>,;"]+$/.test(a.email)
}

function formatAddresses(v: unknown): string | undefined {
  if (!Array.isArray(v) || !v.every(isAddress)) return undefined
  return v.map((a) => formatAddress({ name: a.name ?? null, email: a.email })).join(', ')
}

function formatGroups(v: unknown): string | undefined {
  if (!Array.isArray(v)) return undefined
  const out: string[] = []
  for (const g of v) {
    if (typeof g !== 'object' || g === null) return undefined
    const { name, addresses } = g as Record<string, unknown>
    const list = formatAddresses(addresses)
    if (list === undefined || !(name === null || name === undefined || (isString(name) && noLineBreak(name))))
      return undefined
    out.push(isString(name) ? `${encodePhrase(name)}: ${list};` : list)
  }
  return out.join(', ')
}

/** One value of a form as a field value; undefined when the value does not fit the form. */
function formatValue(form: HeaderForm, v: unknown): HeaderLine['value'] | undefined {
  switch (form) {
    case 'Raw':
      // A raw value may be folded (CRLF then whitespace) but carries no other line break.
      return isString(v) && !/\r(?!\n[ \t])|(?<!\r)\n|\r\n(?![ \t])/.test(v) ? v : undefined
    case 'Text':
      return isString(v) && noLineBreak(v) ? encodeText(v) : undefined
    case 'Addresses':
      return formatAddresses(v)
    case 'GroupedAddresses':
      return formatGroups(v)
    case 'MessageIds':
      return Array.isArray(v) && v.length > 0 && v.every((id) => isString(id) && /^[^\s<>]+$/.test(id))
        ? v.map((id) => `<${id}>`).join(' ')
        : undefined
    case 'Date':
      return isString(v) ? formatDateWithOffset(v) : undefined
    case 'URLs':
      return Array.isArray(v) && v.length > 0 && v.every((u) => isString(u) && /^[^\s<>]+$/.test(u))
        ? v.map((u) => `<${u}>`).join(', ')
        : undefined
  }
}

/**
 * The fields a header property's value makes (none for null), or undefined when the value does
 * not fit the property's form.
 */
export function headerLines(property: HeaderProperty, value: unknown): HeaderLine[] | undefined {
  if (value === null) return []
  const values = property.all ? value : [value]
  if (!Array.isArray(values)) return undefined
  const lines: HeaderLine[] = []
  for (const v of values) {
    if (v === null && property.all) continue
    const formatted = formatValue(property.form, v)
    if (formatted === undefined) return undefined
    lines.push({ name: property.name, value: formatted, raw: property.form === 'Raw' })
  }
  return lines
}
