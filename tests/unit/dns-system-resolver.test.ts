// The system resolver (our stub resolver over UDP/TCP) against a DNS responder on 127.0.0.1 that
// this test starts: real wire format, no query ever leaves the machine.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createMockResolver, createSystemResolver, DnsError, type Resolver } from '../../src/dns/index.ts'
import { type DnsResponder, startDnsResponder } from '../fixtures/mailauth/dns-responder.ts'

const longKey = `v=DKIM1; k=rsa; p=${'A'.repeat(392)}` // a 2048-bit key's record: over one 255-byte string

const zone = createMockResolver({
  'example.org': {
    TXT: ['v=spf1 ip4:192.0.2.0/24 -all', longKey],
    MX: [
      { exchange: 'mx1.example.org', priority: 10 },
      { exchange: 'mx2.example.org', priority: 20 },
    ],
    A: ['192.0.2.10', '192.0.2.11'],
    AAAA: ['2001:db8::10'],
  },
  'alias.example.org': { CNAME: ['example.org'] },
  '_imaps._tcp.example.org': { SRV: [{ priority: 0, weight: 1, port: 993, name: 'mail.example.org' }] },
  '10.2.0.192.in-addr.arpa': { PTR: ['mail.example.org'] },
  '0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa': { PTR: ['v6.example.org'] },
  'broken.example.org': { A: ['192.0.2.99'] },
  'only-a.example.org': { A: ['192.0.2.97'] },
  'retry.example.org': { A: ['192.0.2.96'] },
  'big.example.org': { TXT: Array.from({ length: 6 }, (_, i) => `record ${i} ${'x'.repeat(290)}`) },
  'chain.example.org': { CNAME: ['alias.example.org'] },
  'slow.example.org': { A: ['192.0.2.98'] },
})
zone.failTemporarily('broken.example.org', 'ESERVFAIL')
zone.failTemporarily('slow.example.org', 'ETIMEOUT') // the responder stays silent

let responder: DnsResponder
let dns: Resolver

beforeAll(async () => {
  responder = await startDnsResponder(zone)
  dns = createSystemResolver({
    servers: [{ host: '127.0.0.1', port: responder.port }],
    timeoutMs: 400,
    attempts: 2,
  })
})
afterAll(() => responder.close())

async function failure(promise: Promise<unknown>): Promise<DnsError> {
  try {
    await promise
  } catch (err) {
    expect(err).toBeInstanceOf(DnsError)
    return err as DnsError
  }
  throw new Error('expected the lookup to fail')
}

describe('system resolver against a local responder', () => {
  test('TXT: a record longer than one character-string stays one record, in parts (RFC 1035 3.3.14)', async () => {
    const txt = await dns.resolveTxt('example.org')
    expect(txt).toHaveLength(2)
    expect(txt[0]).toEqual(['v=spf1 ip4:192.0.2.0/24 -all'])
    expect(txt[1]?.length).toBe(2)
    expect(txt[1]?.join('')).toBe(longKey)
  })

  test('an answer too big for UDP is truncated and asked again over TCP', async () => {
    const before = responder.received.length
    const txt = await dns.resolveTxt('big.example.org')
    expect(txt.map((strings) => strings.join('')).sort()).toEqual(
      Array.from({ length: 6 }, (_, i) => `record ${i} ${'x'.repeat(290)}`),
    )
    expect(responder.received.slice(before).map((q) => q.transport)).toEqual(['udp', 'tcp'])
  })

  test('follows the CNAME chain in the answer', async () => {
    expect((await dns.resolve4('alias.example.org')).sort()).toEqual(['192.0.2.10', '192.0.2.11'])
    expect(await dns.resolveMx('chain.example.org')).toHaveLength(2)
  })

  test('a forged reply with the wrong ID is ignored', async () => {
    responder.forgeNext(1)
    expect(await dns.resolve4('only-a.example.org')).toEqual(['192.0.2.97'])
  })

  test('MX, A, AAAA, CNAME', async () => {
    const mx = await dns.resolveMx('example.org')
    expect(mx.sort((a, b) => a.priority - b.priority)).toEqual([
      { exchange: 'mx1.example.org', priority: 10 },
      { exchange: 'mx2.example.org', priority: 20 },
    ])
    expect((await dns.resolve4('example.org')).sort()).toEqual(['192.0.2.10', '192.0.2.11'])
    expect(await dns.resolve6('example.org')).toEqual(['2001:db8::10'])
    expect(await dns.resolveCname('alias.example.org')).toEqual(['example.org'])
    expect(await dns.resolveSrv('_imaps._tcp.example.org')).toEqual([
      { priority: 0, weight: 1, port: 993, name: 'mail.example.org' },
    ])
  })

  test('PTR through reverse(), IPv4 and IPv6', async () => {
    expect(await dns.reverse('192.0.2.10')).toEqual(['mail.example.org'])
    expect(await dns.reverse('2001:db8::10')).toEqual(['v6.example.org'])
  })

  test('NXDOMAIN is ENOTFOUND and NODATA is ENODATA, each asked once', async () => {
    const before = responder.received.length
    expect((await failure(dns.resolveTxt('nowhere.example.org'))).code).toBe('ENOTFOUND')
    expect((await failure(dns.resolveMx('only-a.example.org'))).code).toBe('ENODATA')
    expect((await failure(dns.resolveTxt('broken.example.org'))).code).toBe('ESERVFAIL')
    const asked = responder.received.slice(before).map((q) => q.name)
    expect(asked.filter((n) => n === 'nowhere.example.org')).toHaveLength(1)
    expect(asked.filter((n) => n === 'only-a.example.org')).toHaveLength(1)
    // SERVFAIL is temporary, so it is asked again
    expect(asked.filter((n) => n === 'broken.example.org')).toHaveLength(2)
  })

  test('a server that stays silent gives ETIMEOUT after the attempts, on time', async () => {
    const started = performance.now()
    const err = await failure(dns.resolve4('slow.example.org'))
    const elapsed = performance.now() - started
    expect(err.code).toBe('ETIMEOUT')
    expect(elapsed).toBeGreaterThanOrEqual(700)
    expect(elapsed).toBeLessThan(2500)
  })

  test('a lost packet is retried and answered', async () => {
    const before = responder.received.length
    responder.dropNext(1)
    expect(await dns.resolve4('retry.example.org')).toEqual(['192.0.2.96'])
    expect(responder.received.length - before).toBe(2)
  })

  test('an unreachable server is a temporary error, not "no record"', async () => {
    const unused = await startDnsResponder(zone)
    const port = unused.port
    await unused.close()
    const nobody = createSystemResolver({
      servers: [{ host: '127.0.0.1', port }],
      timeoutMs: 300,
      attempts: 1,
    })
    const err = await failure(nobody.resolveTxt('example.org'))
    expect(['ECONNREFUSED', 'ETIMEOUT', 'ESERVFAIL']).toContain(err.code)
  })

  test('a dead first server fails over to the next', async () => {
    const unused = await startDnsResponder(zone)
    const deadPort = unused.port
    await unused.close()
    const both = createSystemResolver({
      servers: [
        { host: '127.0.0.1', port: deadPort },
        { host: '127.0.0.1', port: responder.port },
      ],
      timeoutMs: 300,
      attempts: 1,
    })
    expect(await both.resolve6('example.org')).toEqual(['2001:db8::10'])
  })

  test('a server given by name is refused at start', () => {
    expect(() => createSystemResolver({ servers: [{ host: 'dns.example.org', port: 53 }] })).toThrow(
      /not an IP address/,
    )
  })
})
