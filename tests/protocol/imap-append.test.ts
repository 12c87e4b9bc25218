// IMAP APPEND (rfc9051#section-6.3.12) over real sockets: flags and INTERNALDATE, APPENDUID
// (rfc4315#section-3) against the store, MULTIAPPEND all or nothing (rfc3502), literal8
// (rfc3516#section-4.4), UTF8 (rfc6855#section-4), TRYCREATE, OVERQUOTA, TOOBIG, empty messages,
// bare LF, and EXISTS in the selected mailbox before the OK.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ImapClient } from '../helpers/imap-client.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

let server: TestServer
let alice = 0
let bob = 0

beforeAll(async () => {
  server = await startTestServer({
    env: { POSTERN_IMAP_ALLOW_PLAINTEXT_LOGIN: 'true', POSTERN_SMTP_MAX_MESSAGE_SIZE: '100000' },
  })
  const { directory, store } = server.services
  directory.domains.add('example.test')
  alice = (await directory.accounts.add({ email: 'alice@example.test', password: 'alice-password' })).id
  bob = (
    await directory.accounts.add({ email: 'bob@example.test', password: 'bob-password', quotaMessages: 2 })
  ).id
  await store.ensureAccount(alice)
  await store.ensureAccount(bob)
})
afterAll(async () => {
  await server.close()
})

async function session(user = 'alice'): Promise<ImapClient> {
  return ImapClient.login(server.port('imap'), `${user}@example.test`, `${user}-password`)
}

async function newMailbox(accountId: number, name: string) {
  return server.services.store.createMailbox(accountId, name)
}

function stored(accountId: number, mailboxId: number) {
  const { store } = server.services
  return store.mailboxMessages(mailboxId).map((m) => ({
    uid: m.uid,
    flags: m.flags,
    keywords: JSON.parse(m.keywords) as string[],
    receivedAt: m.receivedAt,
    bytes: Buffer.from(store.raw(accountId, m.emailId)).toString('latin1'),
  }))
}

const message = 'From: a@example.test\r\nSubject: appended\r\n\r\nHello\r\n'

