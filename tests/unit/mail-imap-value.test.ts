import { describe, expect, test } from 'bun:test'
import { formatImapValue, type ImapValue, imapLiteral, utf8ToByteString } from '../../src/mail/index.ts'

const cases: [string, ImapValue, string, string | null][] = [
  // [name, value, form without UTF8=ACCEPT, form with it when different]
  ['NIL', null, 'NIL', null],
  ['number', 1234, '1234', null],
  ['empty string', '', '""', null],
  ['plain string', 'text', '"text"', null],
  ['quotes and backslashes escaped', 'a "b" \\c', '"a \\"b\\" \\\\c"', null],
  ['five escapes make a literal', '"""""', '{5}\r\n"""""', null],
  ['CR or LF make a literal', 'a\r\nb', '{4}\r\na\r\nb', null],
  ['NUL makes a literal', 'a\0b', '{3}\r\na\0b', null],
  ['control characters stay quoted', 'a\tb\x01', '"a\tb\x01"', null],
  [
    '8-bit bytes: literal, quoted for UTF8=ACCEPT',
    utf8ToByteString('café'),
    `{5}\r\n${utf8ToByteString('café')}`,
    `"${utf8ToByteString('café')}"`,
  ],
  ['invalid UTF-8 stays a literal', 'caf\xe9', '{4}\r\ncaf\xe9', '{4}\r\ncaf\xe9'],
  ['marked literal', imapLiteral('plain'), '{5}\r\nplain', null],
  ['list', ['a', 1, null], '("a" 1 NIL)', null],
  ['empty list', [], '()', null],
  [
    'leading lists are not separated (1*body)',
    [['a'], ['b'], 'mixed', ['c']],
    '(("a")("b") "mixed" ("c"))',
    null,
  ],
  [
    'address list',
    [
      [null, null, 'a', 'b.c'],
      ['N', null, 'd', 'e.f'],
    ],
    '((NIL NIL "a" "b.c")("N" NIL "d" "e.f"))',
    null,
  ],
  ['lists after a string are separated', ['x', ['a'], ['b']], '("x" ("a") ("b"))', null],
]

describe('formatImapValue', () => {
  test.each(cases)('%s', (_name, value, plain, utf8) => {
    expect(formatImapValue(value, { utf8: false })).toBe(plain)
    expect(formatImapValue(value, { utf8: true })).toBe(utf8 ?? plain)
  })

  test('values survive a JSON round trip', () => {
    const v: ImapValue = [imapLiteral('x y'), ['caf\xe9', 3, null]]
    const back = JSON.parse(JSON.stringify(v)) as ImapValue
    expect(formatImapValue(back, { utf8: false })).toBe(formatImapValue(v, { utf8: false }))
  })
})
