// Inbound verification: SPF (RFC 7208), DKIM (RFC 6376), DMARC (RFC 7489/9989) and the
// Authentication-Results field (RFC 8601), all DNS from the mock resolver.
import { beforeAll, describe, expect, test } from 'bun:test'
import { createMockResolver, createSystemResolver, type MockRecords } from '../../src/dns/index.ts'
import { dmarcDisposition, type InboundMessage, signDkim, verifyInbound } from '../../src/mailauth/index.ts'
import { startDnsResponder } from '../fixtures/mailauth/dns-responder.ts'
import { bytes, message, rsaKey, type TestKey } from '../fixtures/mailauth/messages.ts'

const hostname = 'mx.postern.test'
let key: TestKey
let espKey: TestKey
let records: MockRecords

beforeAll(() => {
  key = rsaKey()
  espKey = rsaKey()
  records = {
    'example.org': { TXT: ['v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all'] },
    's2024._domainkey.example.org': { TXT: [key.txt] },
    '_dmarc.example.org': { TXT: ['v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc@example.org'] },
    'news.example.org': { A: ['192.0.2.5'] },
    'soft.example': { TXT: ['v=spf1 ip4:192.0.2.1 ~all'] },
    'neutral.example': { TXT: ['v=spf1 ?all'] },
    'nospf.example': { A: ['192.0.2.9'] },
    'mx-auth.example': { TXT: ['v=spf1 mx -all'], MX: [{ exchange: 'mail.mx-auth.example', priority: 10 }] },
    'mail.mx-auth.example': { A: ['198.51.100.25'] },
    'helo.example': { TXT: ['v=spf1 a -all'], A: ['192.0.2.77'] },
    'quarantine.example': { TXT: ['v=spf1 ip4:192.0.2.1 -all'] },
    '_dmarc.quarantine.example': { TXT: ['v=DMARC1; p=quarantine'] },
    'nodmarc.example': { TXT: ['v=spf1 ip4:192.0.2.1 -all'] },
    'esp.example': { TXT: ['v=spf1 ip4:203.0.113.0/24 -all'] },
    'mail._domainkey.esp.example': { TXT: [espKey.txt] },
  }
})

function inbound(raw: string, over: Partial<InboundMessage> = {}): InboundMessage {
  return {
    raw: bytes(raw),
    remoteAddress: '192.0.2.1',
    helo: 'mail.example.org',
    mailFrom: 'alice@example.org',
    hostname,
    ...over,
  }
}

async function signed(
  raw: string,
  domain = 'example.org',
  selector = 's2024',
  signer = key,
): Promise<string> {
  return (await signDkim(bytes(raw), { domain, selector, privateKeyPem: signer.privateKeyPem })) + raw
}

describe('SPF (RFC 7208)', () => {
  test.each([
    ['alice@example.org', '192.0.2.1', 'pass'],
    ['alice@example.org', '198.51.100.9', 'fail'],
    ['alice@example.org', '2001:db8::25', 'pass'],
    ['alice@example.org', '::ffff:192.0.2.1', 'pass'],
    ['bob@soft.example', '198.51.100.9', 'softfail'],
    ['bob@neutral.example', '198.51.100.9', 'neutral'],
    ['bob@nospf.example', '192.0.2.9', 'none'],
    ['bob@nowhere.example', '192.0.2.9', 'none'],
    ['bob@mx-auth.example', '198.51.100.25', 'pass'],
    ['bob@mx-auth.example', '198.51.100.26', 'fail'],
  ])('MAIL FROM %s from %s → %s', async (mailFrom, remoteAddress, result) => {
    const verdict = await verifyInbound(
      inbound(message(), { mailFrom, remoteAddress }),
      createMockResolver(records),
    )
    expect(verdict.spf.result).toBe(result as typeof verdict.spf.result)
    expect(verdict.spf.domain).toBe(mailFrom.split('@')[1])
    expect(verdict.authenticationResults).toContain(`spf=${result} `)
    expect(verdict.receivedSpf).toStartWith(`Received-SPF: ${result} (${hostname}: `)
    expect(verdict.receivedSpf).toEndWith('\r\n')
  })

  test('the null sender <> is checked by its HELO name (section 2.4)', async () => {
    const dns = createMockResolver(records)
    const pass = await verifyInbound(
      inbound(message(), { mailFrom: '', helo: 'helo.example', remoteAddress: '192.0.2.77' }),
      dns,
    )
    expect(pass.spf).toEqual({ result: 'pass', domain: 'helo.example' })
    const fail = await verifyInbound(
      inbound(message(), { mailFrom: '', helo: 'helo.example', remoteAddress: '192.0.2.78' }),
      dns,
    )
    expect(fail.spf.result).toBe('fail')
  })

  test('an address-literal HELO with the null sender gives none, not an error', async () => {
    const verdict = await verifyInbound(
      inbound(message(), { mailFrom: '', helo: '[192.0.2.1]' }),
      createMockResolver(records),
    )
    expect(verdict.spf.result).toBe('none')
  })
})

