// Worker side of WAL checkpoints: copies committed pages from the WAL into the database file on
// a connection of its own, so a checkpoint's copying and fsyncs never stop the event loop.
import { Database } from 'bun:sqlite'

declare const self: Worker

let db: Database | undefined
let openPath = ''

self.onmessage = (event: MessageEvent<{ id: number; input: string }>) => {
  const { id, input: path } = event.data
  try {
    if (db === undefined || openPath !== path) {
      db?.close()
      db = new Database(path)
      db.exec('PRAGMA busy_timeout = 10000')
      openPath = path
    }
    // PASSIVE: never waits for readers or the writer; what it cannot copy now waits for the next.
    const row = db.query('PRAGMA wal_checkpoint(PASSIVE)').values()[0] as [number, number, number]
    self.postMessage({ id, ok: true, value: { walPages: row[1], checkpointed: row[2] } })
  } catch (err) {
    self.postMessage({ id, ok: false, error: err instanceof Error ? err.message : String(err) })
  }
}