describe('APPEND', () => {
  test('flags and INTERNALDATE are kept; APPENDUID names the UID the store gave', async () => {
    const box = await newMailbox(alice, 'Ap1')
    const c = await session()
    const tag = c.nextTag()
    c.send(`${tag} APPEND Ap1 (\\Seen $Label) "05-Mar-2024 10:20:30 +0100" {${message.length}}\r\n`)
    expect(await c.line()).toBe('+ Ready for literal data')
    c.send(`${message}\r\n`)
    expect(await c.until(tag)).toEqual({
      untagged: [],
      done: `OK [APPENDUID ${box.uidValidity} 1] APPEND completed`,
    })
    expect(await c.command(`APPEND Ap1 {${message.length}+}\r\n${message}`)).toEqual({
      untagged: [],
      done: `OK [APPENDUID ${box.uidValidity} 2] APPEND completed`,
    })
    const [first, second] = stored(alice, box.id)
    expect(first).toEqual({
      uid: 1,
      flags: 1,
      keywords: ['$label'],
      receivedAt: Date.UTC(2024, 2, 5, 9, 20, 30),
      bytes: message,
    })
    expect(second?.flags).toBe(0)
    expect(Math.abs((second?.receivedAt ?? 0) - Date.now())).toBeLessThan(10_000)
    c.close()
  })

  test('into the selected mailbox: EXISTS (and RECENT) before the OK', async () => {
    const box = await newMailbox(alice, 'Ap2')
    const c = await session()
    await c.command('SELECT Ap2')
    expect(await c.command(`APPEND Ap2 {${message.length}+}\r\n${message}`)).toEqual({
      untagged: ['* 1 EXISTS', '* 1 RECENT'],
      done: `OK [APPENDUID ${box.uidValidity} 1] APPEND completed`,
    })
    expect(await c.command('NOOP')).toEqual({ untagged: [], done: 'OK NOOP completed' })
    c.close()
  })

  test('MULTIAPPEND stores every message, in order, with one APPENDUID', async () => {
    const box = await newMailbox(alice, 'Ap3')
    const c = await session()
    const one = message.replace('appended', 'one')
    const two = message.replace('appended', 'two')
    const reply = await c.command(
      `APPEND Ap3 (\\Flagged) {${one.length}+}\r\n${one} (\\Draft) "01-Jan-2020 00:00:00 +0000" {${two.length}+}\r\n${two}`,
    )
    expect(reply).toEqual({ untagged: [], done: `OK [APPENDUID ${box.uidValidity} 1:2] APPEND completed` })
    const messages = stored(alice, box.id)
    expect(messages.map((m) => [m.uid, m.flags, m.bytes])).toEqual([
      [1, 2, one],
      [2, 8, two],
    ])
    expect(messages[1]?.receivedAt).toBe(Date.UTC(2020, 0, 1))
    c.close()
  })

  test('MULTIAPPEND is all or nothing: over quota on the second message stores neither', async () => {
    const box = await newMailbox(bob, 'Quota')
    const c = await session('bob')
    expect(await c.command(`APPEND Quota {${message.length}+}\r\n${message}`)).toEqual({
      untagged: [],
      done: `OK [APPENDUID ${box.uidValidity} 1] APPEND completed`,
    })
    const multi = `APPEND Quota {${message.length}+}\r\n${message} {${message.length}+}\r\n${message}`
    expect(await c.command(multi)).toEqual({
      untagged: [],
      done: 'NO [OVERQUOTA] over quota: 3 messages of 2 allowed',
    })
    expect(stored(bob, box.id).map((m) => m.uid)).toEqual([1])
    expect(server.services.store.quota(bob).usedMessages).toBe(1)
    // An empty message among several fails the whole command too.
    expect(await c.command(`APPEND Quota {${message.length}+}\r\n${message} {0+}\r\n`)).toEqual({
      untagged: [],
      done: 'NO [CANNOT] An empty message cannot be appended',
    })
    expect(stored(bob, box.id).map((m) => m.uid)).toEqual([1])
    c.close()
  })

  test('refusals: missing mailbox TRYCREATE, too big TOOBIG, bad flag NO', async () => {
    const c = await session()
    expect(await c.command(`APPEND Nowhere {${message.length}+}\r\n${message}`)).toEqual({
      untagged: [],
      done: 'NO [TRYCREATE] Mailbox does not exist: Nowhere',
    })
    expect(await c.command('APPEND INBOX {100001}')).toEqual({
      untagged: [],
      done: 'NO [TOOBIG] literal too large',
    })
    expect((await c.command(`APPEND INBOX (\\Bogus) {${message.length}+}\r\n${message}`)).done).toBe(
      'NO [CANNOT] "\\Bogus" is not a system flag',
    )
    expect((await c.command(`APPEND INBOX (\\Recent) {${message.length}+}\r\n${message}`)).done).toBe(
      'BAD \\Recent cannot be stored',
    )
    expect((await c.command('CAPABILITY')).untagged[0]).toContain('UIDPLUS MOVE')
    expect((await c.command('CAPABILITY')).untagged[0]).toContain('MULTIAPPEND')
    expect((await c.command('CAPABILITY')).untagged[0]).toContain('APPENDLIMIT=100000')
    c.close()
  })

  test('bare LF becomes CRLF in a plain literal; a literal8 is stored exactly, NUL and LF included', async () => {
    const box = await newMailbox(alice, 'Ap4')
    const c = await session()
    const lf = 'From: a@example.test\nSubject: lf\n\nline 1\nline 2\n'
    expect((await c.command(`APPEND Ap4 {${lf.length}+}\r\n${lf}`)).done).toStartWith('OK [APPENDUID')
    const binary =
      'From: a@example.test\r\nSubject: bin\r\nContent-Transfer-Encoding: binary\r\n\r\n\x00\x01\n\xff\r\n'
    expect((await c.command(`APPEND Ap4 ~{${binary.length}+}\r\n${binary}`)).done).toStartWith(
      'OK [APPENDUID',
    )
    // NUL is only allowed in a literal8.
    expect((await c.command(`APPEND Ap4 {${binary.length}+}\r\n${binary}`)).done).toMatch(/^BAD .*NUL/)
    const [first, second] = stored(alice, box.id)
    expect(first?.bytes).toBe(lf.replaceAll('\n', '\r\n'))
    expect(second?.bytes).toBe(binary)
    c.close()
  })

  test('UTF8 (~{n}) needs ENABLE UTF8=ACCEPT; then it is stored (bare LF normalised)', async () => {
    const box = await newMailbox(alice, 'Ap5')
    const c = await session()
    const text = Buffer.from('From: a@example.test\nSubject: Grüße\n\nHallo\n', 'utf8')
    const send = async () => {
      const tag = c.nextTag()
      c.send(
        Buffer.concat([
          Buffer.from(`${tag} APPEND Ap5 UTF8 (~{${text.length}+}\r\n`),
          text,
          Buffer.from(')\r\n'),
        ]),
      )
      return c.until(tag)
    }
    expect((await send()).done).toBe('BAD [CLIENTBUG] UTF8 data needs ENABLE UTF8=ACCEPT first')
    expect((await c.command('ENABLE UTF8=ACCEPT')).untagged).toEqual(['* ENABLED UTF8=ACCEPT'])
    expect((await send()).done).toBe(`OK [APPENDUID ${box.uidValidity} 1] APPEND completed`)
    const [first] = stored(alice, box.id)
    expect(Buffer.from(first?.bytes ?? '', 'latin1').toString('utf8')).toBe(
      'From: a@example.test\r\nSubject: Grüße\r\n\r\nHallo\r\n',
    )
    c.close()
  })
})
