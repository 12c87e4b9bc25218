// IMAP STORE/UID STORE (rfc9051#section-6.4.6, CONDSTORE rfc7162#section-3.1.3) and EXPUNGE/UID
// EXPUNGE (rfc9051#section-6.4.3, rfc4315#section-2.1) over real sockets: exact transcripts of
// each form, what other sessions see and when, and that a session's own changes are not echoed.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ImapClient } from '../helpers/imap-client.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

let server: TestServer
let accountId = 0

beforeAll(async () => {
  server = await startTestServer({ env: { POSTERN_IMAP_ALLOW_PLAINTEXT_LOGIN: 'true' } })
  server.services.directory.domains.add('example.test')
  const a = await server.services.directory.accounts.add({
    email: 'alice@example.test',
    password: 'alice-password',
  })
  accountId = a.id
  await server.services.store.ensureAccount(a.id)
})
afterAll(async () => {
  await server.close()
})

/** A new mailbox holding `flags.length` messages with those system flag bits. */
async function mailboxWith(name: string, flags: number[]): Promise<{ id: number; uids: number[] }> {
  const { store } = server.services
  const box = await store.createMailbox(accountId, name)
  const uids: number[] = []
  for (const [i, f] of flags.entries()) {
    const bytes = new TextEncoder().encode(`From: x@example.test\r\nSubject: m${i + 1}\r\n\r\nbody\r\n`)
    const r = await store.appendRaw(accountId, {
      mailboxIds: [box.id],
      bytes,
      keywords: { flags: f, keywords: [] },
      receivedAt: Date.now(),
    })
    uids.push(r.placements[0]?.uid ?? 0)
  }
  return { id: box.id, uids }
}

/** A logged-in session; `mode` CONDSTORE selects with (CONDSTORE), QRESYNC enables it first. */
async function session(select?: string, mode?: 'CONDSTORE' | 'QRESYNC'): Promise<ImapClient> {
  const c = await ImapClient.login(server.port('imap'), 'alice@example.test', 'alice-password')
  if (mode === 'QRESYNC') expect((await c.command('ENABLE QRESYNC')).untagged).toEqual(['* ENABLED QRESYNC'])
  const suffix = mode === 'CONDSTORE' ? ' (CONDSTORE)' : ''
  if (select) {
    expect((await c.command(`SELECT ${select}${suffix}`)).done).toBe('OK [READ-WRITE] SELECT completed')
  }
  return c
}

function flagsOf(mailboxId: number, uid: number) {
  const m = server.services.store.mailboxMessagesByUid(mailboxId, [uid])[0]
  return { flags: m?.flags, keywords: JSON.parse(m?.keywords ?? 'null') as string[], modseq: m?.modseq ?? 0 }
}

