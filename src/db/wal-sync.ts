// Making commits durable without stopping the event loop: the writer commits with
// synchronous=NORMAL (in WAL mode SQLite then syncs only at checkpoints, and a power cut can
// only lose the newest transactions, never corrupt the file), and before anyone is answered the
// WAL file is fdatasync'ed on a thread of the pool. One sync covers every commit made before it
// started, so concurrent batches share syncs (group commit). A slow disk (an SD card takes
// milliseconds per flush) then delays only the clients waiting for that write.
import type { Database } from 'bun:sqlite'
import { fdatasync, fdatasyncSync, openSync } from 'node:fs'
import { onCommandBoundary } from '../lib/command-boundary.ts'
import { workerEntry } from '../lib/workers.ts'

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
  const flusher = createFlusher(`${path}-wal`)
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
      const flushed = flusher.flush()
      if (flushed !== undefined) return flushed
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

/** Slots of the shared Int32Array (see wal-sync-worker.ts). */
const requestedSlot = 0
const completedSlot = 1
const failedSlot = 2
const stopSlot = 3
/**
 * The flushing Worker starts when flushes come less than this far apart (a busy writer; a quiet
 * one keeps using the pool) and stops after ten times as long without one (an idle server keeps
 * no Worker).
 */
const busyGapMs = 1000
const flusherIdleMs = 10_000

/**
 * fdatasync on a Worker that publishes each flush in shared memory; every command boundary
 * (lib/command-boundary.ts) looks, so a busy server answers the writers a flush covered right
 * away. `flush()` answers undefined while the Worker is not running (it starts it): the caller
 * then flushes on the pool as before.
 */
function createFlusher(walPath: string) {
  let worker: Worker | undefined
  let state: Int32Array | undefined
  let waiters: { n: number; resolve(): void; reject(err: Error): void }[] = []
  let lastRequest = 0
  let idleTimer: ReturnType<typeof setInterval> | undefined
  let stopBoundary: (() => void) | undefined

  const check = () => {
    if (state === undefined || waiters.length === 0) return
    const completed = Atomics.load(state, completedSlot)
    const failed = Atomics.load(state, failedSlot)
    const left: typeof waiters = []
    for (const w of waiters) {
      if (completed >= w.n) w.resolve()
      else if (failed >= w.n) w.reject(new Error('fdatasync of the WAL failed'))
      else left.push(w)
    }
    waiters = left
  }
  const stop = () => {
    if (state) Atomics.store(state, stopSlot, 1)
    if (state) Atomics.notify(state, requestedSlot)
    clearInterval(idleTimer)
    stopBoundary?.()
    for (const w of waiters) w.reject(new Error('WAL flusher stopped'))
    waiters = []
    worker = undefined
    state = undefined
  }
  const startWorker = () => {
    const shared = new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT)
    const w = new Worker(workerEntry('db/wal-sync-worker.ts', import.meta.url, './wal-sync-worker.ts'))
    w.onmessage = () => check()
    w.onerror = () => stop()
    w.postMessage({ path: walPath, state: shared })
    w.unref?.()
    worker = w
    state = new Int32Array(shared)
    stopBoundary = onCommandBoundary(check)
    idleTimer = setInterval(() => {
      if (waiters.length === 0 && Date.now() - lastRequest > flusherIdleMs) stop()
    }, flusherIdleMs / 2)
    idleTimer.unref()
  }
  return {
    flush(): Promise<void> | undefined {
      const now = Date.now()
      const busy = now - lastRequest < busyGapMs
      lastRequest = now
      if (worker === undefined || state === undefined) {
        if (busy) startWorker()
        return undefined
      }
      const n = Atomics.add(state, requestedSlot, 1) + 1
      Atomics.notify(state, requestedSlot)
      return new Promise<void>((resolve, reject) => waiters.push({ n, resolve, reject }))
    },
  }
}
