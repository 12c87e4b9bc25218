// Work a busy event loop does between one client's command and the next. What another thread
// has finished (a WAL fsync, db/wal-sync.ts) is noticed there, within one command, not a whole
// turn of the loop later, when its completion message would come in.
const hooks = new Set<() => void>()

/** Runs `fn` at every command boundary until the returned function is called. */
export function onCommandBoundary(fn: () => void): () => void {
  hooks.add(fn)
  return () => hooks.delete(fn)
}

/** Called by connections before they wait for a client's next input. */
export function commandBoundary(): void {
  for (const fn of hooks) fn()
}
