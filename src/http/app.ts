// The one Hono app served on the `http` and `https` listeners: health, the admin API, the web
// admin (/login, /admin) and, as later issues land, JMAP, DAV, well-known and autoconfig.
import { Hono } from 'hono'
import { type AdminApiDeps, createAdminApi } from '../admin/app.ts'
import type { AdminEnv } from '../admin/types.ts'
import type { QueueSummaryCounts } from '../queue/queue-store.ts'
import { webAdminRoutes } from './web-admin.ts'

export interface HttpAppDeps extends AdminApiDeps {
  version: string
  /** The outbound queue's counts for /healthz. */
  queueSummary?: () => QueueSummaryCounts
}

export function createHttpApp(deps: HttpAppDeps) {
  const log = deps.log.child('http')
  const app = new Hono<AdminEnv>()
  app.use('*', async (c, next) => {
    const started = performance.now()
    await next()
    log.debug('request', {
      ip: c.env?.remoteAddress,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
    })
  })
  app.get('/healthz', (c) => {
    const queue = deps.queueSummary?.()
    return c.json({
      status: 'ok',
      version: deps.version,
      ...(queue
        ? {
            queue: {
              ...queue,
              oldestCreatedAt:
                queue.oldestCreatedAt === null ? null : new Date(queue.oldestCreatedAt).toISOString(),
            },
          }
        : {}),
    })
  })
  app.route('/api', createAdminApi(deps))
  app.route('/', webAdminRoutes())
  app.notFound((c) => c.json({ error: 'not found' }, 404))
  return app
}

export type HttpApp = ReturnType<typeof createHttpApp>
