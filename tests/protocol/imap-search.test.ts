// IMAP SEARCH and UID SEARCH over real sockets (rfc9051#section-6.4.4, rfc3501#section-6.4.4),
// asserting exact responses: every criterion class against a fixed mailbox whose UIDs differ from
// its sequence numbers, ESEARCH result options (rfc4731) and IMAP4rev2's ESEARCH-only answers,
// SAVE and `$` (rfc5182), CHARSET and BADCHARSET, WITHIN (rfc5032), MODSEQ (rfc7162#section-3.1.5),
// EMAILID/THREADID (rfc8474), a search while another session's expunge is still unreported, and
// the extensions now in CAPABILITY.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ImapClient } from '../helpers/imap-client.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

let server: TestServer
let accountId = 0
const user = 'alice@example.test'
const password = 'alice-password'
const seen = 1
const flagged = 2
const answered = 4
const deleted = 16

/** A message from header lines and a body, CRLF line ends. */
function mail(headers: string[], body: string): Uint8Array {
  return Buffer.from([...headers, '', body, ''].join('\r\n'), 'utf8')
}

/** UTF-8 text as the latin1 string the raw client sends byte for byte. */
function utf8Bytes(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1')
}

async function append(
  mailboxId: number,
  bytes: Uint8Array,
  options: { flags?: number; keywords?: string[]; receivedAt?: number } = {},
): Promise<number> {
  const r = await server.services.store.appendRaw(accountId, {
    mailboxIds: [mailboxId],
    bytes,
    keywords: { flags: options.flags ?? 0, keywords: options.keywords ?? [] },
    receivedAt: options.receivedAt ?? Date.now(),
  })
  return r.placements[0]?.uid ?? 0
}

/** A mailbox of `count` plain messages. */
async function plainMailbox(name: string, count: number): Promise<{ id: number; uids: number[] }> {
  const box = await server.services.store.createMailbox(accountId, name)
  const uids: number[] = []
  for (let i = 1; i <= count; i++) {
    uids.push(await append(box.id, mail(['From: x@example.test', `Subject: m${i}`], `body ${i}`)))
  }
  return { id: box.id, uids }
}

/**
 * The fixture: six messages at UIDs 3..8 (two expunged first, so sequence numbers and UIDs
 * differ). Sequence numbers: 1 Alice "Hello world" \Seen; 2 Bob "Re: Hello world" \Flagged
 * $label1 Cc Carol; 3 Carol "Café menu" 8-bit body, X-Mailer; 4 Dave "Big report" 3000 bytes
 * \Seen \Deleted; 5 Alice "Re: Re: Hello world" \Seen \Answered, received an hour ago;
 * 6 "Zed" <aaron@> "Another topic", received ten minutes ago.
 */
async function createFixture(): Promise<void> {
  const { store } = server.services
  const box = await store.createMailbox(accountId, 'Fixture')
  for (let i = 0; i < 2; i++) await append(box.id, mail(['Subject: gone'], 'gone'), { flags: deleted })
  await store.expunge(accountId, box.id)
  const jan = (d: number, h = 10) => Date.UTC(2023, 0, d, h)
  await append(
    box.id,
    mail(
      [
        'From: Alice <alice@example.test>',
        'To: Bob <bob@example.test>',
        'Subject: Hello world',
        'Date: Mon, 02 Jan 2023 10:00:00 +0000',
        'Message-ID: <a1@example.test>',
      ],
      'The quick brown fox jumps',
    ),
    { flags: seen, receivedAt: jan(2) },
  )
  await append(
    box.id,
    mail(
      [
        'From: Bob <bob@example.test>',
        'To: Alice <alice@example.test>',
        'Cc: Carol <carol@example.test>',
        'Subject: Re: Hello world',
        'Date: Tue, 03 Jan 2023 09:00:00 +0000',
        'Message-ID: <b2@example.test>',
        'In-Reply-To: <a1@example.test>',
        'References: <a1@example.test>',
      ],
      'over the lazy dog',
    ),
    { flags: flagged, keywords: ['$label1'], receivedAt: jan(3, 9) },
  )
  await append(
    box.id,
    mail(
      [
        'From: Carol <carol@example.test>',
        'To: Dave <dave@example.test>',
        'Subject: =?UTF-8?Q?Caf=C3=A9_menu?=',
        'Date: Wed, 04 Jan 2023 00:30:00 +0100',
        'Message-ID: <c3@example.test>',
        'X-Mailer: Postern-Test',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
      ],
      'Crème brûlée',
    ),
    { receivedAt: jan(4) },
  )
  await append(
    box.id,
    mail(
      [
        'From: Dave <dave@example.test>',
        'To: Alice <alice@example.test>',
        'Subject: Big report',
        'Date: Thu, 05 Jan 2023 10:00:00 +0000',
        'Message-ID: <d4@example.test>',
      ],
      'x'.repeat(3000),
    ),
    { flags: seen | deleted, receivedAt: jan(5) },
  )
  await append(
    box.id,
    mail(
      [
        'From: Alice <alice@example.test>',
        'To: Bob <bob@example.test>',
        'Subject: Re: Re: Hello world',
        'Date: Fri, 06 Jan 2023 10:00:00 +0000',
        'Message-ID: <e5@example.test>',
        'In-Reply-To: <b2@example.test>',
        'References: <a1@example.test> <b2@example.test>',
      ],
      'the fox again',
    ),
    { flags: seen | answered, receivedAt: Date.now() - 3_600_000 },
  )
  await append(
    box.id,
    mail(
      [
        'From: Zed <aaron@example.test>',
        'To: Carol <carol@example.test>',
        'Subject: Another topic',
        'Date: Sat, 07 Jan 2023 10:00:00 +0000',
        'Message-ID: <f6@example.test>',
      ],
      'unrelated',
    ),
    { receivedAt: Date.now() - 600_000 },
  )
}

