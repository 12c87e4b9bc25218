// The pure and storage parts of outbound delivery: routes (MX, implicit MX, null MX), retry
// backoff, DSN format, DKIM keys and rotation, MTA-STS record parsing.
import { describe, expect, test } from 'bun:test'
import { createMockResolver } from '../../src/dns/index.ts'
import { buildDsn } from '../../src/mail/dsn.ts'
import { headerSection } from '../../src/mail/header.ts'
import { lookupPolicyId, mxAllowed } from '../../src/mailauth/mta-sts.ts'
import { resolveRoute } from '../../src/queue/routes.ts'
import { nextAttemptAt } from '../../src/queue/schedule.ts'
import { fromDomain } from '../../src/queue/signing.ts'
import { testDirectory } from '../helpers/db.ts'

describe('routes', () => {
  const dns = createMockResolver({
    'multi.test': {
      MX: [
        { exchange: 'backup.multi.test', priority: 20 },
        { exchange: 'mx1.multi.test', priority: 10 },
        { exchange: 'mx2.multi.test', priority: 10 },
        { exchange: 'noaddress.multi.test', priority: 5 },
      ],
    },
    'mx1.multi.test': { A: ['192.0.2.1'] },
    'mx2.multi.test': { A: ['192.0.2.2'], AAAA: ['2001:db8::2'] },
    'backup.multi.test': { A: ['192.0.2.3'] },
    'implicit.test': { A: ['192.0.2.9'] },
    'null.test': { MX: [{ exchange: '.', priority: 0 }] },
    'txtonly.test': { TXT: ['hello'] },
  })

  test('MX hosts by preference, equal preferences shuffled, hosts without addresses skipped', async () => {
    const first = await resolveRoute('multi.test', dns, () => 0.1)
    expect(first).toEqual({
      ok: true,
      implicit: false,
      hosts: [
        { name: 'mx1.multi.test', addresses: ['192.0.2.1'] },
        { name: 'mx2.multi.test', addresses: ['192.0.2.2', '2001:db8::2'] },
        { name: 'backup.multi.test', addresses: ['192.0.2.3'] },
      ],
    })
    let calls = 0
    const shuffled = await resolveRoute('multi.test', dns, () => [0.5, 0.9, 0.1, 0.5][calls++ % 4] ?? 0)
    expect(shuffled.ok && shuffled.hosts.map((h) => h.name)).toEqual([
      'mx2.multi.test',
      'mx1.multi.test',
      'backup.multi.test',
    ])
  })

  test('no MX: the domain itself (implicit MX); null MX and no address at all fail for good', async () => {
    expect(await resolveRoute('implicit.test', dns)).toEqual({
      ok: true,
      implicit: true,
      hosts: [{ name: 'implicit.test', addresses: ['192.0.2.9'] }],
    })
    expect(await resolveRoute('null.test', dns)).toMatchObject({
      ok: false,
      permanent: true,
      statusCode: '5.1.10',
    })
    expect(await resolveRoute('txtonly.test', dns)).toMatchObject({
      ok: false,
      permanent: true,
      statusCode: '5.1.2',
    })
    expect(await resolveRoute('nxdomain.test', dns)).toMatchObject({
      ok: false,
      permanent: true,
      statusCode: '5.1.2',
    })
  })

  test('a DNS failure defers', async () => {
    const flaky = createMockResolver({ 'down.test': { MX: [{ exchange: 'mx.down.test', priority: 1 }] } })
    flaky.failTemporarily('down.test')
    expect(await resolveRoute('down.test', flaky)).toMatchObject({
      ok: false,
      permanent: false,
      statusCode: '4.4.3',
    })
  })
})

test('retry backoff follows the intervals, repeats the last, and stops at expiry', () => {
  const m = 60_000
  const intervals = [5 * m, 15 * m, 60 * m]
  expect(nextAttemptAt(1, 0, intervals, 1e12)).toBe(5 * m)
  expect(nextAttemptAt(2, 0, intervals, 1e12)).toBe(15 * m)
  expect(nextAttemptAt(3, 0, intervals, 1e12)).toBe(60 * m)
  expect(nextAttemptAt(9, 0, intervals, 1e12)).toBe(60 * m)
  expect(nextAttemptAt(9, 0, intervals, 30 * m)).toBe(30 * m)
})

