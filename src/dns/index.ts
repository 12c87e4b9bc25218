// DNS for mail: the Resolver interface, the system (stub) resolver, the mock for tests, and the
// function shape that mailauth takes.

export { type CacheOptions, createCachingResolver } from './cache.ts'
export {
  createMockResolver,
  type MockQuery,
  type MockRecordSet,
  type MockRecords,
  type MockResolver,
} from './mock-resolver.ts'
export { parseResolvConf } from './resolv-conf.ts'
export { type ResolveByType, resolveByType } from './resolve-by-type.ts'
export { reverseName } from './reverse-name.ts'
export { createSystemResolver, type SystemResolverOptions } from './system-resolver.ts'
export {
  DnsError,
  type DnsErrorCode,
  type DnsNoRecordCode,
  type DnsTemporaryCode,
  isNoRecordError,
  isTemporaryDnsError,
  type MxRecord,
  normalizeName,
  type Resolver,
  resolveAddresses,
  type SrvRecord,
} from './types.ts'
