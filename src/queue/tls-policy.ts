// The TLS policy for a destination domain: its MTA-STS policy (rfc8461), looked up on each
// delivery and cached in the database until max_age, so a policy once seen keeps protecting the
// domain when an attacker strips the DNS record or blocks the policy host (section 5.1); and the
// TLS-RPT (rfc8460) result counts each attempt adds to.
import { and, eq, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { mtaStsPolicies, tlsReportResults } from '../db/schema/index.ts'
import type { Writer } from '../db/writer.ts'
import type { Resolver } from '../dns/index.ts'
import type { Logger } from '../lib/log.ts'
import { fetchPolicy, lookupPolicyId, MtaStsError, type MtaStsPolicy } from '../mailauth/mta-sts.ts'

export type DestinationPolicy = { type: 'sts'; policy: MtaStsPolicy } | { type: 'no-policy-found' }

export interface TlsPolicyDeps {
  db: Db
  /** Writes go through the group-commit writer: one attempt's bookkeeping must not cost an fsync. */
  writer: Writer
  resolver: Resolver
  log: Logger
  enabled: boolean
  /** Policy host port and extra CAs: tests serve policies locally. */
  fetch?: { port?: number; ca?: string[] }
}

export interface TlsResult {
  domain: string
  policyType: 'sts' | 'no-policy-found'
  mxHost: string
  /** `success` or an rfc8460 result-type. */
  resultType: string
  detail?: string
  now: number
}

export function createTlsPolicy(deps: TlsPolicyDeps) {
  const { db } = deps
  const cached = (domain: string, now: number): MtaStsPolicy | undefined => {
    const row = db.select().from(mtaStsPolicies).where(eq(mtaStsPolicies.domain, domain)).get()
    if (!row || row.expiresAt <= now) return undefined
    return { id: row.policyId, mode: row.mode, mx: JSON.parse(row.mx) as string[], maxAge: row.maxAge }
  }
  const save = (domain: string, policy: MtaStsPolicy, now: number) => {
    const values = {
      domain,
      policyId: policy.id,
      mode: policy.mode,
      mx: JSON.stringify(policy.mx),
      maxAge: policy.maxAge,
      fetchedAt: now,
      expiresAt: now + policy.maxAge * 1000,
    }
    return deps.writer.write(() =>
      db
        .insert(mtaStsPolicies)
        .values(values)
        .onConflictDoUpdate({ target: mtaStsPolicies.domain, set: values })
        .run(),
    )
  }

  const upsertResult = (day: string, result: TlsResult) =>
    db
      .insert(tlsReportResults)
      .values({
        day,
        domain: result.domain,
        policyType: result.policyType,
        mxHost: result.mxHost,
        resultType: result.resultType,
        count: 1,
        detail: result.detail ?? null,
      })
      .onConflictDoUpdate({
        target: [
          tlsReportResults.day,
          tlsReportResults.domain,
          tlsReportResults.policyType,
          tlsReportResults.mxHost,
          tlsReportResults.resultType,
        ],
        set: { count: sql`${tlsReportResults.count} + 1`, detail: result.detail ?? null },
      })
      .run()

  const api = {
    async policyFor(domain: string, now: number): Promise<DestinationPolicy> {
      if (!deps.enabled) return { type: 'no-policy-found' }
      const known = cached(domain, now)
      let id: string | null
      try {
        id = await lookupPolicyId(domain, deps.resolver)
      } catch (err) {
        deps.log.debug('MTA-STS lookup failed', { domain, err: (err as Error).message })
        return known ? { type: 'sts', policy: known } : { type: 'no-policy-found' }
      }
      if (id === null) return known ? { type: 'sts', policy: known } : { type: 'no-policy-found' }
      if (known && known.id === id) return { type: 'sts', policy: known }
      try {
        const policy = await fetchPolicy(domain, id, { resolver: deps.resolver, ...deps.fetch })
        await save(domain, policy, now)
        deps.log.info('MTA-STS policy fetched', { domain, id, mode: policy.mode, mx: policy.mx.join(',') })
        return { type: 'sts', policy }
      } catch (err) {
        const resultType = err instanceof MtaStsError ? err.resultType : 'sts-policy-fetch-error'
        deps.log.warn('MTA-STS policy fetch failed', { domain, err: (err as Error).message })
        api.record({ domain, policyType: 'sts', mxHost: '', resultType, detail: (err as Error).message, now })
        return known ? { type: 'sts', policy: known } : { type: 'no-policy-found' }
      }
    },

    /** Adds one session's outcome to the day's TLS-RPT counts (committed with the next group). */
    record(result: TlsResult): void {
      const day = new Date(result.now).toISOString().slice(0, 10)
      deps.writer
        .write(() => upsertResult(day, result))
        .catch((err) => deps.log.error('cannot record TLS result', { err }))
    },

    /** A day's recorded results for a domain (what a TLS report would carry). */
    results(domain: string, day: string) {
      return db
        .select()
        .from(tlsReportResults)
        .where(and(eq(tlsReportResults.domain, domain), eq(tlsReportResults.day, day)))
        .all()
    },
  }
  return api
}

export type TlsPolicy = ReturnType<typeof createTlsPolicy>
