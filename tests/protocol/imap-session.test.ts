// IMAP session basics over real sockets: greeting and capabilities, LOGINDISABLED until TLS,
// STARTTLS, LOGIN and AUTHENTICATE (SASL-IR, continuations), ENABLE, ID, NAMESPACE, SELECT and
// EXAMINE responses, QRESYNC resync, updates from elsewhere at NOOP and during IDLE, the
// expunge rules, and the limits on bad input.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/client.ts'
import { createWriter } from '../../src/db/writer.ts'
import { createEventBus } from '../../src/events/bus.ts'
import { compressSequenceSet } from '../../src/imap/proto/index.ts'
import { systemClock } from '../../src/lib/clock.ts'
import { createMailStore } from '../../src/store/index.ts'
import { ImapClient } from '../helpers/imap-client.ts'
import { b64 } from '../helpers/line-client.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

let server: TestServer
let strict: TestServer
let accountId = 0
let inboxId = 0

async function deliver(subject: string, flags = 0) {
  const bytes = new TextEncoder().encode(`From: x@example.test\r\nSubject: ${subject}\r\n\r\nbody\r\n`)
  return server.services.store.appendRaw(accountId, {
    mailboxIds: [inboxId],
    bytes,
    keywords: { flags, keywords: [] },
    receivedAt: Date.now(),
  })
}

beforeAll(async () => {
  server = await startTestServer({ env: { POSTERN_IMAP_ALLOW_PLAINTEXT_LOGIN: 'true' } })
  strict = await startTestServer()
  for (const s of [server, strict]) {
    s.services.directory.domains.add('example.test')
    const a = await s.services.directory.accounts.add({
      email: 'alice@example.test',
      password: 'alice-password',
    })
    await s.services.store.ensureAccount(a.id)
    if (s === server) {
      accountId = a.id
      inboxId = s.services.store.findMailboxByRole(a.id, 'inbox')?.id ?? 0
    }
  }
  for (let i = 1; i <= 3; i++) await deliver(`hello ${i}`, i === 1 ? 1 : 0)
})
afterAll(async () => {
  await server.close()
  await strict.close()
})

