// Checkpoints run by a Worker on its own connection: the WAL's pages reach the database file
// without the server's connection checkpointing (its automatic checkpoint is only a fallback,
// at a size this test stays well under).
import { afterEach, describe, expect, test } from 'bun:test'
import { statSync } from 'node:fs'
import { type CheckpointTiming, startCheckpoints } from '../../src/db/checkpoints.ts'
import { createLogger } from '../../src/lib/log.ts'
import { tempFileDatabase } from '../helpers/db.ts'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c()
})

/** A database file with checkpoints started as the server starts them (or with `timing`). */
function withCheckpoints(timing?: CheckpointTiming) {
  const db = tempFileDatabase()
  cleanups.push(() => db.close())
  const checkpoints = startCheckpoints(db.handle.sqlite, createLogger({ level: 'error' }), timing)
  cleanups.push(() => checkpoints.stop())
  return { ...db, checkpoints }
}

describe('startCheckpoints', () => {
  test('a Worker copies the WAL into the database file; the own connection only past 10,000 pages', async () => {
    const { handle, path } = withCheckpoints()
    expect(handle.sqlite.query('PRAGMA wal_autocheckpoint').values()[0]?.[0]).toBe(10_000)
    handle.sqlite.exec('CREATE TABLE t (x BLOB)')
    const insert = handle.sqlite.query('INSERT INTO t VALUES (randomblob(3000))')
    // 1,500 pages: past SQLite's own automatic checkpoint (1,000), under the fallback.
    for (let i = 0; i < 1500; i++) insert.run()
    expect(statSync(path).size).toBeLessThan(100_000)
    const deadline = Date.now() + 5000
    while (Date.now() < deadline && statSync(path).size < 1500 * 3000) await Bun.sleep(100)
    expect(statSync(path).size).toBeGreaterThan(1500 * 3000)
  })
})

describe('an idle database', () => {
  test('start-up writes are checkpointed here, and the Worker does not come back once it stopped', async () => {
    const { handle, checkpoints } = withCheckpoints({ everyMs: 50, workerIdleMs: 200 })
    handle.sqlite.exec('CREATE TABLE t (x BLOB)')
    handle.sqlite.query('INSERT INTO t VALUES (randomblob(3000))').run()
    checkpoints.checkpointHere()
    await Bun.sleep(300)
    expect(checkpoints.runs).toBe(0)
    // A write: the Worker copies it once, stops, and stays stopped (closing its connection
    // empties the WAL, which must not count as a write).
    handle.sqlite.query('INSERT INTO t VALUES (randomblob(3000))').run()
    await Bun.sleep(1500)
    expect(checkpoints.runs).toBe(1)
  })
})
