// IMAP SORT and THREAD over real sockets (rfc5256, SORT=DISPLAY rfc5957, ESORT rfc5267, the
// MODSEQ suffix rfc7162#section-3.1.5), asserting exact responses: every sort key, REVERSE and
// several keys, sequence numbers against UIDs, ESORT's RETURN options, CHARSET, both thread
// algorithms with branches and a missing parent, and answers while an expunge is unreported.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ImapClient } from '../helpers/imap-client.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

let server: TestServer
let accountId = 0
const user = 'alice@example.test'
const password = 'alice-password'
const seen = 1
const deleted = 16

function mail(headers: string[], body: string): Uint8Array {
  return Buffer.from([...headers, '', body, ''].join('\r\n'), 'utf8')
}

async function append(
  mailboxId: number,
  bytes: Uint8Array,
  flags = 0,
  receivedAt = Date.now(),
): Promise<number> {
  const r = await server.services.store.appendRaw(accountId, {
    mailboxIds: [mailboxId],
    bytes,
    keywords: { flags, keywords: [] },
    receivedAt,
  })
  return r.placements[0]?.uid ?? 0
}

const jan = (d: number, h = 10) => Date.UTC(2023, 0, d, h)

/**
 * Six messages at UIDs 3..8 (two expunged first). Sequence numbers: 1 Alice→Bob "Hello world"
 * \Seen; 2 Bob→Alice Cc Carol "Re: Hello world"; 3 Carol→Dave "Café menu" dated 00:30 +0100;
 * 4 Dave→Alice "Big report" 3000 bytes; 5 Alice→Bob "Re: Re: Hello world" \Seen; 6 "Zed"
 * <aaron@>→"Bea" <carol@> "Another topic", dated before all others but received last.
 */
let sortBox = 0
async function createSortFixture(): Promise<void> {
  const { store } = server.services
  const box = await store.createMailbox(accountId, 'Sorting')
  sortBox = box.id
  for (let i = 0; i < 2; i++) await append(box.id, mail(['Subject: gone'], 'gone'), deleted)
  await store.expunge(accountId, box.id)
  const messages: [string[], string, number][] = [
    [
      [
        'From: Alice <alice@example.test>',
        'To: Bob <bob@example.test>',
        'Subject: Hello world',
        'Date: Mon, 02 Jan 2023 10:00:00 +0000',
        'Message-ID: <a1@example.test>',
      ],
      'first',
      seen,
    ],
    [
      [
        'From: Bob <bob@example.test>',
        'To: Alice <alice@example.test>',
        'Cc: Carol <carol@example.test>',
        'Subject: Re: Hello world',
        'Date: Tue, 03 Jan 2023 09:00:00 +0000',
        'Message-ID: <b2@example.test>',
        'References: <a1@example.test>',
      ],
      'second',
      0,
    ],
    [
      [
        'From: Carol <carol@example.test>',
        'To: Dave <dave@example.test>',
        'Subject: =?UTF-8?Q?Caf=C3=A9_menu?=',
        'Date: Wed, 04 Jan 2023 00:30:00 +0100',
        'Message-ID: <c3@example.test>',
      ],
      'third',
      0,
    ],
    [
      [
        'From: Dave <dave@example.test>',
        'To: Alice <alice@example.test>',
        'Subject: Big report',
        'Date: Thu, 05 Jan 2023 10:00:00 +0000',
        'Message-ID: <d4@example.test>',
      ],
      'x'.repeat(3000),
      0,
    ],
    [
      [
        'From: Alice <alice@example.test>',
        'To: Bob <bob@example.test>',
        'Subject: Re: Re: Hello world',
        'Date: Fri, 06 Jan 2023 10:00:00 +0000',
        'Message-ID: <e5@example.test>',
        'In-Reply-To: <b2@example.test>',
        'References: <a1@example.test> <b2@example.test>',
      ],
      'fifth',
      seen,
    ],
    [
      [
        'From: Zed <aaron@example.test>',
        'To: Bea <carol@example.test>',
        'Subject: Another topic',
        'Date: Sun, 01 Jan 2023 10:00:00 +0000',
        'Message-ID: <f6@example.test>',
      ],
      'sixth',
      0,
    ],
  ]
  for (const [i, [headers, body, flags]] of messages.entries()) {
    await append(box.id, mail(headers, body), flags, jan(i + 2))
  }
}

