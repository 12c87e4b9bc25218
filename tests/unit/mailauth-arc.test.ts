// ARC (RFC 8617): a message with no chain is arc=none; a mailing list that verifies, changes and
// seals a message gives arc=pass at our MX even though the author's DKIM signature broke; a
// tampered seal gives arc=fail. The list's side is played by mailauth itself.
import { beforeAll, describe, expect, test } from 'bun:test'
import { authenticate, type DNSResolver, sealMessage } from 'mailauth'
import { createMockResolver, type MockRecords, resolveByType } from '../../src/dns/index.ts'
import { dmarcDisposition, signDkim, verifyInbound } from '../../src/mailauth/index.ts'
import { bytes, message, rsaKey, type TestKey } from '../fixtures/mailauth/messages.ts'

let authorKey: TestKey
let listKey: TestKey
let records: MockRecords

beforeAll(() => {
  authorKey = rsaKey()
  listKey = rsaKey()
  records = {
    'example.org': { TXT: ['v=spf1 ip4:192.0.2.0/24 -all'] },
    's2024._domainkey.example.org': { TXT: [authorKey.txt] },
    '_dmarc.example.org': { TXT: ['v=DMARC1; p=reject'] },
    'lists.example.net': { TXT: ['v=spf1 ip4:198.51.100.0/24 -all'] },
    'arc._domainkey.lists.example.net': { TXT: [listKey.txt] },
  }
})

/** The author's server sends; the list receives it, adds a subject tag and footer, and seals. */
async function throughMailingList(): Promise<string> {
  const original = message({ to: 'team@lists.example.net' })
  const signed =
    (await signDkim(bytes(original), {
      domain: 'example.org',
      selector: 's2024',
      privateKeyPem: authorKey.privateKeyPem,
    })) + original
  const atList = await authenticate(Buffer.from(signed), {
    ip: '192.0.2.1',
    helo: 'mail.example.org',
    sender: 'alice@example.org',
    mta: 'mx.lists.example.net',
    resolver: resolveByType(createMockResolver(records)) as DNSResolver,
    disableBimi: true,
  })
  expect(atList.dkim.results[0]?.status.result).toBe('pass')
  if (!atList.arc) throw new Error('no ARC result')
  const changed = `${signed.replace('Subject: Lunch', 'Subject: [team] Lunch')}--\r\nteam mailing list\r\n`
  const seal = await sealMessage(Buffer.from(changed), {
    signingDomain: 'lists.example.net',
    selector: 'arc',
    privateKey: listKey.privateKeyPem,
    authResults: atList.arc.authResults ?? '',
    cv: atList.arc.status.result,
  })
  expect(seal.toString()).toContain('ARC-Seal: i=1;')
  return seal.toString() + atList.headers + changed
}

const fromList = {
  remoteAddress: '198.51.100.20',
  helo: 'mx.lists.example.net',
  mailFrom: 'team-bounces@lists.example.net',
  hostname: 'mx.postern.test',
}

describe('ARC (RFC 8617)', () => {
  test('no chain: arc=none', async () => {
    const verdict = await verifyInbound({ ...fromList, raw: bytes(message()) }, createMockResolver(records))
    expect(verdict.arc).toEqual({ result: 'none' })
    expect(verdict.authenticationResults).toContain('arc=none')
  })

  test('a list that changed the message and sealed it: DKIM breaks, ARC passes', async () => {
    const raw = await throughMailingList()
    const verdict = await verifyInbound({ ...fromList, raw: bytes(raw) }, createMockResolver(records))
    expect(verdict.dkim.results.find((r) => r.domain === 'example.org')?.result).toBe('fail')
    expect(verdict.arc).toEqual({ result: 'pass' })
    expect(verdict.authenticationResults).toContain('arc=pass')
    expect(verdict.spf.result).toBe('pass') // the list's own envelope
    // ARC is recorded, but does not override DMARC yet (todo rfc8617#section-7.2)
    expect(verdict.dmarc.result).toBe('fail')
    expect(dmarcDisposition(verdict, 'reject')).toBe('reject')
  })

  test('a seal changed in transit: arc=fail', async () => {
    const raw = (await throughMailingList()).replace(
      /(ARC-Seal: i=1;[\s\S]*?\bb=)(.)/,
      (_, head: string, c: string) => `${head}${c === 'A' ? 'B' : 'A'}`,
    )
    const verdict = await verifyInbound({ ...fromList, raw: bytes(raw) }, createMockResolver(records))
    expect(verdict.arc.result).toBe('fail')
    expect(verdict.authenticationResults).toContain('arc=fail')
  })

  test("the list's key withdrawn from DNS: the chain does not pass", async () => {
    const raw = await throughMailingList()
    const dns = createMockResolver(records)
    dns.set('arc._domainkey.lists.example.net', 'TXT', undefined)
    const verdict = await verifyInbound({ ...fromList, raw: bytes(raw) }, dns)
    expect(verdict.arc.result).not.toBe('pass')
  })
})
