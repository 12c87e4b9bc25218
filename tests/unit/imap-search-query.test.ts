// IMAP SEARCH/SORT/THREAD criteria → search/'s query model (src/imap/server/search-query.ts), from
// commands parsed by imap/proto, and THREAD trees formatted as rfc5256#section-4 thread-lists.
import { describe, expect, test } from 'bun:test'
import { type CommandOf, parseCommand } from '../../src/imap/proto/index.ts'
import {
  BadCharsetError,
  formatThreads,
  type SearchSession,
  searchQuery,
  sortKeys,
  threadAlgorithm,
} from '../../src/imap/server/search-query.ts'
import type { Query, ThreadNode } from '../../src/search/index.ts'

const enc = new TextEncoder()
// a view of 6 messages with UIDs 10, 11, 12, 20, 21, 30
const view = [10, 11, 12, 20, 21, 30]
const session = (extra: Partial<SearchSession> = {}): SearchSession => ({
  view,
  saved: [11, 21],
  recent: [21, 30],
  parseObjectId: (id) => (/^M\d+$/.test(id) ? Number(id.slice(1)) : undefined),
  ...extra,
})
const parse = (args: string, bytes?: Uint8Array) => {
  const line = bytes ?? enc.encode(`a SEARCH ${args}\r\n`)
  const c = parseCommand(line) as CommandOf<'SEARCH'>
  return searchQuery(c.criteria, session({ charset: c.charset }))
}

describe('search keys', () => {
  test.each<[string, Query]>([
    ['ALL', { op: 'all' }],
    ['SEEN', { op: 'keyword', keyword: '$seen' }],
    ['UNANSWERED', { op: 'not', of: { op: 'keyword', keyword: '$answered' } }],
    ['KEYWORD $Junk', { op: 'keyword', keyword: '$junk' }],
    ['KEYWORD Project', { op: 'keyword', keyword: 'project' }],
    ['UNKEYWORD $Forwarded', { op: 'not', of: { op: 'keyword', keyword: '$forwarded' } }],
    [
      'RECENT',
      {
        op: 'uid',
        ranges: [
          [21, 21],
          [30, 30],
        ],
      },
    ],
    [
      'NEW',
      {
        op: 'and',
        of: [
          {
            op: 'uid',
            ranges: [
              [21, 21],
              [30, 30],
            ],
          },
          { op: 'not', of: { op: 'keyword', keyword: '$seen' } },
        ],
      },
    ],
    [
      'OLD',
      {
        op: 'not',
        of: {
          op: 'uid',
          ranges: [
            [21, 21],
            [30, 30],
          ],
        },
      },
    ],
    ['FROM alice', { op: 'text', field: 'from', value: 'alice' }],
    ['BODY "two words"', { op: 'text', field: 'body', value: 'two words' }],
    ['TEXT x', { op: 'text', field: 'text', value: 'x' }],
    ['HEADER X-Spam ""', { op: 'header', name: 'X-Spam', value: '' }],
    ['BEFORE 2-Jan-2024', { op: 'received', max: Date.UTC(2024, 0, 2) }],
    ['SINCE 2-Jan-2024', { op: 'received', min: Date.UTC(2024, 0, 2) }],
    ['ON 2-Jan-2024', { op: 'received', min: Date.UTC(2024, 0, 2), max: Date.UTC(2024, 0, 3) }],
    ['SENTON 2-Jan-2024', { op: 'sentDay', comparison: 'on', day: '2024-01-02' }],
    ['SENTBEFORE 9-Dec-1999', { op: 'sentDay', comparison: 'before', day: '1999-12-09' }],
    ['LARGER 100', { op: 'size', larger: 100 }],
    ['SMALLER 100', { op: 'size', smaller: 100 }],
    ['YOUNGER 60', { op: 'age', comparison: 'younger', seconds: 60 }],
    ['OLDER 60', { op: 'age', comparison: 'older', seconds: 60 }],
    ['MODSEQ 5', { op: 'modseq', min: 5 }],
    ['MODSEQ "/flags/\\\\draft" all 620162338', { op: 'modseq', min: 620162338 }],
    ['EMAILID M42', { op: 'emailId', ids: [42] }],
    ['THREADID M7', { op: 'threadId', ids: [7] }],
    ['EMAILID foreign', { op: 'none' }],
    ['NOT SEEN', { op: 'not', of: { op: 'keyword', keyword: '$seen' } }],
    ['NOT NOT SEEN', { op: 'keyword', keyword: '$seen' }],
    [
      'OR SEEN FLAGGED',
      {
        op: 'or',
        of: [
          { op: 'keyword', keyword: '$seen' },
          { op: 'keyword', keyword: '$flagged' },
        ],
      },
    ],
    ['(SEEN ALL) ALL', { op: 'keyword', keyword: '$seen' }],
    [
      'SEEN FLAGGED',
      {
        op: 'and',
        of: [
          { op: 'keyword', keyword: '$seen' },
          { op: 'keyword', keyword: '$flagged' },
        ],
      },
    ],
  ])('%s', (args, expected) => {
    expect(parse(args)).toEqual(expected)
  })
})

