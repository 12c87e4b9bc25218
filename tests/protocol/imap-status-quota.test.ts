// IMAP STATUS (rfc9051#section-6.3.11 with SIZE rfc8438, DELETED, RECENT of rfc3501, HIGHESTMODSEQ
// rfc7162, APPENDLIMIT rfc7889, MAILBOXID rfc8474) and QUOTA (rfc9208: GETQUOTA, GETQUOTAROOT, the
// refused SETQUOTA) over real sockets, with exact responses.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ImapClient } from '../helpers/imap-client.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

let server: TestServer
let accounts = 0

const u8 = (s: string) => Buffer.from(s, 'utf8').toString('latin1')

beforeAll(async () => {
  server = await startTestServer({ env: { POSTERN_IMAP_ALLOW_PLAINTEXT_LOGIN: 'true' } })
  server.services.directory.domains.add('example.test')
})
afterAll(async () => {
  await server.close()
})

async function freshAccount(
  quota: { quotaBytes?: number; quotaMessages?: number } = {},
): Promise<{ id: number; login: () => Promise<ImapClient> }> {
  const email = `user${++accounts}@example.test`
  const a = await server.services.directory.accounts.add({ email, password: 'user-password', ...quota })
  await server.services.store.ensureAccount(a.id)
  return { id: a.id, login: () => ImapClient.login(server.port('imap'), email, 'user-password') }
}

/** Appends messages with the given flag bits (1 \Seen, 16 \Deleted) to a mailbox. */
async function deliver(accountId: number, mailboxId: number, flags: number[]) {
  for (const [i, f] of flags.entries()) {
    await server.services.store.appendRaw(accountId, {
      mailboxIds: [mailboxId],
      bytes: new TextEncoder().encode(`From: x@example.test\r\nSubject: message ${i}\r\n\r\nbody ${i}\r\n`),
      keywords: { flags: f, keywords: [] },
      receivedAt: Date.now(),
    })
  }
}

describe('STATUS', () => {
  test('every item, in the order asked, from the store', async () => {
    const { id, login } = await freshAccount()
    const { store } = server.services
    const box = await store.createMailbox(id, 'Box')
    await deliver(id, box.id, [1, 16, 0])
    const row = store.getMailbox(id, box.id)
    const size = store.mailboxMessages(box.id).reduce((n, m) => n + m.size, 0)
    expect(row.totalSize).toBe(size)
    const c = await login()
    expect(
      await c.command(
        'STATUS Box (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE RECENT HIGHESTMODSEQ APPENDLIMIT MAILBOXID)',
      ),
    ).toEqual({
      untagged: [
        `* STATUS "Box" (MESSAGES 3 UIDNEXT 4 UIDVALIDITY ${row.uidValidity} UNSEEN 2 DELETED 1 SIZE ${size} RECENT 0 HIGHESTMODSEQ ${row.highestModseq} APPENDLIMIT ${server.config.smtp.max_message_size} MAILBOXID (M${box.id.toString(36)}))`,
      ],
      done: 'OK STATUS completed',
    })
    expect((await c.command('STATUS box (MESSAGES)')).done).toBe(
      'NO [NONEXISTENT] Mailbox does not exist: box',
    )
    expect((await c.command('STATUS inbox (UIDNEXT MESSAGES)')).untagged).toEqual([
      '* STATUS INBOX (UIDNEXT 1 MESSAGES 0)',
    ])
    expect((await c.command('STATUS Box (BOGUS)')).done).toMatch(/^BAD /)
    c.close()
  })

  test('STATUS on the selected mailbox is answered; counts follow flag changes', async () => {
    const { id, login } = await freshAccount()
    const { store } = server.services
    const box = await store.createMailbox(id, 'Box')
    await deliver(id, box.id, [0, 0])
    const c = await login()
    await c.command('SELECT Box')
    expect((await c.command('STATUS Box (MESSAGES UNSEEN DELETED)')).untagged).toEqual([
      '* STATUS "Box" (MESSAGES 2 UNSEEN 2 DELETED 0)',
    ])
    const uids = store.mailboxMessages(box.id).map((m) => m.uid)
    await store.setKeywordsByUid(id, box.id, uids, 'add', { flags: 1 | 16, keywords: [] })
    // The store's counts; the session's own view catches up after the STATUS line.
    expect(await c.command('STATUS Box (UNSEEN DELETED)')).toEqual({
      untagged: [
        '* STATUS "Box" (UNSEEN 0 DELETED 2)',
        '* 1 FETCH (UID 1 FLAGS (\\Seen \\Deleted))',
        '* 2 FETCH (UID 2 FLAGS (\\Seen \\Deleted))',
      ],
      done: 'OK STATUS completed',
    })
    c.close()
  })

  test('RECENT counts what no session has claimed yet, plus the selecting session’s own', async () => {
    const { id, login } = await freshAccount()
    const { store } = server.services
    const box = await store.createMailbox(id, 'Box')
    await deliver(id, box.id, [0])
    const a = await login()
    const b = await login()
    // Nobody has looked since the server started: nothing is recent.
    expect((await b.command('STATUS Box (RECENT)')).untagged).toEqual(['* STATUS "Box" (RECENT 0)'])
    await a.command('SELECT Box')
    await deliver(id, box.id, [0, 0])
    expect((await b.command('STATUS Box (RECENT)')).untagged).toEqual(['* STATUS "Box" (RECENT 2)'])
    // A's NOOP claims them: \Recent in A, so no longer for anyone else.
    expect((await a.command('NOOP')).untagged).toEqual(['* 3 EXISTS', '* 2 RECENT'])
    expect((await b.command('STATUS Box (RECENT)')).untagged).toEqual(['* STATUS "Box" (RECENT 0)'])
    expect((await a.command('STATUS Box (RECENT MESSAGES)')).untagged).toEqual([
      '* STATUS "Box" (RECENT 2 MESSAGES 3)',
    ])
    a.close()
    b.close()
  })

  test('names in modified UTF-7 and UTF-8', async () => {
    const { id, login } = await freshAccount()
    await server.services.store.createMailbox(id, 'Entwürfe/日本語')
    const c = await login()
    expect((await c.command('STATUS "Entw&APw-rfe/&ZeVnLIqe-" (MESSAGES)')).untagged).toEqual([
      '* STATUS "Entw&APw-rfe/&ZeVnLIqe-" (MESSAGES 0)',
    ])
    await c.command('ENABLE IMAP4rev2')
    expect((await c.command(`STATUS "${u8('Entwürfe/日本語')}" (MESSAGES)`)).untagged).toEqual([
      `* STATUS "${u8('Entwürfe/日本語')}" (MESSAGES 0)`,
    ])
    c.close()
  })

  test('STATUS (HIGHESTMODSEQ) enables CONDSTORE when it is announced (rfc7162#section-3.1)', async () => {
    const { id, login } = await freshAccount()
    const c = await login()
    const announced = (await c.command('CAPABILITY')).untagged[0]?.includes(' CONDSTORE ') ?? false
    await c.command('SELECT INBOX')
    const modseq = server.services.store.findMailbox(id, 'INBOX')?.highestModseq ?? -1
    const first = await c.command('STATUS INBOX (HIGHESTMODSEQ)')
    const line = `* STATUS INBOX (HIGHESTMODSEQ ${modseq})`
    expect(first.untagged).toEqual(announced ? [`* OK [HIGHESTMODSEQ ${modseq}] Highest`, line] : [line])
    // Only the first enabling command says so.
    expect((await c.command('STATUS INBOX (HIGHESTMODSEQ)')).untagged).toEqual([line])
    c.close()
  })
})

