// Worker side of WAL fsyncs (wal-sync.ts): waits on a shared counter of requests, fdatasyncs the
// WAL and publishes the request number it covered, so the event loop sees a flush done between
// two clients' commands instead of a whole turn later.
import { fdatasyncSync, openSync } from 'node:fs'

declare const self: Worker

/** Slots of the shared Int32Array: requested, completed, failed, stop. */
const requested = 0
const completed = 1
const failed = 2
const stop = 3

self.onmessage = (event: MessageEvent<{ path: string; state: SharedArrayBuffer }>) => {
  const state = new Int32Array(event.data.state)
  const fd = openSync(event.data.path, 'r')
  let done = Atomics.load(state, completed)
  while (Atomics.load(state, stop) === 0) {
    Atomics.wait(state, requested, done, 1000)
    const target = Atomics.load(state, requested)
    if (target === done) continue
    try {
      fdatasyncSync(fd)
      Atomics.store(state, completed, target)
    } catch {
      Atomics.store(state, failed, target)
    }
    done = target
    // For an event loop with nothing else to do: it learns of the flush from this message.
    self.postMessage(target)
  }
  self.postMessage('stopped')
}
