// A small pool of Workers for CPU-heavy work (MIME parsing, compression), so one large message
// never stalls every other client, and bulk work uses every core.

/**
 * Where a worker's code is: `srcPath` is its path under src/ (e.g. "store/parse-worker.ts"),
 * `near` a URL beside it (import.meta.url of the caller). In the single binary the worker is a
 * second entry point of `bun build --compile`, stored under /$bunfs/root/ relative to src/, and
 * import.meta.url names the binary rather than the source file, so the path is spelled out.
 */
export function workerEntry(srcPath: string, near: string, relative: string): string {
  if (near.includes('/$bunfs/')) return `/$bunfs/root/${srcPath}`
  return new URL(relative, near).href
}

interface Pending {
  resolve(value: unknown): void
  reject(err: unknown): void
}

export interface WorkerPool<In, Out> {
  run(input: In): Promise<Out>
  readonly size: number
  close(): void
}

/**
 * A pool of up to `size` workers from `entry`, started on first use and stopped after
 * `idleMs` without work (an idle server keeps no worker memory). Each message carries an id;
 * the worker answers `{ id, ok, value | error }`.
 */
export function createWorkerPool<In, Out>(entry: string, size: number, idleMs = 30_000): WorkerPool<In, Out> {
  const pending = new Map<number, Pending & { worker: Worker }>()
  let workers: Worker[] = []
  let nextId = 1
  let turn = 0
  let idleTimer: ReturnType<typeof setTimeout> | undefined

  const stop = () => {
    for (const w of workers) w.terminate()
    workers = []
  }
  const start = (): Worker => {
    const worker = new Worker(entry)
    worker.onmessage = (
      event: MessageEvent<{ id: number; ok: boolean; value?: unknown; error?: string }>,
    ) => {
      const p = pending.get(event.data.id)
      if (!p) return
      pending.delete(event.data.id)
      if (event.data.ok) p.resolve(event.data.value)
      else p.reject(new Error(event.data.error ?? 'worker failed'))
      if (pending.size === 0) {
        idleTimer = setTimeout(stop, idleMs)
        idleTimer.unref?.()
      }
    }
    worker.onerror = (event) => {
      for (const [id, p] of pending) {
        if (p.worker !== worker) continue
        pending.delete(id)
        p.reject(new Error(`worker crashed: ${event.message}`))
      }
      workers = workers.filter((w) => w !== worker)
      worker.terminate()
    }
    return worker
  }
  return {
    size: Math.max(1, size),
    run(input) {
      clearTimeout(idleTimer)
      if (workers.length < Math.max(1, size) && pending.size >= workers.length) workers.push(start())
      const worker = workers[turn++ % workers.length] as Worker
      const id = nextId++
      return new Promise<Out>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, worker })
        worker.postMessage({ id, input })
      })
    },
    close() {
      clearTimeout(idleTimer)
      stop()
      for (const p of pending.values()) p.reject(new Error('worker pool closed'))
      pending.clear()
    },
  }
}