describe('QUOTA (rfc9208)', () => {
  test('is announced with its resources and STATUS=SIZE, LIST-STATUS alongside', async () => {
    const { login } = await freshAccount()
    const c = await login()
    const caps = (await c.command('CAPABILITY')).untagged[0] ?? ''
    for (const cap of [
      'QUOTA',
      'QUOTA=RES-STORAGE',
      'QUOTA=RES-MESSAGE',
      'STATUS=SIZE',
      'LIST-STATUS',
      'CHILDREN',
    ]) {
      expect(caps.split(' ')).toContain(cap)
    }
    expect(caps.split(' ')).not.toContain('QUOTASET')
    c.close()
  })

  test('GETQUOTAROOT and GETQUOTA report usage and limits; STORAGE in KiB', async () => {
    const { id, login } = await freshAccount({ quotaBytes: 10 * 1024 * 1024, quotaMessages: 1000 })
    const { store } = server.services
    await deliver(id, store.findMailbox(id, 'INBOX')?.id ?? 0, [0, 0, 0])
    const usage = store.quota(id)
    expect(usage.usedMessages).toBe(3)
    const quota = `* QUOTA "" (STORAGE ${Math.ceil(usage.usedBytes / 1024)} 10240 MESSAGE 3 1000)`
    const c = await login()
    expect(await c.command('GETQUOTAROOT INBOX')).toEqual({
      untagged: ['* QUOTAROOT INBOX ""', quota],
      done: 'OK GETQUOTAROOT completed',
    })
    expect(await c.command('GETQUOTA ""')).toEqual({ untagged: [quota], done: 'OK GETQUOTA completed' })
    expect((await c.command('GETQUOTAROOT "Entw&APw-rfe"')).done).toBe(
      'NO [NONEXISTENT] Mailbox does not exist: Entw&APw-rfe',
    )
    await store.createMailbox(id, 'Entwürfe')
    expect((await c.command('GETQUOTAROOT "Entw&APw-rfe"')).untagged).toEqual([
      '* QUOTAROOT "Entw&APw-rfe" ""',
      quota,
    ])
    expect((await c.command('GETQUOTA "other"')).done).toBe('NO [NONEXISTENT] No such quota root: "other"')
    c.close()
  })

  test('only resources with a limit are reported; without limits there is no quota root', async () => {
    const storageOnly = await freshAccount({ quotaBytes: 1500 })
    const c = await storageOnly.login()
    expect((await c.command('GETQUOTA ""')).untagged).toEqual(['* QUOTA "" (STORAGE 0 2)'])
    c.close()
    const unlimited = await freshAccount()
    const d = await unlimited.login()
    expect(await d.command('GETQUOTAROOT INBOX')).toEqual({
      untagged: ['* QUOTAROOT INBOX'],
      done: 'OK GETQUOTAROOT completed',
    })
    expect((await d.command('GETQUOTA ""')).done).toBe('NO [NONEXISTENT] No such quota root: ""')
    d.close()
  })

  test('SETQUOTA is refused: limits are the administrator’s', async () => {
    const { login } = await freshAccount({ quotaMessages: 5 })
    const c = await login()
    expect(await c.command('SETQUOTA "" (STORAGE 512)')).toEqual({
      untagged: [],
      done: 'NO [NOPERM] Quota limits are set by the administrator',
    })
    expect((await c.command('GETQUOTA ""')).untagged).toEqual(['* QUOTA "" (MESSAGE 0 5)'])
    c.close()
  })
})
