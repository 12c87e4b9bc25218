// The audit log of administrative actions (API and CLI). Details never hold secrets.
import { desc, lt } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { auditLog } from '../db/schema/index.ts'
import type { Clock } from '../lib/clock.ts'

export interface AuditEntry {
  id: number
  at: number
  actor: string
  action: string
  target: string
  detail: unknown
  remoteAddress: string | null
}

export function createAudit(db: Db, clock: Clock) {
  return {
    record(actor: string, action: string, target: string, detail?: unknown, remoteAddress?: string): void {
      db.insert(auditLog)
        .values({
          at: clock.now(),
          actor,
          action,
          target,
          detail: detail === undefined ? null : JSON.stringify(detail),
          remoteAddress: remoteAddress ?? null,
        })
        .run()
    },
    /** Newest first; `before` is an id for paging. */
    list(limit = 100, before?: number): AuditEntry[] {
      const query = db.select().from(auditLog)
      const rows = (before === undefined ? query : query.where(lt(auditLog.id, before)))
        .orderBy(desc(auditLog.id))
        .limit(Math.min(Math.max(limit, 1), 1000))
        .all()
      return rows.map((r) => ({ ...r, detail: r.detail === null ? null : JSON.parse(r.detail) }))
    },
  }
}

export type Audit = ReturnType<typeof createAudit>
