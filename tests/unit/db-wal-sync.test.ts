// WAL flushes: a quiet writer's on the thread pool, a busy one's on a Worker that publishes each
// flush in shared memory, seen at the next command boundary (not a turn of the loop later).
import { afterEach, describe, expect, test } from 'bun:test'
import { walSync } from '../../src/db/wal-sync.ts'
import { commandBoundary } from '../../src/lib/command-boundary.ts'
import { tempFileDatabase } from '../helpers/db.ts'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c()
})

describe('walSync', () => {
  test('busy flushes go to a Worker; a command boundary sees them done without a turn of the loop', async () => {
    const { handle, close } = tempFileDatabase()
    cleanups.push(close)
    handle.sqlite.exec('CREATE TABLE t (x)')
    const wal = walSync(handle.sqlite)
    expect(wal.syncsWal).toBe(true)
    // Two flushes within a second: the first on the pool, and the Worker starts.
    handle.sqlite.exec('INSERT INTO t VALUES (1)')
    await wal.sync()
    handle.sqlite.exec('INSERT INTO t VALUES (2)')
    await wal.sync()
    await Bun.sleep(300) // the Worker is up
    handle.sqlite.exec('INSERT INTO t VALUES (3)')
    let done = false
    const flushed = wal.sync().then(() => {
      done = true
    })
    // Block the loop: the Worker's message cannot come in; only the boundary check can settle it.
    const until = performance.now() + 2000
    while (performance.now() < until) commandBoundary()
    await Promise.resolve()
    await Promise.resolve()
    expect(done).toBe(true)
    await flushed
  })
})
