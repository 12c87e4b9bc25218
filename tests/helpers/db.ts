// Test helpers: a migrated in-memory (or temp-file) database and a directory with a fast hasher.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DatabaseHandle, openDatabase } from '../../src/db/client.ts'
import { migrate } from '../../src/db/migrate.ts'
import { createDirectory } from '../../src/directory/index.ts'
import type { PasswordHasher } from '../../src/directory/passwords.ts'
import { manualClock } from '../../src/lib/clock.ts'

/** A cheap, still real hasher for tests (bcrypt cost 4): argon2id at full cost would slow every test. */
export const fastHasher: PasswordHasher = {
  hash: (password) => Bun.password.hash(password, { algorithm: 'bcrypt', cost: 4 }),
  verify: async (password, hash) => Bun.password.verify(password, hash).catch(() => false),
}

export function tempDir(prefix = 'postern-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

/** An empty database file (WAL, as the server opens it) in a fresh directory; close() removes both. */
export function tempFileDatabase(): { handle: DatabaseHandle; path: string; close(): void } {
  const dir = tempDir()
  const path = join(dir.path, 'postern.sqlite')
  const handle = openDatabase(path)
  return {
    handle,
    path,
    close() {
      handle.close()
      dir.remove()
    },
  }
}

export function testDirectory() {
  const handle = openDatabase(':memory:')
  migrate(handle.sqlite)
  const clock = manualClock()
  const directory = createDirectory(handle.db, { hasher: fastHasher, clock })
  return { handle, directory, clock }
}