describe('DSN', () => {
  const original = new TextEncoder().encode('From: a@a.test\r\nSubject: hello\r\n\r\nsecret body\r\n')
  const dsn = new TextDecoder().decode(
    buildDsn({
      reportingMta: 'mail.a.test',
      to: 'a@a.test',
      arrivalDate: Date.UTC(2026, 10, 29, 1, 2, 3),
      now: Date.UTC(2026, 10, 29, 2, 0, 0),
      id: 'abc',
      original,
      recipients: [
        {
          address: 'x@b.test',
          action: 'failed',
          status: '5.1.1',
          diagnostic: '550 5.1.1 no\r\nsuch user',
          diagnosticIsSmtp: true,
          remoteMta: 'mx.b.test',
          lastAttemptAt: Date.UTC(2026, 10, 29, 2, 0, 0),
        },
        {
          address: 'y@c.test',
          action: 'failed',
          status: '5.1.10',
          diagnostic: 'c.test accepts no mail (null MX)',
        },
      ],
    }),
  )

  test('is a multipart/report with the three parts of rfc3464 and only the original header', () => {
    expect(dsn).toContain(
      '\r\nContent-Type: multipart/report; report-type=delivery-status;\r\n boundary="=_dsn_abc"\r\n',
    )
    expect(dsn).toContain('\r\nSubject: Undelivered Mail Returned to Sender\r\n')
    expect(dsn).toContain(
      '\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mail.a.test\r\nArrival-Date: Sun, 29 Nov 2026 01:02:03 +0000\r\n\r\n' +
        'Final-Recipient: rfc822; x@b.test\r\nAction: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; mx.b.test\r\n' +
        'Diagnostic-Code: smtp; 550 5.1.1 no such user\r\nLast-Attempt-Date: Sun, 29 Nov 2026 02:00:00 +0000\r\n\r\n' +
        'Final-Recipient: rfc822; y@c.test\r\nAction: failed\r\nStatus: 5.1.10\r\nDiagnostic-Code: x-postern; c.test accepts no mail (null MX)\r\n',
    )
    expect(dsn).toContain(
      'Content-Type: text/rfc822-headers\r\n\r\nFrom: a@a.test\r\nSubject: hello\r\n\r\n--=_dsn_abc--\r\n',
    )
    expect(dsn).not.toContain('secret body')
    expect(dsn.endsWith('--=_dsn_abc--\r\n')).toBe(true)
  })

  test('headerSection stops at the blank line', () => {
    expect(new TextDecoder().decode(headerSection(original))).toBe('From: a@a.test\r\nSubject: hello\r\n')
  })
})

test('the signing domain is the From: domain', () => {
  const enc = new TextEncoder()
  expect(fromDomain(enc.encode('To: x@y\r\nFrom: "A, B" <Alice@Example.ORG>\r\n\r\n'))).toBe('example.org')
  expect(fromDomain(enc.encode('From:\r\n alice@folded.test\r\n\r\n'))).toBe('folded.test')
  expect(fromDomain(enc.encode('Subject: none\r\n\r\n'))).toBeUndefined()
})

describe('DKIM keys', () => {
  test('one RSA-2048 and one Ed25519 key under dated selectors; rotation keeps the old ones published', async () => {
    const { directory, clock } = testDirectory()
    directory.domains.add('example.org')
    expect(await directory.dkim.ensure('example.org')).toBe(true)
    expect(await directory.dkim.ensure('example.org')).toBe(false)
    const day = new Date(clock.now()).toISOString().slice(0, 10).replaceAll('-', '')
    const records = directory.dkim.records('example.org')
    expect(records.map((r) => [r.name, r.algorithm])).toEqual([
      [`r${day}._domainkey.example.org`, 'rsa-sha256'],
      [`e${day}._domainkey.example.org`, 'ed25519-sha256'],
    ])
    expect(records[0]?.value).toMatch(/^v=DKIM1; k=rsa; p=MIIBIjAN[A-Za-z0-9+/]{300,}=*$/)
    expect(records[1]?.value).toMatch(/^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$/)

    await directory.dkim.rotate('example.org', 7)
    const after = directory.dkim.records('example.org')
    expect(after.map((r) => r.selector)).toEqual([`r${day}-2`, `e${day}-2`, `r${day}`, `e${day}`])
    expect(after.slice(2).every((r) => r.retireAt === clock.now() + 7 * 86_400_000)).toBe(true)
    expect(directory.dkim.signingKeys('EXAMPLE.org').map((k) => k.selector)).toEqual([
      `r${day}-2`,
      `e${day}-2`,
    ])
    clock.advance(7 * 86_400_000)
    expect(directory.dkim.records('example.org').map((r) => r.selector)).toEqual([`r${day}-2`, `e${day}-2`])
    expect(directory.dkim.signingKeys('other.test')).toEqual([])
    await expect(directory.dkim.ensure('missing.test')).rejects.toThrow('domain missing.test does not exist')
  })
})

describe('MTA-STS records', () => {
  test('exactly one v=STSv1 record gives the policy id', async () => {
    const dns = createMockResolver({
      '_mta-sts.one.test': { TXT: ['v=STSv1; id=20261129T01'] },
      '_mta-sts.two.test': { TXT: ['v=STSv1; id=a', 'v=STSv1; id=b'] },
      '_mta-sts.bad.test': { TXT: ['v=STSv1; id=not-alphanumeric!'] },
      '_mta-sts.other.test': { TXT: ['v=spf1 -all'] },
    })
    expect(await lookupPolicyId('one.test', dns)).toBe('20261129T01')
    expect(await lookupPolicyId('two.test', dns)).toBeNull()
    expect(await lookupPolicyId('bad.test', dns)).toBeNull()
    expect(await lookupPolicyId('other.test', dns)).toBeNull()
    expect(await lookupPolicyId('none.test', dns)).toBeNull()
  })

  test('MX patterns: exact names and one left-most wildcard label', () => {
    const policy = {
      id: 'x',
      mode: 'enforce' as const,
      mx: ['mail.example.org', '*.mx.example.org'],
      maxAge: 86400,
    }
    expect(mxAllowed('mail.example.org', policy)).toBe(true)
    expect(mxAllowed('MAIL.example.org.', policy)).toBe(true)
    expect(mxAllowed('a.mx.example.org', policy)).toBe(true)
    expect(mxAllowed('a.b.mx.example.org', policy)).toBe(false)
    expect(mxAllowed('evil.example.org', policy)).toBe(false)
  })
})
