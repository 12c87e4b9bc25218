// Recipient resolution: which local accounts (and which remote addresses) an address reaches.
// Order: exact address → sub-address base (rfc5233, `user+tag`) → catch-all `@domain`.
// Aliases expand recursively, with loop and depth protection.
import { and, eq, inArray } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { accounts, addresses, domains } from '../db/schema/index.ts'
import { StoreError } from '../lib/errors.ts'
import { formatAddress, type ParsedAddress, parseAddress, splitSubaddress } from './address.ts'

export interface ResolvedAccount {
  id: number
  email: string
}

export interface Resolution {
  /** Local accounts that receive the message, without duplicates. */
  accounts: ResolvedAccount[]
  /** Remote addresses that aliases forward to. */
  forwards: string[]
  /** The `+tag` of the address as given, if any (Sieve :detail, delivery to a folder). */
  detail?: string
}

const maxAliasDepth = 8
const maxTargets = 1000

interface Entry {
  kind: 'primary' | 'alias'
  accountId: number | null
  target: string | null
}

export function createResolver(db: Db) {
  const entriesFor = (domainId: number, local: string): Entry[] =>
    db
      .select({ kind: addresses.kind, accountId: addresses.accountId, target: addresses.target })
      .from(addresses)
      .where(and(eq(addresses.domainId, domainId), eq(addresses.localPart, local)))
      .all()
  const domainId = (name: string) =>
    db.select({ id: domains.id }).from(domains).where(eq(domains.name, name)).get()?.id

  /** The address entries that match `addr` in a local domain: exact, then sub-address base, then catch-all. */
  const lookup = (addr: ParsedAddress): { entries: Entry[]; detail?: string } | undefined => {
    const id = domainId(addr.domain)
    if (id === undefined) return undefined
    const exact = entriesFor(id, addr.local)
    if (exact.length > 0) return { entries: exact }
    const sub = splitSubaddress(addr.local)
    if (sub) {
      const base = entriesFor(id, sub.base)
      if (base.length > 0) return { entries: base, detail: sub.detail }
    }
    const catchAll = entriesFor(id, '')
    return { entries: catchAll, ...(sub ? { detail: sub.detail } : {}) }
  }

  return {
    /**
     * Resolves a recipient. Returns undefined when the domain is not local (a relay question for
     * the caller) or when nothing in a local domain matches (unknown user).
     */
    resolve(address: string): Resolution | undefined {
      let parsed: ParsedAddress
      try {
        parsed = parseAddress(address)
      } catch (err) {
        if (err instanceof StoreError) return undefined
        throw err
      }
      const first = lookup(parsed)
      if (!first || first.entries.length === 0) return undefined
      const accountIds = new Set<number>()
      const forwards = new Set<string>()
      const seen = new Set<string>([formatAddress(parsed)])
      const expand = (entries: Entry[], depth: number) => {
        for (const entry of entries) {
          if (entry.kind === 'primary' && entry.accountId !== null) accountIds.add(entry.accountId)
          if (entry.kind !== 'alias' || entry.target === null) continue
          if (seen.has(entry.target) || seen.size > maxTargets) continue
          seen.add(entry.target)
          const target = parseAddress(entry.target)
          const next = lookup(target)
          if (!next) forwards.add(entry.target)
          else if (depth < maxAliasDepth) expand(next.entries, depth + 1)
        }
      }
      expand(first.entries, 0)
      const found =
        accountIds.size === 0
          ? []
          : db
              .select({ id: accounts.id, email: accounts.email })
              .from(accounts)
              .where(and(inArray(accounts.id, [...accountIds]), eq(accounts.isDisabled, false)))
              .all()
      if (found.length === 0 && forwards.size === 0) return undefined
      found.sort((a, b) => a.email.localeCompare(b.email))
      return {
        accounts: found,
        forwards: [...forwards].sort(),
        ...(first.detail ? { detail: first.detail } : {}),
      }
    },
  }
}

export type Resolver = ReturnType<typeof createResolver>
