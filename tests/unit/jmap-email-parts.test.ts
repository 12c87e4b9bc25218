// The pure pieces of Email/get: header property names and forms (rfc8621#section-4.1.2, 4.1.3),
// raw header fields, GroupedAddresses and URLs, UTF-8 truncation, decoded part sizes and the
// encoding-problem check of body values (rfc8621#section-4.1.4, 4.2).
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { bodyValue, partSizes, truncateUtf8 } from '../../src/jmap/methods/email-body-parts.ts'
import {
  headerPropertyValue,
  parseHeaderProperty,
  rawHeaderFields,
  tryParseHeaderProperty,
} from '../../src/jmap/methods/email-header-forms.ts'
import { decodeTransfer } from '../../src/mail/decode.ts'
import { normalizeCrlf, parseMessage } from '../../src/mail/index.ts'
import { asGroupedAddresses, asUrls } from '../../src/mail/jmap-headers.ts'
import type { MimePart } from '../../src/mail/types.ts'

describe('header properties', () => {
  test('names, forms and :all parse; the key is lower-case', () => {
    expect(parseHeaderProperty('header:X-A')).toEqual({
      property: 'header:X-A',
      name: 'X-A',
      key: 'x-a',
      form: 'Raw',
      all: false,
    })
    expect(parseHeaderProperty('header:From:asGroupedAddresses:all')).toEqual({
      property: 'header:From:asGroupedAddresses:all',
      name: 'From',
      key: 'from',
      form: 'GroupedAddresses',
      all: true,
    })
    expect(parseHeaderProperty('header:Subject:asRaw')?.form).toBe('Raw')
    expect(parseHeaderProperty('subject')).toBeUndefined()
    // Email/set create reads the same syntax without throwing: an invalid one is no header property
    expect(tryParseHeaderProperty('header:From:asDate')).toBeUndefined()
    expect(tryParseHeaderProperty('header:From:asAddresses')?.name).toBe('From')
    expect(() => parseHeaderProperty('header:From:asDate')).toThrow()
  })

  test.each([
    ['header:Subject:asText', true],
    ['header:Comments:asText', true],
    ['header:List-Id:asText', true],
    ['header:List-Id:asURLs', true],
    ['header:Resent-Reply-To:asAddresses', true],
    ['header:Resent-Bcc:asGroupedAddresses', true],
    ['header:Resent-Message-ID:asMessageIds', true],
    ['header:Resent-Date:asDate', true],
    ['header:List-Unsubscribe:asURLs', true],
    ['header:X-Custom:asMessageIds', true],
    ['header:Return-Path:asRaw', true],
    ['header:Return-Path:asAddresses', false],
    ['header:Received:asDate', false],
    ['header:To:asText', false],
    ['header:Keywords:asAddresses', false],
    ['header:Date:asMessageIds', false],
    ['header:List-Help:asText', false],
    ['header:In-Reply-To:asDate', false],
  ])('%s allowed: %p', (property, allowed) => {
    if (allowed) expect(parseHeaderProperty(property)).toBeDefined()
    else expect(() => parseHeaderProperty(property)).toThrow()
  })

  test('raw fields keep the leading space and folds; lines without a colon are not fields', () => {
    const header = Buffer.from(
      'From mbox line\r\n continued\r\nA: 1\r\nB:two\r\n  more\r\nA:  3\r\n\r\nbody: no\r\n',
    )
    const fields = rawHeaderFields(header)
    expect(fields).toEqual([
      { name: 'A', key: 'a', raw: ' 1' },
      { name: 'B', key: 'b', raw: 'two\r\n  more' },
      { name: 'A', key: 'a', raw: '  3' },
    ])
    const p = (s: string) => parseHeaderProperty(s) as NonNullable<ReturnType<typeof parseHeaderProperty>>
    expect(headerPropertyValue(fields, p('header:a'))).toBe('  3')
    expect(headerPropertyValue(fields, p('header:A:asText:all'))).toEqual(['1', '3'])
    // unfolding removes the CRLF only (rfc5322#section-2.2.3)
    expect(headerPropertyValue(fields, p('header:B:asText'))).toBe('two  more')
  })

  test('Raw form replaces bytes that are not UTF-8', () => {
    const fields = rawHeaderFields(Buffer.from('X: caf\xe9\r\n', 'latin1'))
    const p = parseHeaderProperty('header:X') as NonNullable<ReturnType<typeof parseHeaderProperty>>
    expect(headerPropertyValue(fields, p)).toBe(' caf\ufffd')
  })
})

