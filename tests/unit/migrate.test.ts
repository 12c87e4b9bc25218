import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/client.ts'
import { migrate } from '../../src/db/migrate.ts'
import { embeddedMigrations } from '../../src/db/migrations.generated.ts'
import { tempDir } from '../helpers/db.ts'

test('migrations apply to an empty database, and a re-run does nothing', () => {
  const dir = tempDir()
  try {
    const path = join(dir.path, 'postern.sqlite')
    const first = openDatabase(path)
    expect(migrate(first.sqlite).applied).toEqual(embeddedMigrations.map((m) => m.tag))
    const tables = first.sqlite
      .query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((r) => (r as { name: string }).name)
    for (const t of ['accounts', 'addresses', 'app_passwords', 'audit_log', 'domains', 'settings'])
      expect(tables).toContain(t)
    expect((first.sqlite.query('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode).toBe(
      'wal',
    )
    expect((first.sqlite.query('PRAGMA foreign_keys').get() as { foreign_keys: number }).foreign_keys).toBe(1)
    first.close()
    const second = openDatabase(path)
    expect(migrate(second.sqlite).applied).toEqual([])
    second.close()
  } finally {
    dir.remove()
  }
})

test('an edited migration is refused', () => {
  const handle = openDatabase(':memory:')
  migrate(handle.sqlite, [{ tag: '0000_x', when: 1, sql: 'CREATE TABLE t (a INTEGER)' }])
  expect(() =>
    migrate(handle.sqlite, [{ tag: '0000_x', when: 1, sql: 'CREATE TABLE t (b INTEGER)' }]),
  ).toThrow(/was changed after it was applied/)
})

test('a failing migration rolls back whole', () => {
  const handle = openDatabase(':memory:')
  const bad = {
    tag: '0000_bad',
    when: 1,
    sql: 'CREATE TABLE ok (a INTEGER);\n--> statement-breakpoint\nCREATE TABLE (',
  }
  expect(() => migrate(handle.sqlite, [bad])).toThrow()
  expect(handle.sqlite.query("SELECT name FROM sqlite_master WHERE name = 'ok'").get()).toBeNull()
  expect(handle.sqlite.query('SELECT count(*) AS n FROM postern_migrations').get()).toEqual({ n: 0 })
})