describe('sequence sets and UID sets against the view', () => {
  test.each<[string, Array<[number, number]>]>([
    ['1', [[10, 10]]],
    ['2:4', [[11, 20]]],
    ['4:2', [[11, 20]]],
    ['*', [[30, 30]]],
    ['5:*', [[21, 30]]],
    [
      '1,3,6',
      [
        [10, 10],
        [12, 12],
        [30, 30],
      ],
    ],
    ['9:12', []], // numbers above the count name nothing (the session answers BAD first, see hasNumberAbove)
    [
      '$',
      [
        [11, 11],
        [21, 21],
      ],
    ],
    ['UID 11:20', [[11, 20]]],
    ['UID 25:*', [[25, 30]]],
    ['UID 40:*', [[30, 40]]],
    [
      'UID $',
      [
        [11, 11],
        [21, 21],
      ],
    ],
  ])('%s', (args, ranges) => {
    expect(parse(args)).toEqual({ op: 'uid', ranges })
  })

  test('an empty mailbox: * names nothing', () => {
    const c = parseCommand(enc.encode('a SEARCH 1:* UID *\r\n')) as CommandOf<'SEARCH'>
    expect(searchQuery(c.criteria, session({ view: [] }))).toEqual({
      op: 'and',
      of: [
        { op: 'uid', ranges: [] },
        { op: 'uid', ranges: [] },
      ],
    })
  })
})

describe('charsets', () => {
  test('UTF-8 and US-ASCII strings pass as they are', () => {
    expect(parse('CHARSET UTF-8 SUBJECT "grüße"')).toEqual({ op: 'text', field: 'subject', value: 'grüße' })
    expect(parse('CHARSET US-ASCII SUBJECT x')).toEqual({ op: 'text', field: 'subject', value: 'x' })
  })

  test('other charsets iconv-lite knows are decoded', () => {
    const line = Buffer.concat([
      Buffer.from('a SEARCH CHARSET ISO-8859-1 BODY "gr'),
      Buffer.from([0xfc, 0xdf]),
      Buffer.from('e"\r\n'),
    ])
    expect(parse('', new Uint8Array(line))).toEqual({ op: 'text', field: 'body', value: 'grüße' })
    const koi = Buffer.concat([
      Buffer.from('a SEARCH CHARSET KOI8-R HEADER Subject {6}\r\n'),
      Buffer.from('8NLJ18XU', 'base64'),
      Buffer.from('\r\n'),
    ])
    expect(parse('', new Uint8Array(koi))).toEqual({ op: 'header', name: 'Subject', value: 'Привет' })
  })

  test('an unknown charset is BADCHARSET', () => {
    let err: unknown
    try {
      parse('CHARSET X-NO-SUCH TEXT a')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(BadCharsetError)
    expect((err as BadCharsetError).charsets).toEqual(['UTF-8', 'US-ASCII'])
  })
})

describe('SORT and THREAD', () => {
  test('sort criteria', () => {
    const c = parseCommand(
      enc.encode('a SORT (REVERSE DATE SUBJECT DISPLAYFROM REVERSE ARRIVAL) UTF-8 ALL\r\n'),
    ) as CommandOf<'SORT'>
    expect(sortKeys(c.criteria)).toEqual([
      { key: 'date', reverse: true },
      { key: 'subject', reverse: false },
      { key: 'displayFrom', reverse: false },
      { key: 'arrival', reverse: true },
    ])
  })

  test('thread algorithms', () => {
    expect(threadAlgorithm('REFERENCES')).toBe('references')
    expect(threadAlgorithm('orderedsubject')).toBe('orderedSubject')
    expect(threadAlgorithm('REFS')).toBeUndefined()
  })

  const n = (uid: number | null, ...children: ThreadNode[]): ThreadNode => ({ uid, children })

  test('rfc5256#section-4 example: (2)(3 6 (4 23)(44 7 96))', () => {
    const tree = [n(2), n(3, n(6, n(4, n(23)), n(44, n(7, n(96)))))]
    expect(formatThreads(tree)).toBe('(2)(3 6 (4 23)(44 7 96))')
  })

  test('rfc5256#section-4 example with a dummy: ((3)(5))', () => {
    expect(formatThreads([n(null, n(3), n(5))])).toBe('((3)(5))')
  })

  test('UIDs mapped to sequence numbers', () => {
    const seq = new Map(view.map((uid, i) => [uid, i + 1]))
    expect(formatThreads([n(30, n(10))], (uid) => seq.get(uid) ?? 0)).toBe('(6 1)')
  })
})