describe('GroupedAddresses and URLs forms', () => {
  test('groups in order, ungrouped runs in null-named groups', () => {
    expect(asGroupedAddresses('a@x, G: b@x, "C" <c@x>;, d@x, e@x, H:;')).toEqual([
      { name: null, addresses: [{ name: null, email: 'a@x' }] },
      {
        name: 'G',
        addresses: [
          { name: null, email: 'b@x' },
          { name: 'C', email: 'c@x' },
        ],
      },
      {
        name: null,
        addresses: [
          { name: null, email: 'd@x' },
          { name: null, email: 'e@x' },
        ],
      },
      { name: 'H', addresses: [] },
    ])
    expect(asGroupedAddresses('=?UTF-8?Q?Gr=C3=BCn?=: a@x;')).toEqual([
      { name: 'Grün', addresses: [{ name: null, email: 'a@x' }] },
    ])
  })

  test('URLs between angle brackets, comments and whitespace dropped; null without any', () => {
    expect(asUrls('<mailto:a@x?subject=help> (ask),\n <https://x/ a>')).toEqual([
      'mailto:a@x?subject=help',
      'https://x/a',
    ])
    expect(asUrls('NO')).toBeNull()
  })
})

describe('truncation (rfc8621#section-4.2 maxBodyValueBytes)', () => {
  test('never inside a code point', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.integer({ min: 1, max: 80 }),
        (s, max) => {
          const cut = truncateUtf8(s, max, false)
          expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(max)
          expect(s.startsWith(cut)).toBe(true)
          expect(cut.includes('\ufffd')).toBe(s.includes('\ufffd'))
          // as long as possible: the next code point would not fit
          if (cut.length < s.length) {
            const next = String.fromCodePoint(s.codePointAt(cut.length) as number)
            expect(Buffer.byteLength(cut) + Buffer.byteLength(next)).toBeGreaterThan(max)
          }
        },
      ),
    )
    expect(truncateUtf8('a😀b', 4, false)).toBe('a')
    expect(truncateUtf8('a😀b', 5, false)).toBe('a😀')
  })

  test('HTML is not cut inside a tag', () => {
    expect(truncateUtf8('<p>x <a href="https://example.com">y</a>', 12, true)).toBe('<p>x ')
    expect(truncateUtf8('<p>x <a href="https://example.com">y</a>', 12, false)).toBe('<p>x <a href')
  })
})

describe('decoded part sizes', () => {
  const message = (encoding: string, body: string) =>
    normalizeCrlf(
      Buffer.from(
        `Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: ${encoding}\n\n${body}\n--b--\n`,
        'latin1',
      ),
    )
  const part = (raw: Uint8Array) => (parseMessage(raw).parts.children[0] as MimePart) ?? null

  test('stored at parse time, equal to what decoding gives, for base64 and quoted-printable', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, qp) => {
        const body = qp
          ? Buffer.from(bytes)
              .toString('latin1')
              .replace(
                /[=\x80-\xff\r\n]/g,
                (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
              )
              .replace(/(.{70})/g, '$1=\n')
          : Buffer.from(bytes)
              .toString('base64')
              .replace(/(.{76})/g, '$1\n')
        const raw = message(qp ? 'quoted-printable' : 'base64', body)
        const parsed = parseMessage(raw)
        const p = part(raw)
        const decoded = decodeTransfer(Buffer.from(raw).subarray(p.bodyStart, p.bodyEnd), p.encoding)
        expect(decoded.equals(Buffer.from(bytes))).toBe(true)
        expect(parsed.decodedSizes['1']).toBe(bytes.length)
        // older rows without stored sizes: computed from the bytes
        expect(partSizes(parsed.parts, undefined, raw)).toEqual(parsed.decodedSizes)
      }),
      { numRuns: 200 },
    )
  })
})

describe('body values', () => {
  const single = (headers: string, body: Buffer) =>
    normalizeCrlf(Buffer.concat([Buffer.from(`${headers}\n\n`), body]))

  test.each([
    ['utf-8, valid', 'text/plain; charset=utf-8', '8bit', Buffer.from('héllo'), 'héllo', false],
    [
      'utf-8, invalid',
      'text/plain; charset=utf-8',
      '8bit',
      Buffer.from([0x68, 0xff, 0x69]),
      'h\ufffdi',
      true,
    ],
    ['windows-1252', 'text/plain; charset=windows-1252', '8bit', Buffer.from([0x80, 0x41]), '€A', false],
    ['unknown charset', 'text/plain; charset=x-unknown', '7bit', Buffer.from('abc'), 'abc', true],
    ['broken base64', 'text/plain', 'base64', Buffer.from('aGVsbG8*!'), 'hello', true],
    ['broken quoted-printable', 'text/plain', 'quoted-printable', Buffer.from('a=ZZb'), 'a=ZZb', true],
    ['quoted-printable soft break', 'text/plain', 'quoted-printable', Buffer.from('a=\nb'), 'ab', false],
    ['unknown transfer encoding', 'text/plain', 'x-uuencode', Buffer.from('abc'), 'abc', true],
    ['binary', 'text/plain', 'binary', Buffer.from('abc'), 'abc', false],
  ])('%s', (_name, type, encoding, body, value, problem) => {
    const raw = single(`Content-Type: ${type}\nContent-Transfer-Encoding: ${encoding}`, body)
    const v = bodyValue(raw, parseMessage(raw).parts, 0)
    expect(v).toEqual({ value, isEncodingProblem: problem, isTruncated: false })
  })
})
