// The admin REST API (mounted at /api): JSON, authenticated as the administrator.
// Resources of the design contract: domains, accounts, aliases, queue, settings, logs; plus token,
// the web admin's session, the dashboard's status, DNS records and certificates.
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { Config } from '../config/config.ts'
import { adminEpochKey } from '../directory/admin.ts'
import type { AuthThrottle } from '../directory/auth-throttle.ts'
import type { Directory } from '../directory/index.ts'
import type { Resolver } from '../dns/index.ts'
import type { Logger, LogRing } from '../lib/log.ts'
import { adminAuth } from './auth.ts'
import { errorResponse, HttpError } from './errors.ts'
import { accountRoutes } from './routes/accounts.ts'
import { aliasRoutes } from './routes/aliases.ts'
import { type CertificateAdmin, certificateRoutes } from './routes/certificates.ts'
import { dkimRoutes } from './routes/dkim.ts'
import { dnsCheckRoutes, domainDnsRoutes } from './routes/dns.ts'
import { domainRoutes } from './routes/domains.ts'
import { networkRoutes } from './routes/network.ts'
import { type QueueAdmin, queueRoutes } from './routes/queue.ts'
import { recentLogRoutes } from './routes/recent-logs.ts'
import { sessionRoutes } from './routes/session.ts'
import { type ServerInfo, statusRoutes } from './routes/status.ts'
import { createSessionStore, type SessionStore } from './session.ts'
import type { AdminEnv } from './types.ts'

export interface AdminApiDeps {
  directory: Directory
  throttle: AuthThrottle
  log: Logger
  bodyLimitBytes: number
  version?: string
  /** Web admin sessions; a fresh in-memory store when not given. */
  sessions?: SessionStore
  queue?: QueueAdmin
  /** DNS for the domain page's live check. */
  resolver?: Resolver
  server?: ServerInfo
  logRing?: LogRing
  certificates?: CertificateAdmin
  /** The running config's network part and the environment, for Settings › Network. */
  network?: { running: Pick<Config, 'hostname' | 'listen'>; env: Record<string, string | undefined> }
  now?: () => number
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
  const now = deps.now ?? Date.now
  const sessions =
    deps.sessions ??
    createSessionStore({ now, epoch: () => deps.directory.settings.get<number>(adminEpochKey) ?? 0 })
  // Before the auth middleware: logging in is how a browser gets authenticated.
  app.route('/session', sessionRoutes({ directory: deps.directory, throttle: deps.throttle, sessions }))
  app.use('*', adminAuth(deps.directory, deps.throttle, sessions))

  app.post('/token', (c) => {
    if (/^Bearer\s/i.test(c.req.header('authorization') ?? '')) {
      throw new HttpError(403, 'a token cannot be used to make another; use HTTP Basic')
    }
    const { token, expiresAt } = deps.directory.admin.issueToken()
    deps.directory.audit.record('admin', 'token.create', 'admin', undefined, c.env?.remoteAddress)
    return c.json({ token, expiresAt: new Date(expiresAt).toISOString() }, 201)
  })
  app.route('/domains', domainRoutes(deps.directory))
  app.route('/accounts', accountRoutes(deps.directory, deps.server?.quotaUsage))
  app.route('/aliases', aliasRoutes(deps.directory))
  app.route('/dkim', dkimRoutes(deps.directory))
  const hostname = () => deps.network?.running.hostname ?? deps.server?.hostname ?? 'localhost'
  app.route('/domains', domainDnsRoutes(deps.directory, hostname, deps.resolver))
  app.route('/dns-check', dnsCheckRoutes(deps.resolver))
  app.route(
    '/status',
    statusRoutes({
      ...deps,
      version: deps.version ?? 'unknown',
      now,
      queue: deps.queue,
      server: deps.server,
    }),
  )
  if (deps.queue) app.route('/queue', queueRoutes(deps.queue, deps.directory, now))
  if (deps.logRing) app.route('/logs/recent', recentLogRoutes(deps.logRing))
  if (deps.certificates) app.route('/certificates', certificateRoutes(deps.certificates, deps.directory))
  if (deps.network)
    app.route('/settings/network', networkRoutes({ directory: deps.directory, ...deps.network }))
  app.get('/logs', (c) => {
    const limit = Number(c.req.query('limit') ?? 100)
    const before = c.req.query('before')
    if (!Number.isInteger(limit) || limit < 1) throw new HttpError(400, '"limit" must be a whole number ≥ 1')
    const entries = deps.directory.audit.list(limit, before === undefined ? undefined : Number(before))
    return c.json(entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })))
  })
  return app
}
