// parseCommand: every command form, with its exact AST (rfc9051, rfc3501 and the extensions).

import { describe, expect, test } from 'bun:test'
import { type Command, parseCommand, sequenceSetOf } from '../../src/imap/proto/index.ts'
import { decodeLatin1 } from '../../src/imap/proto/tokenizer.ts'

const enc = new TextEncoder()
const parse = (s: string): Command => parseCommand(enc.encode(s))
const set = sequenceSetOf
const noSelection = { subscribed: false, remote: false, recursiveMatch: false, specialUse: false }
const noReturns = { subscribed: false, children: false, specialUse: false }

describe('commands without arguments', () => {
  test.each([
    'CAPABILITY',
    'NOOP',
    'LOGOUT',
    'STARTTLS',
    'IDLE',
    'CHECK',
    'CLOSE',
    'UNSELECT',
    'NAMESPACE',
    'UNAUTHENTICATE',
  ])('%s', (name) => {
    expect(parse(`a1 ${name}\r\n`)).toEqual({ tag: 'a1', name } as Command)
    expect(parse(`a1 ${name.toLowerCase()}`)).toEqual({ tag: 'a1', name } as Command)
  })

  test('the final CRLF is optional, a bare LF is accepted', () => {
    expect(parse('x NOOP')).toEqual({ tag: 'x', name: 'NOOP' })
    expect(parse('x NOOP\n')).toEqual({ tag: 'x', name: 'NOOP' })
  })

  test('tags may hold any ASTRING-CHAR but "+", including "]"', () => {
    expect(parse('A.1]x NOOP').tag).toBe('A.1]x')
  })
})

describe('not authenticated state', () => {
  test('LOGIN with atoms, quoted strings and literals', () => {
    expect(parse('a LOGIN joe secret')).toEqual({
      tag: 'a',
      name: 'LOGIN',
      username: 'joe',
      password: 'secret',
    })
    expect(parse('a LOGIN "joe smith" "pa\\"ss\\\\"')).toEqual({
      tag: 'a',
      name: 'LOGIN',
      username: 'joe smith',
      password: 'pa"ss\\',
    })
    expect(parse('a LOGIN {3}\r\njoe {5+}\r\npä s\r\n')).toEqual({
      tag: 'a',
      name: 'LOGIN',
      username: 'joe',
      password: 'pä s',
    })
  })

  test('a leading byte order mark is part of the string', () => {
    expect(parse('a LOGIN "\uFEFFjoe" pw')).toMatchObject({ username: '\uFEFFjoe' })
  })

  test('AUTHENTICATE without and with a SASL-IR initial response', () => {
    expect(parse('a AUTHENTICATE plain')).toEqual({ tag: 'a', name: 'AUTHENTICATE', mechanism: 'PLAIN' })
    expect(parse('a AUTHENTICATE PLAIN AGpvZQBzZWNyZXQ=')).toEqual({
      tag: 'a',
      name: 'AUTHENTICATE',
      mechanism: 'PLAIN',
      initialResponse: 'AGpvZQBzZWNyZXQ=',
    })
    expect(parse('a AUTHENTICATE EXTERNAL =')).toEqual({
      tag: 'a',
      name: 'AUTHENTICATE',
      mechanism: 'EXTERNAL',
      initialResponse: '',
    })
    expect(parse('a AUTHENTICATE SCRAM-SHA-256').name).toBe('AUTHENTICATE')
  })
})

