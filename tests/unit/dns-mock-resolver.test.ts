// The mock resolver answers as a recursive resolver would (RFC 2308 NXDOMAIN vs NODATA, RFC 8020
// empty non-terminals, CNAME chasing), and the helpers around the Resolver interface.
import { describe, expect, test } from 'bun:test'
import {
  createMockResolver,
  DnsError,
  isNoRecordError,
  isTemporaryDnsError,
  resolveByType,
  reverseName,
} from '../../src/dns/index.ts'

const records = {
  'example.org': {
    TXT: ['v=spf1 mx -all', ['part one ', 'part two']],
    MX: [
      { exchange: 'mx1.example.org', priority: 10 },
      { exchange: 'mx2.example.org', priority: 20 },
    ],
    A: ['192.0.2.10'],
    AAAA: ['2001:db8::10'],
  },
  'sel._domainkey.example.org': { TXT: ['v=DKIM1; k=rsa; p=AAAA'] },
  'www.example.org': { CNAME: ['example.org.'] },
  '10.2.0.192.in-addr.arpa': { PTR: ['example.org'] },
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
  } catch (err) {
    expect(err).toBeInstanceOf(DnsError)
    return (err as DnsError).code
  }
  return undefined
}

describe('mock resolver', () => {
  test('answers each type from the table, names without case or root dot', async () => {
    const dns = createMockResolver(records)
    expect(await dns.resolveTxt('EXAMPLE.org.')).toEqual([['v=spf1 mx -all'], ['part one ', 'part two']])
    expect(await dns.resolveMx('example.org')).toEqual(records['example.org'].MX)
    expect(await dns.resolve4('example.org')).toEqual(['192.0.2.10'])
    expect(await dns.resolve6('example.org')).toEqual(['2001:db8::10'])
    expect(await dns.resolveCname('www.example.org')).toEqual(['example.org.'])
    expect(await dns.resolvePtr('10.2.0.192.in-addr.arpa')).toEqual(['example.org'])
    expect(await dns.reverse('192.0.2.10')).toEqual(['example.org'])
  })

  test('unknown names are ENOTFOUND, known names without that type ENODATA', async () => {
    const dns = createMockResolver(records)
    expect(await codeOf(dns.resolveTxt('nowhere.example'))).toBe('ENOTFOUND')
    expect(await codeOf(dns.resolveMx('sel._domainkey.example.org'))).toBe('ENODATA')
    // an empty non-terminal exists (RFC 8020): _domainkey.example.org has a name below it
    expect(await codeOf(dns.resolveTxt('_domainkey.example.org'))).toBe('ENODATA')
    expect(await codeOf(dns.reverse('192.0.2.99'))).toBe('ENOTFOUND')
    expect(await codeOf(dns.reverse('not an ip'))).toBe('EBADNAME')
  })

  test('follows a CNAME for other types, but not for CNAME itself', async () => {
    const dns = createMockResolver(records)
    expect(await dns.resolve4('www.example.org')).toEqual(['192.0.2.10'])
    expect(await dns.resolveTxt('www.example.org')).toHaveLength(2)
    const loop = createMockResolver({ 'a.test': { CNAME: ['b.test'] }, 'b.test': { CNAME: ['a.test'] } })
    expect(await codeOf(loop.resolve4('a.test'))).toBe('ENODATA')
  })

  test('a name can fail temporarily (itself and names below it) and recover', async () => {
    const dns = createMockResolver(records)
    dns.failTemporarily('example.org')
    expect(await codeOf(dns.resolveTxt('example.org'))).toBe('ESERVFAIL')
    expect(await codeOf(dns.resolveTxt('sel._domainkey.example.org'))).toBe('ESERVFAIL')
    dns.failTemporarily('example.org', 'ETIMEOUT')
    expect(await codeOf(dns.resolve4('example.org'))).toBe('ETIMEOUT')
    dns.recover('example.org')
    expect(await dns.resolve4('example.org')).toEqual(['192.0.2.10'])
  })

  test('set() changes records; the caller’s table and answers are never shared', async () => {
    const table = { 'x.test': { A: ['192.0.2.1'] } }
    const dns = createMockResolver(table)
    const answer = await dns.resolve4('x.test')
    answer.push('192.0.2.66')
    expect(await dns.resolve4('x.test')).toEqual(['192.0.2.1'])
    dns.set('x.test', 'A', ['192.0.2.2'])
    dns.set('y.test', 'TXT', ['hello'])
    expect(await dns.resolve4('x.test')).toEqual(['192.0.2.2'])
    expect(await dns.resolveTxt('y.test')).toEqual([['hello']])
    expect(table['x.test'].A).toEqual(['192.0.2.1'])
    dns.set('y.test', 'TXT', undefined)
    expect(await codeOf(dns.resolveTxt('y.test'))).toBe('ENOTFOUND')
  })

  test('records every query in order', async () => {
    const dns = createMockResolver(records)
    await dns.resolveTxt('Example.org')
    await codeOf(dns.resolveMx('nowhere.test'))
    expect(dns.queries).toEqual([
      { name: 'example.org', type: 'TXT' },
      { name: 'nowhere.test', type: 'MX' },
    ])
  })
})