describe('before login', () => {
  test('greeting with capabilities; LOGINDISABLED and no AUTH= on a plain connection', async () => {
    const c = await ImapClient.connect(strict.port('imap'))
    expect(await c.line()).toBe(
      '* OK [CAPABILITY IMAP4rev1 IMAP4rev2 STARTTLS LOGINDISABLED SASL-IR LITERAL+ ID ENABLE UNAUTHENTICATE] mail.example.test Postern IMAP ready',
    )
    expect((await c.command('LOGIN alice@example.test alice-password')).done).toBe(
      'NO [PRIVACYREQUIRED] Log in after STARTTLS (or over port 993)',
    )
    expect((await c.command('STARTTLS')).done).toBe('OK Begin TLS negotiation now')
    await c.startTls()
    const caps = await c.command('CAPABILITY')
    expect(caps.untagged[0]).toBe(
      '* CAPABILITY IMAP4rev1 IMAP4rev2 AUTH=PLAIN AUTH=LOGIN SASL-IR LITERAL+ ID ENABLE UNAUTHENTICATE',
    )
    const login = await c.command('LOGIN alice@example.test alice-password')
    expect(login.done).toMatch(
      /^OK \[CAPABILITY IMAP4rev1 IMAP4rev2 SASL-IR LITERAL\+ ID ENABLE UNAUTHENTICATE IDLE NAMESPACE UNSELECT/,
    )
    expect(login.done).not.toContain('STARTTLS')
    c.close()
  })

  test('implicit TLS on imaps offers AUTH at once', async () => {
    const c = await ImapClient.connect(strict.port('imaps'), { tls: true })
    expect(await c.line()).toContain('AUTH=PLAIN AUTH=LOGIN')
    c.close()
  })

  test('AUTHENTICATE PLAIN with an initial response, and with a continuation; bad credentials; cancel', async () => {
    const c = await ImapClient.connect(server.port('imap'))
    await c.line()
    expect((await c.command(`AUTHENTICATE PLAIN ${b64('\0alice@example.test\0wrong')}`)).done).toBe(
      'NO [AUTHENTICATIONFAILED] Invalid credentials',
    )
    const tag = c.nextTag()
    c.send(`${tag} AUTHENTICATE PLAIN\r\n`)
    expect(await c.line()).toBe('+ ')
    c.send('*\r\n')
    expect((await c.until(tag)).done).toBe('BAD Authentication cancelled')
    const tag2 = c.nextTag()
    c.send(`${tag2} AUTHENTICATE PLAIN\r\n`)
    expect(await c.line()).toBe('+ ')
    c.send(`${b64('\0alice@example.test\0alice-password')}\r\n`)
    expect((await c.until(tag2)).done).toMatch(/^OK \[CAPABILITY .*\] Logged in$/)
    expect((await c.command('AUTHENTICATE PLAIN')).done).toBe(
      'BAD AUTHENTICATE is not valid in the authenticated state',
    )
    c.close()
  })

  test('commands before login are refused with BAD; too many bad commands end the session', async () => {
    const c = await ImapClient.connect(server.port('imap'))
    await c.line()
    expect((await c.command('SELECT INBOX')).done).toBe(
      'BAD SELECT is not valid in the notAuthenticated state',
    )
    for (let i = 0; i < 18; i++) await c.command('FROBNICATE')
    c.send('x FROBNICATE\r\n')
    expect(await c.line()).toMatch(/^x BAD /)
    expect(await c.line()).toBe('* BYE Too many invalid commands')
    await Bun.sleep(50)
    expect(c.closed).toBe(true)
  })
})

describe('after login', () => {
  test('ID, NAMESPACE, ENABLE', async () => {
    const c = await ImapClient.login(server.port('imap'), 'alice@example.test', 'alice-password')
    expect(await c.command('ID ("name" "test")')).toEqual({
      untagged: ['* ID ("name" "Postern" "version" "0.1.0")'],
      done: 'OK ID completed',
    })
    expect((await c.command('NAMESPACE')).untagged).toEqual(['* NAMESPACE (("" "/")) NIL NIL'])
    expect((await c.command('ENABLE IMAP4rev2 FOO')).untagged).toEqual(['* ENABLED IMAP4REV2'])
    expect((await c.command('ENABLE IMAP4rev2')).untagged).toEqual(['* ENABLED'])
    c.close()
  })

  test('SELECT answers counts, flags, UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ, MAILBOXID; EXAMINE is read-only', async () => {
    const c = await ImapClient.login(server.port('imap'), 'alice@example.test', 'alice-password')
    const box = server.services.store.getMailbox(accountId, inboxId)
    const sel = await c.command('SELECT INBOX')
    expect(sel.untagged).toEqual([
      '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $MDNSent $Junk $NotJunk $Phishing)',
      '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $MDNSent $Junk $NotJunk $Phishing \\*)] Flags permitted',
      `* ${box.totalEmails} EXISTS`,
      '* 0 RECENT',
      '* OK [UNSEEN 2] First unseen',
      `* OK [UIDVALIDITY ${box.uidValidity}] UIDs valid`,
      `* OK [UIDNEXT ${box.uidNext}] Predicted next UID`,
      `* OK [HIGHESTMODSEQ ${box.highestModseq}] Highest`,
      `* OK [MAILBOXID (M${inboxId.toString(36)})] Ok`,
    ])
    expect(sel.done).toBe('OK [READ-WRITE] SELECT completed')
    const ex = await c.command('EXAMINE inbox')
    expect(ex.done).toBe('OK [READ-ONLY] EXAMINE completed')
    expect(ex.untagged).toContain('* OK [PERMANENTFLAGS ()] Flags permitted')
    expect((await c.command('SELECT Nowhere')).done).toBe('NO [NONEXISTENT] Mailbox does not exist: Nowhere')
    // A failed SELECT leaves nothing selected.
    expect((await c.command('CLOSE')).done).toBe('BAD CLOSE is not valid in the authenticated state')
    c.close()
  })

  test('a new message shows up at NOOP as EXISTS, and \\Recent goes to the first session only', async () => {
    const a = await ImapClient.login(server.port('imap'), 'alice@example.test', 'alice-password')
    const b = await ImapClient.login(server.port('imap'), 'alice@example.test', 'alice-password')
    const exists = Number(/\* (\d+) EXISTS/.exec((await a.command('SELECT INBOX')).untagged.join('\n'))?.[1])
    await b.command('SELECT INBOX')
    await deliver('arrives')
    expect(await a.command('NOOP')).toEqual({
      untagged: [`* ${exists + 1} EXISTS`, '* 1 RECENT'],
      done: 'OK NOOP completed',
    })
    expect(await b.command('NOOP')).toEqual({
      untagged: [`* ${exists + 1} EXISTS`, '* 0 RECENT'],
      done: 'OK NOOP completed',
    })
    expect((await a.command('NOOP')).untagged).toEqual([])
    a.close()
    b.close()
  })

  test('a message another process stores (the CLI) shows up at NOOP within a second', async () => {
    const a = await ImapClient.login(server.port('imap'), 'alice@example.test', 'alice-password')
    const exists = Number(/\* (\d+) EXISTS/.exec((await a.command('SELECT INBOX')).untagged.join('\n'))?.[1])
    // Its own connection, writer and change feed: nothing of it reaches the server's sessions.
    const other = openDatabase(join(server.dataDir, 'postern.sqlite'))
    const store = createMailStore({
      db: other.db,
      writer: createWriter(other.sqlite),
      bus: createEventBus(),
      clock: systemClock,
    })
    await store.appendRaw(accountId, {
      mailboxIds: [inboxId],
      bytes: new TextEncoder().encode('From: x@example.test\r\nSubject: from the CLI\r\n\r\nbody\r\n'),
      keywords: { flags: 0, keywords: [] },
      receivedAt: Date.now(),
    })
    other.close()
    await Bun.sleep(1100)
    expect((await a.command('NOOP')).untagged).toContain(`* ${exists + 1} EXISTS`)
    a.close()
  })

  test('IDLE pushes a delivery and a flag change from elsewhere at once; DONE ends it', async () => {
    const c = await ImapClient.login(server.port('imap'), 'alice@example.test', 'alice-password')
    const exists = Number(/\* (\d+) EXISTS/.exec((await c.command('SELECT INBOX')).untagged.join('\n'))?.[1])
    const tag = c.nextTag()
    c.send(`${tag} IDLE\r\n`)
    expect(await c.line()).toBe('+ idling')
    const started = Date.now()
    await deliver('while idle')
    expect(await c.line()).toBe(`* ${exists + 1} EXISTS`)
    expect(await c.line()).toBe('* 1 RECENT')
    expect(Date.now() - started).toBeLessThan(1000)
    const { store } = server.services
    const first = store.mailboxMessages(inboxId)[0]
    await store.setKeywordsByUid(accountId, inboxId, [first?.uid ?? 0], 'add', { flags: 2, keywords: [] })
    expect(await c.line()).toBe(`* 1 FETCH (UID ${first?.uid} FLAGS (\\Seen \\Flagged))`)
    c.send('DONE\r\n')
    expect(await c.until(tag)).toEqual({ untagged: [], done: 'OK IDLE terminated' })
    c.close()
  })

  test('an expunge elsewhere: EXPUNGE at NOOP, VANISHED once QRESYNC is on, and SELECT (QRESYNC) catches up', async () => {
    const { store } = server.services
    const c = await ImapClient.login(server.port('imap'), 'alice@example.test', 'alice-password')
    await c.command('ENABLE QRESYNC')
    const sel = await c.command('SELECT INBOX')
    const modseq = Number(/HIGHESTMODSEQ (\d+)/.exec(sel.untagged.join('\n'))?.[1])
    const validity = Number(/UIDVALIDITY (\d+)/.exec(sel.untagged.join('\n'))?.[1])
    const messages = store.mailboxMessages(inboxId)
    const victim = messages[1]?.uid ?? 0
    await store.removeFromMailbox(accountId, inboxId, [victim])
    expect((await c.command('NOOP')).untagged).toEqual([`* VANISHED ${victim}`])

    const plain = await ImapClient.login(server.port('imap'), 'alice@example.test', 'alice-password')
    await plain.command('SELECT INBOX')
    const second = store.mailboxMessages(inboxId)[1]?.uid ?? 0
    await store.removeFromMailbox(accountId, inboxId, [second])
    expect((await plain.command('NOOP')).untagged).toEqual(['* 2 EXPUNGE'])
    plain.close()
    c.close()

    const again = await ImapClient.login(server.port('imap'), 'alice@example.test', 'alice-password')
    await again.command('ENABLE QRESYNC')
    const resync = await again.command(`SELECT INBOX (QRESYNC (${validity} ${modseq}))`)
    expect(resync.untagged).toContain(`* VANISHED (EARLIER) ${compressSequenceSet([victim, second])}`)
    expect(resync.done).toBe('OK [READ-WRITE] SELECT completed')
    again.close()
  })

  test('COMPRESS DEFLATE: everything after the OK is compressed both ways', async () => {
    const c = await ImapClient.login(server.port('imap'), 'alice@example.test', 'alice-password')
    expect((await c.command('CAPABILITY')).untagged[0]).toContain(' COMPRESS=DEFLATE')
    expect((await c.command('COMPRESS DEFLATE')).done).toBe('OK DEFLATE active')
    c.startCompression()
    const caps = await c.command('CAPABILITY')
    expect(caps.untagged[0]).toMatch(/^\* CAPABILITY IMAP4rev1 /)
    expect(c.compressedBytes).toBeGreaterThan(0)
    expect((await c.command('COMPRESS DEFLATE')).done).toBe(
      'NO [COMPRESSIONACTIVE] Compression is already active',
    )
    c.compressedBytes = 0
    const sel = await c.command('SELECT INBOX')
    expect(sel.done).toBe('OK [READ-WRITE] SELECT completed')
    const raw = Buffer.byteLength(`${sel.untagged.join('\r\n')}\r\n`)
    expect(c.compressedBytes).toBeLessThan(raw)
    expect(await c.command('LOGOUT')).toEqual({
      untagged: ['* BYE Logging out'],
      done: 'OK LOGOUT completed',
    })
    c.close()
  })

  test('a session whose selected mailbox another deletes is told BYE and closed', async () => {
    const { store } = server.services
    const doomed = await store.createMailbox(accountId, 'Doomed')
    const a = await ImapClient.login(server.port('imap'), 'alice@example.test', 'alice-password')
    expect((await a.command('SELECT Doomed')).done).toBe('OK [READ-WRITE] SELECT completed')
    await store.deleteMailbox(accountId, doomed.id, { removeEmails: true })
    expect(await a.command('NOOP')).toEqual({
      untagged: ['* BYE [UNAVAILABLE] The selected mailbox was deleted'],
      done: 'OK NOOP completed',
    })
    await Bun.sleep(50)
    expect(a.closed).toBe(true)
  })

  test('UNAUTHENTICATE returns to the start; LOGOUT says BYE', async () => {
    const c = await ImapClient.login(server.port('imap'), 'alice@example.test', 'alice-password')
    expect((await c.command('UNAUTHENTICATE')).done).toBe('OK UNAUTHENTICATE completed')
    expect((await c.command('SELECT INBOX')).done).toMatch(/^BAD SELECT is not valid/)
    expect(await c.command('LOGOUT')).toEqual({
      untagged: ['* BYE Logging out'],
      done: 'OK LOGOUT completed',
    })
    await Bun.sleep(50)
    expect(c.closed).toBe(true)
  })

  test('a literal larger than the limit is refused before it is sent; a non-synchronizing one closes', async () => {
    const c = await ImapClient.login(server.port('imap'), 'alice@example.test', 'alice-password')
    expect((await c.command('APPEND INBOX {999999999999}')).done).toBe('NO [TOOBIG] literal too large')
    c.send('x SEARCH {999999+}\r\n')
    expect(await c.line()).toBe('* BYE [TOOBIG] literal too large')
    c.close()
  })
})
