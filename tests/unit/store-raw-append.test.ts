// Raw appends: parsing once at delivery, large messages prepared in a Worker.
import { expect, test } from 'bun:test'
import { createWorkerPool, workerEntry } from '../../src/lib/workers.ts'
import { createMailStore } from '../../src/store/index.ts'
import type { PreparedMessage } from '../../src/store/prepare-message.ts'
import { kw, testStore } from '../helpers/store.ts'

test('messages are prepared in a worker; facts are stored and line ends normalised', async () => {
  const t = await testStore()
  const entry = workerEntry(
    'store/prepare-worker.ts',
    new URL('../../src/lib/workers.ts', import.meta.url).href,
    '../store/prepare-worker.ts',
  )
  const pool = createWorkerPool<Uint8Array, PreparedMessage>(entry, 1, 50)
  let viaWorker = 0
  const store = createMailStore({
    db: t.handle.db,
    writer: t.writer,
    bus: t.bus,
    clock: t.clock,
    prepare: (bytes) => {
      viaWorker++
      return pool.run(bytes)
    },
  })
  try {
    const big = `From: Big <big@example.net>\nSubject: =?utf-8?q?gro=C3=9F?=\nMessage-ID: <big@x>\n\n${'line of text\n'.repeat(30_000)}`
    const small = 'From: a@example.net\nSubject: small\n\nhi\n'
    const inbox = t.box('inbox')
    const a = await store.appendRaw(t.accountId, {
      mailboxIds: [inbox],
      bytes: Buffer.from(big),
      keywords: kw(),
      receivedAt: 1,
    })
    const b = await store.appendRaw(t.accountId, {
      mailboxIds: [inbox],
      bytes: Buffer.from(small),
      keywords: kw(),
      receivedAt: 2,
    })
    expect(viaWorker).toBe(2)
    const [bigRow, smallRow] = store.emails(t.accountId, [a.emailId, b.emailId])
    expect(bigRow).toMatchObject({ subject: 'groß', fromEmail: 'big@example.net', messageId: 'big@x' })
    expect(bigRow?.size).toBe(Buffer.from(big).length + big.split('\n').length - 1)
    expect(Buffer.from(store.raw(t.accountId, b.emailId)).toString()).toBe(small.replaceAll('\n', '\r\n'))
    expect(smallRow?.preview).toBe('hi')
    await Bun.sleep(120)
    // The idle pool stopped its worker; the next message starts one again.
    const c = await store.appendRaw(t.accountId, {
      mailboxIds: [inbox],
      bytes: Buffer.from(big.replace('big@x', 'big2@x')),
      keywords: kw(),
      receivedAt: 3,
    })
    expect(store.emails(t.accountId, [c.emailId])[0]?.threadId).not.toBe(a.threadId)
    expect(viaWorker).toBe(3)
  } finally {
    pool.close()
  }
})
