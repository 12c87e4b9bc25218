// The SQLite database: one file, WAL, foreign keys, busy timeout, FULL sync so what a client
// was told is committed survives a power cut (the writer instead fsyncs the WAL itself, off the
// event loop: db/wal-sync.ts). Drizzle on bun:sqlite.
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

// With an equality on a bound parameter (`x = ?`) in a statement that joins tables or has a
// subquery, the SQLite that Bun bundles compiles the statement again at every run, as if its plan
// depended on the value (measured: a two-table lookup by key 25 µs instead of 5; IMAP's listing
// of 20 messages 120 µs instead of 55). Written `x = +?` it does not; unary plus leaves the value,
// its affinity and the column's collation as they are, and indexes still serve the comparison.
// Every statement run through the handle gets that spelling, once per SQL text.
const stableTexts = new Map<string, string>()
function planStable(text: string): string {
  let stable = stableTexts.get(text)
  if (stable === undefined) {
    stable = text.replace(/(?<![!<>=])(=\s*)\?/g, '$1+?')
    stableTexts.set(text, stable)
  }
  return stable
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
      if (key === 'prepare' || key === 'query') return (text: string) => target.query(planStable(text))
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
