// Response encoders: strings, astrings, nstrings, mailbox names, LIST/STATUS/SEARCH/ESEARCH/VANISHED
// lines, response codes and status lines.

import { describe, expect, test } from 'bun:test'
import {
  buildEsearchResponse,
  buildListResponse,
  buildSearchResponse,
  buildStatusResponse,
  buildVanishedResponse,
  encodeAstring,
  encodeLiteral,
  encodeMailboxName,
  encodeNstring,
  encodeString,
  formatDate,
  formatDateTime,
  formatFlagList,
  formatResponseCode,
  joinWire,
  MAX_QUOTED_BYTES,
  parseCommand,
  type ResponseCode,
  statusLine,
} from '../../src/imap/proto/index.ts'

const dec = new TextDecoder()
const text = (b: Uint8Array) => dec.decode(b)
const ascii = { utf8: false }
const utf8 = { utf8: true }

describe('strings', () => {
  test.each<[string, boolean, string]>([
    ['hello', false, '"hello"'],
    ['', false, '""'],
    ['say "hi" \\o/', false, '"say \\"hi\\" \\\\o/"'],
    ['two\r\nlines', false, '{10}\r\ntwo\r\nlines'],
    ['nul\0', false, '~{4}\r\nnul\0'],
    ['café', false, '{5}\r\ncafé'],
    ['café', true, '"café"'],
  ])('%j (utf8=%s) → %j', (value, isUtf8, wire) => {
    expect(text(encodeString(value, { utf8: isUtf8 }))).toBe(wire)
  })

  test('long strings go as literals', () => {
    const long = 'x'.repeat(MAX_QUOTED_BYTES + 1)
    expect(text(encodeString(long, ascii))).toBe(`{${long.length}}\r\n${long}`)
    expect(text(encodeString('x'.repeat(MAX_QUOTED_BYTES), ascii)).startsWith('"')).toBe(true)
  })

  test('bytes that are not UTF-8 go as a literal even in UTF-8 mode', () => {
    const bytes = new Uint8Array([0x61, 0xff])
    expect(encodeString(bytes, utf8)).toEqual(joinWire(['{2}\r\n', bytes]))
    expect(encodeLiteral(bytes)).toEqual(joinWire(['{2}\r\n', bytes]))
  })

  test('astring: bare when possible (`]` allowed), else quoted or literal', () => {
    expect(text(encodeAstring('joe', ascii))).toBe('joe')
    expect(text(encodeAstring('a]b', ascii))).toBe('a]b')
    expect(text(encodeAstring('a b', ascii))).toBe('"a b"')
    expect(text(encodeAstring('a*', ascii))).toBe('"a*"')
    expect(text(encodeAstring('', ascii))).toBe('""')
    expect(text(encodeAstring('NIL', ascii))).toBe('NIL')
  })

  test('nstring', () => {
    expect(text(encodeNstring(null, ascii))).toBe('NIL')
    expect(text(encodeNstring('NIL', ascii))).toBe('"NIL"')
  })

  test('what the encoder writes, the parser reads back', () => {
    for (const value of ['plain', 'with space', 'q"uote', 'back\\slash', 'cr\rlf\n', 'ünï', '', ']']) {
      for (const options of [ascii, utf8]) {
        const wire = joinWire(['a LOGIN ', encodeAstring(value, options), ' ', encodeString(value, options)])
        expect(parseCommand(wire)).toEqual({ tag: 'a', name: 'LOGIN', username: value, password: value })
      }
    }
  })
})

