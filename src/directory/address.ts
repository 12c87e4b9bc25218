// Pure address handling: normalising domains and mailbox addresses, splitting sub-addresses.
// rfc5321#section-4.1.2 (Mailbox syntax); rfc5233 (sub-addressing with "+").
import { domainToASCII } from 'node:url'
import { StoreError } from '../lib/errors.ts'

export const subaddressSeparator = '+'

export interface ParsedAddress {
  /** Lower-case local part ('' for a catch-all `@domain`). */
  local: string
  /** Lower-case ASCII domain. */
  domain: string
}

/** Normalises a domain name to lower-case ASCII (IDNs to A-labels); throws invalidParams when malformed. */
export function normalizeDomain(input: string): string {
  const trimmed = input.trim().replace(/\.$/, '')
  const ascii = domainToASCII(trimmed.toLowerCase())
  const label = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?'
  if (ascii === '' || ascii.length > 253 || !new RegExp(`^${label}(?:\\.${label})+$`).test(ascii)) {
    throw new StoreError('invalidParams', `"${input}" is not a valid domain name`)
  }
  return ascii
}

// Dot-atom local parts (rfc5322#section-3.2.3); quoted local parts are rare and refused for accounts.
const localPartPattern = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/

/** Parses `local@domain` (or `@domain` when `allowCatchAll`); throws invalidParams when malformed. */
export function parseAddress(input: string, options: { allowCatchAll?: boolean } = {}): ParsedAddress {
  const text = input.trim()
  const at = text.lastIndexOf('@')
  if (at < 0) throw new StoreError('invalidParams', `"${input}" is not an email address (local@domain)`)
  const local = text.slice(0, at).toLowerCase()
  const domain = normalizeDomain(text.slice(at + 1))
  if (local === '') {
    if (options.allowCatchAll) return { local, domain }
    throw new StoreError('invalidParams', `"${input}" has no local part`)
  }
  if (local.length > 64 || !localPartPattern.test(local)) {
    throw new StoreError('invalidParams', `"${input}" has an invalid local part`)
  }
  return { local, domain }
}

export function formatAddress(a: ParsedAddress): string {
  return `${a.local}@${a.domain}`
}

/** Splits `user+tag` into `user` and `tag`; undefined when there is no detail. */
export function splitSubaddress(local: string): { base: string; detail: string } | undefined {
  const i = local.indexOf(subaddressSeparator)
  if (i <= 0) return undefined
  return { base: local.slice(0, i), detail: local.slice(i + 1) }
}