/**
 * Threads: 1 "Plan"; 2 and 3 answer 1; 4 answers 2; 5 and 6 answer a message that is not here
 * (one dummy parent); 7 is alone.
 */
async function createThreadFixture(): Promise<void> {
  const box = await server.services.store.createMailbox(accountId, 'Threads')
  const messages: [string, string, string][] = [
    ['p', 'Plan', ''],
    ['r1', 'Re: Plan', '<p@x.test>'],
    ['r2', 'Re: Plan', '<p@x.test>'],
    ['r3', 'Re: Plan', '<p@x.test> <r1@x.test>'],
    ['o1', 'Re: Orphan', '<missing@x.test>'],
    ['o2', 'Re: Orphan', '<missing@x.test>'],
    ['z', 'Unrelated', ''],
  ]
  for (const [i, [id, subject, refs]] of messages.entries()) {
    const headers = [
      'From: x@x.test',
      `Subject: ${subject}`,
      `Date: ${new Date(jan(i + 1)).toUTCString().replace('GMT', '+0000')}`,
      `Message-ID: <${id}@x.test>`,
    ]
    if (refs) headers.push(`References: ${refs}`)
    await append(box.id, mail(headers, id), 0, jan(i + 1))
  }
}

beforeAll(async () => {
  server = await startTestServer({ env: { POSTERN_IMAP_ALLOW_PLAINTEXT_LOGIN: 'true' } })
  server.services.directory.domains.add('example.test')
  const a = await server.services.directory.accounts.add({ email: user, password })
  accountId = a.id
  await server.services.store.ensureAccount(a.id)
  await createSortFixture()
  await createThreadFixture()
})
afterAll(async () => {
  await server.close()
})

async function session(select: string, enable?: string): Promise<ImapClient> {
  const c = await ImapClient.login(server.port('imap'), user, password)
  if (enable) expect((await c.command(`ENABLE ${enable}`)).done).toBe('OK ENABLE completed')
  expect((await c.command(`SELECT ${select}`)).done).toBe('OK [READ-WRITE] SELECT completed')
  return c
}

/** Sends a command and returns its reply together with the tag it went with. */
async function tagged(c: ImapClient, command: string) {
  const tag = c.nextTag()
  c.send(`${tag} ${command}\r\n`)
  return { tag, ...(await c.until(tag)) }
}

