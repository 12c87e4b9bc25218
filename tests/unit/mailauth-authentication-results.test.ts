// Writing the Authentication-Results field (RFC 8601 section 2.2).
import { describe, expect, test } from 'bun:test'
import { endWithCrlf, formatAuthenticationResults } from '../../src/mailauth/authentication-results.ts'

describe('formatAuthenticationResults', () => {
  test('authserv-id, then one resinfo per line separated by ";", CRLF at the end', () => {
    expect(
      formatAuthenticationResults('mx.example.org', ['spf=pass smtp.mailfrom=a@example.org', 'dkim=none']),
    ).toBe(
      'Authentication-Results: mx.example.org;\r\n spf=pass smtp.mailfrom=a@example.org;\r\n dkim=none\r\n',
    )
  })

  test('long entries are folded at whitespace within 78 columns', () => {
    const long = `spf=fail (${'word '.repeat(30).trim()}) smtp.mailfrom=a@example.org`
    const field = formatAuthenticationResults('mx.example.org', [long])
    const lines = field.replace(/\r\n$/, '').split('\r\n')
    expect(lines.length).toBeGreaterThan(2)
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(78)
    for (const line of lines.slice(1)) expect(line).toMatch(/^ /)
    expect(field.replace(/\r\n /g, ' ')).toContain(long)
  })

  test('line breaks inside an entry cannot start a new header field', () => {
    const field = formatAuthenticationResults('mx', ['spf=pass\r\nX-Injected: yes'])
    expect(field).not.toContain('\r\nX-Injected')
  })

  test('no methods: "none"; an authserv-id that is not a token is quoted', () => {
    expect(formatAuthenticationResults('mx', [])).toBe('Authentication-Results: mx;\r\n none\r\n')
    expect(formatAuthenticationResults('my mx; x', ['dkim=none'])).toStartWith(
      'Authentication-Results: "my mx; x";',
    )
  })
})

test('endWithCrlf', () => {
  expect(endWithCrlf('Received-SPF: pass')).toBe('Received-SPF: pass\r\n')
  expect(endWithCrlf('Received-SPF: pass\r\n\r\n')).toBe('Received-SPF: pass\r\n')
})