describe('authenticated state', () => {
  test('ENABLE', () => {
    expect(parse('a ENABLE CONDSTORE qresync UTF8=ACCEPT')).toEqual({
      tag: 'a',
      name: 'ENABLE',
      capabilities: ['CONDSTORE', 'QRESYNC', 'UTF8=ACCEPT'],
    })
  })

  test('SELECT and EXAMINE', () => {
    expect(parse('a SELECT INBOX')).toEqual({ tag: 'a', name: 'SELECT', mailbox: 'INBOX', condstore: false })
    expect(parse('a EXAMINE "Sent Items" (CONDSTORE)')).toEqual({
      tag: 'a',
      name: 'EXAMINE',
      mailbox: 'Sent Items',
      condstore: true,
    })
  })

  test('SELECT with QRESYNC (rfc7162#section-3.2.5 examples)', () => {
    expect(parse('A02 SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541))')).toEqual({
      tag: 'A02',
      name: 'SELECT',
      mailbox: 'INBOX',
      condstore: false,
      qresync: {
        uidValidity: 67890007,
        modseq: Number.MAX_SAFE_INTEGER, // clamped: see number64
        knownUids: set([41, 211], [214, 541]),
      },
    })
    expect(
      parse(
        'B04 SELECT INBOX (QRESYNC (67890007 9006 1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,29973,29976:29997)))',
      ),
    ).toEqual({
      tag: 'B04',
      name: 'SELECT',
      mailbox: 'INBOX',
      condstore: false,
      qresync: {
        uidValidity: 67890007,
        modseq: 9006,
        knownUids: set([1, 29997]),
        sequenceMatch: {
          sequenceNumbers: set(5000, 7500, 9000, [9990, 9999]),
          uids: set(15000, 22500, 27000, 29970, 29973, [29976, 29997]),
        },
      },
    })
    expect(parse('c SELECT INBOX (QRESYNC (1 2 (1:2 3:4)) CONDSTORE)')).toEqual({
      tag: 'c',
      name: 'SELECT',
      mailbox: 'INBOX',
      condstore: true,
      qresync: {
        uidValidity: 1,
        modseq: 2,
        sequenceMatch: { sequenceNumbers: set([1, 2]), uids: set([3, 4]) },
      },
    })
    expect(parse('d SELECT INBOX (QRESYNC (1 2))')).toMatchObject({ qresync: { uidValidity: 1, modseq: 2 } })
  })

  test('CREATE, with and without USE (rfc6154#section-5.2)', () => {
    expect(parse('a CREATE foo/bar')).toEqual({
      tag: 'a',
      name: 'CREATE',
      mailbox: 'foo/bar',
      specialUse: [],
    })
    expect(parse('t1 CREATE "Important Messages" (USE (\\Important))')).toEqual({
      tag: 't1',
      name: 'CREATE',
      mailbox: 'Important Messages',
      specialUse: ['\\Important'],
    })
    expect(parse('t1 CREATE MySpecial (USE (\\Drafts \\Sent))')).toMatchObject({
      specialUse: ['\\Drafts', '\\Sent'],
    })
  })

  test.each(['DELETE', 'SUBSCRIBE', 'UNSUBSCRIBE'])('%s', (name) => {
    expect(parse(`a ${name} "a]b"`)).toEqual({ tag: 'a', name, mailbox: 'a]b' } as Command)
    expect(parse(`a ${name} a]b`)).toEqual({ tag: 'a', name, mailbox: 'a]b' } as Command)
  })

  test('RENAME', () => {
    expect(parse('a RENAME old new')).toEqual({ tag: 'a', name: 'RENAME', mailbox: 'old', newMailbox: 'new' })
  })

  test('LIST, basic', () => {
    expect(parse('A101 LIST "" ""')).toEqual({
      tag: 'A101',
      name: 'LIST',
      reference: '',
      patterns: [''],
      selection: noSelection,
      returns: noReturns,
      extended: false,
    })
    expect(parse('A102 LIST #news.comp.mail.misc *')).toMatchObject({
      reference: '#news.comp.mail.misc',
      patterns: ['*'],
      extended: false,
    })
    expect(parse('a LIST ~/Mail/ %]')).toMatchObject({ reference: '~/Mail/', patterns: ['%]'] })
  })

  test('LIST-EXTENDED (rfc5258#section-5 examples)', () => {
    expect(parse('A02 LIST (SUBSCRIBED) "" "*"')).toMatchObject({
      selection: { ...noSelection, subscribed: true },
      patterns: ['*'],
      extended: true,
    })
    expect(parse('A03 LIST () "" "%" RETURN (CHILDREN)')).toMatchObject({
      selection: noSelection,
      returns: { ...noReturns, children: true },
      extended: true,
    })
    expect(
      parse('A04 LIST (REMOTE SUBSCRIBED RECURSIVEMATCH) "" "%" RETURN (SUBSCRIBED CHILDREN)'),
    ).toMatchObject({
      selection: { subscribed: true, remote: true, recursiveMatch: true, specialUse: false },
      returns: { subscribed: true, children: true, specialUse: false },
    })
    expect(parse('A05 LIST "" ("INBOX" "Drafts" Sent/%)')).toMatchObject({
      patterns: ['INBOX', 'Drafts', 'Sent/%'],
      extended: true,
    })
    expect(parse('t3 LIST (SPECIAL-USE) "" "*" RETURN (SPECIAL-USE)')).toMatchObject({
      selection: { ...noSelection, specialUse: true },
      returns: { ...noReturns, specialUse: true },
    })
  })

  test('LIST-STATUS (rfc5819#section-2)', () => {
    expect(parse('A01 LIST "" % RETURN (STATUS (MESSAGES UNSEEN))')).toEqual({
      tag: 'A01',
      name: 'LIST',
      reference: '',
      patterns: ['%'],
      selection: noSelection,
      returns: { ...noReturns, status: ['MESSAGES', 'UNSEEN'] },
      extended: true,
    })
  })

  test('LSUB', () => {
    expect(parse('A002 LSUB "#news." "comp.mail.*"')).toEqual({
      tag: 'A002',
      name: 'LSUB',
      reference: '#news.',
      pattern: 'comp.mail.*',
    })
  })

  test('STATUS with every item', () => {
    expect(
      parse(
        'A042 STATUS blurdybloop (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE RECENT HIGHESTMODSEQ APPENDLIMIT MAILBOXID)',
      ),
    ).toEqual({
      tag: 'A042',
      name: 'STATUS',
      mailbox: 'blurdybloop',
      items: [
        'MESSAGES',
        'UIDNEXT',
        'UIDVALIDITY',
        'UNSEEN',
        'DELETED',
        'SIZE',
        'RECENT',
        'HIGHESTMODSEQ',
        'APPENDLIMIT',
        'MAILBOXID',
      ],
    })
  })

  test('APPEND (rfc9051#section-6.3.12 example)', () => {
    const message =
      'Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\nSubject: afternoon meeting\r\n\r\nHello Joe\r\n'
    const wire = `A003 APPEND saved-messages (\\Seen) {${message.length}}\r\n${message}\r\n`
    expect(parse(wire)).toEqual({
      tag: 'A003',
      name: 'APPEND',
      mailbox: 'saved-messages',
      messages: [{ flags: ['\\Seen'], content: enc.encode(message), binary: false, utf8: false }],
    })
  })

  test('APPEND with a date-time, a non-synchronizing literal and no flags', () => {
    expect(parse('a APPEND INBOX "05-Feb-2024 10:00:00 +0100" {2+}\r\nhi')).toEqual({
      tag: 'a',
      name: 'APPEND',
      mailbox: 'INBOX',
      messages: [
        {
          flags: [],
          internalDate: Date.UTC(2024, 1, 5, 9),
          content: enc.encode('hi'),
          binary: false,
          utf8: false,
        },
      ],
    })
    expect(parse('a APPEND INBOX () " 5-Feb-2024 10:00:00 -0030" {2}\r\nhi')).toMatchObject({
      messages: [{ flags: [], internalDate: Date.UTC(2024, 1, 5, 10, 30) }],
    })
  })

  test('APPEND literal8 (BINARY) may hold NUL', () => {
    expect(parse('a APPEND INBOX ~{3}\r\na\0b')).toEqual({
      tag: 'a',
      name: 'APPEND',
      mailbox: 'INBOX',
      messages: [{ flags: [], content: new Uint8Array([0x61, 0, 0x62]), binary: true, utf8: false }],
    })
  })

  test('APPEND UTF8 (~{n}) of UTF8=ACCEPT (rfc6855#section-4)', () => {
    expect(parse('a APPEND INBOX (\\Draft) UTF8 (~{2+}\r\nhi)')).toEqual({
      tag: 'a',
      name: 'APPEND',
      mailbox: 'INBOX',
      messages: [{ flags: ['\\Draft'], content: enc.encode('hi'), binary: true, utf8: true }],
    })
  })

  test('MULTIAPPEND (rfc3502#section-6.3.11)', () => {
    const cmd = parse(
      'A003 APPEND saved-messages (\\Seen) {3}\r\nabc (\\Seen \\Flagged $Label) "01-Jan-2020 00:00:00 +0000" {2}\r\nde ~{1}\r\nf\r\n',
    )
    expect(cmd).toEqual({
      tag: 'A003',
      name: 'APPEND',
      mailbox: 'saved-messages',
      messages: [
        { flags: ['\\Seen'], content: enc.encode('abc'), binary: false, utf8: false },
        {
          flags: ['\\Seen', '\\Flagged', '$Label'],
          internalDate: Date.UTC(2020, 0, 1),
          content: enc.encode('de'),
          binary: false,
          utf8: false,
        },
        { flags: [], content: enc.encode('f'), binary: true, utf8: false },
      ],
    })
  })

  test('NAMESPACE, GETQUOTA, GETQUOTAROOT, SETQUOTA', () => {
    expect(parse('a GETQUOTA ""')).toEqual({ tag: 'a', name: 'GETQUOTA', root: '' })
    expect(parse('a GETQUOTAROOT INBOX')).toEqual({ tag: 'a', name: 'GETQUOTAROOT', mailbox: 'INBOX' })
    expect(parse('A001 SETQUOTA "" (STORAGE 512)')).toEqual({
      tag: 'A001',
      name: 'SETQUOTA',
      root: '',
      limits: [{ resource: 'STORAGE', limit: 512 }],
    })
    expect(parse('a SETQUOTA x (storage 1 MESSAGE 20)')).toMatchObject({
      limits: [
        { resource: 'STORAGE', limit: 1 },
        { resource: 'MESSAGE', limit: 20 },
      ],
    })
    expect(parse('a SETQUOTA x ()')).toMatchObject({ limits: [] })
  })

  test('ID (rfc2971#section-3.1)', () => {
    expect(parse('a023 ID ("name" "sodr" "version" "19.34" "vendor" NIL)')).toEqual({
      tag: 'a023',
      name: 'ID',
      parameters: [
        ['name', 'sodr'],
        ['version', '19.34'],
        ['vendor', null],
      ],
    })
    expect(parse('a ID NIL')).toEqual({ tag: 'a', name: 'ID', parameters: null })
  })

  test('COMPRESS', () => {
    expect(parse('a COMPRESS deflate')).toEqual({ tag: 'a', name: 'COMPRESS', mechanism: 'DEFLATE' })
  })
})

