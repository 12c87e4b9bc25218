// /api/logs/recent: the server's recent log lines from memory, filtered by level and component.
// The page follows live by asking again with `after` = the last `seq` it has.
import { Hono } from 'hono'
import type { LogLevel, LogRing } from '../../lib/log.ts'
import { HttpError } from '../errors.ts'
import type { AdminEnv } from '../types.ts'

const levels = new Set<LogLevel>(['debug', 'info', 'warn', 'error'])

export function recentLogRoutes(ring: LogRing) {
  const app = new Hono<AdminEnv>()
  app.get('/', (c) => {
    const level = c.req.query('level') || 'debug'
    if (!levels.has(level as LogLevel)) throw new HttpError(400, '"level" must be debug, info, warn or error')
    const after = Number(c.req.query('after') ?? 0)
    const limit = Number(c.req.query('limit') ?? 500)
    if (!Number.isSafeInteger(after) || after < 0) throw new HttpError(400, '"after" must be a whole number')
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new HttpError(400, '"limit" must be a whole number ≥ 1')
    const component = c.req.query('component') || undefined
    return c.json({
      lines: ring.recent({ after, level: level as LogLevel, component, limit }),
      last: ring.lastSeq(),
      components: ring.components(),
    })
  })
  return app
}
