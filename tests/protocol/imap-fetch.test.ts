// IMAP FETCH over real sockets, asserting exact bytes: every data item, body sections of a
// hand-made multipart message with a nested message/rfc822, partials, BINARY on base64 and
// quoted-printable parts, the \Seen side effect (not with PEEK, not under EXAMINE),
// CHANGEDSINCE/VANISHED, MODSEQ, EMAILID/THREADID, PREVIEW, a 5 MB message, 2,000 messages at
// once, and the error cases.
import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { formatObjectId } from '../../src/store/object-ids.ts'
import { ImapClient } from '../helpers/imap-client.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

let server: TestServer
let accountId = 0
let inboxId = 0
const user = 'alice@example.test'
const password = 'alice-password'
const received = Date.UTC(2023, 0, 2, 10, 0, 0)
const seen = 1

const simple = [
  'From: Alice <alice@example.test>',
  'To: bob@example.test',
  'Subject: simple',
  'Date: Mon, 02 Jan 2023 10:00:00 +0000',
  'Message-ID: <s1@example.test>',
  '',
  'Hello world',
  '',
].join('\r\n')

const nested = [
  'From: Carol <carol@example.test>',
  'Subject: inner',
  'MIME-Version: 1.0',
  'Content-Type: multipart/alternative; boundary="inner"',
  '',
  '--inner',
  'Content-Type: text/plain',
  '',
  'inner plain',
  '--inner',
  'Content-Type: text/html',
  '',
  '<p>inner html</p>',
  '--inner--',
  '',
].join('\r\n')

const binaryBytes = Buffer.from([0, 1, 2, 0, 255, 0x41])

const multi = [
  'From: Alice <alice@example.test>',
  'To: bob@example.test',
  'Subject: multi',
  'Date: Mon, 02 Jan 2023 10:00:00 +0000',
  'Message-ID: <m1@example.test>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="outer"',
  '',
  'preamble',
  '--outer',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Caf=C3=A9 au lait=',
  ' soft break',
  '--outer',
  'Content-Type: application/octet-stream',
  'Content-Transfer-Encoding: base64',
  '',
  binaryBytes.toString('base64'),
  '--outer',
  'Content-Type: message/rfc822',
  '',
  nested,
  '--outer',
  'Content-Type: text/plain',
  'Content-Transfer-Encoding: x-uuencode',
  '',
  'begin 644 x',
  '--outer--',
  '',
].join('\r\n')

function plain(subject: string, body = 'body text'): string {
  return `From: x@example.test\r\nSubject: ${subject}\r\n\r\n${body}\r\n`
}

/** A 5 MB message of numbered lines. */
const big = (() => {
  const lines = ['From: big@example.test', 'Subject: big', '']
  let size = 0
  for (let i = 0; size < 5 * 1024 * 1024; i++) {
    const line = `line ${String(i).padStart(8, '0')} ${'x'.repeat(60)}`
    lines.push(line)
    size += line.length + 2
  }
  return `${lines.join('\r\n')}\r\n`
})()

async function deliver(mailboxId: number, text: string, flags = 0) {
  return server.services.store.appendRaw(accountId, {
    mailboxIds: [mailboxId],
    bytes: Buffer.from(text, 'latin1'),
    keywords: { flags, keywords: [] },
    receivedAt: received,
  })
}

async function mailbox(name: string): Promise<number> {
  await server.services.store.createMailbox(accountId, name)
  return server.services.store.findMailbox(accountId, name)?.id ?? 0
}

function lit(s: string): string {
  return `{${Buffer.byteLength(s, 'latin1')}}\r\n${s}`
}

async function login(): Promise<ImapClient> {
  return ImapClient.login(server.port('imap'), user, password)
}

async function selected(box = 'INBOX', command = 'SELECT'): Promise<ImapClient> {
  const c = await login()
  const r = await c.command(`${command} ${box}`)
  if (!r.done.startsWith('OK')) throw new Error(r.done)
  return c
}

function uidsOf(mailboxId: number): number[] {
  return server.services.store.mailboxMessages(mailboxId).map((m) => m.uid)
}

