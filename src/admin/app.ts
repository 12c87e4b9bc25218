// The admin REST API (mounted at /api): JSON, authenticated as the administrator.
// Resources of the design contract: domains, accounts, aliases; plus token and logs (audit).
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { AuthThrottle } from '../directory/auth-throttle.ts'
import type { Directory } from '../directory/index.ts'
import type { Logger } from '../lib/log.ts'
import { adminAuth } from './auth.ts'
import { errorResponse, HttpError } from './errors.ts'
import { accountRoutes } from './routes/accounts.ts'
import { aliasRoutes } from './routes/aliases.ts'
import { dkimRoutes } from './routes/dkim.ts'
import { domainRoutes } from './routes/domains.ts'
import type { AdminEnv } from './types.ts'

export interface AdminApiDeps {
  directory: Directory
  throttle: AuthThrottle
  log: Logger
  bodyLimitBytes: number
}

export function createAdminApi(deps: AdminApiDeps) {
  const log = deps.log.child('admin')
  const app = new Hono<AdminEnv>()
  app.onError((err, c) => errorResponse(c, err, log))
  app.notFound((c) => c.json({ error: `no such resource: ${c.req.method} ${c.req.path}` }, 404))
  app.use(
    '*',
    bodyLimit({
      maxSize: deps.bodyLimitBytes,
      onError: (c) => c.json({ error: `request body larger than ${deps.bodyLimitBytes} bytes` }, 413),
    }),
  )
  app.use('*', adminAuth(deps.directory, deps.throttle))

  app.post('/token', (c) => {
    if (/^Bearer\s/i.test(c.req.header('authorization') ?? '')) {
      throw new HttpError(403, 'a token cannot be used to make another; use HTTP Basic')
    }
    const { token, expiresAt } = deps.directory.admin.issueToken()
    deps.directory.audit.record('admin', 'token.create', 'admin', undefined, c.env?.remoteAddress)
    return c.json({ token, expiresAt: new Date(expiresAt).toISOString() }, 201)
  })
  app.route('/domains', domainRoutes(deps.directory))
  app.route('/accounts', accountRoutes(deps.directory))
  app.route('/aliases', aliasRoutes(deps.directory))
  app.route('/dkim', dkimRoutes(deps.directory))
  app.get('/logs', (c) => {
    const limit = Number(c.req.query('limit') ?? 100)
    const before = c.req.query('before')
    if (!Number.isInteger(limit) || limit < 1) throw new HttpError(400, '"limit" must be a whole number ≥ 1')
    const entries = deps.directory.audit.list(limit, before === undefined ? undefined : Number(before))
    return c.json(entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })))
  })
  return app
}