describe('DKIM (RFC 6376)', () => {
  test('a signature made with the published key passes and aligns with From', async () => {
    const verdict = await verifyInbound(inbound(await signed(message())), createMockResolver(records))
    expect(verdict.dkim.results).toEqual([
      { domain: 'example.org', selector: 's2024', result: 'pass', aligned: true },
    ])
    expect(verdict.authenticationResults).toContain('dkim=pass header.i=@example.org header.s=s2024')
  })

  test('a body altered after signing fails (body hash did not verify)', async () => {
    const raw = (await signed(message())).replace('Shall we meet at noon?', 'Send the money today.')
    const verdict = await verifyInbound(inbound(raw), createMockResolver(records))
    expect(verdict.dkim.results.map((r) => r.result)).toEqual(['fail'])
    expect(verdict.authenticationResults).toContain('dkim=fail (body hash did not verify)')
  })

  test('a signed header altered after signing fails (bad signature)', async () => {
    const raw = (await signed(message())).replace('Subject: Lunch', 'Subject: Invoice')
    const verdict = await verifyInbound(inbound(raw), createMockResolver(records))
    expect(verdict.dkim.results.map((r) => r.result)).toEqual(['fail'])
  })

  test('a selector with no key published does not pass', async () => {
    const raw = await signed(message(), 'example.org', 'gone')
    const verdict = await verifyInbound(inbound(raw), createMockResolver(records))
    expect(verdict.dkim.results.map((r) => r.result)).toEqual(['neutral']) // mailauth: "neutral (no key)"
    expect(verdict.authenticationResults).toContain('dkim=neutral (no key)')
    expect(verdict.dmarc.result).toBe('pass') // SPF still aligns: 192.0.2.1 is example.org's
  })

  test('an unsigned message reports dkim=none', async () => {
    const verdict = await verifyInbound(inbound(message()), createMockResolver(records))
    expect(verdict.dkim.results).toEqual([])
    expect(verdict.authenticationResults).toContain('dkim=none')
  })
})

describe('DMARC (RFC 7489) and the disposition', () => {
  test('an aligned DKIM pass passes DMARC even when SPF fails (a forwarded message)', async () => {
    const verdict = await verifyInbound(
      inbound(await signed(message()), { remoteAddress: '198.51.100.9', mailFrom: 'list@forwarder.example' }),
      createMockResolver(records),
    )
    expect(verdict.spf.result).toBe('none')
    expect(verdict.dmarc).toEqual({ result: 'pass', policy: 'reject', domain: 'example.org' })
    expect(dmarcDisposition(verdict, 'reject')).toBe('accept')
  })

  test('a spoofed From under p=reject fails; the disposition follows our policy', async () => {
    const verdict = await verifyInbound(
      inbound(message(), { remoteAddress: '198.51.100.9', mailFrom: 'spoof@attacker.example' }),
      createMockResolver(records),
    )
    expect(verdict.dmarc).toEqual({ result: 'fail', policy: 'reject', domain: 'example.org' })
    expect(verdict.authenticationResults).toContain('dmarc=fail')
    expect(dmarcDisposition(verdict, 'reject')).toBe('reject')
    expect(dmarcDisposition(verdict)).toBe('reject')
    expect(dmarcDisposition(verdict, 'quarantine')).toBe('quarantine')
    expect(dmarcDisposition(verdict, 'accept')).toBe('accept')
  })

  test('a signature by an unaligned domain (an ESP) does not satisfy DMARC', async () => {
    const raw = await signed(message(), 'esp.example', 'mail', espKey)
    const verdict = await verifyInbound(
      inbound(raw, { remoteAddress: '203.0.113.5', mailFrom: 'bounce@esp.example' }),
      createMockResolver(records),
    )
    expect(verdict.dkim.results).toEqual([
      { domain: 'esp.example', selector: 'mail', result: 'pass', aligned: false },
    ])
    expect(verdict.spf.result).toBe('pass')
    expect(verdict.dmarc.result).toBe('fail')
  })

  test('p=quarantine failure goes to Junk unless we accept everything', async () => {
    const verdict = await verifyInbound(
      inbound(message({ from: 'carol@quarantine.example' }), {
        remoteAddress: '198.51.100.9',
        mailFrom: 'carol@quarantine.example',
      }),
      createMockResolver(records),
    )
    expect(verdict.dmarc).toMatchObject({ result: 'fail', policy: 'quarantine' })
    expect(dmarcDisposition(verdict, 'reject')).toBe('quarantine')
    expect(dmarcDisposition(verdict, 'accept')).toBe('accept')
  })

  test('a subdomain gets the sp= policy of its organizational domain', async () => {
    const verdict = await verifyInbound(
      inbound(message({ from: 'news@news.example.org' }), { remoteAddress: '198.51.100.9', mailFrom: '' }),
      createMockResolver(records),
    )
    expect(verdict.dmarc).toMatchObject({ result: 'fail', policy: 'quarantine', domain: 'news.example.org' })
    expect(dmarcDisposition(verdict, 'reject')).toBe('quarantine')
  })

  test('no DMARC record: none, accepted', async () => {
    const verdict = await verifyInbound(
      inbound(message({ from: 'dan@nodmarc.example' }), {
        remoteAddress: '198.51.100.9',
        mailFrom: 'dan@nodmarc.example',
      }),
      createMockResolver(records),
    )
    expect(verdict.spf.result).toBe('fail')
    expect(verdict.dmarc).toEqual({ result: 'none', policy: undefined, domain: 'nodmarc.example' })
    expect(verdict.authenticationResults).toContain('dmarc=none')
    expect(dmarcDisposition(verdict, 'reject')).toBe('accept')
  })

  test('two From fields cannot be evaluated: permerror, said in the header', async () => {
    const raw = message({ extraHeaders: ['From: Mallory <mallory@attacker.example>'] })
    const verdict = await verifyInbound(inbound(raw), createMockResolver(records))
    expect(verdict.dmarc).toEqual({
      result: 'permerror',
      policy: undefined,
      skipReason: 'multiple-from-fields',
    })
    expect(verdict.authenticationResults).toContain('dmarc=permerror (multiple From fields)')
  })
})

