// /api/status: the dashboard — version, uptime, listeners, counts, queue size, disk use, and the
// recent deliveries and rejections (from the in-memory log).
import { Hono } from 'hono'
import type { Directory } from '../../directory/index.ts'
import type { LogRing } from '../../lib/log.ts'
import type { ListenerStatus } from '../../net/listener-status.ts'
import type { AdminEnv } from '../types.ts'
import type { QueueAdmin } from './queue.ts'

/** What server.ts tells the dashboard about the running server. */
export interface ServerInfo {
  version: string
  hostname: string
  startedAt: number
  listeners(): ListenerStatus[]
  /** Bytes of the SQLite file with its WAL. */
  databaseBytes(): number
  /** Messages stored across all accounts. */
  messageCount(): number
  quotaUsage(accountId: number): { usedBytes: number; usedMessages: number }
}

export interface StatusDeps {
  directory: Directory
  server?: ServerInfo
  queue?: QueueAdmin
  logRing?: LogRing
  version: string
  now: () => number
}

/** Log lines about mail accepted or refused: SMTP's "message accepted", refusals, bans. */
const mailEvent = /message accepted|refus|reject|denied|bounce|deliver|authentication ban/i

export function statusRoutes(deps: StatusDeps) {
  const app = new Hono<AdminEnv>()
  app.get('/', (c) => {
    const now = deps.now()
    const server = deps.server
    const events = (deps.logRing?.recent({ level: 'info' }) ?? [])
      .filter((l) => mailEvent.test(l.msg))
      .slice(-20)
      .reverse()
    return c.json({
      version: server?.version ?? deps.version,
      hostname: server?.hostname ?? null,
      startedAt: server ? new Date(server.startedAt).toISOString() : null,
      uptimeSeconds: server ? Math.floor((now - server.startedAt) / 1000) : null,
      listeners: server?.listeners() ?? [],
      counts: {
        domains: deps.directory.domains.list().length,
        accounts: deps.directory.accounts.list().length,
        aliases: deps.directory.aliases.list().length,
        messages: server?.messageCount() ?? null,
        queue: deps.queue?.list().length ?? null,
      },
      databaseBytes: server?.databaseBytes() ?? null,
      recentMail: events.map((l) => ({ at: l.at, level: l.level, component: l.component, line: l.line })),
    })
  })
  return app
}