beforeAll(async () => {
  server = await startTestServer({ env: { POSTERN_IMAP_ALLOW_PLAINTEXT_LOGIN: 'true' } })
  server.services.directory.domains.add('example.test')
  const a = await server.services.directory.accounts.add({ email: user, password })
  accountId = a.id
  await server.services.store.ensureAccount(accountId)
  inboxId = server.services.store.findMailboxByRole(accountId, 'inbox')?.id ?? 0
  await deliver(inboxId, simple, seen) // 1
  await deliver(inboxId, multi, seen) // 2
  await deliver(inboxId, plain('unseen one', 'first unseen'), 0) // 3
  await deliver(inboxId, plain('unseen two', 'second unseen'), 0) // 4
  await deliver(inboxId, big, seen) // 5
}, 60_000)

afterAll(async () => {
  await server.close()
})

describe('message attributes', () => {
  test('ENVELOPE, BODYSTRUCTURE, BODY, INTERNALDATE, RFC822.SIZE, FLAGS, UID in the order asked', async () => {
    const c = await selected()
    const [uid] = uidsOf(inboxId)
    const r = await c.command('FETCH 1 (FLAGS UID RFC822.SIZE INTERNALDATE ENVELOPE BODY BODYSTRUCTURE)')
    expect(r.untagged).toEqual([
      `* 1 FETCH (FLAGS (\\Seen) UID ${uid} RFC822.SIZE ${simple.length} INTERNALDATE "02-Jan-2023 10:00:00 +0000" ` +
        'ENVELOPE ("Mon, 02 Jan 2023 10:00:00 +0000" "simple" (("Alice" NIL "alice" "example.test")) ' +
        '(("Alice" NIL "alice" "example.test")) (("Alice" NIL "alice" "example.test")) ' +
        '((NIL NIL "bob" "example.test")) NIL NIL NIL "<s1@example.test>") ' +
        'BODY ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 13 1) ' +
        'BODYSTRUCTURE ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 13 1 NIL NIL NIL NIL))',
    ])
    expect(r.done).toBe('OK FETCH completed')
    c.close()
  })

  test('macros FAST and ALL; duplicates are answered as asked', async () => {
    const c = await selected()
    expect((await c.command('FETCH 1 FAST')).untagged).toEqual([
      `* 1 FETCH (FLAGS (\\Seen) INTERNALDATE "02-Jan-2023 10:00:00 +0000" RFC822.SIZE ${simple.length})`,
    ])
    const all = await c.command('FETCH 1 ALL')
    expect(all.untagged[0]).toStartWith(
      `* 1 FETCH (FLAGS (\\Seen) INTERNALDATE "02-Jan-2023 10:00:00 +0000" RFC822.SIZE ${simple.length} ENVELOPE (`,
    )
    expect((await c.command('FETCH 1 (RFC822.SIZE RFC822.SIZE)')).untagged).toEqual([
      `* 1 FETCH (RFC822.SIZE ${simple.length} RFC822.SIZE ${simple.length})`,
    ])
    c.close()
  })

  test('RFC822, RFC822.HEADER, RFC822.TEXT', async () => {
    const c = await selected()
    const header = simple.slice(0, simple.indexOf('\r\n\r\n') + 4)
    const r = await c.command('FETCH 1 (RFC822.HEADER RFC822.TEXT RFC822)')
    expect(r.untagged).toEqual([
      `* 1 FETCH (RFC822.HEADER ${lit(header)} RFC822.TEXT ${lit('Hello world\r\n')} RFC822 ${lit(simple)})`,
    ])
    c.close()
  })

  test('MODSEQ, EMAILID, THREADID; fetching MODSEQ turns CONDSTORE on, so FLAGS then come with MODSEQ', async () => {
    const c = await selected()
    const [m] = server.services.store.mailboxMessages(inboxId)
    if (!m) throw new Error('no message')
    expect((await c.command('FETCH 1 (FLAGS)')).untagged).toEqual(['* 1 FETCH (FLAGS (\\Seen))'])
    expect((await c.command('FETCH 1 (MODSEQ EMAILID THREADID)')).untagged).toEqual([
      `* 1 FETCH (MODSEQ (${m.modseq}) EMAILID (${formatObjectId('email', m.emailId)}) THREADID (${formatObjectId('thread', m.threadId)}))`,
    ])
    expect((await c.command('FETCH 1 (FLAGS)')).untagged).toEqual([
      `* 1 FETCH (FLAGS (\\Seen) MODSEQ (${m.modseq}))`,
    ])
    c.close()
  })

  test('PREVIEW and PREVIEW (LAZY)', async () => {
    const c = await selected()
    expect((await c.command('FETCH 1:2 (PREVIEW)')).untagged).toEqual([
      '* 1 FETCH (PREVIEW "Hello world")',
      // 8-bit text is a literal unless UTF-8 is allowed in quoted strings
      `* 2 FETCH (PREVIEW ${lit('Caf\u00c3\u00a9 au lait soft break begin 644 x')})`,
    ])
    expect((await c.command('FETCH 1 (PREVIEW (LAZY) UID)')).untagged[0]).toMatch(
      /^\* 1 FETCH \(PREVIEW "Hello world" UID \d+\)$/,
    )
    c.close()
  })

  test('with IMAP4rev2 enabled, UTF-8 goes in quoted strings', async () => {
    const c = await login()
    await c.command('ENABLE IMAP4rev2')
    await c.command('SELECT INBOX')
    expect((await c.command('FETCH 2 (PREVIEW)')).untagged).toEqual([
      '* 2 FETCH (PREVIEW "Caf\u00c3\u00a9 au lait soft break begin 644 x")',
    ])
    c.close()
  })
})