describe('mailbox names', () => {
  test('modified UTF-7 or UTF-8 by mode; INBOX bare; others quoted', () => {
    expect(text(encodeMailboxName('INBOX', ascii))).toBe('INBOX')
    expect(text(encodeMailboxName('日本語', ascii))).toBe('"&ZeVnLIqe-"')
    expect(text(encodeMailboxName('日本語', utf8))).toBe('"日本語"')
    expect(text(encodeMailboxName('a"b', ascii))).toBe('"a\\"b"')
  })

  test('LIST and LSUB responses', () => {
    expect(
      text(
        buildListResponse('LIST', { attributes: ['\\HasNoChildren'], delimiter: '/', name: 'INBOX' }, ascii),
      ),
    ).toBe('* LIST (\\HasNoChildren) "/" INBOX\r\n')
    expect(
      text(buildListResponse('LSUB', { attributes: [], delimiter: null, name: 'Entwürfe' }, ascii)),
    ).toBe('* LSUB () NIL "Entw&APw-rfe"\r\n')
    expect(
      text(
        buildListResponse(
          'LIST',
          {
            attributes: ['\\Subscribed', '\\Drafts'],
            delimiter: '\\',
            name: 'Drafts',
            childInfo: ['SUBSCRIBED'],
          },
          ascii,
        ),
      ),
    ).toBe('* LIST (\\Subscribed \\Drafts) "\\\\" "Drafts" ("CHILDINFO" ("SUBSCRIBED"))\r\n')
    expect(
      text(buildListResponse('LIST', { attributes: [], delimiter: '/', name: 'New', oldName: 'Old' }, ascii)),
    ).toBe('* LIST () "/" "New" ("OLDNAME" ("Old"))\r\n')
  })

  test('STATUS response', () => {
    expect(
      text(
        buildStatusResponse(
          'blurdybloop',
          [
            ['MESSAGES', 231],
            ['UIDNEXT', 44292],
            ['MAILBOXID', 'F2212ea87-6097-4256-9d51-71338625'],
          ],
          ascii,
        ),
      ),
    ).toBe(
      '* STATUS "blurdybloop" (MESSAGES 231 UIDNEXT 44292 MAILBOXID (F2212ea87-6097-4256-9d51-71338625))\r\n',
    )
  })
})

describe('search results', () => {
  test('SEARCH', () => {
    expect(buildSearchResponse([])).toBe('* SEARCH\r\n')
    expect(buildSearchResponse([2, 84, 882])).toBe('* SEARCH 2 84 882\r\n')
    expect(buildSearchResponse([2, 5], 917162500)).toBe('* SEARCH 2 5 (MODSEQ 917162500)\r\n')
  })

  test('ESEARCH (rfc4731#section-3.1 examples)', () => {
    expect(buildEsearchResponse({ tag: 'A282', uid: false, min: 2, count: 3 })).toBe(
      '* ESEARCH (TAG "A282") MIN 2 COUNT 3\r\n',
    )
    expect(buildEsearchResponse({ tag: 'a', uid: true, min: 1, count: 3, all: [1, 2, 3] })).toBe(
      '* ESEARCH (TAG "a") UID MIN 1 COUNT 3 ALL 1:3\r\n',
    )
    expect(
      buildEsearchResponse({
        tag: 'A283',
        uid: false,
        all: [2, ...Array.from({ length: 1591 }, (_, i) => i + 10)],
      }),
    ).toBe('* ESEARCH (TAG "A283") ALL 2,10:1600\r\n')
    expect(buildEsearchResponse({ tag: 'A284', uid: false })).toBe('* ESEARCH (TAG "A284")\r\n')
    expect(buildEsearchResponse({ uid: true, count: 0, all: [] })).toBe('* ESEARCH UID COUNT 0\r\n')
    expect(buildEsearchResponse({ tag: 'a', uid: false, max: 9, modseq: 42 })).toBe(
      '* ESEARCH (TAG "a") MAX 9 MODSEQ 42\r\n',
    )
  })

  test('ESORT keeps the sort order', () => {
    expect(buildEsearchResponse({ tag: 'a', uid: true, all: [5, 6, 7, 1, 2] }, true)).toBe(
      '* ESEARCH (TAG "a") UID ALL 5:7,1:2\r\n',
    )
  })

  test('VANISHED (rfc7162#section-3.2.10)', () => {
    expect(buildVanishedResponse([41, 43, 44, 45, 46, 47, 48], true)).toBe(
      '* VANISHED (EARLIER) 41,43:48\r\n',
    )
    expect(buildVanishedResponse([405, 407, 410, 425], false)).toBe('* VANISHED 405,407,410,425\r\n')
    expect(buildVanishedResponse([], false)).toBe('')
  })

  test('flag lists', () => {
    expect(formatFlagList([])).toBe('()')
    expect(formatFlagList(['\\Seen', '$Junk'])).toBe('(\\Seen $Junk)')
  })
})

