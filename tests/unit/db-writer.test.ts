// The writer answers its callers only once a commit is durable: after COMMIT and the WAL's
// fsync, which runs off the event loop and is shared by the batches committed before it.
import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/client.ts'
import type { WalSync } from '../../src/db/wal-sync.ts'
import { walSync } from '../../src/db/wal-sync.ts'
import { createWriter } from '../../src/db/writer.ts'
import { tempDir } from '../helpers/db.ts'

/** A WalSync whose syncs finish when the test says so. */
function heldSync() {
  const pending: { resolve: () => void; reject: (err: Error) => void }[] = []
  let syncNowCalls = 0
  const wal: WalSync = {
    syncsWal: true,
    sync: () => new Promise((resolve, reject) => pending.push({ resolve, reject })),
    syncNow: () => {
      syncNowCalls++
    },
  }
  return { wal, pending, syncNowCalls: () => syncNowCalls }
}

function table() {
  const handle = openDatabase(':memory:')
  handle.sqlite.exec('CREATE TABLE t (v INTEGER)')
  return handle
}

test('callers and after-commit hooks wait for the sync; the data is committed before it', async () => {
  const handle = table()
  const held = heldSync()
  const writer = createWriter(handle.sqlite, () => {}, held.wal)
  const events: string[] = []
  let answered = false
  const done = writer
    .write((ctx) => {
      handle.sqlite.exec('INSERT INTO t VALUES (1)')
      ctx.afterCommit(() => events.push('after-commit'))
      return 'ok'
    })
    .then((v) => {
      answered = true
      return v
    })
  let drained = false
  const draining = writer.drain().then(() => {
    drained = true
  })
  await Bun.sleep(10)
  expect(handle.sqlite.query('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1 })
  expect(held.pending).toHaveLength(1)
  expect([answered, drained, events]).toEqual([false, false, []])
  held.pending[0]?.resolve()
  expect(await done).toBe('ok')
  await draining
  expect([drained, events]).toEqual([true, ['after-commit']])
})

test('a failed sync fails every caller of the batch, and runs no hook', async () => {
  const handle = table()
  const held = heldSync()
  const writer = createWriter(handle.sqlite, () => {}, held.wal)
  let hooked = false
  const a = writer.write((ctx) => {
    ctx.afterCommit(() => {
      hooked = true
    })
    return 1
  })
  const b = writer.write(() => 2)
  const results = Promise.allSettled([a, b])
  await Bun.sleep(10)
  expect(held.pending).toHaveLength(1) // one batch, one sync
  held.pending[0]?.reject(new Error('EIO'))
  const [ra, rb] = await results
  expect([ra?.status, rb?.status]).toEqual(['rejected', 'rejected'])
  expect(String((ra as PromiseRejectedResult).reason)).toContain('EIO')
  expect(hooked).toBe(false)
})

test('writeNow syncs before it returns', () => {
  const handle = table()
  const held = heldSync()
  const writer = createWriter(handle.sqlite, () => {}, held.wal)
  expect(writer.writeNow(() => 7)).toBe(7)
  expect(held.syncNowCalls()).toBe(1)
})

test('a sync asked for while one runs waits for the next; callers meanwhile share it', async () => {
  const dir = tempDir()
  try {
    const handle = openDatabase(join(dir.path, 'w.sqlite'))
    handle.sqlite.exec('CREATE TABLE t (v INTEGER)')
    const wal = walSync(handle.sqlite)
    const order: string[] = []
    const first = wal.sync().then(() => order.push('first'))
    const second = wal.sync().then(() => order.push('second'))
    const third = wal.sync().then(() => order.push('third'))
    await Promise.all([first, second, third])
    expect(order).toEqual(['first', 'second', 'third'])
    // Through the writer on a real file: answered, and the row is there after reopening.
    const writer = createWriter(handle.sqlite)
    await writer.write(() => handle.sqlite.exec('INSERT INTO t VALUES (42)'))
    handle.close()
    const again = openDatabase(join(dir.path, 'w.sqlite'))
    expect(again.sqlite.query('SELECT v FROM t').get()).toEqual({ v: 42 })
    again.close()
  } finally {
    dir.remove()
  }
})

test('only a database in WAL mode has its WAL synced; others keep syncing at commit', () => {
  const dir = tempDir()
  try {
    const wal = openDatabase(join(dir.path, 'wal.sqlite'))
    expect(walSync(wal.sqlite).syncsWal).toBe(true)
    wal.close()
    const other = openDatabase(join(dir.path, 'delete.sqlite'))
    other.sqlite.exec('PRAGMA journal_mode = DELETE')
    expect(walSync(other.sqlite).syncsWal).toBe(false)
    const writer = createWriter(other.sqlite)
    other.sqlite.exec('CREATE TABLE t (v INTEGER)')
    writer.writeNow(() => other.sqlite.exec('INSERT INTO t VALUES (1)'))
    expect(other.sqlite.query('PRAGMA synchronous').get()).toEqual({ synchronous: 2 }) // FULL
    other.close()
    expect(walSync(openDatabase(':memory:').sqlite).syncsWal).toBe(false)
  } finally {
    dir.remove()
  }
})