describe('stored ENVELOPE and BODYSTRUCTURE bytes', () => {
  const utf8 = (text: string) => Buffer.from(text, 'utf8').toString('latin1')
  // Raw 8-bit UTF-8, no encoded words (rfc6532): the subject is text for humans, which goes out
  // as a literal either way (as Dovecot sends it); the address's local part is quoted under UTF-8.
  const subject = utf8('Grüße')
  const local = utf8('jörg')
  const address = (mailbox: string) => `((NIL NIL ${mailbox} "example.test"))`

  test('raw UTF-8 header text: a literal without UTF-8, a quoted string with UTF8=ACCEPT', async () => {
    const box = await mailbox('Raw8bit')
    await deliver(box, `From: ${local}@example.test\r\nSubject: ${subject}\r\n\r\nbody\r\n`)
    const rev1 = await selected('Raw8bit')
    const literal = address(lit(local))
    expect((await rev1.command('FETCH 1 (ENVELOPE)')).untagged).toEqual([
      `* 1 FETCH (ENVELOPE (NIL ${lit(subject)} ${literal} ${literal} ${literal} NIL NIL NIL NIL NIL))`,
    ])
    rev1.close()
    const c = await login()
    await c.command('ENABLE UTF8=ACCEPT')
    await c.command('SELECT Raw8bit')
    const quoted = address(`"${local}"`)
    expect((await c.command('FETCH 1 (ENVELOPE)')).untagged).toEqual([
      `* 1 FETCH (ENVELOPE (NIL ${lit(subject)} ${quoted} ${quoted} ${quoted} NIL NIL NIL NIL NIL))`,
    ])
    c.close()
  })

  test('rows stored before the wire columns are formatted from their JSON trees', async () => {
    const box = await mailbox('Legacy')
    const { emailId } = await deliver(box, plain('legacy row'))
    const c = await selected('Legacy')
    const before = (await c.command('FETCH 1 (ENVELOPE BODYSTRUCTURE BODY)')).untagged
    const sqlite = new Database(join(server.dataDir, 'postern.sqlite'))
    sqlite.exec('PRAGMA busy_timeout = 5000')
    sqlite
      .query(
        `UPDATE email_facts SET envelope = ?, bodystructure = ?, body = ?,
           imap_envelope = NULL, imap_bodystructure = NULL, imap_body = NULL WHERE email_id = ?`,
      )
      .run(
        JSON.stringify([
          null,
          'legacy row',
          [[null, null, 'x', 'example.test']],
          [[null, null, 'x', 'example.test']],
          [[null, null, 'x', 'example.test']],
          null,
          null,
          null,
          null,
          null,
        ]),
        JSON.stringify([
          'text',
          'plain',
          ['charset', 'us-ascii'],
          null,
          null,
          '7bit',
          11,
          1,
          null,
          null,
          null,
          null,
        ]),
        JSON.stringify(['text', 'plain', ['charset', 'us-ascii'], null, null, '7bit', 11, 1]),
        emailId,
      )
    sqlite.close()
    expect((await c.command('FETCH 1 (ENVELOPE BODYSTRUCTURE BODY)')).untagged).toEqual(before)
    c.close()
  })
})

