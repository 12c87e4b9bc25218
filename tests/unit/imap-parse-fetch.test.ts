// FETCH and STORE: attributes, macros, sections, partials, modifiers (exact ASTs).

import { describe, expect, test } from 'bun:test'
import {
  type CommandOf,
  type FetchAttribute,
  fetchResponseName,
  parseCommand,
  sequenceSetOf,
} from '../../src/imap/proto/index.ts'

const enc = new TextEncoder()
const fetch = (args: string, uid = false) =>
  parseCommand(enc.encode(`f ${uid ? 'UID ' : ''}FETCH ${args}\r\n`)) as CommandOf<'FETCH'>
const attributes = (items: string) => fetch(`1 ${items}`).attributes

describe('FETCH attributes', () => {
  test.each<[string, FetchAttribute]>([
    ['UID', { name: 'UID' }],
    ['FLAGS', { name: 'FLAGS' }],
    ['INTERNALDATE', { name: 'INTERNALDATE' }],
    ['RFC822', { name: 'RFC822' }],
    ['RFC822.HEADER', { name: 'RFC822.HEADER' }],
    ['RFC822.SIZE', { name: 'RFC822.SIZE' }],
    ['RFC822.TEXT', { name: 'RFC822.TEXT' }],
    ['ENVELOPE', { name: 'ENVELOPE' }],
    ['BODY', { name: 'BODY' }],
    ['BODYSTRUCTURE', { name: 'BODYSTRUCTURE' }],
    ['MODSEQ', { name: 'MODSEQ' }],
    ['EMAILID', { name: 'EMAILID' }],
    ['THREADID', { name: 'THREADID' }],
    ['PREVIEW', { name: 'PREVIEW', lazy: false }],
    ['BODY[]', { name: 'BODY[]', peek: false, section: { part: [] } }],
    ['body.peek[]', { name: 'BODY[]', peek: true, section: { part: [] } }],
    [
      'BODY[]<0.2048>',
      { name: 'BODY[]', peek: false, section: { part: [] }, partial: { offset: 0, length: 2048 } },
    ],
    ['BODY[HEADER]', { name: 'BODY[]', peek: false, section: { part: [], text: 'HEADER' } }],
    ['BODY[TEXT]', { name: 'BODY[]', peek: false, section: { part: [], text: 'TEXT' } }],
    ['BODY[1]', { name: 'BODY[]', peek: false, section: { part: [1] } }],
    ['BODY[4.2.2.1]', { name: 'BODY[]', peek: false, section: { part: [4, 2, 2, 1] } }],
    ['BODY[3.HEADER]', { name: 'BODY[]', peek: false, section: { part: [3], text: 'HEADER' } }],
    ['BODY[4.2.TEXT]', { name: 'BODY[]', peek: false, section: { part: [4, 2], text: 'TEXT' } }],
    ['BODY[1.mime]', { name: 'BODY[]', peek: false, section: { part: [1], text: 'MIME' } }],
    [
      'BODY.PEEK[HEADER.FIELDS (DATE FROM)]',
      { name: 'BODY[]', peek: true, section: { part: [], text: 'HEADER.FIELDS', fields: ['DATE', 'FROM'] } },
    ],
    [
      'BODY[2.HEADER.FIELDS.NOT (X-Spam "List-Id")]<10.20>',
      {
        name: 'BODY[]',
        peek: false,
        section: { part: [2], text: 'HEADER.FIELDS.NOT', fields: ['X-Spam', 'List-Id'] },
        partial: { offset: 10, length: 20 },
      },
    ],
    ['BINARY[]', { name: 'BINARY[]', peek: false, part: [] }],
    [
      'BINARY.PEEK[1.2]<0.100>',
      { name: 'BINARY[]', peek: true, part: [1, 2], partial: { offset: 0, length: 100 } },
    ],
    ['BINARY.SIZE[3]', { name: 'BINARY.SIZE', part: [3] }],
  ])('%s', (item, expected) => {
    expect(attributes(item)).toEqual([expected])
    expect(attributes(`(${item})`)).toEqual([expected])
  })

  test('macros (rfc9051#section-6.4.5)', () => {
    const names = (items: string) => attributes(items).map((a) => a.name)
    expect(names('ALL')).toEqual(['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'])
    expect(names('fast')).toEqual(['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'])
    expect(names('FULL')).toEqual(['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'])
  })

  test('rfc9051#section-6.4.5 example', () => {
    expect(fetch('2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])')).toEqual({
      tag: 'f',
      name: 'FETCH',
      uid: false,
      sequenceSet: sequenceSetOf([2, 4]),
      attributes: [
        { name: 'FLAGS' },
        {
          name: 'BODY[]',
          peek: false,
          section: { part: [], text: 'HEADER.FIELDS', fields: ['DATE', 'FROM'] },
        },
      ],
      vanished: false,
    })
  })

  test('PREVIEW (LAZY) (rfc8970#section-3)', () => {
    expect(attributes('(UID PREVIEW (LAZY))')).toEqual([{ name: 'UID' }, { name: 'PREVIEW', lazy: true }])
    expect(attributes('PREVIEW (lazy)')).toEqual([{ name: 'PREVIEW', lazy: true }])
  })

  test('UID FETCH always includes UID, first when not asked for', () => {
    expect(fetch('1:* FLAGS', true).attributes).toEqual([{ name: 'UID' }, { name: 'FLAGS' }])
    expect(fetch('1:* (FLAGS UID)', true).attributes).toEqual([{ name: 'FLAGS' }, { name: 'UID' }])
  })

  test('CHANGEDSINCE and VANISHED (rfc7162#section-3.1.4.2, 3.2.6 examples)', () => {
    expect(fetch('1:* (FLAGS) (CHANGEDSINCE 12345)')).toEqual({
      tag: 'f',
      name: 'FETCH',
      uid: false,
      sequenceSet: sequenceSetOf([1, '*']),
      attributes: [{ name: 'FLAGS' }],
      changedSince: 12345,
      vanished: false,
    })
    expect(fetch('300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)', true)).toEqual({
      tag: 'f',
      name: 'FETCH',
      uid: true,
      sequenceSet: sequenceSetOf([300, 500]),
      attributes: [{ name: 'UID' }, { name: 'FLAGS' }],
      changedSince: 12345,
      vanished: true,
    })
    expect(fetch('1 PREVIEW (CHANGEDSINCE 4)')).toMatchObject({
      attributes: [{ name: 'PREVIEW', lazy: false }],
      changedSince: 4,
    })
    expect(fetch('$ FLAGS').sequenceSet).toEqual({ kind: 'saved' })
  })
})

