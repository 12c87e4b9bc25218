// SEARCH: every search key of rfc3501/rfc9051 and the extensions, RETURN, CHARSET (exact ASTs).

import { describe, expect, test } from 'bun:test'
import { type CommandOf, parseCommand, type SearchKey, sequenceSetOf } from '../../src/imap/proto/index.ts'

const enc = new TextEncoder()
const search = (args: string) => parseCommand(enc.encode(`s SEARCH ${args}\r\n`)) as CommandOf<'SEARCH'>
const key = (args: string): SearchKey => {
  const criteria = search(args).criteria
  expect(criteria).toHaveLength(1)
  return criteria[0] as SearchKey
}

describe('search keys', () => {
  test.each<[string, SearchKey]>([
    ['ALL', { kind: 'all' }],
    ['ANSWERED', { kind: 'flag', flag: '\\Answered', present: true }],
    ['DELETED', { kind: 'flag', flag: '\\Deleted', present: true }],
    ['DRAFT', { kind: 'flag', flag: '\\Draft', present: true }],
    ['FLAGGED', { kind: 'flag', flag: '\\Flagged', present: true }],
    ['SEEN', { kind: 'flag', flag: '\\Seen', present: true }],
    ['UNANSWERED', { kind: 'flag', flag: '\\Answered', present: false }],
    ['UNDELETED', { kind: 'flag', flag: '\\Deleted', present: false }],
    ['UNDRAFT', { kind: 'flag', flag: '\\Draft', present: false }],
    ['UNFLAGGED', { kind: 'flag', flag: '\\Flagged', present: false }],
    ['UNSEEN', { kind: 'flag', flag: '\\Seen', present: false }],
    ['KEYWORD $Junk', { kind: 'flag', flag: '$Junk', present: true }],
    ['UNKEYWORD $Forwarded', { kind: 'flag', flag: '$Forwarded', present: false }],
    ['keyword \\seen', { kind: 'flag', flag: '\\Seen', present: true }],
    ['NEW', { kind: 'new' }],
    ['OLD', { kind: 'old' }],
    ['RECENT', { kind: 'recent' }],
    ['BCC joe', { kind: 'text', field: 'BCC', value: 'joe' }],
    ['BODY "hello world"', { kind: 'text', field: 'BODY', value: 'hello world' }],
    ['CC {3}\r\nabc', { kind: 'text', field: 'CC', value: 'abc' }],
    ['FROM "Smith"', { kind: 'text', field: 'FROM', value: 'Smith' }],
    ['SUBJECT "ünïcödé"', { kind: 'text', field: 'SUBJECT', value: 'ünïcödé' }],
    ['TEXT x]y', { kind: 'text', field: 'TEXT', value: 'x]y' }],
    ['TO ""', { kind: 'text', field: 'TO', value: '' }],
    [
      'HEADER List-Id "<list.example.org>"',
      { kind: 'header', field: 'List-Id', value: '<list.example.org>' },
    ],
    ['HEADER X-Spam ""', { kind: 'header', field: 'X-Spam', value: '' }],
    [
      'BEFORE 1-Feb-1994',
      { kind: 'date', field: 'internal', comparison: 'before', date: { year: 1994, month: 2, day: 1 } },
    ],
    [
      'ON 29-feb-2024',
      { kind: 'date', field: 'internal', comparison: 'on', date: { year: 2024, month: 2, day: 29 } },
    ],
    [
      'SINCE "01-Jan-2024"',
      { kind: 'date', field: 'internal', comparison: 'since', date: { year: 2024, month: 1, day: 1 } },
    ],
    [
      'SENTBEFORE 31-Dec-1999',
      { kind: 'date', field: 'sent', comparison: 'before', date: { year: 1999, month: 12, day: 31 } },
    ],
    [
      'SENTON 15-Jul-2005',
      { kind: 'date', field: 'sent', comparison: 'on', date: { year: 2005, month: 7, day: 15 } },
    ],
    [
      'SENTSINCE 2-Mar-2010',
      { kind: 'date', field: 'sent', comparison: 'since', date: { year: 2010, month: 3, day: 2 } },
    ],
    ['LARGER 1024', { kind: 'size', comparison: 'larger', size: 1024 }],
    ['SMALLER 10000000000', { kind: 'size', comparison: 'smaller', size: 10000000000 }],
    ['UID 1:*', { kind: 'uid', set: sequenceSetOf([1, '*']) }],
    ['UID $', { kind: 'uid', set: { kind: 'saved' } }],
    ['2,4:7,9,12:*', { kind: 'sequence', set: sequenceSetOf(2, [4, 7], 9, [12, '*']) }],
    ['*', { kind: 'sequence', set: sequenceSetOf('*') }],
    ['$', { kind: 'sequence', set: { kind: 'saved' } }],
    ['NOT SEEN', { kind: 'not', key: { kind: 'flag', flag: '\\Seen', present: true } }],
    [
      'OR SEEN FLAGGED',
      {
        kind: 'or',
        left: { kind: 'flag', flag: '\\Seen', present: true },
        right: { kind: 'flag', flag: '\\Flagged', present: true },
      },
    ],
    ['(ALL)', { kind: 'and', keys: [{ kind: 'all' }] }],
    ['YOUNGER 3600', { kind: 'within', comparison: 'younger', seconds: 3600 }],
    ['OLDER 86400', { kind: 'within', comparison: 'older', seconds: 86400 }],
    ['MODSEQ 620162338', { kind: 'modseq', modseq: 620162338 }],
    [
      'MODSEQ "/flags/\\\\draft" all 620162338',
      { kind: 'modseq', modseq: 620162338, entry: { name: '/flags/\\draft', type: 'all' } },
    ],
    ['EMAILID M6d99ac3275bb4e', { kind: 'emailId', id: 'M6d99ac3275bb4e' }],
    ['THREADID T64b478a75b7ea9', { kind: 'threadId', id: 'T64b478a75b7ea9' }],
  ])('%s', (args, expected) => {
    expect(key(args)).toEqual(expected)
  })

  test('keywords are case-insensitive', () => {
    expect(key('or not seen (unseen deleted)')).toEqual(key('OR NOT SEEN (UNSEEN DELETED)'))
  })

  test('rfc9051#section-6.4.4 example: FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"', () => {
    expect(search('FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"')).toEqual({
      tag: 's',
      name: 'SEARCH',
      uid: false,
      criteria: [
        { kind: 'flag', flag: '\\Flagged', present: true },
        { kind: 'date', field: 'internal', comparison: 'since', date: { year: 1994, month: 2, day: 1 } },
        { kind: 'not', key: { kind: 'text', field: 'FROM', value: 'Smith' } },
      ],
    })
  })

  test('nested groups and OR chains', () => {
    expect(key('OR (SEEN FROM a) OR 1:3 NOT (TO b)')).toEqual({
      kind: 'or',
      left: {
        kind: 'and',
        keys: [
          { kind: 'flag', flag: '\\Seen', present: true },
          { kind: 'text', field: 'FROM', value: 'a' },
        ],
      },
      right: {
        kind: 'or',
        left: { kind: 'sequence', set: sequenceSetOf([1, 3]) },
        right: { kind: 'not', key: { kind: 'and', keys: [{ kind: 'text', field: 'TO', value: 'b' }] } },
      },
    })
  })

  test('CHARSET', () => {
    expect(search('CHARSET UTF-8 TEXT {6}\r\nXXXXXX')).toEqual({
      tag: 's',
      name: 'SEARCH',
      uid: false,
      charset: 'UTF-8',
      criteria: [{ kind: 'text', field: 'TEXT', value: 'XXXXXX' }],
    })
    // An unknown charset keeps the bytes, one per character, so the server can answer BADCHARSET.
    expect(search('CHARSET "ISO-8859-1" SUBJECT {4}\r\ncaf\xe9'.replace('\xe9', 'Z')).charset).toBe(
      'ISO-8859-1',
    )
    const latin1 = new Uint8Array([
      ...enc.encode('s SEARCH CHARSET ISO-8859-1 SUBJECT {5}\r\ncaf'),
      0xe9,
      0x80,
    ])
    expect((parseCommand(latin1) as CommandOf<'SEARCH'>).criteria).toEqual([
      { kind: 'text', field: 'SUBJECT', value: 'café\u0080' },
    ])
  })

  test('RETURN options (rfc4731#section-3.1, rfc5182#section-2.1)', () => {
    expect(search('RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"')).toMatchObject({
      returns: ['MIN', 'COUNT'],
    })
    expect(search('RETURN () UNSEEN').returns).toEqual(['ALL'])
    expect(search('RETURN (SAVE) UNSEEN').returns).toEqual(['SAVE'])
    expect(search('RETURN (min max all count save) UNSEEN').returns).toEqual([
      'MIN',
      'MAX',
      'ALL',
      'COUNT',
      'SAVE',
    ])
    expect(search('RETURN (MIN) CHARSET UTF-8 ALL')).toEqual({
      tag: 's',
      name: 'SEARCH',
      uid: false,
      returns: ['MIN'],
      charset: 'UTF-8',
      criteria: [{ kind: 'all' }],
    })
    expect(search('UNSEEN').returns).toBeUndefined()
  })

  test('UID SEARCH', () => {
    const cmd = parseCommand(enc.encode('u UID SEARCH UID 1:3 DELETED')) as CommandOf<'SEARCH'>
    expect(cmd.uid).toBe(true)
    expect(cmd.criteria).toEqual([
      { kind: 'uid', set: { kind: 'ranges', ranges: [{ start: 1, end: 3 }] } },
      { kind: 'flag', flag: '\\Deleted', present: true },
    ])
  })
})