describe('body sections', () => {
  const part1 = 'Caf=C3=A9 au lait=\r\n soft break'
  const part1Mime =
    'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
  const nestedHeader = nested.slice(0, nested.indexOf('\r\n\r\n') + 4)
  const nestedText = nested.slice(nested.indexOf('\r\n\r\n') + 4)

  test('whole message, HEADER, TEXT, HEADER.FIELDS, HEADER.FIELDS.NOT', async () => {
    const c = await selected()
    const header = multi.slice(0, multi.indexOf('\r\n\r\n') + 4)
    const text = multi.slice(multi.indexOf('\r\n\r\n') + 4)
    const r = await c.command(
      'FETCH 2 (BODY.PEEK[] BODY.PEEK[HEADER] BODY.PEEK[TEXT] BODY.PEEK[HEADER.FIELDS (from SUBJECT)] ' +
        'BODY.PEEK[HEADER.FIELDS.NOT (From Subject Date Message-ID MIME-Version Content-Type)])',
    )
    expect(r.untagged).toEqual([
      `* 2 FETCH (BODY[] ${lit(multi)} BODY[HEADER] ${lit(header)} BODY[TEXT] ${lit(text)} ` +
        `BODY[HEADER.FIELDS (from SUBJECT)] ${lit('From: Alice <alice@example.test>\r\nSubject: multi\r\n\r\n')} ` +
        `BODY[HEADER.FIELDS.NOT (From Subject Date Message-ID MIME-Version Content-Type)] ${lit('To: bob@example.test\r\n\r\n')})`,
    ])
    c.close()
  })

  test('part numbers, MIME, nested message/rfc822 parts and their HEADER, TEXT and sub-parts', async () => {
    const c = await selected()
    const r = await c.command(
      'FETCH 2 (BODY[1] BODY[1.MIME] BODY[3] BODY[3.HEADER] BODY[3.TEXT] BODY[3.HEADER.FIELDS (SUBJECT)] ' +
        'BODY[3.1] BODY[3.2] BODY[3.2.MIME])',
    )
    expect(r.untagged).toEqual([
      `* 2 FETCH (BODY[1] ${lit(part1)} BODY[1.MIME] ${lit(part1Mime)} BODY[3] ${lit(nested)} ` +
        `BODY[3.HEADER] ${lit(nestedHeader)} BODY[3.TEXT] ${lit(nestedText)} ` +
        `BODY[3.HEADER.FIELDS (SUBJECT)] ${lit('Subject: inner\r\n\r\n')} BODY[3.1] ${lit('inner plain')} ` +
        `BODY[3.2] ${lit('<p>inner html</p>')} BODY[3.2.MIME] ${lit('Content-Type: text/html\r\n\r\n')})`,
    ])
    c.close()
  })

  test('a single-part message has part 1; a part that does not exist is an empty string', async () => {
    const c = await selected()
    expect((await c.command('FETCH 1 (BODY.PEEK[1] BODY.PEEK[2] BODY.PEEK[1.5])')).untagged).toEqual([
      `* 1 FETCH (BODY[1] ${lit('Hello world\r\n')} BODY[2] {0}\r\n BODY[1.5] {0}\r\n)`,
    ])
    // HEADER and TEXT name messages; of another part they are empty (as Dovecot answers).
    expect(
      (await c.command('FETCH 2 (BODY.PEEK[1.HEADER] BODY.PEEK[1.TEXT] BODY.PEEK[9])')).untagged,
    ).toEqual(['* 2 FETCH (BODY[1.HEADER] {0}\r\n BODY[1.TEXT] {0}\r\n BODY[9] {0}\r\n)'])
    c.close()
  })

  test('partials: the origin is echoed, a range past the end is empty, a short tail is cut', async () => {
    const c = await selected()
    const r = await c.command(
      'FETCH 2 (BODY.PEEK[]<0.10> BODY.PEEK[1]<4.5> BODY.PEEK[1]<30.100> BODY.PEEK[]<100000.10>)',
    )
    expect(r.untagged).toEqual([
      `* 2 FETCH (BODY[]<0> ${lit(multi.slice(0, 10))} BODY[1]<4> ${lit(part1.slice(4, 9))} ` +
        `BODY[1]<30> ${lit(part1.slice(30))} BODY[]<100000> {0}\r\n)`,
    ])
    c.close()
  })

  test('BINARY decodes quoted-printable and base64 (literal8 with NUL), BINARY.SIZE, partial BINARY', async () => {
    const c = await selected()
    const decoded = Buffer.from('Café au lait soft break', 'utf8').toString('latin1')
    const r = await c.command(
      'FETCH 2 (BINARY.PEEK[1] BINARY.SIZE[1] BINARY.PEEK[2] BINARY.SIZE[2] BINARY.PEEK[3.1] BINARY.PEEK[1]<3.2>)',
    )
    expect(r.untagged).toEqual([
      `* 2 FETCH (BINARY[1] ${lit(decoded)} BINARY.SIZE[1] ${Buffer.byteLength(decoded, 'latin1')} ` +
        `BINARY[2] ~{6}\r\n${binaryBytes.toString('latin1')} BINARY.SIZE[2] 6 BINARY[3.1] ${lit('inner plain')} ` +
        `BINARY[1]<3> ${lit('\u00c3\u00a9')})`,
    ])
    expect(r.done).toBe('OK FETCH completed')
    c.close()
  })

  test('NUL in a body section goes out as 0x80; BINARY drops quoted-printable trailing blanks', async () => {
    const box = await mailbox('Odd')
    const body = 'trailing  \r\nnul\0here=\t\r\n end\r\n'
    await deliver(
      box,
      `Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${body}`,
    )
    const c = await selected('Odd')
    const decoded = 'trailing\r\nnul\0here end\r\n'
    expect((await c.command('FETCH 1 (BODY.PEEK[TEXT] BINARY.PEEK[1])')).untagged).toEqual([
      `* 1 FETCH (BODY[TEXT] ${lit(body.replace('\0', '\x80'))} BINARY[1] ~${lit(decoded)})`,
    ])
    c.close()
  })

  test('BINARY of a multipart or message/rfc822 part is refused; an unknown encoding is UNKNOWN-CTE', async () => {
    const c = await selected()
    expect((await c.command('FETCH 2 (BINARY.PEEK[3])')).done).toBe(
      'NO [CANNOT] BINARY is only for leaf parts, not multipart/* or message/rfc822 parts',
    )
    expect((await c.command('FETCH 2 (BINARY.SIZE[3.TEXT])')).done).toMatch(/^BAD /)
    expect((await c.command('FETCH 2 (BINARY.PEEK[4])')).done).toBe(
      'NO [UNKNOWN-CTE] Unknown Content-Transfer-Encoding x-uuencode',
    )
    c.close()
  })
})

