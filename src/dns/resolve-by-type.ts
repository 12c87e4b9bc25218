// The `dns.promises.resolve(name, rrtype)` shape over a Resolver, for libraries that take a
// resolver function (mailauth's `resolver` option for SPF, DKIM, DMARC, ARC, BIMI, MTA-STS).

import { DnsError, type MxRecord, type Resolver } from './types.ts'

/** Answers as `dns.promises.resolve` gives them for the types that mail asks about. */
export type ResolveByType = (name: string, rrtype: string) => Promise<string[][] | string[] | MxRecord[]>

/**
 * Wraps `resolver` as `(name, rrtype) => Promise<answers>`: TXT → `string[][]`, MX →
 * `{ exchange, priority }[]`, A/AAAA/PTR/CNAME → `string[]`. Any other type rejects with `ENOTIMP`.
 */
export function resolveByType(resolver: Resolver): ResolveByType {
  return async (name, rrtype) => {
    switch (rrtype.toUpperCase()) {
      case 'TXT':
        return resolver.resolveTxt(name)
      case 'MX':
        return resolver.resolveMx(name)
      case 'A':
        return resolver.resolve4(name)
      case 'AAAA':
        return resolver.resolve6(name)
      case 'PTR':
        return resolver.resolvePtr(name)
      case 'CNAME':
        return resolver.resolveCname(name)
      default:
        throw new DnsError('ENOTIMP', name, rrtype)
    }
  }
}