describe('STORE', () => {
  const store = (args: string, uid = false) =>
    parseCommand(enc.encode(`s ${uid ? 'UID ' : ''}STORE ${args}`)) as CommandOf<'STORE'>

  test('rfc9051#section-6.4.6 example', () => {
    expect(store('2:4 +FLAGS (\\Deleted)')).toEqual({
      tag: 's',
      name: 'STORE',
      uid: false,
      sequenceSet: sequenceSetOf([2, 4]),
      operation: 'add',
      silent: false,
      flags: ['\\Deleted'],
    })
  })

  test.each<[string, 'add' | 'remove' | 'replace', boolean]>([
    ['FLAGS', 'replace', false],
    ['FLAGS.SILENT', 'replace', true],
    ['+FLAGS', 'add', false],
    ['+flags.silent', 'add', true],
    ['-FLAGS', 'remove', false],
    ['-FLAGS.SILENT', 'remove', true],
  ])('%s', (item, operation, silent) => {
    expect(store(`1 ${item} (\\Seen $Junk)`)).toMatchObject({ operation, silent, flags: ['\\Seen', '$Junk'] })
  })

  test('flags without parentheses, system flags case-insensitive, empty list', () => {
    expect(store('1 +FLAGS \\seen \\ANSWERED foo').flags).toEqual(['\\Seen', '\\Answered', 'foo'])
    expect(store('1 FLAGS ()').flags).toEqual([])
    expect(store('1 FLAGS (\\Custom)').flags).toEqual(['\\Custom'])
  })

  test('UNCHANGEDSINCE (rfc7162#section-3.1.3 example) and UID STORE', () => {
    expect(store('200 (UNCHANGEDSINCE 12345) +FLAGS.SILENT (\\Deleted)', true)).toEqual({
      tag: 's',
      name: 'STORE',
      uid: true,
      sequenceSet: sequenceSetOf(200),
      operation: 'add',
      silent: true,
      flags: ['\\Deleted'],
      unchangedSince: 12345,
    })
    expect(store('1 (UNCHANGEDSINCE 0) FLAGS ()').unchangedSince).toBe(0)
  })
})

describe('FETCH response names', () => {
  test.each([
    ['BODY.PEEK[HEADER.FIELDS (DATE FROM)]', 'BODY[HEADER.FIELDS (DATE FROM)]'],
    ['BODY[]<0.2048>', 'BODY[]<0>'],
    ['BODY[1.2.MIME]', 'BODY[1.2.MIME]'],
    ['BODY[3]<10.5>', 'BODY[3]<10>'],
    ['BODY[TEXT]', 'BODY[TEXT]'],
    ['BODY[HEADER.FIELDS.NOT ("X Y" List-Id)]', 'BODY[HEADER.FIELDS.NOT ("X Y" List-Id)]'],
    ['BINARY.PEEK[1.2]<0.100>', 'BINARY[1.2]<0>'],
    ['BINARY[]', 'BINARY[]'],
    ['BINARY.SIZE[3]', 'BINARY.SIZE[3]'],
    ['RFC822.SIZE', 'RFC822.SIZE'],
    ['PREVIEW (LAZY)', 'PREVIEW'],
  ])('%s → %s', (item, name) => {
    const [attribute] = attributes(`(${item})`)
    expect(fetchResponseName(attribute as FetchAttribute)).toBe(name)
  })
})
