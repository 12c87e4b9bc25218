// Applies the embedded drizzle-kit migrations at start-up, each in its own transaction,
// recording applied ones so a re-run does nothing. Safe when two processes start at once:
// BEGIN IMMEDIATE serialises them and the second sees the first's record.
import type { Database } from 'bun:sqlite'
import { type EmbeddedMigration, embeddedMigrations } from './migrations.generated.ts'

export interface MigrationResult {
  applied: string[]
}

export function migrate(
  sqlite: Database,
  migrations: EmbeddedMigration[] = embeddedMigrations,
): MigrationResult {
  sqlite.exec(`CREATE TABLE IF NOT EXISTS postern_migrations (
    tag TEXT PRIMARY KEY NOT NULL,
    hash TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`)
  const applied: string[] = []
  for (const m of migrations) {
    const hash = new Bun.CryptoHasher('sha256').update(m.sql).digest('hex')
    sqlite.exec('BEGIN IMMEDIATE')
    try {
      const row = sqlite.query('SELECT hash FROM postern_migrations WHERE tag = ?').get(m.tag) as {
        hash: string
      } | null
      if (row) {
        sqlite.exec('COMMIT')
        if (row.hash !== hash) {
          throw new Error(
            `migration ${m.tag} was changed after it was applied; migrations must never be edited`,
          )
        }
        continue
      }
      for (const statement of m.sql.split('--> statement-breakpoint')) {
        if (statement.trim() !== '') sqlite.exec(statement)
      }
      sqlite
        .query('INSERT INTO postern_migrations (tag, hash, applied_at) VALUES (?, ?, ?)')
        .run(m.tag, hash, Date.now())
      sqlite.exec('COMMIT')
      applied.push(m.tag)
    } catch (err) {
      if (sqlite.inTransaction) sqlite.exec('ROLLBACK')
      throw err
    }
  }
  return { applied }
}
