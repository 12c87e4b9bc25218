// Modified UTF-7 mailbox names (rfc3501#section-5.1.3), UTF-8 mode and INBOX.

import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import {
  decodeMutf7,
  encodeMutf7,
  isInbox,
  MailboxNameError,
  mailboxFromWire,
  mailboxToWire,
  normalizeInbox,
  tryDecodeMutf7,
} from '../../src/imap/proto/index.ts'

describe('modified UTF-7', () => {
  test.each([
    ['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'], // rfc3501#section-5.1.3
    ['&', '&-'],
    ['Tom & Jerry', 'Tom &- Jerry'],
    ['☺!', '&Jjo-!'],
    ['INBOX', 'INBOX'],
    ['', ''],
    ['Entwürfe', 'Entw&APw-rfe'],
    ['😀', '&2D3eAA-'],
    ['a/b c', 'a/b c'],
    ['日本語&x', '&ZeVnLIqe-&-x'],
    ['\u007f', '&AH8-'],
  ])('%j ↔ %j', (name, wire) => {
    expect(encodeMutf7(name)).toBe(wire)
    expect(decodeMutf7(wire)).toBe(name)
  })

  test.each([
    ['&', 'unterminated'],
    ['&Jjo', 'unterminated run'],
    ['~peter/mail/&U,BTFw', 'unterminated (RFC example cut)'],
    ['&AGE-', 'encodes printable ASCII "a"'],
    ['&ACY-', 'encodes "&"'],
    ['&Jjo-&Jjo-', 'two adjacent runs'],
    ['&Jjp-', 'non-zero leftover bits'],
    ['&JjoA-', 'six or more leftover bits'],
    ['&2D0-', 'lone high surrogate'],
    ['&3gA-', 'lone low surrogate'],
    ['&Jj=-', 'character outside the modified base64 alphabet'],
    ['&Jj/-', '"/" is "," in modified base64'],
    ['Entwürfe', '8-bit character'],
    ['a\tb', 'control character'],
  ])('%j is rejected (%s)', (wire) => {
    expect(tryDecodeMutf7(wire)).toBeUndefined()
    expect(() => decodeMutf7(wire)).toThrow(MailboxNameError)
  })

  test('round trip of any well-formed Unicode name', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => s.isWellFormed()),
        (name) => {
          const wire = encodeMutf7(name)
          expect(/^[\x20-\x7e]*$/.test(wire)).toBe(true)
          expect(decodeMutf7(wire)).toBe(name)
        },
      ),
      { numRuns: 2000, seed: 7 },
    )
  })

  test('decoding is strict: anything that decodes re-encodes to the same text', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom('&', '-', 'A', 'Z', 'a', 'j', '0', '+', ',', 'x', ' '),
          maxLength: 16,
        }),
        (wire) => {
          const name = tryDecodeMutf7(wire)
          if (name !== undefined) expect(encodeMutf7(name)).toBe(wire)
        },
      ),
      { numRuns: 5000, seed: 11 },
    )
  })
})

describe('mailbox names on the wire', () => {
  test('modified UTF-7 mode decodes, UTF-8 mode takes names as they are', () => {
    expect(mailboxFromWire('&ZeVnLIqe-', { utf8: false })).toBe('日本語')
    expect(mailboxFromWire('&ZeVnLIqe-', { utf8: true })).toBe('&ZeVnLIqe-')
    expect(mailboxFromWire('日本語', { utf8: true })).toBe('日本語')
    expect(() => mailboxFromWire('日本語', { utf8: false })).toThrow(MailboxNameError)
    expect(mailboxToWire('日本語', { utf8: false })).toBe('&ZeVnLIqe-')
    expect(mailboxToWire('日本語', { utf8: true })).toBe('日本語')
  })

  test('control characters are never part of a name', () => {
    expect(() => mailboxFromWire('a\u0001b', { utf8: true })).toThrow(MailboxNameError)
    expect(() => mailboxFromWire('a&AAA-b', { utf8: false })).toThrow(MailboxNameError)
    expect(() => mailboxFromWire('a\u0085b', { utf8: true })).toThrow(MailboxNameError)
  })

  test('INBOX is case-insensitive, other names are not', () => {
    expect(isInbox('inBox')).toBe(true)
    expect(isInbox('INBOX/x')).toBe(false)
    expect(normalizeInbox('inbox')).toBe('INBOX')
    expect(normalizeInbox('Inbox.Sent')).toBe('Inbox.Sent')
    expect(mailboxFromWire('iNbOx', { utf8: false })).toBe('INBOX')
    expect(mailboxFromWire('Sent', { utf8: false })).toBe('Sent')
  })
})