describe('\\Seen', () => {
  test('BODY[] without PEEK sets \\Seen once and reports FLAGS; no echo before the tagged OK', async () => {
    const c = await selected()
    const r = await c.command('FETCH 3 (BODY[TEXT])')
    expect(r.untagged).toEqual([`* 3 FETCH (BODY[TEXT] ${lit('first unseen\r\n')} FLAGS (\\Seen))`])
    expect(r.done).toBe('OK FETCH completed')
    expect((await c.command('NOOP')).untagged).toEqual([])
    expect((await c.command('FETCH 3 (BODY[TEXT])')).untagged).toEqual([
      `* 3 FETCH (BODY[TEXT] ${lit('first unseen\r\n')})`,
    ])
    const [, , third] = server.services.store.mailboxMessages(inboxId)
    expect((third?.flags ?? 0) & seen).toBe(seen)
    c.close()
  })

  test('not under EXAMINE, not with PEEK; BINARY sets it too, with MODSEQ once CONDSTORE is on', async () => {
    const ro = await selected('INBOX', 'EXAMINE')
    expect((await ro.command('FETCH 4 (BODY[TEXT] FLAGS)')).untagged).toEqual([
      `* 4 FETCH (BODY[TEXT] ${lit('second unseen\r\n')} FLAGS ())`,
    ])
    ro.close()
    const c = await login()
    await c.command('SELECT INBOX (CONDSTORE)')
    expect((await c.command('FETCH 4 (BODY.PEEK[TEXT] BINARY.PEEK[1])')).untagged).toEqual([
      `* 4 FETCH (BODY[TEXT] ${lit('second unseen\r\n')} BINARY[1] ${lit('second unseen\r\n')})`,
    ])
    const r = await c.command('FETCH 4 (BINARY[1])')
    const m = server.services.store.mailboxMessages(inboxId)[3]
    expect(r.untagged).toEqual([
      `* 4 FETCH (BINARY[1] ${lit('second unseen\r\n')} FLAGS (\\Seen) MODSEQ (${m?.modseq}))`,
    ])
    c.close()
  })
})

