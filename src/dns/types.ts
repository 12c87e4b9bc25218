// The DNS questions mail asks (RFC 1035 types A, MX, PTR, TXT, CNAME; RFC 3596 AAAA), behind
// one interface so SPF, DKIM, DMARC, ARC and MX delivery can run on a mock in tests.

/** One SRV answer (rfc2782), shaped like node:dns's. */
export interface SrvRecord {
  priority: number
  weight: number
  port: number
  name: string
}

/** One MX answer (RFC 1035 section 3.3.9), shaped like node:dns's. */
export interface MxRecord {
  exchange: string
  priority: number
}

/**
 * What mail needs from DNS. Every method rejects with a {@link DnsError}: `ENOTFOUND` (NXDOMAIN)
 * or `ENODATA` (the name exists, with no record of that type) when there is no answer, and
 * `ESERVFAIL`, `ETIMEOUT` or `EREFUSED` when the answer is unknown for now.
 */
export interface Resolver {
  /** TXT records, each as its character-strings (RFC 1035 section 3.3.14); join them to read one. */
  resolveTxt(name: string): Promise<string[][]>
  resolveMx(name: string): Promise<MxRecord[]>
  resolve4(name: string): Promise<string[]>
  resolve6(name: string): Promise<string[]>
  /** PTR records of a name, usually an `in-addr.arpa`/`ip6.arpa` name (see {@link reverseName}). */
  resolvePtr(name: string): Promise<string[]>
  /** Host names for an IP address: PTR records of its reverse name. */
  reverse(ip: string): Promise<string[]>
  resolveCname(name: string): Promise<string[]>
  /** SRV records (rfc2782), e.g. `_imaps._tcp.example.org` (rfc6186). */
  resolveSrv(name: string): Promise<SrvRecord[]>
}

/** node:dns's codes for "there is no such record": NXDOMAIN and NODATA (RFC 2308). */
export type DnsNoRecordCode = 'ENOTFOUND' | 'ENODATA'

/** node:dns's codes for a failure that may clear up on a later try. */
export type DnsTemporaryCode = 'ESERVFAIL' | 'ETIMEOUT' | 'EREFUSED' | 'ECONNREFUSED'

export type DnsErrorCode = DnsNoRecordCode | DnsTemporaryCode | 'EBADNAME' | 'ENOTIMP' | 'EFORMERR'

/** A failed lookup, with the node:dns `code` that libraries such as mailauth switch on. */
export class DnsError extends Error {
  constructor(
    readonly code: DnsErrorCode,
    readonly hostname: string,
    readonly rrtype: string,
  ) {
    super(`query${rrtype} ${code} ${hostname}`)
    this.name = 'DnsError'
  }
}

const noRecordCodes: ReadonlySet<string> = new Set<DnsNoRecordCode>(['ENOTFOUND', 'ENODATA'])

/** True when the lookup succeeded in saying there is nothing: NXDOMAIN or NODATA. */
export function isNoRecordError(err: unknown): boolean {
  return noRecordCodes.has(errorCode(err) ?? '')
}

/**
 * True when the answer is unknown for now (SERVFAIL, timeout, refused, unreachable server): a
 * mail check must say temperror and a sender should retry later (4xx), never treat it as "none".
 */
export function isTemporaryDnsError(err: unknown): boolean {
  const code = errorCode(err)
  return code !== undefined && !noRecordCodes.has(code) && code !== 'EBADNAME' && code !== 'ENOTIMP'
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** DNS names compare without case and without the root dot. */
export function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '')
}

/**
 * A host's IPv4 then IPv6 addresses (MX hosts, a smarthost, an MTA-STS policy host).
 * `temporary` says a lookup failed for now, rather than finding nothing.
 */
export async function resolveAddresses(
  resolver: Resolver,
  name: string,
): Promise<{ addresses: string[]; temporary?: string }> {
  const addresses: string[] = []
  let temporary: string | undefined
  for (const lookup of [resolver.resolve4, resolver.resolve6]) {
    try {
      addresses.push(...(await lookup.call(resolver, name)))
    } catch (err) {
      if (!isNoRecordError(err)) temporary = (err as Error).message
    }
  }
  return { addresses, ...(temporary ? { temporary } : {}) }
}