describe('resolveByType (the dns.promises.resolve shape mailauth takes)', () => {
  test('maps each rrtype to its method', async () => {
    const resolve = resolveByType(createMockResolver(records))
    expect(await resolve('example.org', 'TXT')).toEqual([['v=spf1 mx -all'], ['part one ', 'part two']])
    expect(await resolve('example.org', 'MX')).toEqual(records['example.org'].MX)
    expect(await resolve('example.org', 'A')).toEqual(['192.0.2.10'])
    expect(await resolve('example.org', 'AAAA')).toEqual(['2001:db8::10'])
    expect(await resolve('10.2.0.192.in-addr.arpa', 'PTR')).toEqual(['example.org'])
    expect(await resolve('www.example.org', 'CNAME')).toEqual(['example.org.'])
    expect(await codeOf(resolve('example.org', 'SRV'))).toBe('ENOTIMP')
    expect(await codeOf(resolve('nowhere.test', 'TXT'))).toBe('ENOTFOUND')
  })
})

describe('error classification', () => {
  test.each([
    ['ENOTFOUND', true, false],
    ['ENODATA', true, false],
    ['ESERVFAIL', false, true],
    ['ETIMEOUT', false, true],
    ['EREFUSED', false, true],
    ['ECONNREFUSED', false, true],
    ['EBADNAME', false, false],
  ] as const)('%s: no record %p, temporary %p', (code, noRecord, temporary) => {
    const err = new DnsError(code, 'example.org', 'Txt')
    expect(isNoRecordError(err)).toBe(noRecord)
    expect(isTemporaryDnsError(err)).toBe(temporary)
    expect(err.message).toBe(`queryTxt ${code} example.org`)
  })

  test('non-DNS errors are neither', () => {
    expect(isNoRecordError(new Error('x'))).toBe(false)
    expect(isTemporaryDnsError(new Error('x'))).toBe(false)
    expect(isTemporaryDnsError(undefined)).toBe(false)
  })
})

describe('reverseName (RFC 1035 3.5, RFC 3596 2.5)', () => {
  test.each([
    ['192.0.2.1', '1.2.0.192.in-addr.arpa'],
    ['::ffff:192.0.2.1', '1.2.0.192.in-addr.arpa'],
    ['[192.0.2.1]', '1.2.0.192.in-addr.arpa'],
    ['2001:db8::1', '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa'],
    ['::1', `1.${'0.'.repeat(31)}ip6.arpa`],
    ['2001:DB8:0:0:1:2:3:4', '4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa'],
    ['64:ff9b::192.0.2.1', '1.0.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa'],
  ])('%s → %s', (ip, name) => {
    expect(reverseName(ip)).toBe(name)
  })

  test('refuses what is not an address', () => {
    expect(() => reverseName('example.org')).toThrow(DnsError)
  })
})
