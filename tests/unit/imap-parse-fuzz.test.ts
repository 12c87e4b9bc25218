// Property and fuzz tests: random, truncated and mutated input never makes parseCommand throw
// anything but ParseError, never hangs, and stays linear in the input size.

import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import {
  literalAtEnd,
  ParseError,
  parseCommand,
  parseCommandParts,
  tryReadTag,
} from '../../src/imap/proto/index.ts'
import { prng } from '../helpers/prng.ts'

const enc = new TextEncoder()

/** Parses and reports 'ok' or 'error'; anything thrown that is not a ParseError fails the test. */
function outcome(input: Uint8Array): 'ok' | 'error' {
  try {
    const command = parseCommand(input)
    expect(typeof command.tag).toBe('string')
    expect(typeof command.name).toBe('string')
    return 'ok'
  } catch (e) {
    if (!(e instanceof ParseError))
      throw new Error(`non-ParseError for ${JSON.stringify(new TextDecoder().decode(input))}: ${e}`)
    return 'error'
  }
}

const CORPUS = [
  'a1 CAPABILITY',
  'a LOGIN {3}\r\njoe "p\\"w"',
  'a AUTHENTICATE PLAIN AGpvZQBzZWNyZXQ=',
  'a ENABLE CONDSTORE QRESYNC',
  'B04 SELECT INBOX (QRESYNC (67890007 9006 1:29997 (5000,7500 15000,22500)) CONDSTORE)',
  't1 CREATE "Important" (USE (\\Important \\Drafts))',
  'a RENAME old "new one"',
  'A04 LIST (REMOTE SUBSCRIBED RECURSIVEMATCH) "" ("%" Sent/*) RETURN (SUBSCRIBED CHILDREN STATUS (MESSAGES UNSEEN))',
  'a LSUB "" *',
  'a STATUS INBOX (MESSAGES UIDNEXT MAILBOXID)',
  'a APPEND INBOX (\\Seen) "05-Feb-2024 10:00:00 +0100" {3+}\r\nabc ~{2}\r\na\0 UTF8 (~{1}\r\nx)\r\n',
  'a UID EXPUNGE 1:3,5',
  'a UID SEARCH RETURN (MIN MAX COUNT SAVE) CHARSET UTF-8 OR (FROM "x" SINCE 1-Feb-2024) NOT HEADER X-A {2}\r\nhi MODSEQ "/flags/\\\\seen" all 5 YOUNGER 60 EMAILID abc',
  'a UID FETCH 1:*,7 (FLAGS BODY.PEEK[1.2.HEADER.FIELDS (From "To")]<0.100> BINARY[1]<5.6> BINARY.SIZE[2] PREVIEW (LAZY)) (CHANGEDSINCE 5 VANISHED)',
  'a STORE 1:5 (UNCHANGEDSINCE 7) +FLAGS.SILENT (\\Deleted $Junk)',
  'a UID MOVE 1:* "Trash"',
  'a SORT RETURN (COUNT) (REVERSE DATE SUBJECT) UTF-8 UNSEEN',
  'a UID THREAD REFERENCES UTF-8 ALL',
  'a SETQUOTA "" (STORAGE 512)',
  'a ID ("name" "x" "version" NIL)',
  'a COMPRESS DEFLATE',
]

const ALPHABET = [
  ' ',
  ' ',
  '(',
  ')',
  '[',
  ']',
  '<',
  '>',
  '{',
  '}',
  '~',
  '+',
  '-',
  '"',
  '\\',
  '*',
  '%',
  '$',
  ':',
  ',',
  '.',
  '=',
  '\r\n',
  '\r',
  '\n',
  '\0',
  '\xff',
  'ü',
  '0',
  '1',
  '9',
  '4294967296',
  '{3}\r\n',
  '{0}\r\n',
  '~{2+}\r\n',
  'a1',
  'UID',
  'FETCH',
  'SEARCH',
  'STORE',
  'APPEND',
  'LIST',
  'SELECT',
  'NOT',
  'OR',
  'BODY',
  'BODY.PEEK',
  'HEADER',
  'NOOP',
  'IDLE',
  'FIELDS',
  'RETURN',
  'FLAGS',
  'NIL',
  'INBOX',
  'QRESYNC',
  'CHANGEDSINCE',
  '1-Jan-2024',
  '"01-Jan-2024 00:00:00 +0000"',
]

describe('fuzz', () => {
  test('every corpus command parses', () => {
    for (const c of CORPUS) expect(outcome(enc.encode(c))).toBe('ok')
  })

  test('every truncation of a valid command is handled', () => {
    for (const c of CORPUS) {
      const bytes = enc.encode(c)
      for (let n = 0; n < bytes.length; n++) outcome(bytes.subarray(0, n))
    }
  })

  test('random token soup (seeded, 20000 cases)', () => {
    const random = prng(20260101)
    const started = performance.now()
    let ok = 0
    for (let i = 0; i < 20_000; i++) {
      let s = random() < 0.8 ? 'a1 ' : ''
      const count = Math.floor(random() * 25)
      for (let k = 0; k < count; k++) s += ALPHABET[Math.floor(random() * ALPHABET.length)]
      if (outcome(enc.encode(s)) === 'ok') ok++
    }
    expect(performance.now() - started).toBeLessThan(10_000)
    expect(ok).toBeGreaterThan(0) // some random soups are valid commands
  })

  test('random mutations of valid commands (seeded, 10000 cases)', () => {
    const random = prng(42)
    for (let i = 0; i < 10_000; i++) {
      const bytes = Array.from(enc.encode(CORPUS[i % CORPUS.length] as string))
      const edits = 1 + Math.floor(random() * 4)
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(random() * (bytes.length + 1))
        const r = random()
        if (r < 0.33) bytes.splice(at, 1)
        else if (r < 0.66) bytes.splice(at, 0, Math.floor(random() * 256))
        else bytes[at] = Math.floor(random() * 256)
      }
      outcome(Uint8Array.from(bytes))
    }
  })

  test('arbitrary bytes (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        outcome(bytes)
        literalAtEnd(bytes)
      }),
      { numRuns: 5000, seed: 1 },
    )
  })
})

