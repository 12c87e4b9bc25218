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

export interface Checkpoints {
  /**
   * Copies what is in the WAL now, on this connection (blocking): for the end of start-up, whose
   * writes (migrations, the administrator) would otherwise start the Worker once for nothing else.
   */
  checkpointHere(): void
  /** Checkpoints the Worker has run. */
  readonly runs: number
  stop(): void
}

export interface CheckpointTiming {
  /** How often the WAL is looked at. */
  everyMs: number
  /** The Worker stops after this long without a checkpoint to run. */
  workerIdleMs: number
}

export function startCheckpoints(
  sqlite: Database,
  log: Logger,
  { everyMs, workerIdleMs }: CheckpointTiming = { everyMs: 1000, workerIdleMs: 5000 },
): Checkpoints {
  const path = sqlite.filename
  const none = { checkpointHere() {}, runs: 0, stop() {} }
  if (path === '' || path === ':memory:') return none
  const mode = sqlite.query('PRAGMA journal_mode').get() as { journal_mode: string } | null
  if (mode?.journal_mode !== 'wal') return none
  sqlite.exec(`PRAGMA wal_autocheckpoint = ${fallbackPages}`)
  // One worker, started when there is something to copy and stopped when there is not.
  const pool = createWorkerPool<string, { walPages: number; checkpointed: number }>(
    workerEntry('db/checkpoint-worker.ts', import.meta.url, './checkpoint-worker.ts'),
    1,
    workerIdleMs,
  )
  let runs = 0
  let written = 0
  let running = false
  const timer = setInterval(() => {
    if (running) return
    let modified: number
    try {
      const wal = statSync(`${path}-wal`)
      // Empty: nothing to copy. The Worker's connection, closed when the pool stops it, may find
      // itself the last reader, checkpoint and truncate the WAL: that changes its time but must
      // not start the Worker again (an idle server did so every 6 s).
      if (wal.size === 0) return
      modified = wal.mtimeMs
    } catch {
      return // no WAL yet
    }
    if (modified === written) return
    running = true
    runs++
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
    get runs() {
      return runs
    },
    checkpointHere() {
      try {
        sqlite.exec('PRAGMA wal_checkpoint(PASSIVE)')
        written = statSync(`${path}-wal`).mtimeMs
      } catch (err) {
        log.warn('checkpoint failed', { error: err instanceof Error ? err.message : String(err) })
      }
    },
    stop() {
      clearInterval(timer)
      pool.close()
    },
  }
}
