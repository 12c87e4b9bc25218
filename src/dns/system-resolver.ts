// The production Resolver: a stub resolver (RFC 1035 section 7; RFC 1123 section 6.1.3.3 retry)
// asking the configured `[dns].servers`, or the system's from /etc/resolv.conf, over UDP with
// TCP fallback. Not node:dns: under Bun (1.4.5) its resolveTxt splits one TXT record into one
// record per 255-byte string, breaking every 2048-bit DKIM key, and it reports NODATA as
// ENOTFOUND (oven-sh/bun#21370).

import { isIP } from 'node:net'
import type { HostPort } from '../config/values.ts'
import { type DnsServer, exchange, rrtypeName } from './exchange.ts'
import { readResolvConf } from './resolv-conf.ts'
import { reverseName } from './reverse-name.ts'
import {
  DnsError,
  isTemporaryDnsError,
  type MxRecord,
  normalizeName,
  type Resolver,
  type SrvRecord,
} from './types.ts'
import { Rcode, type RecordData, type Response, RrType } from './wire.ts'

export interface SystemResolverOptions {
  /** Recursive resolvers to ask, by IP address; empty = the system's (/etc/resolv.conf). */
  servers?: HostPort[]
  /** How long to wait for one server's answer, in ms. Default 3000. */
  timeoutMs?: number
  /** Rounds over the servers before giving up on a timeout or SERVFAIL. Default 2. */
  attempts?: number
}

const maxCnameChain = 8

/**
 * A {@link Resolver} that asks recursive resolvers directly. Throws at once when a server is
 * not an IP address (a resolver cannot be found by name). Each question goes to the servers in
 * order, round after round, until one gives a definite answer (records, NXDOMAIN or NODATA) or
 * `attempts` rounds have failed; then it rejects with the last temporary error.
 */
export function createSystemResolver(options: SystemResolverOptions = {}): Resolver {
  const servers: DnsServer[] = (options.servers ?? []).map(checkServer)
  const timeoutMs = Math.max(1, options.timeoutMs ?? 3000)
  const attempts = Math.max(1, options.attempts ?? 2)
  const list = servers.length > 0 ? servers : readResolvConf()

  const query = async (name: string, type: number): Promise<RecordData[]> => {
    let lastError = new DnsError('ETIMEOUT', name, rrtypeName(type))
    for (let round = 0; round < attempts; round++) {
      for (const server of list) {
        try {
          return answersFrom(await exchange(server, name, type, timeoutMs), name, type)
        } catch (err) {
          if (!(err instanceof DnsError) || !isTemporaryDnsError(err)) throw err
          lastError = err
        }
      }
    }
    throw lastError
  }

  const resolvePtr = async (name: string) => (await query(name, RrType.PTR)) as string[]

  return {
    resolveTxt: async (name) => (await query(name, RrType.TXT)) as string[][],
    resolveMx: async (name) => (await query(name, RrType.MX)) as MxRecord[],
    resolve4: async (name) => (await query(name, RrType.A)) as string[],
    resolve6: async (name) => (await query(name, RrType.AAAA)) as string[],
    resolvePtr,
    reverse: async (ip) => resolvePtr(reverseName(ip)),
    resolveCname: async (name) => (await query(name, RrType.CNAME)) as string[],
    resolveSrv: async (name) => (await query(name, RrType.SRV)) as SrvRecord[],
  }
}

/**
 * The records of `type` for `name` in a response, following the CNAME chain the recursive
 * resolver included (RFC 1034 section 3.6.2); DnsError for NXDOMAIN, NODATA and failures.
 */
function answersFrom(response: Response, name: string, type: number): RecordData[] {
  const fail = (code: ConstructorParameters<typeof DnsError>[0]) => new DnsError(code, name, rrtypeName(type))
  switch (response.rcode) {
    case Rcode.noError:
      break
    case Rcode.nxDomain:
      throw fail('ENOTFOUND')
    case Rcode.refused:
      throw fail('EREFUSED')
    case Rcode.formErr:
      throw fail('EFORMERR')
    case Rcode.notImp:
      throw fail('ENOTIMP')
    default:
      throw fail('ESERVFAIL')
  }
  let owner = normalizeName(name)
  for (let hop = 0; hop <= maxCnameChain; hop++) {
    const atOwner = response.answers.filter((rr) => normalizeName(rr.name) === owner)
    const found = atOwner.filter((rr) => rr.type === type && rr.data !== undefined)
    if (found.length > 0) return found.map((rr) => rr.data as RecordData)
    const alias = atOwner.find((rr) => rr.type === RrType.CNAME)?.data
    if (typeof alias !== 'string') break
    owner = normalizeName(alias)
  }
  throw fail('ENODATA')
}

function checkServer({ host, port }: HostPort): DnsServer {
  if (isIP(host) === 0) throw new Error(`[dns].servers: "${host}" is not an IP address`)
  return { host, port }
}