describe('SORT (sequence numbers 1-6 are UIDs 3-8)', () => {
  let c: ImapClient
  beforeAll(async () => {
    c = await session('Sorting')
  })
  afterAll(() => c.close())

  test.each([
    ['(ARRIVAL)', '1 2 3 4 5 6'],
    ['(REVERSE ARRIVAL)', '6 5 4 3 2 1'],
    ['(DATE)', '6 1 2 3 4 5'],
    ['(REVERSE DATE)', '5 4 3 2 1 6'],
    ['(SUBJECT)', '6 4 3 1 2 5'],
    // REVERSE turns one key around; ties stay in mailbox order.
    ['(REVERSE SUBJECT)', '1 2 5 3 4 6'],
    ['(FROM)', '6 1 5 2 3 4'],
    ['(FROM REVERSE SIZE)', '6 5 1 2 3 4'],
    ['(FROM DATE)', '6 1 5 2 3 4'],
    ['(REVERSE FROM REVERSE DATE)', '4 3 2 5 1 6'],
    ['(TO)', '2 4 1 5 6 3'],
    ['(CC)', '1 3 4 5 6 2'],
    ['(REVERSE CC)', '2 1 3 4 5 6'],
    ['(DISPLAYFROM)', '1 5 2 3 4 6'],
    ['(DISPLAYTO)', '2 4 6 1 5 3'],
    ['(SUBJECT REVERSE DATE)', '6 4 3 5 2 1'],
  ])('SORT %s UTF-8 ALL', async (criteria, expected) => {
    expect(await c.command(`SORT ${criteria} UTF-8 ALL`)).toEqual({
      untagged: [`* SORT ${expected}`],
      done: 'OK SORT completed',
    })
  })

  test('SIZE sorts by RFC822.SIZE, ties in mailbox order', async () => {
    const sizes = server.services.store.mailboxMessages(sortBox).map((m, i) => ({ seq: i + 1, size: m.size }))
    const expected = [...sizes].sort((a, b) => a.size - b.size || a.seq - b.seq).map((m) => m.seq)
    expect((await c.command('SORT (SIZE) UTF-8 ALL')).untagged).toEqual([`* SORT ${expected.join(' ')}`])
    expect(expected.at(-1)).toBe(4)
  })

  test('UID SORT answers UIDs; search criteria and CHARSET narrow it', async () => {
    expect(await c.command('UID SORT (SUBJECT) UTF-8 ALL')).toEqual({
      untagged: ['* SORT 8 6 5 3 4 7'],
      done: 'OK UID SORT completed',
    })
    expect((await c.command('SORT (DATE) UTF-8 FROM alice')).untagged).toEqual(['* SORT 1 5'])
    expect((await c.command('SORT (REVERSE ARRIVAL) US-ASCII SEEN')).untagged).toEqual(['* SORT 5 1'])
    expect((await c.command('UID SORT (REVERSE ARRIVAL) UTF-8 OR SEEN 3:4')).untagged).toEqual([
      '* SORT 7 6 5 3',
    ])
    expect((await c.command('SORT (DATE) ISO-8859-1 SUBJECT {4+}\r\ncaf\xe9')).untagged).toEqual(['* SORT 3'])
    expect((await c.command('SORT (DATE) UTF-8 SUBJECT nothing-like-this')).untagged).toEqual(['* SORT'])
    expect(await c.command('SORT (DATE) X-NONE ALL')).toEqual({
      untagged: [],
      done: 'NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset X-NONE',
    })
  })

  test('syntax errors are BAD: an unknown key, SAVE, no criteria', async () => {
    expect((await c.command('SORT (COLOR) UTF-8 ALL')).done).toStartWith('BAD ')
    expect((await c.command('SORT RETURN (SAVE) (DATE) UTF-8 ALL')).done).toStartWith('BAD ')
    expect((await c.command('SORT (DATE) UTF-8')).done).toStartWith('BAD ')
  })

  test('ESORT: MIN and MAX are first and last in sort order, ALL keeps that order', async () => {
    let r = await tagged(c, 'SORT RETURN (MIN MAX COUNT ALL) (SUBJECT) UTF-8 ALL')
    expect(r.untagged).toEqual([`* ESEARCH (TAG "${r.tag}") MIN 6 MAX 5 COUNT 6 ALL 6,4,3,1:2,5`])
    expect(r.done).toBe('OK SORT completed')
    r = await tagged(c, 'UID SORT RETURN (ALL) (REVERSE ARRIVAL) UTF-8 ALL')
    expect(r.untagged).toEqual([`* ESEARCH (TAG "${r.tag}") UID ALL 8,7,6,5,4,3`])
    expect(r.done).toBe('OK UID SORT completed')
    r = await tagged(c, 'SORT RETURN () (DATE) UTF-8 ALL')
    expect(r.untagged).toEqual([`* ESEARCH (TAG "${r.tag}") ALL 6,1:5`])
    r = await tagged(c, 'UID SORT RETURN (MIN MAX) (DATE) UTF-8 NOT SEEN')
    expect(r.untagged).toEqual([`* ESEARCH (TAG "${r.tag}") UID MIN 8 MAX 6`])
    r = await tagged(c, 'SORT RETURN (COUNT) (DATE) UTF-8 DRAFT')
    expect(r.untagged).toEqual([`* ESEARCH (TAG "${r.tag}") COUNT 0`])
    r = await tagged(c, 'SORT RETURN (MIN ALL) (DATE) UTF-8 DRAFT')
    expect(r.untagged).toEqual([`* ESEARCH (TAG "${r.tag}")`])
  })
})

describe('SORT with MODSEQ and IMAP4rev2', () => {
  test('MODSEQ turns CONDSTORE on and adds (MODSEQ n); ESORT gives MODSEQ of what it returns', async () => {
    const c = await session('Sorting')
    const messages = server.services.store.mailboxMessages(sortBox)
    const highest = Math.max(...messages.map((m) => m.modseq))
    const known = server.services.store.getMailbox(accountId, sortBox).highestModseq
    expect(await c.command('SORT (DATE) UTF-8 MODSEQ 1')).toEqual({
      untagged: [`* OK [HIGHESTMODSEQ ${known}] Highest`, `* SORT 6 1 2 3 4 5 (MODSEQ ${highest})`],
      done: 'OK SORT completed',
    })
    const r = await tagged(c, 'SORT RETURN (MIN) (DATE) UTF-8 MODSEQ 1')
    expect(r.untagged).toEqual([`* ESEARCH (TAG "${r.tag}") MIN 6 MODSEQ ${messages[5]?.modseq}`])
    expect((await c.command(`SORT (DATE) UTF-8 MODSEQ ${known + 1}`)).untagged).toEqual(['* SORT'])
    c.close()
  })

  test('SORT answers SORT even with IMAP4rev2 enabled', async () => {
    const c = await session('Sorting', 'IMAP4rev2')
    expect((await c.command('SORT (DATE) UTF-8 ALL')).untagged).toEqual(['* SORT 6 1 2 3 4 5'])
    c.close()
  })
})

