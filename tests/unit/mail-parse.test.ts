// Part tree, offsets and sections of parseMessage on hand-made messages.
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  decodePartBody,
  decodePartText,
  extractHeaderFields,
  findPart,
  type MimePart,
  normalizeCrlf,
  type ParsedMessage,
  parseMessage,
  sectionRange,
} from '../../src/mail/index.ts'
import { partLimitCases } from '../fixtures/mail/cases.ts'

const edgeDir = join(import.meta.dir, '../fixtures/mail/edge')

/** A fixture from tests/fixtures/mail/edge, CRLF-normalised as the store keeps it. */
function fixture(name: string): Uint8Array {
  return normalizeCrlf(readFileSync(join(edgeDir, `${name}.eml`)))
}

function crlf(text: string): Uint8Array {
  return normalizeCrlf(Buffer.from(text, 'latin1'))
}

/** The bytes of BODY[section(.which)] as a latin1 string, or undefined for a bad section. */
function cut(
  raw: Uint8Array,
  p: ParsedMessage,
  section: string,
  which: '' | 'MIME' | 'HEADER' | 'TEXT' = '',
) {
  const r = sectionRange(p.parts, section, which)
  return r && Buffer.from(raw).toString('latin1', r.start, r.end)
}

function part(p: ParsedMessage, section: string): MimePart {
  const found = findPart(p.parts, section)
  if (!found) throw new Error(`no part ${section}`)
  return found
}

describe('single-part messages', () => {
  test('no Content-Type: text/plain, part 1 is the body', () => {
    const raw = fixture('01-no-content-type')
    const p = parseMessage(raw)
    expect(p.parts).toMatchObject({ id: '', type: 'text', subtype: 'plain', params: {}, children: [] })
    expect(p.headerSize).toBe('From: a@b.c\r\nSubject: plain\r\n\r\n'.length)
    expect(cut(raw, p, '', 'HEADER')).toBe('From: a@b.c\r\nSubject: plain\r\n\r\n')
    expect(cut(raw, p, '', 'TEXT')).toBe('hello\r\nworld\r\n')
    expect(cut(raw, p, '1')).toBe('hello\r\nworld\r\n')
    expect(cut(raw, p, '')).toBe(Buffer.from(raw).toString('latin1'))
    expect(findPart(p.parts, '2')).toBeUndefined()
    expect(findPart(p.parts, '1.1')).toBeUndefined()
    expect(p.lines).toBe(2)
  })

  test.each([
    ['02-empty-body', 'From: a@b.c\r\nSubject: empty\r\n\r\n'],
    ['03-header-only', 'From: a@b.c\r\nSubject: no body'],
    ['05-empty', ''],
  ])('%s has an empty body', (name, header) => {
    const raw = fixture(name)
    const p = parseMessage(raw)
    expect(p.headerSize).toBe(header.length)
    expect(cut(raw, p, '1')).toBe('')
    expect(p.size).toBe(raw.length)
  })

  test('bare LF input: offsets describe the LF bytes; CRLF input describes CRLF bytes', () => {
    const text = 'Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\none\ntwo\n--b--\n'
    const lf = Buffer.from(text)
    const fromLf = parseMessage(lf)
    const fromCrlf = parseMessage(normalizeCrlf(lf))
    expect(Buffer.from(lf).toString('latin1', part(fromLf, '1').bodyStart, part(fromLf, '1').bodyEnd)).toBe(
      'one\ntwo',
    )
    expect(cut(normalizeCrlf(lf), fromCrlf, '1')).toBe('one\r\ntwo')
    expect(part(fromLf, '1').lines).toBe(1)
    expect(part(fromCrlf, '1').lines).toBe(1)
    expect(fromCrlf.size).toBe(lf.length + 8)
  })

  test('normalizeCrlf turns bare LF into CRLF, keeps CRLF and lone CR, returns CRLF input as is', () => {
    expect(Buffer.from(normalizeCrlf(Buffer.from('a\nb\r\nc\rd\n'))).toString()).toBe('a\r\nb\r\nc\rd\r\n')
    const already = Buffer.from('a\r\nb\r\n')
    expect(normalizeCrlf(already)).toBe(already)
    expect(Buffer.from(normalizeCrlf(Buffer.from('\n\n'))).toString()).toBe('\r\n\r\n')
  })
})

