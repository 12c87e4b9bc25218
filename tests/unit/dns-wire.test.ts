// The DNS wire codec (RFC 1035 section 4) and resolv.conf parsing: exact bytes, name
// compression, and malformed input that must throw WireError rather than anything else.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { parseResolvConf } from '../../src/dns/index.ts'
import { decodeResponse, encodeName, encodeQuery, formatIPv6, RrType, WireError } from '../../src/dns/wire.ts'

const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'))

describe('encodeQuery', () => {
  test('a recursive TXT query with an EDNS(0) OPT record', () => {
    const expected = [
      '1234 0100 0001 0000 0000 0001', // header: id, RD, 1 question, 0 answers, 0 authority, 1 additional
      '07 4578616d706c65 03 6f7267 00 0010 0001', // question: 7 Example 3 org 0, TXT, IN
      '00 0029 04d0 00000000 0000', // OPT: root, type 41, payload 1232, ttl 0, rdlen 0
    ]
    expect(encodeQuery(0x1234, 'Example.org.', RrType.TXT)).toEqual(hex(expected.join('')))
  })

  test('refuses a label over 63 bytes and a name over 255', () => {
    expect(() => encodeName(`${'a'.repeat(64)}.test`)).toThrow(WireError)
    expect(() => encodeName(Array.from({ length: 60 }, () => 'abcd').join('.'))).toThrow(WireError)
    expect(encodeName('.')).toEqual(new Uint8Array([0]))
  })
})

describe('decodeResponse', () => {
  // id 1234, QR RD RA, 1 question, 4 answers; names compressed against the question at offset 12
  const response = hex(`
    1234 8180 0001 0004 0000 0000
    07 6578616d706c65 03 6f7267 00 000f 0001
    c00c 0005 0001 0000003c 0006 03 777777 c00c
    c00c 000f 0001 0000003c 0009 000a 04 6d61696c c00c
    c00c 0010 0001 0000003c 000a 03 616263 05 6465666768
    c00c 001c 0001 0000003c 0010 20010db8000000000000000000000001
  `)

  test('reads the header, question and each record type, following compression pointers', () => {
    const decoded = decodeResponse(response)
    expect(decoded).toMatchObject({ id: 0x1234, rcode: 0, truncated: false, isResponse: true })
    expect(decoded.question).toEqual({ name: 'example.org', type: RrType.MX })
    expect(decoded.answers).toEqual([
      { name: 'example.org', type: RrType.CNAME, ttl: 60, data: 'www.example.org' },
      { name: 'example.org', type: RrType.MX, ttl: 60, data: { priority: 10, exchange: 'mail.example.org' } },
      { name: 'example.org', type: RrType.TXT, ttl: 60, data: ['abc', 'defgh'] },
      { name: 'example.org', type: RrType.AAAA, ttl: 60, data: '2001:db8::1' },
    ])
  })

  test('rcode and TC come from the flags', () => {
    const nx = hex('0001 8183 0000 0000 0000 0000')
    expect(decodeResponse(nx)).toMatchObject({ rcode: 3, truncated: false })
    expect(decodeResponse(hex('0001 8380 0000 0000 0000 0000')).truncated).toBe(true)
  })

  test('every truncation of a good response throws WireError', () => {
    for (let length = 0; length < response.length; length++) {
      expect(() => decodeResponse(response.subarray(0, length))).toThrow(WireError)
    }
  })

  test('a compression loop throws instead of spinning', () => {
    expect(() => decodeResponse(hex('0001 8180 0001 0000 0000 0000 c00c 0001 0001'))).toThrow(WireError)
  })

  test('random bytes never throw anything but WireError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeResponse(bytes)
        } catch (err) {
          if (!(err instanceof WireError)) throw err
        }
      }),
      { numRuns: 2000 },
    )
  })
})

describe('formatIPv6 (RFC 5952)', () => {
  test.each([
    ['20010db8000000000000000000000001', '2001:db8::1'],
    ['00000000000000000000000000000001', '::1'],
    ['00000000000000000000000000000000', '::'],
    ['20010db8000000010000000000000001', '2001:db8:0:1::1'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['20010db8000100010001000100010001', '2001:db8:1:1:1:1:1:1'],
    ['fe800000000000000000000000000000', 'fe80::'],
  ])('%s → %s', (bytes, text) => {
    expect(formatIPv6(hex(bytes))).toBe(text)
  })
})

describe('parseResolvConf', () => {
  test('takes nameserver lines by address (with a zone id), skips comments and names', () => {
    const text = [
      '# generated',
      'search example.org',
      'nameserver 192.0.2.53',
      'nameserver 2001:db8::53 ; v6',
      'nameserver fe80::1%eth0',
      'nameserver dns.example.org',
      'options timeout:2',
    ].join('\n')
    expect(parseResolvConf(text)).toEqual([
      { host: '192.0.2.53', port: 53 },
      { host: '2001:db8::53', port: 53 },
      { host: 'fe80::1%eth0', port: 53 },
    ])
  })

  test('no nameserver means 127.0.0.1, as glibc does', () => {
    expect(parseResolvConf('')).toEqual([{ host: '127.0.0.1', port: 53 }])
  })
})