describe('THREAD', () => {
  test('REFERENCES and ORDEREDSUBJECT over sequence numbers and UIDs', async () => {
    const c = await session('Sorting')
    expect(await c.command('THREAD REFERENCES UTF-8 ALL')).toEqual({
      untagged: ['* THREAD (6)(1 2 5)(3)(4)'],
      done: 'OK THREAD completed',
    })
    expect(await c.command('UID THREAD REFERENCES UTF-8 ALL')).toEqual({
      untagged: ['* THREAD (8)(3 4 7)(5)(6)'],
      done: 'OK UID THREAD completed',
    })
    expect((await c.command('THREAD ORDEREDSUBJECT UTF-8 ALL')).untagged).toEqual([
      '* THREAD (6)(1 (2)(5))(3)(4)',
    ])
    expect((await c.command('UID THREAD ORDEREDSUBJECT UTF-8 ALL')).untagged).toEqual([
      '* THREAD (8)(3 (4)(7))(5)(6)',
    ])
    expect((await c.command('THREAD REFERENCES UTF-8 SUBJECT hello NOT 2')).untagged).toEqual([
      '* THREAD (1 5)',
    ])
    expect((await c.command('THREAD REFERENCES UTF-8 DRAFT')).untagged).toEqual(['* THREAD'])
    expect((await c.command('THREAD REFERENCES ISO-8859-1 SUBJECT {4+}\r\ncaf\xe9')).untagged).toEqual([
      '* THREAD (3)',
    ])
    expect(await c.command('THREAD REFERENCES X-NONE ALL')).toEqual({
      untagged: [],
      done: 'NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset X-NONE',
    })
    expect(await c.command('THREAD FANCY UTF-8 ALL')).toEqual({
      untagged: [],
      done: 'BAD Unsupported thread algorithm FANCY',
    })
    c.close()
  })

  test('branches and a missing parent', async () => {
    const c = await session('Threads')
    expect((await c.command('THREAD REFERENCES UTF-8 ALL')).untagged).toEqual([
      '* THREAD (1 (2 4)(3))((5)(6))(7)',
    ])
    // A parent with one child is written flat: thread-nested needs two lists (rfc5256#section-5).
    expect((await c.command('THREAD ORDEREDSUBJECT UTF-8 ALL')).untagged).toEqual([
      '* THREAD (1 (2)(3)(4))(5 6)(7)',
    ])
    c.close()
  })
})

describe('SORT and THREAD while an expunge is unreported', () => {
  test('the expunged message is left out and numbers do not move until a UID command', async () => {
    const box = await server.services.store.createMailbox(accountId, 'Shrinking')
    const uids: number[] = []
    for (const [i, s] of ['b', 'a', 'c'].entries()) {
      uids.push(await append(box.id, mail([`Subject: ${s}`, `Message-ID: <${s}@s.test>`], s), 0, jan(i + 1)))
    }
    const a = await session('Shrinking')
    const b = await session('Shrinking')
    await b.command('STORE 2 +FLAGS.SILENT (\\Deleted)')
    expect((await b.command('EXPUNGE')).untagged).toEqual(['* 2 EXPUNGE'])
    b.close()
    expect(await a.command('SORT (SUBJECT) UTF-8 ALL')).toEqual({
      untagged: ['* SORT 1 3'],
      done: 'OK SORT completed',
    })
    expect(await a.command('THREAD ORDEREDSUBJECT UTF-8 ALL')).toEqual({
      untagged: ['* THREAD (1)(3)'],
      done: 'OK THREAD completed',
    })
    expect(await a.command('UID SORT (REVERSE SUBJECT) UTF-8 ALL')).toEqual({
      untagged: [`* SORT ${uids[2]} ${uids[0]}`, '* 2 EXPUNGE'],
      done: 'OK UID SORT completed',
    })
    expect((await a.command('SORT (SUBJECT) UTF-8 ALL')).untagged).toEqual(['* SORT 1 2'])
    a.close()
  })
})