describe('STORE', () => {
  test('+FLAGS, -FLAGS, FLAGS and UID STORE answer the new FLAGS; keywords are kept', async () => {
    const box = await mailboxWith('Store1', [0, 0, 0])
    const [u1, u2, u3] = box.uids as [number, number, number]
    const c = await session('Store1')
    expect(await c.command('STORE 1:2 +FLAGS (\\Seen $Label1)')).toEqual({
      untagged: ['* 1 FETCH (FLAGS (\\Seen $label1))', '* 2 FETCH (FLAGS (\\Seen $label1))'],
      done: 'OK STORE completed',
    })
    expect(flagsOf(box.id, u1)).toMatchObject({ flags: 1, keywords: ['$label1'] })
    expect(await c.command('STORE 1 -FLAGS \\Seen')).toEqual({
      untagged: ['* 1 FETCH (FLAGS ($label1))'],
      done: 'OK STORE completed',
    })
    expect(await c.command(`UID STORE ${u3} FLAGS (\\Flagged \\Answered)`)).toEqual({
      untagged: [`* 3 FETCH (UID ${u3} FLAGS (\\Flagged \\Answered))`],
      done: 'OK STORE completed',
    })
    // A message whose flags do not change is still reported with its flags.
    expect(await c.command(`UID STORE ${u2}:* +FLAGS (\\Seen)`)).toEqual({
      untagged: [
        `* 2 FETCH (UID ${u2} FLAGS (\\Seen $label1))`,
        `* 3 FETCH (UID ${u3} FLAGS (\\Seen \\Flagged \\Answered))`,
      ],
      done: 'OK STORE completed',
    })
    expect(await c.command('STORE 2 FLAGS ()')).toEqual({
      untagged: ['* 2 FETCH (FLAGS ())'],
      done: 'OK STORE completed',
    })
    expect(flagsOf(box.id, u2)).toMatchObject({ flags: 0, keywords: [] })
    // The session's own changes are not repeated as unsolicited FETCH.
    expect(await c.command('NOOP')).toEqual({ untagged: [], done: 'OK NOOP completed' })
    c.close()
  })

  test('.SILENT answers nothing, and the change is not echoed later', async () => {
    const box = await mailboxWith('Store2', [0, 0])
    const c = await session('Store2')
    expect(await c.command('STORE 1:2 +FLAGS.SILENT (\\Deleted)')).toEqual({
      untagged: [],
      done: 'OK STORE completed',
    })
    expect(await c.command('UID STORE 1 -FLAGS.SILENT (\\Deleted)')).toEqual({
      untagged: [],
      done: 'OK STORE completed',
    })
    expect(await c.command('NOOP')).toEqual({ untagged: [], done: 'OK NOOP completed' })
    expect(flagsOf(box.id, box.uids[0] as number).flags).toBe(0)
    expect(flagsOf(box.id, box.uids[1] as number).flags).toBe(16)
    c.close()
  })

  test('refusals: read-only mailbox NO, \\Recent BAD, bad keyword NO, sequence number out of range BAD', async () => {
    await mailboxWith('Store3', [0])
    const c = await session()
    await c.command('EXAMINE Store3')
    expect((await c.command('STORE 1 +FLAGS (\\Seen)')).done).toBe('NO Mailbox is read-only (EXAMINE)')
    expect((await c.command('SELECT Store3')).done).toBe('OK [READ-WRITE] SELECT completed')
    expect((await c.command('STORE 1 +FLAGS (\\Recent)')).done).toBe('BAD \\Recent cannot be stored')
    expect((await c.command('STORE 1 +FLAGS (\\Unheard)')).done).toBe(
      'NO [CANNOT] "\\Unheard" is not a system flag',
    )
    expect((await c.command('STORE 2 +FLAGS (\\Seen)')).done).toBe('BAD Invalid message sequence number')
    // A UID that names no message is simply not there.
    expect(await c.command('UID STORE 999 +FLAGS (\\Seen)')).toEqual({
      untagged: [],
      done: 'OK STORE completed',
    })
    c.close()
  })

  test('with CONDSTORE: UID and MODSEQ in every FETCH, and .SILENT still reports the new MODSEQ', async () => {
    const box = await mailboxWith('Cond1', [0, 0])
    const [u1, u2] = box.uids as [number, number]
    const c = await session('Cond1', 'CONDSTORE')
    const first = await c.command('STORE 1 +FLAGS (\\Seen)')
    const m1 = flagsOf(box.id, u1).modseq
    expect(first).toEqual({
      untagged: [`* 1 FETCH (UID ${u1} FLAGS (\\Seen) MODSEQ (${m1}))`],
      done: 'OK STORE completed',
    })
    const silent = await c.command('STORE 1:2 +FLAGS.SILENT (\\Seen)')
    // Message 1 already had \Seen: unchanged, so nothing to report for it.
    expect(silent).toEqual({
      untagged: [`* 2 FETCH (UID ${u2} MODSEQ (${flagsOf(box.id, u2).modseq}))`],
      done: 'OK STORE completed',
    })
    expect(flagsOf(box.id, u1).modseq).toBe(m1)
    expect((await c.command('NOOP')).untagged).toEqual([])
    c.close()
  })

  test('UNCHANGEDSINCE: MODIFIED lists what changed meanwhile (sequence numbers, or UIDs for UID STORE); it enables CONDSTORE', async () => {
    const { store } = server.services
    const box = await mailboxWith('Cond2', [0, 0, 0])
    const [u1, u2, u3] = box.uids as [number, number, number]
    const c = await session('Cond2')
    const before = store.getMailbox(accountId, box.id).highestModseq
    await store.setKeywordsByUid(accountId, box.id, [u2], 'add', { flags: 2, keywords: [] })
    const m2 = flagsOf(box.id, u2).modseq
    const reply = await c.command(`STORE 1:3 (UNCHANGEDSINCE ${before}) +FLAGS (\\Answered)`)
    const mod = flagsOf(box.id, u1).modseq
    expect(reply).toEqual({
      untagged: [
        `* OK [HIGHESTMODSEQ ${before}] Highest`,
        `* 1 FETCH (UID ${u1} FLAGS (\\Answered) MODSEQ (${mod}))`,
        `* 3 FETCH (UID ${u3} FLAGS (\\Answered) MODSEQ (${mod}))`,
        // The change made elsewhere, as an update before the completion.
        `* 2 FETCH (UID ${u2} FLAGS (\\Flagged) MODSEQ (${m2}))`,
      ],
      done: 'OK [MODIFIED 2] Conditional STORE failed',
    })
    expect(flagsOf(box.id, u2).flags).toBe(2)
    const uidReply = await c.command(
      `UID STORE ${u1}:${u3} (UNCHANGEDSINCE ${m2}) -FLAGS.SILENT (\\Answered)`,
    )
    const mod2 = flagsOf(box.id, u2).modseq
    // u2 (modseq m2) passes and has nothing to remove; u1 and u3 changed after m2.
    expect(mod2).toBe(m2)
    expect(uidReply).toEqual({
      untagged: [],
      done: `OK [MODIFIED ${u1},${u3}] Conditional STORE failed`,
    })
    const ok = await c.command(`UID STORE ${u1} (UNCHANGEDSINCE ${mod}) -FLAGS.SILENT (\\Answered)`)
    expect(ok).toEqual({
      untagged: [`* 1 FETCH (UID ${u1} MODSEQ (${flagsOf(box.id, u1).modseq}))`],
      done: 'OK STORE completed',
    })
    c.close()
  })

  test('a STORE in one session reaches another as FETCH FLAGS at NOOP, not back to itself', async () => {
    const box = await mailboxWith('Shared1', [0, 0])
    const u2 = box.uids[1] as number
    const a = await session('Shared1')
    const b = await session('Shared1')
    const q = await session('Shared1', 'CONDSTORE')
    await a.command('STORE 2 +FLAGS.SILENT (\\Flagged $Work)')
    expect(await b.command('NOOP')).toEqual({
      untagged: [`* 2 FETCH (UID ${u2} FLAGS (\\Flagged $work))`],
      done: 'OK NOOP completed',
    })
    expect((await q.command('NOOP')).untagged).toEqual([
      `* 2 FETCH (UID ${u2} FLAGS (\\Flagged $work) MODSEQ (${flagsOf(box.id, u2).modseq}))`,
    ])
    expect((await a.command('NOOP')).untagged).toEqual([])
    // Both sessions change it: each hears the other's change, but not its own.
    await a.command('STORE 2 +FLAGS.SILENT (\\Seen)')
    expect(await b.command('STORE 2 -FLAGS (\\Flagged)')).toEqual({
      untagged: [`* 2 FETCH (FLAGS (\\Seen $work))`],
      done: 'OK STORE completed',
    })
    expect((await a.command('NOOP')).untagged).toEqual([`* 2 FETCH (UID ${u2} FLAGS (\\Seen $work))`])
    expect((await b.command('NOOP')).untagged).toEqual([])
    for (const c of [a, b, q]) c.close()
  })
})

