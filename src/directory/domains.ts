// Domains this server is the destination for.
import { asc, eq, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { accounts, addresses, domains } from '../db/schema/index.ts'
import type { Clock } from '../lib/clock.ts'
import { StoreError } from '../lib/errors.ts'
import { normalizeDomain } from './address.ts'

export interface DomainInfo {
  name: string
  createdAt: number
  accountCount: number
  aliasCount: number
}

export function createDomains(db: Db, clock: Clock) {
  // Drizzle writes a column of the query's only table unqualified, and inside these subqueries a
  // bare "id" is the subquery table's own: the outer domain's id must be named with its table.
  const domainId = sql`${domains}.${sql.identifier(domains.id.name)}`
  const summary = () =>
    db
      .select({
        name: domains.name,
        createdAt: domains.createdAt,
        accountCount: sql<number>`(SELECT count(*) FROM ${accounts} WHERE ${accounts.domainId} = ${domainId})`,
        aliasCount: sql<number>`(SELECT count(*) FROM ${addresses} WHERE ${addresses.domainId} = ${domainId} AND ${addresses.kind} = 'alias')`,
      })
      .from(domains)
  const info = (row: { id: number }): DomainInfo => {
    const found = summary().where(eq(domains.id, row.id)).get()
    if (!found) throw new StoreError('notFound', 'domain vanished')
    return found
  }

  return {
    /** Adds a domain; throws `exists` if it is already there. */
    add(name: string): DomainInfo {
      const normalized = normalizeDomain(name)
      const row = db
        .insert(domains)
        .values({ name: normalized, createdAt: clock.now() })
        .onConflictDoNothing()
        .returning()
        .get()
      if (!row) throw new StoreError('exists', `domain ${normalized} already exists`)
      return info(row)
    },

    list(): DomainInfo[] {
      return summary().orderBy(asc(domains.name)).all()
    },

    get(name: string): DomainInfo {
      const row = db
        .select()
        .from(domains)
        .where(eq(domains.name, normalizeDomain(name)))
        .get()
      if (!row) throw new StoreError('notFound', `domain ${name} does not exist`)
      return info(row)
    },

    /** Internal id of a domain, or undefined when it is not local. */
    idOf(name: string): number | undefined {
      return db.select({ id: domains.id }).from(domains).where(eq(domains.name, name)).get()?.id
    },

    isLocal(name: string): boolean {
      try {
        return this.idOf(normalizeDomain(name)) !== undefined
      } catch {
        return false
      }
    },

    /** Removes a domain; refuses (notPossible) while accounts or aliases still use it. */
    remove(name: string): void {
      const normalized = normalizeDomain(name)
      db.transaction((tx) => {
        const row = tx.select().from(domains).where(eq(domains.name, normalized)).get()
        if (!row) throw new StoreError('notFound', `domain ${normalized} does not exist`)
        const used = tx
          .select({ n: sql<number>`count(*)` })
          .from(addresses)
          .where(eq(addresses.domainId, row.id))
          .get()
        if ((used?.n ?? 0) > 0) {
          throw new StoreError(
            'notPossible',
            `domain ${normalized} still has ${used?.n} account(s) or alias(es); remove them first`,
          )
        }
        tx.delete(domains).where(eq(domains.id, row.id)).run()
      })
    },
  }
}

export type Domains = ReturnType<typeof createDomains>
