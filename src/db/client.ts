// The SQLite database: one file, WAL, foreign keys, busy timeout, FULL sync so what a client
// was told is committed survives a power cut (the writer instead fsyncs the WAL itself, off the
// event loop: db/wal-sync.ts). Drizzle on bun:sqlite.
//
// Hot statements that join tables write an equality on a bound parameter as `= +?`: with a plain
// `= ?` in a join, the SQLite Bun bundles compiles the statement again at every execution
// (measured: a two-table point lookup 25 µs instead of 5). Unary plus leaves the value as it is.
import { Database } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { drizzle } from 'drizzle-orm/bun-sqlite'
import * as schema from './schema/index.ts'

export type Db = ReturnType<typeof drizzle<typeof schema>>

export interface DatabaseHandle {
  db: Db
  sqlite: Database
  path: string
  close(): void
}

/** Opens (creating if needed) the database file and sets the pragmas every connection needs. */
export function openDatabase(path: string): DatabaseHandle {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const sqlite = new Database(path, { create: true, strict: true })
  // Busy timeout first: another process (the CLI) may hold the write lock right now.
  sqlite.exec('PRAGMA busy_timeout = 10000')
  sqlite.exec('PRAGMA journal_mode = WAL')
  sqlite.exec('PRAGMA synchronous = FULL')
  sqlite.exec('PRAGMA foreign_keys = ON')
  sqlite.exec('PRAGMA temp_store = MEMORY')
  // 8 MiB of page cache: a batch of deliveries fits without spilling mid-transaction.
  sqlite.exec('PRAGMA cache_size = -8192')
  // Drizzle prepares a statement for every query it runs; bun:sqlite's query() keeps compiled
  // statements by SQL text, so hot paths (delivery, FETCH) do not recompile SQL each time.
  const cached = new Proxy(sqlite, {
    get(target, key) {
      if (key === 'prepare') return (text: string) => target.query(text)
      const value = Reflect.get(target, key, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  const db = drizzle({ client: cached, schema })
  let closed = false
  return {
    db,
    sqlite,
    path,
    close() {
      if (closed) return
      closed = true
      try {
        sqlite.exec('PRAGMA optimize')
      } finally {
        sqlite.close()
      }
    },
  }
}
