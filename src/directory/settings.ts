// Runtime settings stored in the database as JSON values under string keys.
import { eq } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { settings } from '../db/schema/index.ts'
import type { Clock } from '../lib/clock.ts'

export function createSettings(db: Db, clock: Clock) {
  return {
    get<T>(key: string): T | undefined {
      const row = db.select({ value: settings.value }).from(settings).where(eq(settings.key, key)).get()
      return row ? (JSON.parse(row.value) as T) : undefined
    },
    set(key: string, value: unknown): void {
      const text = JSON.stringify(value)
      db.insert(settings)
        .values({ key, value: text, updatedAt: clock.now() })
        .onConflictDoUpdate({ target: settings.key, set: { value: text, updatedAt: clock.now() } })
        .run()
    },
    /** Sets `key` only when it has no value yet; returns the value now stored. */
    setIfAbsent<T>(key: string, value: T): T {
      db.insert(settings)
        .values({ key, value: JSON.stringify(value), updatedAt: clock.now() })
        .onConflictDoNothing()
        .run()
      return this.get<T>(key) as T
    },
    all(): Record<string, unknown> {
      const out: Record<string, unknown> = {}
      for (const row of db.select().from(settings).all()) out[row.key] = JSON.parse(row.value)
      return out
    },
  }
}

export type Settings = ReturnType<typeof createSettings>
