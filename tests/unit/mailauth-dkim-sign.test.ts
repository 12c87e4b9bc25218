// Outbound DKIM signing (RFC 6376 section 5, RFC 8301, RFC 8463): the field we prepend, checked
// by our own verifier against the published key.
import { describe, expect, test } from 'bun:test'
import { createMockResolver } from '../../src/dns/index.ts'
import { DkimSignError, signDkim, verifyInbound } from '../../src/mailauth/index.ts'
import { bytes, ed25519Key, message, rsaKey } from '../fixtures/mailauth/messages.ts'

const at = {
  remoteAddress: '192.0.2.1',
  helo: 'mail.example.org',
  mailFrom: 'alice@example.org',
  hostname: 'mx.postern.test',
}

describe('signDkim', () => {
  test('RSA: one folded DKIM-Signature field ending with CRLF, relaxed/relaxed, signing From', async () => {
    const key = rsaKey()
    const raw = message()
    const field = await signDkim(bytes(raw), {
      domain: 'example.org',
      selector: 'mail',
      privateKeyPem: key.privateKeyPem,
      signTime: new Date('2024-01-01T12:00:00Z'),
    })
    expect(field).toStartWith('DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org;')
    expect(field).toEndWith('\r\n')
    expect(field.match(/\r\n(?![ \t])/g)).toHaveLength(1)
    expect(field).toMatch(/\bs=mail;/)
    expect(field).toMatch(/\bt=1704110400;/)
    expect(field).toMatch(/\bh=[^;]*\bFrom\b/)

    const dns = createMockResolver({ 'mail._domainkey.example.org': { TXT: [key.txt] } })
    const verdict = await verifyInbound({ ...at, raw: bytes(field + raw) }, dns)
    expect(verdict.dkim.results).toEqual([
      { domain: 'example.org', selector: 'mail', result: 'pass', aligned: true },
    ])
  })

  test('Ed25519 (RFC 8463) verifies against a k=ed25519 record', async () => {
    const key = ed25519Key()
    const raw = message()
    const field = await signDkim(raw, {
      domain: 'example.org',
      selector: 'ed',
      privateKeyPem: key.privateKeyPem,
    })
    expect(field).toContain('a=ed25519-sha256;')
    const dns = createMockResolver({ 'ed._domainkey.example.org': { TXT: [key.txt] } })
    const verdict = await verifyInbound({ ...at, raw: bytes(field + raw) }, dns)
    expect(verdict.dkim.results.map((r) => r.result)).toEqual(['pass'])
  })

  test('a message with no From field cannot be signed', async () => {
    const raw = 'To: bob@example.net\r\nSubject: x\r\n\r\nhi\r\n'
    const err = await signDkim(raw, {
      domain: 'example.org',
      selector: 'mail',
      privateKeyPem: rsaKey().privateKeyPem,
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DkimSignError)
    expect((err as DkimSignError).code).toBe('ENOFROM')
  })

  test('an RSA key under 1024 bits is refused (RFC 8301 section 3.2)', async () => {
    const err = await signDkim(message(), {
      domain: 'example.org',
      selector: 'mail',
      privateKeyPem: rsaKey(768).privateKeyPem,
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DkimSignError)
    expect((err as DkimSignError).code).toBe('ESHORTKEY')
  })

  test('an algorithm that does not fit the key is refused', async () => {
    const err = await signDkim(message(), {
      domain: 'example.org',
      selector: 'mail',
      privateKeyPem: ed25519Key().privateKeyPem,
      algorithm: 'rsa-sha256',
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DkimSignError)
  })
})
