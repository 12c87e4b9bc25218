// Property tests: parseMessage never throws, and its part tree always describes nested byte ranges
// inside the message, on random bytes, random MIME and truncated real messages.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { formatImapValue, type MimePart, normalizeCrlf, parseMessage } from '../../src/mail/index.ts'
import { scanMessage } from '../../src/mail/mime-scan.ts'
import { loadSpamAssassinCorpus } from '../fixtures/mail/corpus.ts'

/** Throws unless `part` and everything under it lies in [lo, hi] and nests properly. */
function checkPart(part: MimePart, lo: number, hi: number): void {
  const { headerStart, bodyStart, bodyEnd } = part
  if (!(lo <= headerStart && headerStart <= bodyStart && bodyStart <= bodyEnd && bodyEnd <= hi)) {
    throw new Error(`part ${part.id}: ${headerStart}/${bodyStart}/${bodyEnd} outside [${lo}, ${hi}]`)
  }
  let prevEnd = bodyStart
  part.children.forEach((child, i) => {
    const expectedId = part.id === '' ? String(i + 1) : `${part.id}.${i + 1}`
    if (child.id !== expectedId) throw new Error(`part ${child.id} should be ${expectedId}`)
    checkPart(child, prevEnd, bodyEnd)
    prevEnd = child.bodyEnd
  })
  if (part.message !== null) {
    if (part.message.headerStart !== bodyStart || part.message.bodyEnd !== bodyEnd) {
      throw new Error(`message in ${part.id} does not fill its body`)
    }
    if (part.message.id !== part.id) throw new Error(`message in ${part.id} has id ${part.message.id}`)
    checkPart(part.message, bodyStart, bodyEnd)
  }
}

function checkMessage(raw: Uint8Array): void {
  scanMessage(Buffer.from(raw)) // the real parser, not parseMessage's fallback, must cope
  const p = parseMessage(raw)
  expect(p.size).toBe(raw.length)
  expect(p.parts.headerStart).toBe(0)
  expect(p.parts.bodyEnd).toBe(raw.length)
  checkPart(p.parts, 0, raw.length)
  formatImapValue(p.bodystructure, { utf8: false })
  formatImapValue(p.envelope, { utf8: true })
  expect(JSON.parse(JSON.stringify(p))).toEqual(p) // plain JSON, as the store keeps it
}

const boundary = fc.constantFrom('a', 'ab', 'b', '=_x', '')
const headerLine = fc.constantFrom(
  'Content-Transfer-Encoding: base64',
  'Content-Disposition: attachment; filename="f"; name*0=a; name*1*=%41',
  'MIME-Version: 1.0',
  'From: "A" <a@b.c>, g: x@y;, (c) d@e, <@r:x@y>',
  'Subject: =?utf-8?q?hi?=',
  ' folded',
  'broken header line',
)
const textLine = fc.oneof(
  fc.constantFrom('text', 'aGVsbG8=', '', '--', '--a', '--ab--', '-- a'),
  fc.string({ maxLength: 12 }),
)

/** Random MIME entities, nested through multiparts and message/rfc822, with some broken bits. */
const entity: fc.Arbitrary<string> = fc.letrec<{ entity: string }>((tie) => ({
  entity: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc
      .tuple(fc.array(headerLine, { maxLength: 3 }), fc.array(textLine, { maxLength: 4 }))
      .map(([h, body]) => `${h.join('\n')}\nContent-Type: text/plain\n\n${body.join('\n')}`),
    fc
      .tuple(
        boundary,
        fc.constantFrom('mixed', 'alternative', 'digest', 'related'),
        fc.array(textLine, { maxLength: 2 }),
        fc.array(tie('entity'), { maxLength: 4 }),
        fc.boolean(),
      )
      .map(([b, sub, pre, parts, close]) => {
        const body = parts.map((p) => `--${b}\n${p}\n`).join('')
        return `Content-Type: multipart/${sub}; boundary="${b}"\n\n${pre.join('\n')}\n${body}${close ? `--${b}--\nepilogue` : ''}`
      }),
    tie('entity').map((inner) => `Content-Type: message/rfc822\n\n${inner}`),
  ),
})).entity

const mime = fc
  .tuple(entity, fc.constantFrom('\n', '\r\n', '\r'), fc.double({ min: 0, max: 1, noNaN: true }))
  .map(([text, eol, cut]) => {
    const raw = Buffer.from(text.replaceAll('\n', eol), 'latin1')
    return cut > 0.7 ? raw.subarray(0, Math.floor(raw.length * (cut - 0.7) * 3.3)) : raw
  })

describe('parseMessage properties', () => {
  test('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (raw) => checkMessage(raw)),
      { numRuns: 500 },
    )
  })

  test('random MIME-like messages, raw and CRLF-normalised', () => {
    fc.assert(
      fc.property(mime, (raw) => {
        checkMessage(raw)
        checkMessage(normalizeCrlf(raw))
      }),
      { numRuns: 1000 },
    )
  })

  const corpus = loadSpamAssassinCorpus()
  test('truncated real messages', () => {
    fc.assert(
      fc.property(fc.nat(corpus.length - 1), fc.double({ min: 0, max: 1, noNaN: true }), (i, cut) => {
        const raw = normalizeCrlf((corpus[i] as { raw: Uint8Array }).raw)
        checkMessage(raw.subarray(0, Math.floor(raw.length * cut)))
      }),
      { numRuns: 300 },
    )
  })
})