beforeAll(async () => {
  server = await startTestServer({ env: { POSTERN_IMAP_ALLOW_PLAINTEXT_LOGIN: 'true' } })
  server.services.directory.domains.add('example.test')
  const a = await server.services.directory.accounts.add({ email: user, password })
  accountId = a.id
  await server.services.store.ensureAccount(a.id)
  await createFixture()
})
afterAll(async () => {
  await server.close()
})

/** A logged-in session, optionally with extensions enabled first and a mailbox selected. */
async function session(select?: string, enable?: string): Promise<ImapClient> {
  const c = await ImapClient.login(server.port('imap'), user, password)
  if (enable) expect((await c.command(`ENABLE ${enable}`)).done).toBe('OK ENABLE completed')
  if (select) expect((await c.command(`SELECT ${select}`)).done).toBe('OK [READ-WRITE] SELECT completed')
  return c
}

/** The single untagged response of a command that must succeed. */
async function only(c: ImapClient, command: string): Promise<string[]> {
  const reply = await c.command(command)
  expect(reply.done).toMatch(/^OK /)
  return reply.untagged
}

describe('SEARCH criteria (sequence numbers 1-6 are UIDs 3-8)', () => {
  let c: ImapClient
  beforeAll(async () => {
    c = await session('Fixture')
  })
  afterAll(() => c.close())

  test('ALL answers sequence numbers, UID SEARCH answers UIDs', async () => {
    expect(await c.command('SEARCH ALL')).toEqual({
      untagged: ['* SEARCH 1 2 3 4 5 6'],
      done: 'OK SEARCH completed',
    })
    expect(await c.command('UID SEARCH ALL')).toEqual({
      untagged: ['* SEARCH 3 4 5 6 7 8'],
      done: 'OK UID SEARCH completed',
    })
  })

  test.each([
    ['SEEN', '1 4 5'],
    ['UNSEEN', '2 3 6'],
    ['FLAGGED', '2'],
    ['UNFLAGGED', '1 3 4 5 6'],
    ['ANSWERED', '5'],
    ['UNANSWERED', '1 2 3 4 6'],
    ['DELETED', '4'],
    ['UNDELETED', '1 2 3 5 6'],
    ['DRAFT', ''],
    ['UNDRAFT', '1 2 3 4 5 6'],
    ['KEYWORD $label1', '2'],
    ['KEYWORD $Label1', '2'],
    ['UNKEYWORD $label1', '1 3 4 5 6'],
    ['KEYWORD $nothere', ''],
    ['RECENT', ''],
    ['NEW', ''],
    ['OLD', '1 2 3 4 5 6'],
  ])('flags: SEARCH %s', async (criteria, expected) => {
    expect(await only(c, `SEARCH ${criteria}`)).toEqual([`* SEARCH${expected ? ` ${expected}` : ''}`])
  })

  test.each([
    ['FROM alice', '1 5'],
    ['FROM "Zed"', '6'],
    ['TO alice', '2 4'],
    ['CC carol', '2'],
    ['BCC carol', ''],
    ['SUBJECT hello', '1 2 5'],
    ['SUBJECT "RE: RE:"', '5'],
    ['BODY fox', '1 5'],
    ['BODY hello', ''],
    ['TEXT hello', '1 2 5'],
    ['TEXT postern-test', '3'],
    ['HEADER X-Mailer postern', '3'],
    ['HEADER X-Mailer ""', '3'],
    ['HEADER Message-ID b2@example', '2'],
  ])('text: SEARCH %s', async (criteria, expected) => {
    expect(await only(c, `SEARCH ${criteria}`)).toEqual([`* SEARCH${expected ? ` ${expected}` : ''}`])
  })

  test.each([
    ['BEFORE 4-Jan-2023', '1 2'],
    ['ON 3-Jan-2023', '2'],
    ['SINCE 5-Jan-2023', '4 5 6'],
    ['SENTBEFORE 4-Jan-2023', '1 2'],
    // The Date header's own day: 00:30 +0100 is 4 January there (3 January in UTC).
    ['SENTON 4-Jan-2023', '3'],
    ['SENTSINCE 6-Jan-2023', '5 6'],
    ['LARGER 2000', '4'],
    ['SMALLER 2000', '1 2 3 5 6'],
    ['YOUNGER 86400', '5 6'],
    ['YOUNGER 1800', '6'],
    ['OLDER 86400', '1 2 3 4'],
  ])('dates, sizes and WITHIN: SEARCH %s', async (criteria, expected) => {
    expect(await only(c, `SEARCH ${criteria}`)).toEqual([`* SEARCH${expected ? ` ${expected}` : ''}`])
  })

  test.each([
    ['SEARCH 2:4', '2 3 4'],
    ['SEARCH 5:*', '5 6'],
    ['SEARCH *', '6'],
    ['SEARCH 1,3,6', '1 3 6'],
    ['SEARCH UID 4:7', '2 3 4 5'],
    ['SEARCH UID 1:2', ''],
    ['UID SEARCH 2:3', '4 5'],
    ['UID SEARCH UID 6:*', '6 7 8'],
    ['UID SEARCH UID 1:2,8', '8'],
    ['SEARCH 2:4 UID 5:100', '3 4'],
  ])('sequence sets: %s', async (command, expected) => {
    expect(await only(c, command)).toEqual([`* SEARCH${expected ? ` ${expected}` : ''}`])
  })

  test.each([
    ['NOT SEEN', '2 3 6'],
    ['NOT OR FROM alice OR FROM bob CC carol', '3 4 6'],
    ['OR OR FLAGGED DELETED (SEEN NOT ANSWERED)', '1 2 4'],
    ['OR (FROM alice SEEN) (NOT (SEEN) SMALLER 500)', '1 2 3 5 6'],
    ['(OR SUBJECT hello SUBJECT report) NOT (OR ANSWERED FLAGGED)', '1 4'],
    ['NOT NOT NOT DELETED', '1 2 3 5 6'],
    ['SEEN UNSEEN', ''],
    ['FROM alice SEEN 5', '5'],
  ])('AND, OR, NOT and nesting: SEARCH %s', async (criteria, expected) => {
    expect(await only(c, `SEARCH ${criteria}`)).toEqual([`* SEARCH${expected ? ` ${expected}` : ''}`])
  })

  test('CHARSET: UTF-8 and US-ASCII, ISO-8859-1 in a literal, and BADCHARSET for the unknown', async () => {
    expect(await only(c, 'SEARCH CHARSET US-ASCII SUBJECT hello')).toEqual(['* SEARCH 1 2 5'])
    expect(await only(c, `SEARCH CHARSET UTF-8 BODY {6+}\r\n${utf8Bytes('crème')}`)).toEqual(['* SEARCH 3'])
    expect(await only(c, `SEARCH CHARSET UTF-8 SUBJECT {5+}\r\n${utf8Bytes('café')}`)).toEqual(['* SEARCH 3'])
    // Without CHARSET the strings are UTF-8 too (rfc9051#section-6.4.4), matched case-insensitively.
    expect(await only(c, `SEARCH SUBJECT {5+}\r\n${utf8Bytes('CAFÉ')}`)).toEqual(['* SEARCH 3'])
    // "café" in ISO-8859-1 is four bytes, é = 0xE9.
    expect(await only(c, 'SEARCH CHARSET ISO-8859-1 SUBJECT {4+}\r\ncaf\xe9')).toEqual(['* SEARCH 3'])
    expect(await only(c, 'SEARCH CHARSET ISO-8859-1 BODY {6+}\r\nbr\xfbl\xe9e')).toEqual(['* SEARCH 3'])
    expect(await c.command('SEARCH CHARSET X-UNKNOWN-CHARSET SUBJECT hello')).toEqual({
      untagged: [],
      done: 'NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset X-UNKNOWN-CHARSET',
    })
  })

  test('no mailbox selected: BAD', async () => {
    const other = await session()
    expect((await other.command('SEARCH ALL')).done).toBe(
      'BAD SEARCH is not valid in the authenticated state',
    )
    other.close()
  })
})