describe('selected state', () => {
  test('EXPUNGE and UID EXPUNGE', () => {
    expect(parse('a EXPUNGE')).toEqual({ tag: 'a', name: 'EXPUNGE', uid: false })
    expect(parse('A202 UID EXPUNGE 3000:3002')).toEqual({
      tag: 'A202',
      name: 'EXPUNGE',
      uid: true,
      sequenceSet: set([3000, 3002]),
    })
  })

  test.each(['COPY', 'MOVE'])('%s and its UID form', (name) => {
    expect(parse(`a ${name} 2:4 MEETING`)).toEqual({
      tag: 'a',
      name,
      uid: false,
      sequenceSet: set([2, 4]),
      mailbox: 'MEETING',
    } as Command)
    expect(parse(`a uid ${name.toLowerCase()} 4827313:4828442 "Sent Items"`)).toEqual({
      tag: 'a',
      name,
      uid: true,
      sequenceSet: set([4827313, 4828442]),
      mailbox: 'Sent Items',
    } as Command)
  })

  test('SORT (rfc5256#section-3 examples)', () => {
    expect(parse('A282 SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994')).toEqual({
      tag: 'A282',
      name: 'SORT',
      uid: false,
      criteria: [{ key: 'SUBJECT', reverse: false }],
      charset: 'UTF-8',
      searchCriteria: [
        { kind: 'date', field: 'internal', comparison: 'since', date: { year: 1994, month: 2, day: 1 } },
      ],
    })
    expect(parse('A283 UID SORT (SUBJECT REVERSE DATE) UTF-8 ALL')).toMatchObject({
      uid: true,
      criteria: [
        { key: 'SUBJECT', reverse: false },
        { key: 'DATE', reverse: true },
      ],
      searchCriteria: [{ kind: 'all' }],
    })
    expect(
      parse('A284 SORT (REVERSE ARRIVAL CC FROM SIZE TO DISPLAYFROM DISPLAYTO) US-ASCII OR FROM a TO b'),
    ).toMatchObject({
      criteria: [
        { key: 'ARRIVAL', reverse: true },
        { key: 'CC', reverse: false },
        { key: 'FROM', reverse: false },
        { key: 'SIZE', reverse: false },
        { key: 'TO', reverse: false },
        { key: 'DISPLAYFROM', reverse: false },
        { key: 'DISPLAYTO', reverse: false },
      ],
      charset: 'US-ASCII',
    })
  })

  test('SORT RETURN for ESORT (rfc5267#section-3.2)', () => {
    expect(parse('A283 SORT RETURN (COUNT) (DATE) UTF-8 SINCE 1-Feb-1994')).toMatchObject({
      returns: ['COUNT'],
      criteria: [{ key: 'DATE', reverse: false }],
    })
  })

  test('THREAD (rfc5256#section-3 examples)', () => {
    expect(parse('A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000')).toEqual({
      tag: 'A283',
      name: 'THREAD',
      uid: false,
      algorithm: 'ORDEREDSUBJECT',
      charset: 'UTF-8',
      searchCriteria: [
        { kind: 'date', field: 'internal', comparison: 'since', date: { year: 2000, month: 3, day: 5 } },
      ],
    })
    expect(parse('A284 UID THREAD references "US-ASCII" TEXT "gewp"')).toEqual({
      tag: 'A284',
      name: 'THREAD',
      uid: true,
      algorithm: 'REFERENCES',
      charset: 'US-ASCII',
      searchCriteria: [{ kind: 'text', field: 'TEXT', value: 'gewp' }],
    })
  })
})

describe('decodeLatin1', () => {
  test('byte n is U+00nn for all 256 bytes (not windows-1252), also inside a larger buffer', () => {
    const bytes = new Uint8Array(258).map((_, i) => (i - 1) & 0xff)
    const text = decodeLatin1(bytes.subarray(1, 257))
    expect(text.length).toBe(256)
    for (let i = 0; i < 256; i++) expect(text.charCodeAt(i)).toBe(i)
  })
})
