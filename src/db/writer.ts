// The one place writes go through. Jobs queued in the same turn of the event loop run in one
// SQLite transaction (group commit): one fsync for many deliveries, each job isolated by a
// savepoint so one failing job does not undo the others. Callers are answered only after
// COMMIT and the WAL's fsync (wal-sync.ts), which runs off the event loop, so nothing is
// acknowledged before it is durable. Jobs are synchronous: no awaits inside a transaction.
import type { Database } from 'bun:sqlite'
import { type WalSync, walSync } from './wal-sync.ts'

export interface WriteContext {
  /** Runs after COMMIT (for example, publishing change events); never inside the transaction. */
  afterCommit(fn: () => void): void
}

export type WriteJob<T> = (ctx: WriteContext) => T

export interface Writer {
  /** Queues a job for the next group commit; resolves with its result once committed. */
  write<T>(job: WriteJob<T>): Promise<T>
  /** Runs a job in its own transaction right now (CLI, start-up); still durable on return. */
  writeNow<T>(job: WriteJob<T>): T
  /** Resolves when every queued job has been committed and made durable. */
  drain(): Promise<void>
}

interface Queued {
  job: WriteJob<unknown>
  resolve(value: unknown): void
  reject(err: unknown): void
}

/** Jobs per transaction at most, so one transaction stays short. */
const maxBatch = 500

export function createWriter(
  sqlite: Database,
  onError: (err: unknown) => void = () => {},
  wal: WalSync = walSync(sqlite),
): Writer {
  let queue: Queued[] = []
  let scheduled = false
  // Run for every batch and job: compiled once (exec() would parse each one every time).
  const statement = (text: string) => {
    const compiled = sqlite.prepare(text)
    return () => compiled.run()
  }
  const syncNormal = statement('PRAGMA synchronous = NORMAL')
  const syncFull = statement('PRAGMA synchronous = FULL')
  const begin = statement('BEGIN IMMEDIATE')
  const commit = statement('COMMIT')
  const savepoint = statement('SAVEPOINT job')
  const release = statement('RELEASE job')
  const rollbackJob = statement('ROLLBACK TO job')
  let syncing = 0
  const idle: (() => void)[] = []

  /**
   * Runs a batch in one transaction; returns what answers its callers (and runs the after-commit
   * hooks) once the caller has made the commit durable, or undefined when it was rolled back.
   */
  const runBatch = (
    batch: Queued[],
  ): ((durable: { ok: true } | { ok: false; err: unknown }) => void) | undefined => {
    const after: (() => void)[] = []
    const outcomes: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = []
    // The commit itself does not fsync (see wal-sync.ts); writes outside the writer keep FULL.
    if (wal.syncsWal) syncNormal()
    begin()
    try {
      for (const item of batch) {
        const mark = after.length
        savepoint()
        try {
          const value = item.job({ afterCommit: (fn) => after.push(fn) })
          release()
          outcomes.push({ ok: true, value })
        } catch (err) {
          rollbackJob()
          release()
          after.length = mark
          outcomes.push({ ok: false, err })
        }
      }
      commit()
    } catch (err) {
      if (sqlite.inTransaction) sqlite.exec('ROLLBACK')
      for (const item of batch) item.reject(err)
      return undefined
    } finally {
      if (wal.syncsWal) syncFull()
    }
    return (durable) => {
      if (!durable.ok) {
        // Committed, but not known to be on disk: nobody may be told it is done.
        for (const item of batch) item.reject(durable.err)
        return
      }
      batch.forEach((item, i) => {
        const outcome = outcomes[i]
        if (outcome?.ok) item.resolve(outcome.value)
        else item.reject(outcome?.err)
      })
      for (const fn of after) {
        try {
          fn()
        } catch (err) {
          onError(err)
        }
      }
    }
  }

  const settleIdle = () => {
    if (queue.length === 0 && !scheduled && syncing === 0) for (const fn of idle.splice(0)) fn()
  }

  const flush = () => {
    scheduled = false
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch)
      queue = queue.slice(maxBatch)
      const settle = runBatch(batch)
      if (settle === undefined) continue
      syncing++
      wal
        .sync()
        .then(
          () => settle({ ok: true }),
          (err: unknown) => settle({ ok: false, err }),
        )
        .finally(() => {
          syncing--
          settleIdle()
        })
    }
    settleIdle()
  }

  return {
    write<T>(job: WriteJob<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ job, resolve: resolve as (v: unknown) => void, reject })
        if (!scheduled) {
          scheduled = true
          setImmediate(flush)
        }
      })
    },
    writeNow<T>(job: WriteJob<T>): T {
      if (queue.length > 0) flush()
      let result: { value: T } | { err: unknown } | undefined
      const settle = runBatch([
        {
          job,
          resolve: (value) => {
            result = { value: value as T }
          },
          reject: (err) => {
            result = { err }
          },
        },
      ])
      if (settle) {
        try {
          wal.syncNow()
          settle({ ok: true })
        } catch (err) {
          settle({ ok: false, err })
        }
      }
      if (result && 'value' in result) return result.value
      throw result?.err
    },
    drain(): Promise<void> {
      if (queue.length === 0 && !scheduled && syncing === 0) return Promise.resolve()
      return new Promise((resolve) => idle.push(resolve))
    },
  }
}