describe('temporary DNS failure', () => {
  test.each(['ESERVFAIL', 'ETIMEOUT'] as const)(
    '%s gives temperror results, not an exception',
    async (code) => {
      const dns = createMockResolver(records)
      dns.failTemporarily('example.org', code)
      const verdict = await verifyInbound(inbound(await signed(message())), dns)
      expect(verdict.spf.result).toBe('temperror')
      expect(verdict.dkim.results.map((r) => r.result)).toEqual(['temperror'])
      expect(verdict.dmarc.result).toBe('temperror')
      expect(verdict.authenticationResults).toContain('spf=temperror')
      expect(verdict.authenticationResults).toContain('dkim=temperror')
      expect(verdict.authenticationResults).toContain('dmarc=temperror')
      expect(dmarcDisposition(verdict, 'reject')).toBe('accept')
    },
  )
})

describe('Authentication-Results (RFC 8601)', () => {
  test('one field: authserv-id first, every method, folded, CRLF-terminated', async () => {
    const verdict = await verifyInbound(inbound(await signed(message())), createMockResolver(records))
    const field = verdict.authenticationResults
    expect(field).toStartWith(`Authentication-Results: ${hostname};\r\n `)
    expect(field).toEndWith('\r\n')
    expect(field.match(/\r\n(?![ \t])/g)).toHaveLength(1) // one field: every inner line break is folding
    for (const method of ['spf=pass', 'dkim=pass', 'dmarc=pass', 'arc=none']) expect(field).toContain(method)
    for (const line of field.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998)
  })

  test('prepending our fields leaves the DKIM signature intact', async () => {
    const raw = await signed(message())
    const dns = createMockResolver(records)
    const first = await verifyInbound(inbound(raw), dns)
    const stamped = first.authenticationResults + (first.receivedSpf ?? '') + raw
    const again = await verifyInbound(inbound(stamped), dns)
    expect(again.dkim.results.map((r) => r.result)).toEqual(['pass'])
  })
})

describe('over the wire', () => {
  test('through the system resolver and a local DNS server, a 2048-bit key (TXT in two strings) passes', async () => {
    const responder = await startDnsResponder(createMockResolver(records))
    try {
      const dns = createSystemResolver({
        servers: [{ host: '127.0.0.1', port: responder.port }],
        timeoutMs: 1000,
      })
      const verdict = await verifyInbound(inbound(await signed(message())), dns)
      expect(verdict.spf.result).toBe('pass')
      expect(verdict.dkim.results.map((r) => r.result)).toEqual(['pass'])
      expect(verdict.dmarc.result).toBe('pass')
      expect(responder.received.some((q) => q.name === 's2024._domainkey.example.org')).toBe(true)
    } finally {
      await responder.close()
    }
  })
})