describe('ESEARCH (rfc4731) and IMAP4rev2', () => {
  test('RETURN options: MIN MAX COUNT ALL, RETURN () as ALL, UID forms, empty results', async () => {
    const c = await session('Fixture')
    let tag = ''
    const ask = async (command: string) => {
      tag = c.nextTag()
      c.send(`${tag} ${command}\r\n`)
      return c.until(tag)
    }
    expect(await ask('SEARCH RETURN (MIN MAX COUNT ALL) SEEN')).toEqual({
      untagged: [`* ESEARCH (TAG "${tag}") MIN 1 MAX 5 COUNT 3 ALL 1,4:5`],
      done: 'OK SEARCH completed',
    })
    expect((await ask('SEARCH RETURN () UNSEEN')).untagged).toEqual([`* ESEARCH (TAG "${tag}") ALL 2:3,6`])
    expect((await ask('SEARCH RETURN (COUNT) ALL')).untagged).toEqual([`* ESEARCH (TAG "${tag}") COUNT 6`])
    expect((await ask('SEARCH RETURN (MAX) FROM alice')).untagged).toEqual([`* ESEARCH (TAG "${tag}") MAX 5`])
    expect(await ask('UID SEARCH RETURN (MIN MAX) SEEN')).toEqual({
      untagged: [`* ESEARCH (TAG "${tag}") UID MIN 3 MAX 7`],
      done: 'OK UID SEARCH completed',
    })
    expect((await ask('UID SEARCH RETURN (ALL) SEEN')).untagged).toEqual([
      `* ESEARCH (TAG "${tag}") UID ALL 3,6:7`,
    ])
    // Nothing matched: MIN, MAX and ALL are left out, COUNT is 0, the ESEARCH still comes.
    expect((await ask('SEARCH RETURN (MIN MAX COUNT ALL) DRAFT')).untagged).toEqual([
      `* ESEARCH (TAG "${tag}") COUNT 0`,
    ])
    expect((await ask('UID SEARCH RETURN (MIN ALL) DRAFT')).untagged).toEqual([
      `* ESEARCH (TAG "${tag}") UID`,
    ])
    expect((await ask('SEARCH RETURN (FOO) ALL')).done).toStartWith('BAD ')
    c.close()
  })

  test('with IMAP4rev2 enabled a SEARCH without RETURN answers ESEARCH ALL', async () => {
    const c = await session('Fixture', 'IMAP4rev2')
    const t1 = c.nextTag()
    c.send(`${t1} SEARCH SEEN\r\n`)
    expect(await c.until(t1)).toEqual({
      untagged: [`* ESEARCH (TAG "${t1}") ALL 1,4:5`],
      done: 'OK SEARCH completed',
    })
    const t2 = c.nextTag()
    c.send(`${t2} UID SEARCH SEEN\r\n`)
    expect((await c.until(t2)).untagged).toEqual([`* ESEARCH (TAG "${t2}") UID ALL 3,6:7`])
    const t3 = c.nextTag()
    c.send(`${t3} SEARCH TEXT "string not in mailbox"\r\n`)
    expect((await c.until(t3)).untagged).toEqual([`* ESEARCH (TAG "${t3}")`])
    const t4 = c.nextTag()
    c.send(`${t4} SEARCH RETURN (COUNT) SEEN\r\n`)
    expect((await c.until(t4)).untagged).toEqual([`* ESEARCH (TAG "${t4}") COUNT 3`])
    c.close()
  })

  test('after ENABLE UTF8=ACCEPT another CHARSET conflicts: BAD (rfc6855#section-3)', async () => {
    const c = await session('Fixture', 'UTF8=ACCEPT')
    expect((await c.command('SEARCH CHARSET ISO-8859-1 SUBJECT {4+}\r\ncaf\xe9')).done).toBe(
      'BAD CHARSET ISO-8859-1 conflicts with UTF8=ACCEPT',
    )
    expect(await only(c, `SEARCH CHARSET UTF-8 SUBJECT "${utf8Bytes('café')}"`)).toEqual(['* SEARCH 3'])
    c.close()
  })
})