describe('multiparts', () => {
  test('nested multipart: section numbers and byte ranges', () => {
    const raw = fixture('07-multipart-nested')
    const p = parseMessage(raw)
    expect(p.parts.type).toBe('multipart')
    expect(p.parts.children.map((c) => c.id)).toEqual(['1', '2'])
    expect(part(p, '1').children.map((c) => `${c.id} ${c.type}/${c.subtype}`)).toEqual([
      '1.1 text/plain',
      '1.2 text/html',
    ])
    expect(cut(raw, p, '1.1')).toBe('alt plain')
    expect(cut(raw, p, '1.2')).toBe('<p>alt html</p>')
    expect(cut(raw, p, '1.2', 'MIME')).toBe('Content-Type: text/html\r\n\r\n')
    expect(cut(raw, p, '1', 'HEADER')).toBeUndefined() // HEADER needs a message/rfc822 part
    expect(cut(raw, p, '3')).toBeUndefined()
    const pdf = part(p, '2')
    expect(pdf).toMatchObject({ encoding: 'base64', disposition: 'attachment', name: 'a.pdf' })
    expect(decodePartBody(raw, pdf).toString('latin1')).toBe('%PDF-1.4\n')
  })

  test('missing final boundary: the last part runs to the end', () => {
    const raw = fixture('08-missing-final-boundary')
    const p = parseMessage(raw)
    expect(p.parts.children.length).toBe(2)
    expect(cut(raw, p, '1')).toBe('first')
    expect(cut(raw, p, '2')).toBe('second without end\r\n')
  })

  test('boundary text in the preamble: a boundary counts only at a line start, as a prefix', () => {
    const raw = fixture('10-boundary-in-preamble')
    const p = parseMessage(raw)
    // "--b2x not this" starts with "--b2", so (like Dovecot) it opens an empty first part
    expect(p.parts.children.map((c) => cut(raw, p, c.id))).toEqual(['', 'the part'])
  })

  test('multipart without boundary has no parts; a boundary line inside a part header ends it', () => {
    expect(parseMessage(fixture('09-multipart-no-boundary')).parts.children).toEqual([])
    const raw = fixture('33-part-no-header-end')
    const p = parseMessage(raw)
    expect(part(p, '1')).toMatchObject({ type: 'text', subtype: 'plain' })
    expect(cut(raw, p, '1')).toBe('')
    expect(cut(raw, p, '2')).toBe('ok')
  })

  test('base64 attachment with Content-ID, description, language, location and MD5', () => {
    const raw = fixture('18-base64-attachment')
    const p = parseMessage(raw)
    const png = part(p, '2')
    expect(png).toMatchObject({
      type: 'image',
      subtype: 'png',
      contentId: '<pic@x>',
      description: 'a picture',
      language: ['en', 'de'],
      location: 'http://x.y/pic.png',
      md5: 'Q2hlY2sgSW50ZWdyaXR5IQ==',
      name: 'pic.png',
    })
    expect([...decodePartBody(raw, png).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47])
  })

  test('past 10,000 parts the last part takes the rest of the message (as in Dovecot)', () => {
    const [many] = partLimitCases()
    const raw = normalizeCrlf((many as { raw: Uint8Array }).raw)
    const p = parseMessage(raw)
    expect(p.parts.children.length).toBe(9_999)
    const last = p.parts.children[9_998] as MimePart
    expect(last.bodyEnd).toBe(raw.length)
    expect(Buffer.from(raw).toString('latin1', last.bodyStart, last.bodyStart + 12)).toBe('p9998\r\n--m\r\n')
  })

  test('CRLF message', () => {
    const raw = fixture('32-crlf')
    const p = parseMessage(raw)
    expect(cut(raw, p, '1')).toBe('line1\r\nline2')
    expect(part(p, '1').lines).toBe(1)
  })
})

describe('message/rfc822', () => {
  test('embedded multipart message: HEADER, TEXT and nested part numbers', () => {
    const raw = fixture('11-rfc822')
    const p = parseMessage(raw)
    const msg = part(p, '2')
    expect(msg).toMatchObject({ type: 'message', subtype: 'rfc822', lines: 16 })
    expect(msg.message?.id).toBe('2')
    expect(cut(raw, p, '2', 'HEADER')?.startsWith('From: "Inner Person" <inner@x.y>\r\n')).toBe(true)
    expect(cut(raw, p, '2', 'HEADER')?.endsWith('boundary=n\r\n\r\n')).toBe(true)
    expect(cut(raw, p, '2', 'TEXT')?.startsWith('--n\r\n')).toBe(true)
    expect(cut(raw, p, '2')).toBe(`${cut(raw, p, '2', 'HEADER')}${cut(raw, p, '2', 'TEXT')}`)
    expect(cut(raw, p, '2.1')).toBe('inner plain')
    expect(cut(raw, p, '2.2')).toBe('inner html')
    expect(cut(raw, p, '2.2', 'MIME')).toBe('Content-Type: text/html\r\n\r\n')
    expect(cut(raw, p, '1', 'TEXT')).toBeUndefined()
  })

  test('message/rfc822 in multipart/mixed in message/rfc822 in multipart/mixed', () => {
    const raw = fixture('13-rfc822-deep')
    const p = parseMessage(raw)
    expect(part(p, '1').type).toBe('message')
    expect(part(p, '1.1').type).toBe('message')
    expect(cut(raw, p, '1.1.1')).toBe('deep text')
    expect(part(p, '1.1.2')).toMatchObject({ id: '1.1.2', type: 'image', subtype: 'png' })
    expect(cut(raw, p, '1.1', 'HEADER')).toBe(
      'Subject: l2\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n',
    )
  })

  test('a message that is one message/rfc822 part: 1 is the embedded message, 1.1 its body', () => {
    const raw = fixture('12-rfc822-single')
    const p = parseMessage(raw)
    expect(cut(raw, p, '1')).toBe('From: x@y.z\r\nSubject: inner\r\n\r\nbody of inner\r\n')
    expect(cut(raw, p, '1', 'HEADER')).toBe('From: x@y.z\r\nSubject: inner\r\n\r\n')
    expect(cut(raw, p, '1.1')).toBe('body of inner\r\n')
    expect(findPart(p.parts, '1.2')).toBeUndefined()
  })

  test('multipart/digest parts default to message/rfc822', () => {
    const p = parseMessage(fixture('27-digest'))
    expect(part(p, '1')).toMatchObject({ type: 'message', subtype: 'rfc822' })
    expect(part(p, '2')).toMatchObject({ type: 'text', subtype: 'plain' })
  })
})