describe('response codes', () => {
  test.each<[ResponseCode, string]>([
    [{ code: 'ALREADYEXISTS' }, '[ALREADYEXISTS]'],
    [{ code: 'NONEXISTENT' }, '[NONEXISTENT]'],
    [{ code: 'TRYCREATE' }, '[TRYCREATE]'],
    [{ code: 'OVERQUOTA' }, '[OVERQUOTA]'],
    [{ code: 'CANNOT' }, '[CANNOT]'],
    [{ code: 'LIMIT' }, '[LIMIT]'],
    [{ code: 'UIDNOTSTICKY' }, '[UIDNOTSTICKY]'],
    [{ code: 'CLOSED' }, '[CLOSED]'],
    [{ code: 'NOMODSEQ' }, '[NOMODSEQ]'],
    [{ code: 'INUSE' }, '[INUSE]'],
    [{ code: 'SERVERBUG' }, '[SERVERBUG]'],
    [{ code: 'UNAVAILABLE' }, '[UNAVAILABLE]'],
    [{ code: 'AUTHENTICATIONFAILED' }, '[AUTHENTICATIONFAILED]'],
    [{ code: 'PRIVACYREQUIRED' }, '[PRIVACYREQUIRED]'],
    [{ code: 'CLIENTBUG' }, '[CLIENTBUG]'],
    [{ code: 'READ-ONLY' }, '[READ-ONLY]'],
    [{ code: 'READ-WRITE' }, '[READ-WRITE]'],
    [{ code: 'TOOBIG' }, '[TOOBIG]'],
    [{ code: 'HIGHESTMODSEQ', modseq: 715194045007 }, '[HIGHESTMODSEQ 715194045007]'],
    [{ code: 'MODIFIED', numbers: [7, 9, 8] }, '[MODIFIED 7:9]'],
    [{ code: 'APPENDUID', uidValidity: 38505, uids: [3955] }, '[APPENDUID 38505 3955]'],
    [{ code: 'APPENDUID', uidValidity: 38505, uids: [3955, 3956, 3957] }, '[APPENDUID 38505 3955:3957]'],
    [
      {
        code: 'COPYUID',
        uidValidity: 38505,
        sourceUids: [304, 319, 320],
        destinationUids: [3956, 3957, 3958],
      },
      '[COPYUID 38505 304,319:320 3956:3958]',
    ],
    [{ code: 'MAILBOXID', id: 'F2212ea87' }, '[MAILBOXID (F2212ea87)]'],
    [{ code: 'BADCHARSET', charsets: ['UTF-8', 'US-ASCII'] }, '[BADCHARSET (UTF-8 US-ASCII)]'],
    [{ code: 'BADCHARSET', charsets: [] }, '[BADCHARSET]'],
    [
      { code: 'CAPABILITY', capabilities: ['IMAP4rev1', 'IMAP4rev2', 'IDLE'] },
      '[CAPABILITY IMAP4rev1 IMAP4rev2 IDLE]',
    ],
    [{ code: 'UIDVALIDITY', value: 3857529045 }, '[UIDVALIDITY 3857529045]'],
    [{ code: 'UIDNEXT', value: 4392 }, '[UIDNEXT 4392]'],
    [
      { code: 'PERMANENTFLAGS', flags: ['\\Deleted', '\\Seen', '\\*'] },
      '[PERMANENTFLAGS (\\Deleted \\Seen \\*)]',
    ],
  ])('%j → %s', (code, wire) => {
    expect(formatResponseCode(code)).toBe(wire)
  })

  test('status lines', () => {
    expect(statusLine('a1', 'OK', 'SELECT completed', { code: 'READ-WRITE' })).toBe(
      'a1 OK [READ-WRITE] SELECT completed\r\n',
    )
    expect(statusLine('*', 'BAD', 'bad\r\nline')).toBe('* BAD bad line\r\n')
    expect(statusLine('a2', 'NO', 'Mailbox exists', { code: 'ALREADYEXISTS' })).toBe(
      'a2 NO [ALREADYEXISTS] Mailbox exists\r\n',
    )
  })
})

describe('dates', () => {
  test('formatDateTime for INTERNALDATE', () => {
    expect(formatDateTime(Date.UTC(1996, 6, 17, 9, 23, 25))).toBe('17-Jul-1996 09:23:25 +0000')
    expect(formatDateTime(Date.UTC(1996, 6, 17, 16, 23, 25), -420)).toBe('17-Jul-1996 09:23:25 -0700')
    expect(formatDateTime(Date.UTC(2024, 0, 1, 0, 0, 0), 330)).toBe('01-Jan-2024 05:30:00 +0530')
    expect(formatDate({ year: 1994, month: 2, day: 1 })).toBe('1-Feb-1994')
  })

  test('a formatted date-time parses back to the same instant', () => {
    for (const ms of [0, Date.UTC(2024, 1, 29, 23, 59, 59), 1700000000000]) {
      for (const offset of [0, 60, -300, 345]) {
        const wire = `a APPEND INBOX "${formatDateTime(ms, offset)}" {1}\r\nx`
        const cmd = parseCommand(new TextEncoder().encode(wire))
        expect(cmd).toMatchObject({ messages: [{ internalDate: ms }] })
      }
    }
  })
})