describe('SAVE and $ (rfc5182)', () => {
  test('SAVE alone answers nothing; $ then works in FETCH, SEARCH and UID SEARCH', async () => {
    const c = await session('Fixture')
    expect(await c.command('SEARCH RETURN (SAVE) FROM alice')).toEqual({
      untagged: [],
      done: 'OK SEARCH completed',
    })
    expect(await only(c, 'FETCH $ (UID FLAGS)')).toEqual([
      '* 1 FETCH (UID 3 FLAGS (\\Seen))',
      '* 5 FETCH (UID 7 FLAGS (\\Seen \\Answered))',
    ])
    expect(await only(c, 'UID FETCH $ (FLAGS)')).toEqual([
      '* 1 FETCH (UID 3 FLAGS (\\Seen))',
      '* 5 FETCH (UID 7 FLAGS (\\Seen \\Answered))',
    ])
    expect(await only(c, 'SEARCH $')).toEqual(['* SEARCH 1 5'])
    expect(await only(c, 'UID SEARCH $ ANSWERED')).toEqual(['* SEARCH 7'])
    expect(await only(c, 'SEARCH OR $ FLAGGED')).toEqual(['* SEARCH 1 2 5'])
    expect(await only(c, 'SEARCH UID $')).toEqual(['* SEARCH 1 5'])
    // A SEARCH without SAVE leaves $ alone; one with SAVE reads the old $ and then replaces it.
    await only(c, 'SEARCH FLAGGED')
    const t1 = c.nextTag()
    c.send(`${t1} SEARCH RETURN (SAVE COUNT) NOT $\r\n`)
    expect((await c.until(t1)).untagged).toEqual([`* ESEARCH (TAG "${t1}") COUNT 4`])
    expect(await only(c, 'UID SEARCH $')).toEqual(['* SEARCH 4 5 6 8'])
    c.close()
  })

  test('SAVE with MIN and/or MAX keeps only those; with ALL or COUNT every match', async () => {
    const c = await session('Fixture')
    const t1 = c.nextTag()
    c.send(`${t1} SEARCH RETURN (SAVE MIN) SEEN\r\n`)
    expect((await c.until(t1)).untagged).toEqual([`* ESEARCH (TAG "${t1}") MIN 1`])
    expect(await only(c, 'SEARCH $')).toEqual(['* SEARCH 1'])
    const t2 = c.nextTag()
    c.send(`${t2} UID SEARCH RETURN (MAX MIN SAVE) SEEN\r\n`)
    expect((await c.until(t2)).untagged).toEqual([`* ESEARCH (TAG "${t2}") UID MIN 3 MAX 7`])
    expect(await only(c, 'SEARCH $')).toEqual(['* SEARCH 1 5'])
    const t3 = c.nextTag()
    c.send(`${t3} SEARCH RETURN (SAVE MIN COUNT) SEEN\r\n`)
    expect((await c.until(t3)).untagged).toEqual([`* ESEARCH (TAG "${t3}") MIN 1 COUNT 3`])
    expect(await only(c, 'SEARCH $')).toEqual(['* SEARCH 1 4 5'])
    c.close()
  })

  test('a failed SEARCH with SAVE empties $, and so do SELECT, EXAMINE, UNSELECT and CLOSE', async () => {
    // EXAMINE throughout: CLOSE in a read-write mailbox would expunge the fixture's \Deleted message.
    const c = await session()
    expect((await c.command('EXAMINE Fixture')).done).toBe('OK [READ-ONLY] EXAMINE completed')
    await only(c, 'SEARCH RETURN (SAVE) SEEN')
    expect((await c.command('SEARCH RETURN (SAVE) CHARSET X-NONE SUBJECT x')).done).toStartWith(
      'NO [BADCHARSET',
    )
    expect(await only(c, 'SEARCH $')).toEqual(['* SEARCH'])
    expect(await only(c, 'FETCH $ (UID)')).toEqual([])
    // A failed SEARCH without SAVE leaves $ as it was.
    await only(c, 'SEARCH RETURN (SAVE) SEEN')
    expect((await c.command('SEARCH CHARSET X-NONE SUBJECT x')).done).toStartWith('NO [BADCHARSET')
    expect(await only(c, 'SEARCH $')).toEqual(['* SEARCH 1 4 5'])
    for (const step of ['EXAMINE Fixture', 'SELECT INBOX', 'UNSELECT', 'CLOSE']) {
      expect((await c.command('EXAMINE Fixture')).done).toStartWith('OK')
      await only(c, 'SEARCH RETURN (SAVE) SEEN')
      expect(await only(c, 'SEARCH $')).toEqual(['* SEARCH 1 4 5'])
      expect((await c.command(step)).done).toStartWith('OK')
      expect((await c.command('EXAMINE Fixture')).done).toStartWith('OK')
      expect(await only(c, 'SEARCH $')).toEqual(['* SEARCH'])
    }
    c.close()
  })

  test('$ in STORE, COPY and UID EXPUNGE names the saved messages', async () => {
    const box = await plainMailbox('SaveUse', 4)
    await server.services.store.createMailbox(accountId, 'SaveTarget')
    const [, u2, , u4] = box.uids as [number, number, number, number]
    const c = await session('SaveUse')
    await only(c, 'SEARCH RETURN (SAVE) 2,4')
    expect(await only(c, 'STORE $ +FLAGS (\\Flagged)')).toEqual([
      '* 2 FETCH (FLAGS (\\Flagged))',
      '* 4 FETCH (FLAGS (\\Flagged))',
    ])
    const copied = await c.command('COPY $ SaveTarget')
    expect(copied.done).toMatch(new RegExp(`^OK \\[COPYUID \\d+ ${u2},${u4} 1:2\\] COPY completed$`))
    expect(await only(c, 'UID STORE $ +FLAGS.SILENT (\\Deleted)')).toEqual([])
    expect(await only(c, 'UID EXPUNGE $')).toEqual(['* 4 EXPUNGE', '* 2 EXPUNGE'])
    // The expunged messages have left $.
    expect(await only(c, 'SEARCH $')).toEqual(['* SEARCH'])
    c.close()
  })
})

