// Parsed header forms for JMAP Email properties: rfc8621#section-4.1.2.2 (Text), 4.1.2.3
// (Addresses), 4.1.2.4 (GroupedAddresses), 4.1.2.5 (MessageIds), 4.1.2.7 (URLs), with rfc2047
// encoded words decoded.
import { parseAddressList, type RawAddress } from './address.ts'
import { decodeHeaderText } from './content-type.ts'
import type { HeaderField } from './header.ts'
import { isAtext } from './rfc822-lexer.ts'
import type { EmailAddress } from './types.ts'

/** The value of the last field called `name` (rfc8621#section-4.1.3 uses the last instance). */
export function lastField(fields: HeaderField[], name: string): string | null {
  for (let i = fields.length - 1; i >= 0; i--) {
    const f = fields[i] as HeaderField
    if (f.key === name) return f.value
  }
  return null
}

/** rfc8621#section-4.1.2.2 Text form: unfolded, encoded words decoded, outer whitespace trimmed, NFC. */
export function asText(value: string | null): string | null {
  if (value === null) return null
  return decodeHeaderText(value)
    .replace(/[\0-\x08\x0b\x0c\x0e-\x1f\x7f]/g, '') // rfc8621#section-4.1.2.2 control characters dropped
    .trim()
    .normalize('NFC')
}

function isDotAtom(local: string): boolean {
  if (local === '' || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false
  for (let i = 0; i < local.length; i++) {
    const c = local.charCodeAt(i)
    if (c !== 0x2e && !isAtext(c)) return false
  }
  return true
}

/** One parsed mailbox as an EmailAddress (rfc8621#section-4.1.2.3), or null when it has neither part. */
function toEmailAddress(a: RawAddress): EmailAddress | null {
  let email = ''
  if (a.mailbox !== null) {
    const local = isDotAtom(a.mailbox) ? a.mailbox : `"${a.mailbox.replace(/(["\\])/g, '\\$1')}"`
    email = decodeHeaderText(a.domain === null ? local : `${local}@${a.domain}`)
  }
  const name = a.name === null ? null : decodeHeaderText(a.name).replace(/\s+/g, ' ').trim() || null
  if (email === '' && name === null) return null
  return { name, email }
}

/**
 * rfc8621#section-4.1.2.3 Addresses form: every mailbox of the list, groups flattened; the display
 * name decoded and trimmed (or the comment after a bare address); best effort on broken input.
 */
export function asAddresses(value: string | null): EmailAddress[] | null {
  if (value === null) return null
  const out: EmailAddress[] = []
  for (const a of parseAddressList(value, false)) {
    if (a.group !== undefined) continue
    const address = toEmailAddress(a)
    if (address) out.push(address)
  }
  return out
}

/** rfc8621#section-4.1.2.4 EmailAddressGroup. */
export interface EmailAddressGroup {
  name: string | null
  addresses: EmailAddress[]
}

/**
 * rfc8621#section-4.1.2.4 GroupedAddresses form: the groups of the list in order; consecutive
 * mailboxes outside any group make up a group whose name is null.
 */
export function asGroupedAddresses(value: string | null): EmailAddressGroup[] | null {
  if (value === null) return null
  const out: EmailAddressGroup[] = []
  let current: EmailAddressGroup | null = null
  for (const a of parseAddressList(value, false)) {
    if (a.group === 'start') {
      // the parser gives a group's display name in `mailbox`
      const raw = a.mailbox ?? a.name
      const name = raw === null ? null : decodeHeaderText(raw).replace(/\s+/g, ' ').trim() || null
      current = { name, addresses: [] }
      out.push(current)
      continue
    }
    if (a.group === 'end') {
      current = null
      continue
    }
    const address = toEmailAddress(a)
    if (!address) continue
    if (current === null) {
      current = { name: null, addresses: [] }
      out.push(current)
      // an ungrouped run ends at the next group start, which replaces `current`
    }
    current.addresses.push(address)
  }
  return out
}

/**
 * rfc8621#section-4.1.2.7 URLs form (rfc2369#section-2 lists): the URLs between angle brackets,
 * whitespace removed, comments ignored; null when there is none.
 */
export function asUrls(value: string | null): string[] | null {
  if (value === null) return null
  const text = value.replace(/\([^()]*\)/g, ' ')
  const urls: string[] = []
  for (const m of text.matchAll(/<([^<>]*)>/g)) {
    const url = (m[1] as string).replace(/\s+/g, '')
    if (url !== '') urls.push(url)
  }
  return urls.length > 0 ? urls : null
}

/**
 * rfc8621#section-4.1.2.5 MessageIds form: the msg-ids without angle brackets and CFWS, or null
 * when none parse. A lone id without brackets (common in old mail) is accepted.
 */
export function asMessageIds(value: string | null): string[] | null {
  if (value === null) return null
  const text = value.replace(/\([^()]*\)/g, ' ')
  const ids: string[] = []
  for (const m of text.matchAll(/<([^<>]*)>/g)) {
    const id = (m[1] as string).replace(/\s+/g, '')
    if (id !== '') ids.push(id)
  }
  if (ids.length > 0) return ids
  const bare = text.trim()
  return bare !== '' && !/\s/.test(bare) && bare.includes('@') ? [bare] : null
}
