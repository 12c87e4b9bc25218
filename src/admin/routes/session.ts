// /api/session: the web admin's login (POST), who-am-I with the CSRF token (GET) and logout (DELETE).
// Login failures count against the same per-IP throttle as SMTP/IMAP logins and the Basic API.
import { Hono } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { AuthThrottle } from '../../directory/auth-throttle.ts'
import type { Directory } from '../../directory/index.ts'
import { HttpError, jsonBody, onlyKeys, optionalString } from '../errors.ts'
import { csrfHeaderName, type SessionStore, sessionCookieName } from '../session.ts'
import type { AdminEnv } from '../types.ts'

export interface SessionRouteDeps {
  directory: Directory
  throttle: AuthThrottle
  sessions: SessionStore
}

const wrongCredentials = 'wrong user name or password'

export function sessionRoutes(deps: SessionRouteDeps) {
  const app = new Hono<AdminEnv>()
  const isHttps = (url: string) => url.startsWith('https:')

  app.post('/', async (c) => {
    // A cross-site form cannot send JSON without a CORS preflight, which we never grant: this is
    // what keeps another site from logging the browser in to its own session (login CSRF).
    if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) {
      throw new HttpError(415, 'log in with a JSON body {"user","password"}')
    }
    const ip = c.env?.remoteAddress ?? 'unknown'
    const verdict = deps.throttle.check(ip)
    if (verdict.banned) {
      c.header('Retry-After', String(Math.ceil(verdict.retryAfterMs / 1000)))
      throw new HttpError(429, 'too many failed logins from this address; try again later')
    }
    const body = await jsonBody(c)
    onlyKeys(body, ['user', 'password'])
    const user = optionalString(body, 'user') || 'admin'
    const password = optionalString(body, 'password') ?? ''
    if (verdict.delayMs > 0) await new Promise((r) => setTimeout(r, verdict.delayMs))
    if (password === '' || !(await deps.directory.admin.verify(user, password))) {
      deps.throttle.recordFailure(ip, { service: 'admin-web', user })
      throw new HttpError(401, wrongCredentials)
    }
    deps.throttle.recordSuccess(ip)
    const session = deps.sessions.create(user)
    setCookie(c, sessionCookieName, session.id, {
      path: '/',
      httpOnly: true,
      sameSite: 'Strict',
      secure: isHttps(c.req.url),
      maxAge: deps.sessions.maxAgeSeconds,
    })
    deps.directory.audit.record(user, 'session.create', user, undefined, ip)
    return c.json({ user: session.user, csrfToken: session.csrfToken }, 201)
  })

  app.get('/', (c) => {
    const session = deps.sessions.get(getCookie(c, sessionCookieName))
    if (!session) throw new HttpError(401, 'not logged in')
    return c.json({ user: session.user, csrfToken: session.csrfToken })
  })

  app.delete('/', (c) => {
    const session = deps.sessions.get(getCookie(c, sessionCookieName))
    if (session) {
      if (!deps.sessions.checkCsrf(session, c.req.header(csrfHeaderName)))
        throw new HttpError(403, 'missing or wrong CSRF token (x-csrf-token header); reload the page')
      deps.sessions.remove(session.id)
    }
    deleteCookie(c, sessionCookieName, { path: '/', secure: isHttps(c.req.url) })
    return c.body(null, 204)
  })
  return app
}