describe('MODSEQ (rfc7162#section-3.1.5)', () => {
  test('MODSEQ turns CONDSTORE on and adds (MODSEQ n) to SEARCH, MODSEQ to ESEARCH', async () => {
    const box = await plainMailbox('Modseq', 3)
    const { store } = server.services
    const modseq = (uid: number) => store.mailboxMessagesByUid(box.id, [uid])[0]?.modseq ?? 0
    const [u1, u2, u3] = box.uids as [number, number, number]
    const c = await session('Modseq')
    await only(c, `UID STORE ${u2} +FLAGS (\\Seen)`)
    const highest = store.getMailbox(accountId, box.id).highestModseq
    expect(modseq(u2)).toBe(highest)
    expect(await only(c, `SEARCH MODSEQ ${modseq(u2)}`)).toEqual([
      `* OK [HIGHESTMODSEQ ${highest}] Highest`,
      `* SEARCH 2 (MODSEQ ${highest})`,
    ])
    expect(await only(c, 'UID SEARCH MODSEQ 1')).toEqual([`* SEARCH ${u1} ${u2} ${u3} (MODSEQ ${highest})`])
    expect(await only(c, `SEARCH MODSEQ "/flags/\\\\seen" all ${modseq(u2)}`)).toEqual([
      `* SEARCH 2 (MODSEQ ${highest})`,
    ])
    // No match: no (MODSEQ).
    expect(await only(c, `SEARCH MODSEQ ${highest + 1}`)).toEqual(['* SEARCH'])
    const t1 = c.nextTag()
    c.send(`${t1} SEARCH RETURN (MIN) MODSEQ 1\r\n`)
    expect((await c.until(t1)).untagged).toEqual([`* ESEARCH (TAG "${t1}") MIN 1 MODSEQ ${modseq(u1)}`])
    const t2 = c.nextTag()
    c.send(`${t2} UID SEARCH RETURN (COUNT) MODSEQ 1\r\n`)
    expect((await c.until(t2)).untagged).toEqual([`* ESEARCH (TAG "${t2}") UID COUNT 3 MODSEQ ${highest}`])
    // Once CONDSTORE is on, flag changes come with MODSEQ.
    const other = await session('Modseq')
    await only(other, `UID STORE ${u3} +FLAGS.SILENT (\\Flagged)`)
    other.close()
    expect(await only(c, 'NOOP')).toEqual([`* 3 FETCH (UID ${u3} FLAGS (\\Flagged) MODSEQ (${modseq(u3)}))`])
    c.close()
  })
})

