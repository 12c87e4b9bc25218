// Syntax errors: every malformed command is a ParseError with a short message and, when the tag
// was readable, the tag (so the server can answer `tag BAD …`).

import { describe, expect, test } from 'bun:test'
import { MAX_NESTING_DEPTH, ParseError, parseCommand } from '../../src/imap/proto/index.ts'

const enc = new TextEncoder()

function parseError(input: string | Uint8Array): ParseError {
  try {
    parseCommand(typeof input === 'string' ? enc.encode(input) : input)
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError)
    return e as ParseError
  }
  throw new Error(`parsed without error: ${String(input)}`)
}

describe('no readable tag', () => {
  test.each(['', '\r\n', ' NOOP', '* NOOP', '+ NOOP', '(a) NOOP', '"a" NOOP', '{3}\r\nabc NOOP'])(
    '%j',
    (input) => {
      expect(parseError(input).tag).toBeUndefined()
    },
  )
})

describe('errors carry the tag and say what was wrong', () => {
  test.each<[string, string | RegExp]>([
    ['a1', 'missing command'],
    ['a1\r\n', 'missing command'],
    ['a1\x01 NOOP', 'invalid character in tag'],
    ['a1 XYZZY', 'unknown command XYZZY'],
    ['a1 DONE', 'DONE is only valid during IDLE'],
    ['a1 UID NOOP', 'UID NOOP is not a command'],
    ['a1  NOOP', 'expected a command name'],
    ['a1 NOOP ', 'unexpected space or arguments at the end of the command'],
    ['a1 NOOP extra', /unexpected/],
    ['a1 LOGIN joe', 'missing argument'],
    ['a1 LOGIN joe pw extra', /unexpected/],
    ['a1 LOGIN "joe pw', 'unterminated quoted string'],
    ['a1 LOGIN "jo\\e" pw', 'invalid escape in quoted string'],
    ['a1 LOGIN "jo\re" pw', 'quoted string contains CR, LF or NUL'],
    ['a1 LOGIN {10}\r\nabc def', 'literal is shorter than its announced size'],
    ['a1 LOGIN {3}abc def', 'a literal size must end the line'],
    ['a1 LOGIN {3}\r\na\0b pw', /NUL in a literal/],
    ['a1 LOGIN ~{3}\r\nabc pw', /literal8/],
    ['a1 LOGIN {99999999999999999999}\r\n', /out of range/],
    ['a1 STORE 1 +FLAGS (\\Seen', 'missing ")"'],
    ['a1 STORE 1 +FLAGS (\\Recent)', '\\Recent cannot be stored'],
    ['a1 STORE 1 +FLAGS (\\)', /flag name/],
    ['a1 STORE 1 +FLAGS (a"b)', /expected/],
    ['a1 STORE 1 +FLAGS (%)', /expected/],
    ['a1 STORE 1 XFLAGS (\\Seen)', 'unknown STORE item XFLAGS'],
    ['a1 STORE 1 (FOO 1) FLAGS ()', 'unknown STORE modifier FOO'],
    ['a1 SEARCH SINCE 31-Feb-2024', 'invalid day in date'],
    ['a1 SEARCH SINCE 29-Feb-2023', 'invalid day in date'],
    ['a1 SEARCH SINCE 1-Foo-2024', 'invalid month in date'],
    ['a1 SEARCH SINCE 1-Jan-24', 'invalid year in date'],
    ['a1 SEARCH SINCE 001-Jan-2024', /expected "-"/],
    ['a1 APPEND INBOX "01-Jan-2024 25:00:00 +0000" {1}\r\nx', 'invalid time in date-time'],
    ['a1 APPEND INBOX "01-Jan-2024 10:00:00 0000" {1}\r\nx', 'invalid zone in date-time'],
    ['a1 APPEND INBOX "01-Jan-2024 10:00:00 +0090" {1}\r\nx', 'invalid zone in date-time'],
    ['a1 APPEND INBOX "01-Jan-2024" {1}\r\nx', /expected a space/],
    ['a1 APPEND INBOX (\\Seen)', 'missing argument'],
    ['a1 APPEND INBOX hello', 'expected the message as a literal'],
    ['a1 APPEND INBOX UTF8 ({1}\r\nx)', 'UTF8 data must be a literal8 (~{n})'],
    ['a1 FETCH 0 FLAGS', 'a sequence number must not be 0'],
    ['a1 FETCH 1:0 FLAGS', 'a sequence number must not be 0'],
    ['a1 FETCH 1:: FLAGS', 'expected a sequence number'],
    ['a1 FETCH ,1 FLAGS', 'expected a sequence number'],
    ['a1 FETCH 1, FLAGS', 'expected a sequence number'],
    ['a1 FETCH 4294967296 FLAGS', 'a sequence number is out of range'],
    ['a1 FETCH -1 FLAGS', 'expected a sequence number'],
    ['a1 FETCH 1 (FLAGS', 'missing ")"'],
    ['a1 FETCH 1 ()', 'empty list'],
    ['a1 FETCH 1 FOO', 'unknown fetch attribute FOO'],
    ['a1 FETCH 1 BODY[MIME]', 'MIME needs a part number'],
    ['a1 FETCH 1 BODY[0]', /must not be 0/],
    ['a1 FETCH 1 BODY[1.FOO]', 'unknown section FOO'],
    ['a1 FETCH 1 BODY[HEADER.FIELDS ()]', 'empty list'],
    ['a1 FETCH 1 BODY[TEXT', /"]" closing the section/],
    ['a1 FETCH 1 BODY[]<1.0>', 'partial length must not be 0'],
    ['a1 FETCH 1 BODY.PEEK', /expected "\["/],
    ['a1 FETCH 1 BINARY[TEXT]', /section part number/],
    ['a1 FETCH 1 FLAGS (VANISHED)', 'VANISHED needs UID FETCH and CHANGEDSINCE'],
    ['a1 UID FETCH 1 FLAGS (VANISHED)', 'VANISHED needs UID FETCH and CHANGEDSINCE'],
    ['a1 FETCH 1 FLAGS (CHANGEDSINCE x)', /expected a mod-sequence/],
    ['a1 SEARCH', 'missing argument'],
    ['a1 SEARCH FOO', 'unknown search key FOO'],
    ['a1 SEARCH ()', 'empty list'],
    ['a1 SEARCH NOT', 'missing argument'],
    ['a1 SEARCH OR SEEN', 'missing argument'],
    ['a1 SEARCH LARGER x', /expected a size/],
    ['a1 SEARCH RETURN (FOO) ALL', 'unknown RETURN option FOO'],
    ['a1 SEARCH MODSEQ "/flags/x" bogus 1', 'MODSEQ entry type must be priv, shared or all'],
    ['a1 SEARCH EMAILID a.b', 'invalid object id'],
    ['a1 SEARCH YOUNGER 0', /must not be 0/],
    ['a1 SORT (FOO) UTF-8 ALL', 'unknown sort key FOO'],
    ['a1 SORT () UTF-8 ALL', 'empty list'],
    ['a1 SORT (DATE) UTF-8', 'missing argument'],
    ['a1 SORT RETURN (SAVE) (DATE) UTF-8 ALL', 'SAVE is not a SORT return option'],
    ['a1 THREAD REFERENCES UTF-8', 'missing argument'],
    ['a1 LIST (RECURSIVEMATCH) "" *', 'RECURSIVEMATCH needs SUBSCRIBED or SPECIAL-USE'],
    ['a1 LIST (FOO) "" *', 'unknown LIST selection option FOO'],
    ['a1 LIST "" * RETURN (FOO)', 'unknown LIST return option FOO'],
    ['a1 LIST "" * FOO', 'expected RETURN'],
    ['a1 STATUS INBOX ()', 'empty list'],
    ['a1 STATUS INBOX (FOO)', 'unknown STATUS item FOO'],
    ['a1 SELECT INBOX ()', 'empty list'],
    ['a1 SELECT INBOX (FOO)', 'unknown SELECT parameter FOO'],
    ['a1 SELECT INBOX (QRESYNC (1 0))', 'mod-sequence must not be 0'],
    ['a1 SELECT INBOX (QRESYNC (0 1))', /must not be 0/],
    ['a1 SELECT INBOX (QRESYNC (1 1 1:2 3))', 'expected "(" before sequence match data'],
    ['a1 CREATE x (FOO)', 'unknown CREATE parameter FOO'],
    ['a1 CREATE x (USE (Drafts))', 'expected a special-use attribute'],
    ['a1 AUTHENTICATE PLAIN abc', 'invalid base64'],
    ['a1 AUTHENTICATE PLAIN A===', 'invalid base64'],
    ['a1 AUTHENTICATE PLAIN ====', /unexpected/],
    ['a1 ENABLE', 'missing argument'],
    ['a1 ID ("a")', /expected a space/],
    ['a1 ID (a b)', /quoted or literal/],
    ['a1 EXPUNGE 1', /unexpected/],
    ['a1 UID EXPUNGE', 'missing argument'],
    ['a1 COPY 1', 'missing argument'],
    ['a1 SETQUOTA "" (STORAGE)', 'expected a space'],
  ])('%j', (input, message) => {
    const error = parseError(input)
    expect(error.tag).toBe('a1')
    if (typeof message === 'string') expect(error.message).toBe(message)
    else expect(error.message).toMatch(message)
  })

  test('invalid UTF-8 in a literal or quoted string', () => {
    const literal = new Uint8Array([...enc.encode('a1 LOGIN {1}\r\n'), 0xc3, ...enc.encode(' pw')])
    expect(parseError(literal).message).toBe('string is not valid UTF-8')
    const quoted = new Uint8Array([...enc.encode('a1 SEARCH CHARSET UTF-8 SUBJECT "'), 0xff, 0x22])
    expect(parseError(quoted)).toMatchObject({ tag: 'a1', message: 'string is not valid UTF-8' })
  })

  test(`nesting is limited to ${MAX_NESTING_DEPTH} levels`, () => {
    const ok = `a1 SEARCH ${'('.repeat(MAX_NESTING_DEPTH)}ALL${')'.repeat(MAX_NESTING_DEPTH)}`
    expect(() => parseCommand(enc.encode(ok))).not.toThrow()
    const deep = `a1 SEARCH ${'('.repeat(MAX_NESTING_DEPTH + 1)}ALL${')'.repeat(MAX_NESTING_DEPTH + 1)}`
    expect(parseError(deep).message).toBe(`nesting deeper than ${MAX_NESTING_DEPTH} levels`)
    expect(parseError(`a1 SEARCH ${'NOT '.repeat(100_000)}ALL`).message).toMatch(/nesting/)
    expect(parseError(`a1 SEARCH ${'OR ALL '.repeat(100_000)}ALL`).message).toMatch(/nesting/)
    expect(parseError(`a1 SEARCH ${'('.repeat(1_000_000)}`).tag).toBe('a1')
  })
})