describe('EXPUNGE', () => {
  test('removes the \\Deleted messages, reported highest sequence number first; read-only NO', async () => {
    const box = await mailboxWith('Exp1', [0, 16, 16, 0, 16])
    const c = await session('Exp1')
    expect(await c.command('EXPUNGE')).toEqual({
      untagged: ['* 5 EXPUNGE', '* 3 EXPUNGE', '* 2 EXPUNGE'],
      done: 'OK EXPUNGE completed',
    })
    expect(server.services.store.mailboxMessages(box.id).map((m) => m.uid)).toEqual([
      box.uids[0],
      box.uids[3],
    ] as number[])
    expect(await c.command('EXPUNGE')).toEqual({ untagged: [], done: 'OK EXPUNGE completed' })
    expect((await c.command('NOOP')).untagged).toEqual([])
    await c.command('EXAMINE Exp1')
    expect((await c.command('EXPUNGE')).done).toBe('NO Mailbox is read-only (EXAMINE)')
    c.close()
  })

  test('UID EXPUNGE removes only the \\Deleted messages in its set; VANISHED once QRESYNC is on', async () => {
    const box = await mailboxWith('Exp2', [16, 0, 16, 16])
    const [u1, , u3, u4] = box.uids as [number, number, number, number]
    const c = await session('Exp2')
    expect(await c.command(`UID EXPUNGE ${u1}:${u3}`)).toEqual({
      untagged: ['* 3 EXPUNGE', '* 1 EXPUNGE'],
      done: 'OK EXPUNGE completed',
    })
    expect(server.services.store.mailboxMessages(box.id).map((m) => m.uid)).toEqual([
      box.uids[1],
      u4,
    ] as number[])
    const q = await session(undefined, 'QRESYNC')
    await q.command('SELECT Exp2')
    await q.command('STORE 1 +FLAGS.SILENT (\\Deleted)')
    expect(await q.command('EXPUNGE')).toEqual({
      untagged: [`* VANISHED ${box.uids[1]},${u4}`],
      done: `OK [HIGHESTMODSEQ ${server.services.store.getMailbox(accountId, box.id).highestModseq}] EXPUNGE completed`,
    })
    // The first session hears of them at its next NOOP.
    expect((await c.command('NOOP')).untagged).toEqual(['* 2 EXPUNGE', '* 1 EXPUNGE'])
    c.close()
    q.close()
  })

  test("another session's EXPUNGE: not during a non-UID STORE or FETCH; at NOOP and after UID STORE", async () => {
    const box = await mailboxWith('Exp3', [0, 0, 0, 0])
    const [, u2, u3] = box.uids as [number, number, number, number]
    const a = await session('Exp3')
    const b = await session('Exp3')
    await a.command('STORE 2 +FLAGS.SILENT (\\Deleted)')
    expect(await a.command('EXPUNGE')).toEqual({ untagged: ['* 2 EXPUNGE'], done: 'OK EXPUNGE completed' })
    // b still counts four messages: STORE 4 is valid and nothing is expunged under it.
    expect(await b.command('STORE 4 +FLAGS (\\Seen)')).toEqual({
      untagged: ['* 4 FETCH (FLAGS (\\Seen))'],
      done: 'OK STORE completed',
    })
    const fetched = await b.command('FETCH 4 (UID)')
    expect(fetched.done).toStartWith('OK')
    expect(fetched.untagged.filter((l) => l.includes('EXPUNGE'))).toEqual([])
    expect(await b.command('NOOP')).toEqual({ untagged: ['* 2 EXPUNGE'], done: 'OK NOOP completed' })
    await a.command('STORE 2 +FLAGS.SILENT (\\Deleted)')
    await a.command('EXPUNGE')
    // After a UID command the expunge may go out, after the command's own responses.
    expect(await b.command(`UID STORE ${u2}:${u3} +FLAGS (\\Seen)`)).toEqual({
      untagged: ['* 2 EXPUNGE'],
      done: 'OK STORE completed',
    })
    a.close()
    b.close()
  })

  test("EXPUNGE reports others' pending expunges too, with the right sequence numbers", async () => {
    const { store } = server.services
    const box = await mailboxWith('Exp4', [0, 16, 0, 0, 0])
    const c = await session('Exp4')
    await store.removeFromMailbox(accountId, box.id, [box.uids[3] as number])
    expect(await c.command('EXPUNGE')).toEqual({
      untagged: ['* 2 EXPUNGE', '* 3 EXPUNGE'],
      done: 'OK EXPUNGE completed',
    })
    expect(await c.command('STORE 3 +FLAGS (\\Seen)')).toEqual({
      untagged: ['* 3 FETCH (FLAGS (\\Seen))'],
      done: 'OK STORE completed',
    })
    expect(flagsOf(box.id, box.uids[4] as number).flags).toBe(1)
    c.close()
  })
})