describe('OBJECTID (rfc8474#section-6)', () => {
  test('EMAILID and THREADID take the ids FETCH gives', async () => {
    const c = await session('Fixture')
    const lines = await only(c, 'FETCH 1:* (EMAILID THREADID)')
    const ids = lines.map((l) => {
      const m = /^\* (\d+) FETCH \(EMAILID \((\w+)\) THREADID \((\w+)\)\)$/.exec(l)
      if (!m) throw new Error(`unexpected ${l}`)
      return { seq: Number(m[1]), email: m[2] as string, thread: m[3] as string }
    })
    expect(ids).toHaveLength(6)
    const second = ids[1] as (typeof ids)[number]
    expect(await only(c, `SEARCH EMAILID ${second.email}`)).toEqual(['* SEARCH 2'])
    expect(await only(c, `UID SEARCH EMAILID ${second.email}`)).toEqual(['* SEARCH 4'])
    const sameThread = ids.filter((i) => i.thread === second.thread).map((i) => i.seq)
    expect(sameThread).toContain(2)
    expect(await only(c, `SEARCH THREADID ${second.thread}`)).toEqual([`* SEARCH ${sameThread.join(' ')}`])
    expect(await only(c, `SEARCH OR EMAILID ${second.email} EMAILID ${ids[5]?.email}`)).toEqual([
      '* SEARCH 2 6',
    ])
    // An id of the other kind, or one that is not ours, matches nothing.
    expect(await only(c, `SEARCH EMAILID ${second.thread}`)).toEqual(['* SEARCH'])
    expect(await only(c, `SEARCH THREADID ${second.email}`)).toEqual(['* SEARCH'])
    expect(await only(c, 'SEARCH EMAILID nonsense_id-1')).toEqual(['* SEARCH'])
    expect(await only(c, `SEARCH NOT EMAILID ${second.thread}`)).toEqual(['* SEARCH 1 2 3 4 5 6'])
    c.close()
  })
})

