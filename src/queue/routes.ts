// Where mail for a domain goes (rfc5321 section 5.1): its MX hosts by preference (equal
// preferences in random order), else the domain itself as an implicit MX; a null MX (rfc7505)
// means the domain accepts no mail. Every lookup goes through src/dns.
import { isNoRecordError, type Resolver, resolveAddresses } from '../dns/index.ts'

export interface MxHost {
  /** The MX host name (for TLS verification and MTA-STS matching). */
  name: string
  addresses: string[]
}

export type RouteResult =
  | { ok: true; hosts: MxHost[]; implicit: boolean }
  | { ok: false; permanent: boolean; statusCode: string; error: string }

/** Hosts tried per attempt at most, and addresses per host, so one bad domain cannot stall the queue. */
const maxHosts = 5
const maxAddressesPerHost = 4

/** A host's addresses, at most a few (see {@link resolveAddresses}). */
export async function addressesOf(
  name: string,
  resolver: Resolver,
): Promise<{ addresses: string[]; temporary?: string }> {
  const found = await resolveAddresses(resolver, name)
  return { ...found, addresses: found.addresses.slice(0, maxAddressesPerHost) }
}

function shuffleEqualPreferences<T extends { priority: number }>(records: T[], random: () => number): T[] {
  const keyed = records.map((r) => ({ r, k: random() }))
  keyed.sort((a, b) => a.r.priority - b.r.priority || a.k - b.k)
  return keyed.map((x) => x.r)
}

export async function resolveRoute(
  domain: string,
  resolver: Resolver,
  random = Math.random,
): Promise<RouteResult> {
  let records: { exchange: string; priority: number }[]
  try {
    records = await resolver.resolveMx(domain)
  } catch (err) {
    if (!isNoRecordError(err)) {
      return {
        ok: false,
        permanent: false,
        statusCode: '4.4.3',
        error: `MX lookup for ${domain} failed: ${(err as Error).message}`,
      }
    }
    records = []
  }
  // rfc7505 section 3: a single MX with the root as exchange says "no mail here".
  const isNull = (r: { exchange: string }) => r.exchange === '' || r.exchange === '.'
  if (records.length === 1 && records[0] && isNull(records[0])) {
    return { ok: false, permanent: true, statusCode: '5.1.10', error: `${domain} accepts no mail (null MX)` }
  }
  const exchanges = records.filter((r) => !isNull(r))
  if (exchanges.length === 0) {
    const implicit = await addressesOf(domain, resolver)
    if (implicit.addresses.length > 0)
      return { ok: true, implicit: true, hosts: [{ name: domain, addresses: implicit.addresses }] }
    if (implicit.temporary) {
      return {
        ok: false,
        permanent: false,
        statusCode: '4.4.3',
        error: `address lookup for ${domain} failed: ${implicit.temporary}`,
      }
    }
    return {
      ok: false,
      permanent: true,
      statusCode: '5.1.2',
      error: `${domain} has no MX and no address: no mail server to deliver to`,
    }
  }
  const hosts: MxHost[] = []
  let temporary: string | undefined
  for (const mx of shuffleEqualPreferences(exchanges, random).slice(0, maxHosts)) {
    const name = mx.exchange.toLowerCase().replace(/\.$/, '')
    const found = await addressesOf(name, resolver)
    if (found.addresses.length > 0) hosts.push({ name, addresses: found.addresses })
    else if (found.temporary) temporary = found.temporary
  }
  if (hosts.length > 0) return { ok: true, implicit: false, hosts }
  return {
    ok: false,
    // A name that does not resolve now may be fixed by its owner; only a DNS failure is plainly temporary.
    permanent: false,
    statusCode: '4.4.4',
    error: temporary
      ? `MX host lookup for ${domain} failed: ${temporary}`
      : `no MX host of ${domain} has an address`,
  }
}
