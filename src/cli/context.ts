// What CLI commands work on: the config, the database in the data directory (migrated), and
// the directory service. Safe while the server runs: SQLite WAL and a busy timeout.
import { join } from 'node:path'
import { type Config, loadConfig } from '../config/config.ts'
import { type DatabaseHandle, openDatabase } from '../db/client.ts'
import { migrate } from '../db/migrate.ts'
import { createWriter } from '../db/writer.ts'
import { createDirectory, type Directory } from '../directory/index.ts'
import { createEventBus } from '../events/bus.ts'
import { createQueueStore, type QueueStore } from '../queue/queue-store.ts'
import { createMailStore, type MailStore } from '../store/index.ts'

export interface CliContext {
  config: Config
  database: DatabaseHandle
  directory: Directory
  store: MailStore
  queue: QueueStore
  close(): void
}

export function databasePath(config: Config): string {
  return join(config.data_dir, 'postern.sqlite')
}

export function openCliContext(configFile: string | undefined, env = process.env): CliContext {
  const config = loadConfig({ file: configFile, env })
  const database = openDatabase(databasePath(config))
  migrate(database.sqlite)
  const directory = createDirectory(database.db)
  // The CLI's own writer: SQLite serialises it with the running server's (WAL + busy timeout).
  const store = createMailStore({
    db: database.db,
    writer: createWriter(database.sqlite),
    bus: createEventBus(),
  })
  return {
    config,
    database,
    directory,
    store,
    queue: createQueueStore(database.db, store.blobs, { expireAfterMs: config.delivery.expire_after }),
    close: () => database.close(),
  }
}