describe('SEARCH and expunges', () => {
  test('a message another session expunged is not found, and the EXPUNGE waits for a UID command', async () => {
    const box = await plainMailbox('Expunged', 3)
    const [u1, , u3] = box.uids as [number, number, number]
    const a = await session('Expunged')
    const b = await session('Expunged')
    await only(b, 'STORE 2 +FLAGS.SILENT (\\Deleted)')
    expect(await only(b, 'EXPUNGE')).toEqual(['* 2 EXPUNGE'])
    b.close()
    // Sequence numbers must not shift during SEARCH: 3 is still 3, 2 matches nothing.
    expect(await a.command('SEARCH ALL')).toEqual({ untagged: ['* SEARCH 1 3'], done: 'OK SEARCH completed' })
    expect(await a.command('SEARCH 2')).toEqual({ untagged: ['* SEARCH'], done: 'OK SEARCH completed' })
    const t1 = a.nextTag()
    a.send(`${t1} SEARCH RETURN (ALL) 1:*\r\n`)
    expect(await a.until(t1)).toEqual({
      untagged: [`* ESEARCH (TAG "${t1}") ALL 1,3`],
      done: 'OK SEARCH completed',
    })
    // UID SEARCH may be followed by the EXPUNGE; then the numbers move.
    expect(await a.command('UID SEARCH ALL')).toEqual({
      untagged: [`* SEARCH ${u1} ${u3}`, '* 2 EXPUNGE'],
      done: 'OK UID SEARCH completed',
    })
    expect(await a.command('SEARCH ALL')).toEqual({ untagged: ['* SEARCH 1 2'], done: 'OK SEARCH completed' })
    a.close()
  })

  test('a new message shows up after the SEARCH that does not include it', async () => {
    const box = await plainMailbox('Arrivals', 1)
    const a = await session('Arrivals')
    await append(box.id, mail(['Subject: late'], 'late'))
    expect(await a.command('SEARCH ALL')).toEqual({
      untagged: ['* SEARCH 1', '* 2 EXISTS', '* 1 RECENT'],
      done: 'OK SEARCH completed',
    })
    expect(await only(a, 'SEARCH SUBJECT late')).toEqual(['* SEARCH 2'])
    a.close()
  })
})

