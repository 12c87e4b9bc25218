// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the COMMIT that
// takes the WAL past 1,000 pages, on the committing connection: copying 4 MB into the database
// file and fsyncing it stopped a busy server for ~15 ms a few times a second (the IMAP mixed
// benchmark's p99). Here a Worker checkpoints on its own connection once a second while the WAL
// is being written; the server's connection keeps an automatic checkpoint only as a fallback,
// at ten times the size, should the Worker fall behind or fail.
import type { Database } from 'bun:sqlite'
import { statSync } from 'node:fs'
import type { Logger } from '../lib/log.ts'
import { createWorkerPool, workerEntry } from '../lib/workers.ts'

const fallbackPages = 10_000
const everyMs = 1000

export interface Checkpoints {
  stop(): void
}

export function startCheckpoints(sqlite: Database, log: Logger): Checkpoints {
  const path = sqlite.filename
  if (path === '' || path === ':memory:') return { stop() {} }
  const mode = sqlite.query('PRAGMA journal_mode').get() as { journal_mode: string } | null
  if (mode?.journal_mode !== 'wal') return { stop() {} }
  sqlite.exec(`PRAGMA wal_autocheckpoint = ${fallbackPages}`)
  // One worker, started when there is something to copy and stopped after 5 s without.
  const pool = createWorkerPool<string, { walPages: number; checkpointed: number }>(
    workerEntry('db/checkpoint-worker.ts', import.meta.url, './checkpoint-worker.ts'),
    1,
    5000,
  )
  let written = 0
  let running = false
  const timer = setInterval(() => {
    if (running) return
    let modified: number
    try {
      modified = statSync(`${path}-wal`).mtimeMs
    } catch {
      return // no WAL yet
    }
    if (modified === written) return
    running = true
    pool
      .run(path)
      .then(
        () => {
          written = modified
        },
        (err: unknown) =>
          log.warn('checkpoint failed', { error: err instanceof Error ? err.message : String(err) }),
      )
      .finally(() => {
        running = false
      })
  }, everyMs)
  timer.unref()
  return {
    stop() {
      clearInterval(timer)
      pool.close()
    },
  }
}
