// An in-memory Resolver for tests: a table of name → type → answers, answering as a recursive
// resolver would (NXDOMAIN vs NODATA per RFC 2308 and RFC 8020, CNAME chasing per RFC 1034
// section 3.6.2), and names that can be made to fail temporarily.

import { reverseName } from './reverse-name.ts'
import {
  DnsError,
  type DnsTemporaryCode,
  type MxRecord,
  normalizeName,
  type Resolver,
  type SrvRecord,
} from './types.ts'

/** The answers for one name. A TXT record is one string or its character-strings. */
export interface MockRecordSet {
  TXT?: (string | string[])[]
  MX?: MxRecord[]
  A?: string[]
  AAAA?: string[]
  PTR?: string[]
  CNAME?: string[]
  SRV?: SrvRecord[]
}

export type MockRecordType = keyof MockRecordSet

/** Name → records. Plain data, so a table can be shared with a DNS responder or a Worker. */
export type MockRecords = Record<string, MockRecordSet>

/** A query the mock answered (or refused), in order, for tests that count lookups. */
export interface MockQuery {
  name: string
  type: MockRecordType
}

export interface MockResolver extends Resolver {
  /** Every query asked so far, in order. */
  readonly queries: MockQuery[]
  /** Replaces (or adds, or with `undefined` removes) one type of record at a name; a name left with none is gone. */
  set<T extends MockRecordType>(name: string, type: T, answers: MockRecordSet[T] | undefined): void
  /** Makes every query for `name` (and names below it) fail with `code` until {@link recover}. */
  failTemporarily(name: string, code?: DnsTemporaryCode): void
  recover(name: string): void
}

const maxCnameChain = 8

/**
 * A {@link Resolver} over `records`. Unknown names give `ENOTFOUND`; a name that exists (has
 * records, or names below it do) but has none of the asked type gives `ENODATA`. The table is
 * copied, so the caller's object is never changed.
 */
export function createMockResolver(records: MockRecords = {}): MockResolver {
  const table = new Map<string, MockRecordSet>()
  for (const [name, set] of Object.entries(records)) table.set(normalizeName(name), structuredClone(set))
  const failing = new Map<string, DnsTemporaryCode>()
  const queries: MockQuery[] = []

  const failureFor = (name: string): DnsTemporaryCode | undefined => {
    for (const [failName, code] of failing)
      if (name === failName || name.endsWith(`.${failName}`)) return code
    return undefined
  }

  const exists = (name: string): boolean => {
    if (table.has(name)) return true
    for (const known of table.keys()) if (known.endsWith(`.${name}`)) return true
    return false
  }

  const lookup = async <T extends MockRecordType>(
    rawName: string,
    type: T,
    rrtype: string,
  ): Promise<NonNullable<MockRecordSet[T]>> => {
    let name = normalizeName(rawName)
    queries.push({ name, type })
    for (let hop = 0; hop <= maxCnameChain; hop++) {
      const failure = failureFor(name)
      if (failure) throw new DnsError(failure, rawName, rrtype)
      const set = table.get(name)
      const answers = set?.[type]
      if (answers && answers.length > 0) return structuredClone(answers) as NonNullable<MockRecordSet[T]>
      const alias = type === 'CNAME' ? undefined : set?.CNAME?.[0]
      if (!alias) break
      name = normalizeName(alias)
    }
    throw new DnsError(exists(name) ? 'ENODATA' : 'ENOTFOUND', rawName, rrtype)
  }

  const resolvePtr = (name: string) => lookup(name, 'PTR', 'Ptr')

  return {
    queries,
    resolveTxt: async (name) =>
      (await lookup(name, 'TXT', 'Txt')).map((record) => (typeof record === 'string' ? [record] : record)),
    resolveMx: (name) => lookup(name, 'MX', 'Mx'),
    resolve4: (name) => lookup(name, 'A', 'A'),
    resolve6: (name) => lookup(name, 'AAAA', 'Aaaa'),
    resolvePtr,
    reverse: async (ip) => resolvePtr(reverseName(ip)),
    resolveCname: (name) => lookup(name, 'CNAME', 'Cname'),
    resolveSrv: (name) => lookup(name, 'SRV', 'Srv'),
    set(name, type, answers) {
      const key = normalizeName(name)
      const set = table.get(key) ?? {}
      if (answers === undefined) delete set[type]
      else set[type] = structuredClone(answers)
      if (Object.keys(set).length > 0) table.set(key, set)
      else table.delete(key)
    },
    failTemporarily(name, code = 'ESERVFAIL') {
      failing.set(normalizeName(name), code)
    },
    recover(name) {
      failing.delete(normalizeName(name))
    },
  }
}