describe('flag searches (answered from the mailbox flag index in memory)', () => {
  test('follow every change: this session, another session, the store, expunges and arrivals', async () => {
    const box = await plainMailbox('Flags', 4)
    const [u1, u2, u3, u4] = box.uids as [number, number, number, number]
    const a = await session('Flags')
    const b = await session('Flags')
    // The first flag search loads the index; every later one must see what changed since.
    expect(await only(a, 'UID SEARCH FLAGGED')).toEqual(['* SEARCH'])
    expect(await only(a, 'UID SEARCH UNSEEN')).toEqual([`* SEARCH ${u1} ${u2} ${u3} ${u4}`])
    await only(a, `UID STORE ${u2} +FLAGS.SILENT (\\Flagged)`)
    expect(await only(a, 'UID SEARCH FLAGGED')).toEqual([`* SEARCH ${u2}`])
    // Another session's change: its FETCH comes with the answer, which already includes it.
    await only(b, `UID STORE ${u3} +FLAGS.SILENT (\\Flagged \\Seen)`)
    expect((await a.command('UID SEARCH FLAGGED')).untagged[0]).toBe(`* SEARCH ${u2} ${u3}`)
    // A change made through the store (JMAP, a Sieve action) rather than IMAP.
    const emailId = server.services.store.mailboxMessagesByUid(box.id, [u4])[0]?.emailId ?? 0
    await server.services.store.setKeywords(accountId, [emailId], 'add', {
      flags: flagged | seen,
      keywords: [],
    })
    expect((await a.command('UID SEARCH FLAGGED')).untagged[0]).toBe(`* SEARCH ${u2} ${u3} ${u4}`)
    expect((await a.command('UID SEARCH UNSEEN')).untagged[0]).toBe(`* SEARCH ${u1} ${u2}`)
    expect(await only(a, 'UID SEARCH OR SEEN NOT FLAGGED')).toEqual([`* SEARCH ${u1} ${u3} ${u4}`])
    expect(await only(a, `UID SEARCH FLAGGED UID ${u1}:${u3}`)).toEqual([`* SEARCH ${u2} ${u3}`])
    // Expunged by another session: gone from the answer before the EXPUNGE is told.
    await only(b, `UID STORE ${u3} +FLAGS.SILENT (\\Deleted)`)
    await only(b, 'EXPUNGE')
    expect(await a.command('SEARCH FLAGGED')).toEqual({
      untagged: ['* SEARCH 2 4'],
      done: 'OK SEARCH completed',
    })
    // A new flagged message, after the SEARCH that learns of it.
    const u5 = await append(box.id, mail(['Subject: new'], 'new'), { flags: flagged })
    expect((await a.command('UID SEARCH FLAGGED')).untagged[0]).toBe(`* SEARCH ${u2} ${u4}`)
    expect((await a.command('UID SEARCH FLAGGED')).untagged[0]).toBe(`* SEARCH ${u2} ${u4} ${u5}`)
    a.close()
    b.close()
  })
})

describe('CAPABILITY', () => {
  test('the search extensions are announced once logged in', async () => {
    const c = await ImapClient.connect(server.port('imap'))
    await c.line()
    const before = (await c.command('CAPABILITY')).untagged[0] ?? ''
    expect(before).not.toContain('ESEARCH')
    expect((await c.command(`LOGIN ${user} ${password}`)).done).toStartWith('OK')
    const caps = (await c.command('CAPABILITY')).untagged[0] ?? ''
    expect(caps).toContain(
      ' ESEARCH SEARCHRES WITHIN CONDSTORE QRESYNC SORT SORT=DISPLAY ESORT THREAD=REFERENCES THREAD=ORDEREDSUBJECT ',
    )
    expect(caps.split(' ')).toContain('OBJECTID')
    expect((await c.command('ENABLE CONDSTORE QRESYNC')).untagged).toEqual(['* ENABLED CONDSTORE QRESYNC'])
    c.close()
  })
})
