// Aliases: an address (or a catch-all `@domain`) that passes mail on to one or more targets,
// local accounts or remote addresses.
import { and, asc, eq } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { addresses, domains } from '../db/schema/index.ts'
import type { Clock } from '../lib/clock.ts'
import { StoreError } from '../lib/errors.ts'
import { formatAddress, parseAddress } from './address.ts'

export interface AliasInfo {
  /** `local@domain`, or `@domain` for a catch-all. */
  address: string
  target: string
  createdAt: number
}

export function createAliases(db: Db, clock: Clock) {
  const rows = () =>
    db
      .select({
        local: addresses.localPart,
        domain: domains.name,
        target: addresses.target,
        createdAt: addresses.createdAt,
      })
      .from(addresses)
      .innerJoin(domains, eq(domains.id, addresses.domainId))
  const toInfo = (r: {
    local: string
    domain: string
    target: string | null
    createdAt: number
  }): AliasInfo => ({
    address: `${r.local}@${r.domain}`,
    target: r.target ?? '',
    createdAt: r.createdAt,
  })

  return {
    /** Adds `address → target`. An address may have several targets (a simple list). */
    add(address: string, target: string): AliasInfo {
      const source = parseAddress(address, { allowCatchAll: true })
      const dest = formatAddress(parseAddress(target))
      if (formatAddress(source) === dest)
        throw new StoreError('invalidParams', 'an alias cannot point at itself')
      return db.transaction((tx) => {
        const domain = tx.select().from(domains).where(eq(domains.name, source.domain)).get()
        if (!domain)
          throw new StoreError('invalidParams', `domain ${source.domain} is not local; add the domain first`)
        const existing = tx
          .select({ kind: addresses.kind, target: addresses.target })
          .from(addresses)
          .where(and(eq(addresses.domainId, domain.id), eq(addresses.localPart, source.local)))
          .all()
        if (existing.some((e) => e.kind === 'primary')) {
          throw new StoreError('exists', `${formatAddress(source)} is an account's address`)
        }
        if (existing.some((e) => e.target === dest)) {
          throw new StoreError('exists', `alias ${formatAddress(source)} → ${dest} already exists`)
        }
        const now = clock.now()
        tx.insert(addresses)
          .values({
            localPart: source.local,
            domainId: domain.id,
            kind: 'alias',
            target: dest,
            createdAt: now,
          })
          .run()
        return { address: formatAddress(source), target: dest, createdAt: now }
      })
    },

    list(domain?: string): AliasInfo[] {
      const kind = eq(addresses.kind, 'alias')
      const where = domain === undefined ? kind : and(kind, eq(domains.name, domain.toLowerCase()))
      return rows()
        .where(where)
        .orderBy(asc(domains.name), asc(addresses.localPart), asc(addresses.target))
        .all()
        .map(toInfo)
    },

    /** The targets of one alias address; notFound when there are none. */
    get(address: string): AliasInfo[] {
      const source = parseAddress(address, { allowCatchAll: true })
      const found = rows()
        .where(
          and(
            eq(addresses.kind, 'alias'),
            eq(domains.name, source.domain),
            eq(addresses.localPart, source.local),
          ),
        )
        .orderBy(asc(addresses.target))
        .all()
        .map(toInfo)
      if (found.length === 0)
        throw new StoreError('notFound', `alias ${formatAddress(source)} does not exist`)
      return found
    },

    /** Removes one target of an alias, or all of them when `target` is omitted. */
    remove(address: string, target?: string): void {
      const source = parseAddress(address, { allowCatchAll: true })
      db.transaction((tx) => {
        const domain = tx.select().from(domains).where(eq(domains.name, source.domain)).get()
        const conditions = [eq(addresses.kind, 'alias'), eq(addresses.localPart, source.local)]
        if (domain) conditions.push(eq(addresses.domainId, domain.id))
        if (target !== undefined) conditions.push(eq(addresses.target, formatAddress(parseAddress(target))))
        const removed = domain
          ? tx
              .delete(addresses)
              .where(and(...conditions))
              .returning({ id: addresses.id })
              .all()
          : []
        if (removed.length === 0) {
          throw new StoreError(
            'notFound',
            `alias ${formatAddress(source)}${target ? ` → ${target}` : ''} does not exist`,
          )
        }
      })
    },
  }
}

export type Aliases = ReturnType<typeof createAliases>