describe('large and many', () => {
  test('a 5 MB message whole and in parts', async () => {
    const c = await selected()
    const whole = await c.command('FETCH 5 (BODY.PEEK[])', 30_000)
    expect(whole.untagged).toHaveLength(1)
    expect(whole.untagged[0] === `* 5 FETCH (BODY[] ${lit(big)})`).toBe(true)
    const text = big.slice(big.indexOf('\r\n\r\n') + 4)
    const parts = await c.command(
      'FETCH 5 (BODY.PEEK[]<1000000.500> BODY.PEEK[TEXT]<5000000.100000> RFC822.SIZE)',
    )
    expect(parts.untagged).toEqual([
      `* 5 FETCH (BODY[]<1000000> ${lit(big.slice(1000000, 1000500))} BODY[TEXT]<5000000> ${lit(text.slice(5000000, 5100000))} RFC822.SIZE ${big.length})`,
    ])
    c.close()
  }, 60_000)

  test('FETCH 1:* (FLAGS ENVELOPE) of 2,000 messages completes quickly', async () => {
    const bulk = await mailbox('Bulk')
    for (let i = 0; i < 2000; i += 200) {
      await Promise.all(
        Array.from({ length: 200 }, (_, k) => deliver(bulk, plain(`bulk ${i + k}`), (i + k) % 2)),
      )
    }
    const c = await selected('Bulk')
    const started = performance.now()
    const r = await c.command('FETCH 1:* (FLAGS ENVELOPE)', 30_000)
    const elapsed = performance.now() - started
    console.log(`FETCH 1:* (FLAGS ENVELOPE) of 2,000 messages: ${elapsed.toFixed(0)} ms`)
    expect(r.done).toBe('OK FETCH completed')
    expect(r.untagged).toHaveLength(2000)
    expect(r.untagged[0]).toMatch(/^\* 1 FETCH \(FLAGS \((\\Seen)?\) ENVELOPE \(NIL "bulk \d+" /)
    expect(r.untagged[1999]).toStartWith('* 2000 FETCH (FLAGS (')
    expect(elapsed).toBeLessThan(3000)
    c.close()
  }, 120_000)
})

describe('CONDSTORE and QRESYNC', () => {
  test('CHANGEDSINCE returns only changed messages with MODSEQ; VANISHED (EARLIER) lists expunged UIDs', async () => {
    const { store } = server.services
    const box = await mailbox('Sync')
    for (let i = 1; i <= 5; i++) await deliver(box, plain(`sync ${i}`))
    const c = await login()
    await c.command('ENABLE QRESYNC')
    const sel = await c.command('SELECT Sync')
    const modseq = Number(/HIGHESTMODSEQ (\d+)/.exec(sel.untagged.join('\n'))?.[1])
    const uids = uidsOf(box)
    const [u1, u2, , u4] = uids as [number, number, number, number, number]
    await store.setKeywordsByUid(accountId, box, [u2], 'add', { flags: 2, keywords: [] })
    await store.removeFromMailbox(accountId, box, [u4])
    const m2 = store.mailboxMessagesByUid(box, [u2])[0]
    const r = await c.command(`UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${modseq} VANISHED)`)
    expect(r.untagged).toEqual([
      `* VANISHED (EARLIER) ${u4}`,
      `* 2 FETCH (UID ${u2} FLAGS (\\Flagged) MODSEQ (${m2?.modseq}))`,
      `* VANISHED ${u4}`,
    ])
    expect(r.done).toBe('OK UID FETCH completed')
    expect((await c.command(`FETCH 1:* (UID) (CHANGEDSINCE ${m2?.modseq})`)).untagged).toEqual([])
    expect((await c.command('FETCH 1 (UID) (CHANGEDSINCE 1)')).untagged).toEqual([
      `* 1 FETCH (UID ${u1} MODSEQ (${store.mailboxMessagesByUid(box, [u1])[0]?.modseq}))`,
    ])
    c.close()
  })

  test('VANISHED without QRESYNC, or without UID and CHANGEDSINCE, is BAD', async () => {
    const c = await selected()
    expect((await c.command('UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)')).done).toBe(
      'BAD [CLIENTBUG] VANISHED needs ENABLE QRESYNC first',
    )
    expect((await c.command('FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)')).done).toMatch(/^BAD /)
    c.close()
  })
})

describe('message sets and errors', () => {
  test('a sequence number past the end is BAD; a UID that does not exist is no answer; * is the last', async () => {
    const c = await selected()
    const uids = uidsOf(inboxId)
    expect((await c.command('FETCH 6 (UID)')).done).toBe('BAD Invalid message sequence number')
    expect((await c.command('FETCH 4:7 (UID)')).done).toBe('BAD Invalid message sequence number')
    expect(await c.command('UID FETCH 999999 (FLAGS)')).toEqual({
      untagged: [],
      done: 'OK UID FETCH completed',
    })
    expect((await c.command('FETCH * (UID)')).untagged).toEqual([`* 5 FETCH (UID ${uids[4]})`])
    expect((await c.command(`UID FETCH ${uids[3]}:* (UID)`)).untagged).toEqual([
      `* 4 FETCH (UID ${uids[3]})`,
      `* 5 FETCH (UID ${uids[4]})`,
    ])
    expect((await c.command('FETCH 2,1 (UID)')).untagged).toEqual([
      `* 1 FETCH (UID ${uids[0]})`,
      `* 2 FETCH (UID ${uids[1]})`,
    ])
    // `$` with no saved SEARCH result names nothing.
    expect(await c.command('FETCH $ (UID)')).toEqual({ untagged: [], done: 'OK FETCH completed' })
    c.close()
  })

  test('any sequence number in an empty mailbox is BAD; UID FETCH 1:* there is OK', async () => {
    await mailbox('Empty')
    const c = await selected('Empty')
    expect((await c.command('FETCH 1:* (FLAGS)')).done).toBe('BAD Invalid message sequence number')
    expect(await c.command('UID FETCH 1:* (FLAGS)')).toEqual({ untagged: [], done: 'OK UID FETCH completed' })
    c.close()
  })

  test('a message expunged meanwhile: served while its email exists, NO [EXPUNGEISSUED] once it is gone', async () => {
    const { store } = server.services
    const box = await mailbox('Gone')
    const other = await mailbox('Elsewhere')
    for (let i = 1; i <= 3; i++) await deliver(box, plain(`gone ${i}`, `gone body ${i}`))
    const c = await selected('Gone')
    const [u1, u2, u3] = uidsOf(box) as [number, number, number]
    await store.move(accountId, box, [u2], other)
    expect((await c.command('FETCH 2 (UID BODY.PEEK[TEXT])')).untagged).toEqual([
      `* 2 FETCH (UID ${u2} BODY[TEXT] ${lit('gone body 2\r\n')})`,
    ])
    const emailId = store.mailboxMessagesByUid(box, [u3])[0]?.emailId ?? 0
    await store.destroyEmails(accountId, [emailId])
    const r = await c.command('FETCH 1:3 (UID)')
    expect(r.untagged).toEqual([`* 1 FETCH (UID ${u1})`, `* 2 FETCH (UID ${u2})`])
    expect(r.done).toBe('NO [EXPUNGEISSUED] Some messages were expunged and could not be fetched')
    // UID FETCH leaves it out and the expunges follow before the tagged OK.
    const u = await c.command('UID FETCH 1:* (UID)')
    expect(u.untagged).toEqual([
      `* 1 FETCH (UID ${u1})`,
      `* 2 FETCH (UID ${u2})`,
      '* 3 EXPUNGE',
      '* 2 EXPUNGE',
    ])
    expect(u.done).toBe('OK UID FETCH completed')
    c.close()
  })

  test('FETCH needs a selected mailbox', async () => {
    const c = await login()
    expect((await c.command('FETCH 1 (FLAGS)')).done).toMatch(/^BAD FETCH is not valid/)
    c.close()
  })
})
