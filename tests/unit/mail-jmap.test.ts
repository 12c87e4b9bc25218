// JMAP Email data computed by parseMessage: rfc8621 header forms, body lists, preview,
// hasAttachment, and the rfc5256 base subject.
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { baseSubject, normalizeCrlf, parseMessage } from '../../src/mail/index.ts'

const edgeDir = join(import.meta.dir, '../fixtures/mail/edge')

function parse(text: string) {
  return parseMessage(normalizeCrlf(Buffer.from(text, 'latin1')))
}

function parseFixture(name: string) {
  return parseMessage(normalizeCrlf(readFileSync(join(edgeDir, `${name}.eml`))))
}

describe('header forms (rfc8621#section-4.1.2)', () => {
  test('encoded words in subject and addresses are decoded', () => {
    const p = parseFixture('14-encoded-words')
    expect(p.subject).toBe('äöü and café folded')
    expect(p.from).toEqual([
      { name: 'Jörg', email: 'j@example.org' },
      { name: 'Jörg', email: 'k@example.org' },
    ])
    expect(p.to).toEqual([{ name: 'Anna B', email: 'ab@example.org' }])
  })

  test('8-bit header text reads as UTF-8 when valid, else Windows-1252', () => {
    const p = parseFixture('15-8bit-headers')
    expect(p.subject).toBe('Grüße aus Köln')
    expect(p.from).toEqual([{ name: 'Jörg Müller', email: 'j@example.org' }])
    expect(p.to).toEqual([{ name: 'Ümläut', email: 'u@example.org' }])
  })

  test('groups are flattened, comments name bare addresses, broken entries dropped', () => {
    const p = parseFixture('20-group')
    expect(p.to).toEqual([])
    expect(p.cc).toEqual([
      { name: 'Joe Q.', email: 'joe@x.y' },
      { name: null, email: 'mary@x.y' },
      { name: null, email: 'last@x.y' },
    ])
    expect(p.bcc).toEqual([
      { name: 'Some, Name', email: 's@n.m' },
      { name: 'Plain Name', email: 'plain@x.y' },
      { name: null, email: 'angle@x.y' },
      // "@route1,@route2:routed@x.y" is no mailbox outside angle brackets: nothing usable
    ])
  })

  test('missing headers are null; the last instance of a field wins', () => {
    const p = parseFixture('21-duplicate-headers')
    expect(p.subject).toBe('second subject')
    expect(p.from).toEqual([{ name: null, email: 'second@x.y' }])
    expect(p.messageId).toEqual(['m2@x'])
    expect(p.cc).toBeNull()
    expect(p.sentAt).toBeNull()
  })

  test('message ids lose brackets and comments; a bare id is accepted', () => {
    const p = parseFixture('40-message-id-odd')
    expect(p.messageId).toEqual(['no-angle@x.y'])
    expect(p.inReplyTo).toEqual(['a@b'])
    expect(p.references).toEqual(['r1@x', 'r2@x', 'r3@x'])
  })

  test.each([
    ['Thu, 22 Aug 2002 18:26:25 +0700', '2002-08-22T18:26:25+07:00'],
    ['Mon, 1 Jan 2001 00:00:00 +0000', '2001-01-01T00:00:00Z'],
    ['22 Aug 02 18:26 EDT', '2002-08-22T18:26:00-04:00'],
    ['Thu, 22 Aug 0102 12:07:35 +0800', '2002-08-22T12:07:35+08:00'],
    ['Sat Sep 21 08:18:08 2002', '2002-09-21T08:18:08Z'],
    ['Tue, 1 Jul 2003 10:52:37 +0200 (CEST)', '2003-07-01T10:52:37+02:00'],
    ['Fri, 30 Feb 2002 10:00:00 +0000', null],
    ['yesterday', null],
  ])('Date %s → sentAt %s', (date, sentAt) => {
    expect(parse(`Date: ${date}\n\nx`).sentAt).toBe(sentAt)
  })
})

describe('body lists (rfc8621#section-4.1.4)', () => {
  test.each([
    ['01-no-content-type', ['1'], ['1'], []],
    ['06-multipart-basic', ['1', '2'], ['1', '2'], []],
    ['07-multipart-nested', ['1.1'], ['1.2'], ['2']],
    ['11-rfc822', ['1'], ['1'], ['2']],
    ['18-base64-attachment', ['1'], ['1'], ['2']],
    ['50-multipart-signed', ['1'], ['1'], ['2']],
    ['60-html-only', ['1'], ['1'], []],
    ['64-related', ['1'], ['1'], ['2']],
    ['63-rfc822-in-alternative', ['1'], ['1'], ['2']],
  ])('%s: text %j html %j attachments %j', (name, textBody, htmlBody, attachments) => {
    const p = parseFixture(name)
    expect({ textBody: p.textBody, htmlBody: p.htmlBody, attachments: p.attachments }).toEqual({
      textBody,
      htmlBody,
      attachments,
    })
  })

  test('alternative with only HTML uses it for text too; images inline in mixed are also attachments', () => {
    const p = parse(
      'Content-Type: multipart/mixed; boundary=m\n\n--m\nContent-Type: multipart/alternative; boundary=a\n\n' +
        '--a\nContent-Type: text/html\n\n<b>x</b>\n--a--\n--m\nContent-Type: image/gif\n\nGIF\n--m--\n',
    )
    expect(p.textBody).toEqual(['1.1', '2'])
    expect(p.htmlBody).toEqual(['1.1', '2'])
    expect(p.attachments).toEqual([])
  })

  test.each([
    ['18-base64-attachment', true],
    ['50-multipart-signed', false], // a signature is processed automatically
    ['64-related', false], // inline image referenced by the HTML
    ['11-rfc822', true],
    ['01-no-content-type', false],
  ])('%s hasAttachment %p', (name, has) => {
    expect(parseFixture(name).hasAttachment).toBe(has)
  })
})

describe('preview', () => {
  test('plain text, whitespace collapsed', () => {
    expect(parseFixture('01-no-content-type').preview).toBe('hello world')
  })

  test('HTML only: markup, styles and scripts dropped, entities decoded', () => {
    expect(parseFixture('60-html-only').preview).toBe('Hello & world second')
  })

  test('decoded from quoted-printable and the charset', () => {
    expect(parseFixture('14-encoded-words').preview).toBe('Café au lait')
  })

  test('at most 256 characters', () => {
    const p = parse(`Subject: long\n\n${'word '.repeat(200)}`)
    expect(p.preview.length).toBe(256)
    expect(p.preview.startsWith('word word')).toBe(true)
  })
})

describe('baseSubject (rfc5256#section-2.1)', () => {
  test.each([
    ['Re: hello', 'hello'],
    ['RE: Re: re: hello', 'hello'],
    ['Fwd: Re: hello', 'hello'],
    ['Fw: hello (fwd)', 'hello'],
    ['[List] Re: hello', 'hello'],
    ['Re: [List] hello', 'hello'],
    ['Re[2]: hello', 'hello'],
    ['[fwd: Re: hello]', 'hello'],
    ['[List]', '[List]'],
    ['  hello \t world  ', 'hello world'],
    ['hello (fwd) (fwd)', 'hello'],
    ['', ''],
  ])('%j → %j', (subject, base) => {
    expect(baseSubject(subject)).toBe(base)
  })

  test('works on the decoded subject', () => {
    expect(parseFixture('54-date-variants').baseSubject).toBe('hello')
  })
})
