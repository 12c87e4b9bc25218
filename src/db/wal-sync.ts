// Making commits durable without stopping the event loop: the writer commits with
// synchronous=NORMAL (in WAL mode SQLite then syncs only at checkpoints, and a power cut can
// only lose the newest transactions, never corrupt the file), and before anyone is answered the
// WAL file is fdatasync'ed on a thread of the pool. One sync covers every commit made before it
// started, so concurrent batches share syncs (group commit). A slow disk (an SD card takes
// milliseconds per flush) then delays only the clients waiting for that write.
import type { Database } from 'bun:sqlite'
import { fdatasync, fdatasyncSync, openSync } from 'node:fs'

export interface WalSync {
  /**
   * Whether it fsyncs the WAL itself, so commits need not (synchronous=NORMAL). False where the
   * database is not in WAL mode (a file system without shared memory): commits then sync.
   */
  readonly syncsWal: boolean
  /** Resolves once everything committed before the call is on disk. */
  sync(): Promise<void>
  /** The same, blocking (the CLI, start-up). */
  syncNow(): void
}

const commitsSync: WalSync = { syncsWal: false, sync: () => Promise.resolve(), syncNow: () => {} }

/** For a database file in WAL mode; otherwise (in memory, another journal mode) commits sync. */
export function walSync(sqlite: Database): WalSync {
  const path = sqlite.filename
  if (path === '' || path === ':memory:') return commitsSync
  const mode = sqlite.query('PRAGMA journal_mode').get() as { journal_mode: string } | null
  if (mode?.journal_mode !== 'wal') return commitsSync
  let fd: number | undefined
  // The WAL exists from the first commit on and keeps its inode while the database is open.
  const walFd = () => {
    fd ??= openSync(`${path}-wal`, 'r')
    return fd
  }
  let running: Promise<void> | undefined
  let next: Promise<void> | undefined
  const start = (): Promise<void> => {
    const p = new Promise<void>((resolve, reject) => {
      fdatasync(walFd(), (err) => (err ? reject(err) : resolve()))
    })
    running = p
    const clear = () => {
      if (running === p) running = undefined
    }
    p.then(clear, clear)
    return p
  }
  return {
    syncsWal: true,
    sync() {
      if (running === undefined) return start()
      // A sync under way may have started before the caller's commit: wait for the next one,
      // which all callers meanwhile share.
      next ??= running
        .catch(() => undefined)
        .then(() => {
          next = undefined
          return start()
        })
      return next
    },
    syncNow() {
      fdatasyncSync(walFd())
    },
  }
}