describe('MIME header data of parts', () => {
  test('RFC 2231 continuations and extended values are decoded', () => {
    const p = parseMessage(fixture('16-rfc2231'))
    expect(part(p, '1').params.name).toBe('long-name.txt')
    expect(part(p, '1').dispositionParams.filename).toBe('€ rates.txt')
    expect(part(p, '1').name).toBe('€ rates.txt')
    expect(part(p, '2').params.charset).toBe('This is')
    expect(part(p, '3').params.title).toBe("This is even more ***fun*** isn't it!")
  })

  test('types and parameter names are lower-cased, values kept', () => {
    const p = parseMessage(fixture('28-params-case'))
    expect(p.parts).toMatchObject({
      type: 'text',
      subtype: 'html',
      params: { charset: 'ISO-8859-1', format: 'Flowed' },
      encoding: 'quoted-printable',
      disposition: 'inline',
      dispositionParams: { filename: 'X.html' },
    })
  })

  test.each([
    ['29-broken-content-type', 'text', 'plain'],
    ['30-broken-content-type2', 'application', 'octet-stream'],
    ['55-multipart-ct-in-part-broken', 'multipart', 'mixed'],
  ])('%s reads as %s/%s', (name, type, subtype) => {
    expect(parseMessage(fixture(name)).parts).toMatchObject({ type, subtype })
  })

  test('8-bit and encoded-word file names are decoded', () => {
    expect(parseMessage(fixture('53-8bit-params')).parts.name).toBe('für.txt')
    const p = parseMessage(crlf('Content-Type: application/pdf; name="=?utf-8?q?Gr=C3=BC=C3=9Fe.pdf?="\n\nx'))
    expect(p.parts.name).toBe('Grüße.pdf')
  })

  test('bodies decode from their charset; unknown charsets fall back to UTF-8 or Windows-1252', () => {
    const qp = fixture('59-qp-soft')
    expect(decodePartText(qp, parseMessage(qp).parts)).toBe('line with soft break and été\r\n')
    const bogus = fixture('17-bad-charset')
    expect(decodePartText(bogus, parseMessage(bogus).parts)).toBe('body in bogus\r\n')
    const latin = crlf('Content-Type: text/plain; charset=x-unknown\n\ncaf\xe9')
    expect(decodePartText(latin, parseMessage(latin).parts)).toBe('café')
    const b64 = fixture('49-encoding-base64-text')
    expect(decodePartText(b64, parseMessage(b64).parts)).toBe('äöü hello\n')
  })

  test('Content-* fields mean nothing without MIME-Version or Content-Type (rfc2045#section-4)', () => {
    const p = parseMessage(crlf('Content-Transfer-Encoding: base64\nContent-ID: <x>\n\naGk=\n'))
    expect(p.parts).toMatchObject({ type: 'text', encoding: null, contentId: null })
  })
})

describe('extractHeaderFields', () => {
  const header = Buffer.from(
    'From: a@b.c\r\nSubject: one\r\n two\r\nX-Empty:\r\nsubject : again\r\nno colon line\r\nTo: d@e.f\r\n\r\n',
  )
  test.each([
    [['subject'], false, 'Subject: one\r\n two\r\nsubject : again\r\n\r\n'],
    [['FROM', 'to'], false, 'From: a@b.c\r\nTo: d@e.f\r\n\r\n'],
    [['x-missing'], false, '\r\n'],
    [['subject', 'x-empty'], true, 'From: a@b.c\r\nTo: d@e.f\r\n\r\n'],
  ])('%j not=%p', (names, not, expected) => {
    expect(Buffer.from(extractHeaderFields(header, names, not)).toString()).toBe(expected)
  })

  test('a last field without line ending still ends with CRLF', () => {
    const out = extractHeaderFields(Buffer.from('Subject: x'), ['subject'], false)
    expect(Buffer.from(out).toString()).toBe('Subject: x\r\n\r\n')
  })
})
