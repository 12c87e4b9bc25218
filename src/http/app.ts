// The one Hono app served on the `http` and `https` listeners: health, the admin API, the web
// admin (/login, /admin) and, as later issues land, JMAP, DAV, well-known and autoconfig.
import { Hono } from 'hono'
import { type AdminApiDeps, createAdminApi } from '../admin/app.ts'
import type { AdminEnv } from '../admin/types.ts'
import { createJmapApp, type JmapAppDeps } from '../jmap/app.ts'
import type { QueueSummaryCounts } from '../queue/queue-store.ts'
import { webAdminRoutes } from './web-admin.ts'

export interface HttpAppDeps extends AdminApiDeps {
  version: string
  /** The outbound queue's counts for /healthz. */
  queueSummary?: () => QueueSummaryCounts
  /** The MTA-STS policy this server publishes for its domains (rfc8461 section 3.2). */
  mtaSts?: { mode: 'enforce' | 'testing' | 'none'; mx: string }
  /** The JMAP API (rfc8620), mounted at /jmap when given. */
  jmap?: JmapAppDeps
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
  // rfc8461 section 3.3: the policy of the domain the Host names, at mta-sts.<domain>.
  app.get('/.well-known/mta-sts.txt', (c) => {
    const host = (c.req.header('host') ?? '').toLowerCase().replace(/:\d+$/, '')
    const domain = host.startsWith('mta-sts.') ? host.slice('mta-sts.'.length) : ''
    if (!deps.mtaSts || !domain || !deps.directory.domains.isLocal(domain)) {
      return c.text('no MTA-STS policy here\n', 404)
    }
    const policy = `version: STSv1\r\nmode: ${deps.mtaSts.mode}\r\nmx: ${deps.mtaSts.mx}\r\nmax_age: 604800\r\n`
    return c.text(policy, 200, { 'cache-control': 'max-age=3600' })
  })
  if (deps.jmap) {
    // rfc8620#section-2.2: autodiscovery finds the session resource through this redirect.
    app.get('/.well-known/jmap', (c) => c.redirect('/jmap/session', 307))
    app.route('/jmap', createJmapApp(deps.jmap))
  }
  app.route('/api', createAdminApi(deps))
  app.route('/', webAdminRoutes())
  app.notFound((c) => c.json({ error: 'not found' }, 404))
  return app
}

export type HttpApp = ReturnType<typeof createHttpApp>
