// IMAP COPY/UID COPY (rfc9051#section-6.4.7) and MOVE/UID MOVE (rfc6851) over real sockets:
// COPYUID values (rfc4315#section-3) against the store, TRYCREATE, OVERQUOTA, MOVE's untagged
// COPYUID then EXPUNGE/VANISHED (rfc6851#section-4.3), the same mailbox as destination, and
// what other sessions see.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ImapClient } from '../helpers/imap-client.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

let server: TestServer
let alice = 0
let bob = 0

beforeAll(async () => {
  server = await startTestServer({ env: { POSTERN_IMAP_ALLOW_PLAINTEXT_LOGIN: 'true' } })
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

async function mailboxWith(accountId: number, name: string, count: number) {
  const { store } = server.services
  const box = await store.createMailbox(accountId, name)
  const uids: number[] = []
  for (let i = 1; i <= count; i++) {
    const bytes = new TextEncoder().encode(`From: x@example.test\r\nSubject: ${name} ${i}\r\n\r\nbody\r\n`)
    const r = await store.appendRaw(accountId, {
      mailboxIds: [box.id],
      bytes,
      keywords: { flags: i === 1 ? 1 : 0, keywords: [] },
      receivedAt: Date.now(),
    })
    uids.push(r.placements[0]?.uid ?? 0)
  }
  return { id: box.id, uidValidity: box.uidValidity, uids }
}

async function session(user = 'alice'): Promise<ImapClient> {
  return ImapClient.login(server.port('imap'), `${user}@example.test`, `${user}-password`)
}

function uidsIn(mailboxId: number): number[] {
  return server.services.store.mailboxMessages(mailboxId).map((m) => m.uid)
}

function subjectsIn(mailboxId: number): string[] {
  const { store } = server.services
  return store.mailboxMessages(mailboxId).map((m) => store.emails(alice, [m.emailId])[0]?.subject ?? '?')
}

describe('COPY', () => {
  test('COPY and UID COPY answer COPYUID with the destination UIDs the store gave, in source order', async () => {
    const src = await mailboxWith(alice, 'CopySrc', 3)
    const dst = await mailboxWith(alice, 'CopyDst', 1)
    const c = await session()
    await c.command('SELECT CopySrc')
    expect(await c.command('COPY 2:3 CopyDst')).toEqual({
      untagged: [],
      done: `OK [COPYUID ${dst.uidValidity} ${src.uids[1]}:${src.uids[2]} 2:3] COPY completed`,
    })
    expect(await c.command(`UID COPY ${src.uids[2]},${src.uids[0]} CopyDst`)).toEqual({
      untagged: [],
      done: `OK [COPYUID ${dst.uidValidity} ${src.uids[0]},${src.uids[2]} 4:5] COPY completed`,
    })
    expect(uidsIn(dst.id)).toEqual([1, 2, 3, 4, 5])
    expect(subjectsIn(dst.id)).toEqual(['CopyDst 1', 'CopySrc 2', 'CopySrc 3', 'CopySrc 1', 'CopySrc 3'])
    // Copied flags come along; the source is untouched.
    expect(server.services.store.mailboxMessagesByUid(dst.id, [4])[0]?.flags).toBe(1)
    expect(uidsIn(src.id)).toEqual(src.uids)
    // A UID set naming nothing copies nothing and has no COPYUID.
    expect(await c.command('UID COPY 999 CopyDst')).toEqual({ untagged: [], done: 'OK COPY completed' })
    c.close()
  })

  test('into a missing mailbox: NO [TRYCREATE]; bad sequence number: BAD; from EXAMINE it works', async () => {
    await mailboxWith(alice, 'CopyRo', 1)
    const c = await session()
    await c.command('EXAMINE CopyRo')
    expect(await c.command('COPY 1 Nowhere')).toEqual({
      untagged: [],
      done: 'NO [TRYCREATE] Mailbox does not exist: Nowhere',
    })
    expect((await c.command('UID MOVE 1 Nowhere')).done).toBe('NO Mailbox is read-only (EXAMINE)')
    expect((await c.command('COPY 5 INBOX')).done).toBe('BAD Invalid message sequence number')
    expect((await c.command('COPY 1 INBOX')).done).toMatch(/^OK \[COPYUID \d+ 1 \d+\] COPY completed$/)
    await c.command('SELECT CopyRo')
    expect((await c.command('MOVE 1 Nowhere')).done).toBe('NO [TRYCREATE] Mailbox does not exist: Nowhere')
    c.close()
  })

  test('into the selected mailbox: a new message, announced as EXISTS before the OK', async () => {
    const src = await mailboxWith(alice, 'CopySelf', 2)
    const c = await session()
    await c.command('ENABLE IMAP4rev2')
    await c.command('SELECT CopySelf')
    expect(await c.command('COPY 1 CopySelf')).toEqual({
      untagged: ['* 3 EXISTS'],
      done: `OK [COPYUID ${src.uidValidity} ${src.uids[0]} 3] COPY completed`,
    })
    const messages = server.services.store.mailboxMessages(src.id)
    expect(messages.map((m) => m.uid)).toEqual([...src.uids, 3])
    // A separate message (IMAP needs one), with the same content.
    expect(messages[2]?.emailId).not.toBe(messages[0]?.emailId)
    expect(subjectsIn(src.id)).toEqual(['CopySelf 1', 'CopySelf 2', 'CopySelf 1'])
    c.close()
  })

  test('over quota: NO [OVERQUOTA] and nothing copied', async () => {
    const box = await mailboxWith(bob, 'Full', 2)
    const c = await session('bob')
    await c.command('SELECT Full')
    expect(await c.command('COPY 1 Full')).toEqual({
      untagged: [],
      done: 'NO [OVERQUOTA] over quota: 3 messages of 2 allowed',
    })
    expect(uidsIn(box.id)).toEqual(box.uids)
    c.close()
  })
})

describe('MOVE', () => {
  test('MOVE: untagged COPYUID, then EXPUNGE, then OK; the store has moved them; no second EXPUNGE later', async () => {
    const src = await mailboxWith(alice, 'MoveSrc', 4)
    const dst = await mailboxWith(alice, 'MoveDst', 0)
    const c = await session()
    await c.command('SELECT MoveSrc')
    expect(await c.command('MOVE 2:3 MoveDst')).toEqual({
      untagged: [
        `* OK [COPYUID ${dst.uidValidity} ${src.uids[1]}:${src.uids[2]} 1:2] Moved`,
        '* 3 EXPUNGE',
        '* 2 EXPUNGE',
      ],
      done: 'OK MOVE completed',
    })
    expect(uidsIn(src.id)).toEqual([src.uids[0], src.uids[3]] as number[])
    expect(subjectsIn(dst.id)).toEqual(['MoveSrc 2', 'MoveSrc 3'])
    expect(await c.command(`UID MOVE ${src.uids[3]} MoveDst`)).toEqual({
      untagged: [`* OK [COPYUID ${dst.uidValidity} ${src.uids[3]} 3] Moved`, '* 2 EXPUNGE'],
      done: 'OK MOVE completed',
    })
    expect(await c.command('NOOP')).toEqual({ untagged: [], done: 'OK NOOP completed' })
    c.close()
  })

  test('with QRESYNC the moved messages are VANISHED; another session sees EXPUNGE at NOOP', async () => {
    const src = await mailboxWith(alice, 'MoveQ', 3)
    const dst = await mailboxWith(alice, 'MoveQDst', 0)
    const other = await session()
    await other.command('SELECT MoveQ')
    const c = await session()
    await c.command('ENABLE QRESYNC')
    await c.command('SELECT MoveQ')
    expect(await c.command('MOVE 1,3 MoveQDst')).toEqual({
      untagged: [
        `* OK [COPYUID ${dst.uidValidity} ${src.uids[0]},${src.uids[2]} 1:2] Moved`,
        `* VANISHED ${src.uids[0]},${src.uids[2]}`,
      ],
      done: 'OK MOVE completed',
    })
    expect(await other.command('NOOP')).toEqual({
      untagged: ['* 3 EXPUNGE', '* 1 EXPUNGE'],
      done: 'OK NOOP completed',
    })
    c.close()
    other.close()
  })

  test("a non-UID MOVE reports only its own expunges; others' wait for NOOP", async () => {
    const { store } = server.services
    const src = await mailboxWith(alice, 'MoveMix', 4)
    const dst = await mailboxWith(alice, 'MoveMixDst', 0)
    const c = await session()
    await c.command('SELECT MoveMix')
    await store.removeFromMailbox(alice, src.id, [src.uids[0] as number])
    expect(await c.command('MOVE 3 MoveMixDst')).toEqual({
      untagged: [`* OK [COPYUID ${dst.uidValidity} ${src.uids[2]} 1] Moved`, '* 3 EXPUNGE'],
      done: 'OK MOVE completed',
    })
    // Message 1 (gone elsewhere) is still message 1 until now.
    expect(await c.command('NOOP')).toEqual({ untagged: ['* 1 EXPUNGE'], done: 'OK NOOP completed' })
    c.close()
  })

  test('MOVE into the same mailbox gives the message a new UID, keeps the email, and announces EXISTS', async () => {
    const { store } = server.services
    const box = await mailboxWith(alice, 'MoveSelf', 2)
    const emailId = store.mailboxMessages(box.id)[0]?.emailId
    const c = await session()
    await c.command('SELECT MoveSelf')
    expect(await c.command('MOVE 1 MoveSelf')).toEqual({
      untagged: [
        `* OK [COPYUID ${box.uidValidity} ${box.uids[0]} 3] Moved`,
        '* 1 EXPUNGE',
        '* 2 EXISTS',
        '* 1 RECENT',
      ],
      done: 'OK MOVE completed',
    })
    const messages = store.mailboxMessages(box.id)
    expect(messages.map((m) => m.uid)).toEqual([box.uids[1], 3] as number[])
    expect(messages[1]?.emailId).toBe(emailId)
    expect(store.getMailbox(alice, box.id).totalEmails).toBe(2)
    c.close()
  })
})