describe('linear time on large input', () => {
  const timed = (input: string) => {
    const started = performance.now()
    outcome(enc.encode(input))
    return performance.now() - started
  }

  test.each([
    ['a long sequence set', `a FETCH ${Array.from({ length: 200_000 }, (_, i) => i + 1).join(',')} FLAGS`],
    ['many search keys', `a SEARCH ${'SEEN '.repeat(200_000)}ALL`],
    ['deep parentheses', `a SEARCH ${'('.repeat(500_000)}`],
    ['a long quoted string', `a LOGIN "${'x'.repeat(1_000_000)}" y`],
    ['an unterminated quoted string', `a LOGIN "${'\\"'.repeat(500_000)}`],
    ['a long atom', `a ${'X'.repeat(1_000_000)}`],
    ['a long tag', `${'t'.repeat(1_000_000)} NOOP`],
    ['a long fetch attribute', `a FETCH 1 ${'X'.repeat(1_000_000)}`],
    ['a long fetch macro-like word', `a FETCH 1 ${'A'.repeat(1_000_000)} (CHANGEDSINCE 1)`],
    ['a long section name', `a FETCH 1 BODY[${'X'.repeat(1_000_000)}]`],
    ['a long initial response', `a AUTHENTICATE PLAIN ${'QUFB'.repeat(500_000)}`],
    ['many digits', `a FETCH ${'9'.repeat(1_000_000)} FLAGS`],
    ['many flags', `a STORE 1 FLAGS (${'\\Seen '.repeat(100_000)})`],
    ['a large literal', `a APPEND INBOX {5000000}\r\n${'m'.repeat(5_000_000)}`],
  ])('%s', (_name, input) => {
    expect(timed(input)).toBeLessThan(3_000)
  })

  test('framing helpers on a huge line', () => {
    const line = new TextEncoder().encode(`${'t'.repeat(1_000_000)} APPEND x {${'9'.repeat(100_000)}}`)
    expect(tryReadTag(line)).toHaveLength(1_000_000)
    expect(literalAtEnd(line)?.size).toBe(Number.POSITIVE_INFINITY)
  })
})

describe('parseCommandParts', () => {
  /** Splits a wire command into its lines and literals, as a server reading it would. */
  function split(wire: Uint8Array): { lines: Uint8Array[]; literals: Uint8Array[] } {
    const lines: Uint8Array[] = []
    const literals: Uint8Array[] = []
    let pos = 0
    for (;;) {
      let end = wire.indexOf(0x0a, pos)
      if (end < 0) end = wire.length
      const line = wire.subarray(pos, end > pos && wire[end - 1] === 0x0d ? end - 1 : end)
      lines.push(line)
      pos = end + 1
      const literal = literalAtEnd(line)
      if (literal === null || pos > wire.length) return { lines, literals }
      literals.push(wire.subarray(pos, pos + literal.size))
      pos += literal.size
    }
  }

  test('gives the same AST as parseCommand for every corpus command', () => {
    for (const c of CORPUS) {
      const wire = enc.encode(c)
      const { lines, literals } = split(wire)
      expect(parseCommandParts(lines, literals)).toEqual(parseCommand(wire))
    }
  })

  test('the literal bytes are used as given, not copied', () => {
    const body = enc.encode('Subject: x\r\n\r\nhello\r\n')
    const command = parseCommandParts(
      [enc.encode(`a APPEND INBOX {${body.length}}`), new Uint8Array()],
      [body],
    )
    expect(command).toMatchObject({ name: 'APPEND' })
    if (command.name === 'APPEND') expect(command.messages[0]?.content).toBe(body)
  })

  test.each<[string[], string[], string]>([
    [['a LOGIN {3}', ' pw'], [], 'literal is missing'],
    [['a LOGIN {3}', ' pw'], ['ab'], 'literal size does not match its announced size'],
    [['a LOGIN joe pw'], ['extra'], 'more literals than the command announced'],
    [['a NOOP', 'b NOOP'], [], 'unexpected characters at the end of the command'],
    [[], [], 'empty command line'],
  ])('%j with %j', (lines, literals, message) => {
    expect(() =>
      parseCommandParts(
        lines.map((l) => enc.encode(l)),
        literals.map((l) => enc.encode(l)),
      ),
    ).toThrow(message)
  })

  test('random splits and mutations never throw anything but ParseError', () => {
    const random = prng(99)
    for (let i = 0; i < 3000; i++) {
      const { lines, literals } = split(enc.encode(CORPUS[i % CORPUS.length] as string))
      const mutated = lines.map((l) =>
        random() < 0.3 ? l.subarray(0, Math.floor(random() * (l.length + 1))) : l,
      )
      const dropped = random() < 0.3 ? literals.slice(1) : literals
      try {
        parseCommandParts(mutated, dropped)
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError)
      }
    }
  })
})
