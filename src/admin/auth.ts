// Admin API authentication: HTTP Basic as `admin`, a bearer token from POST /api/token, or the
// web admin's session cookie (with its CSRF token on every state-changing request).
// Failures count against the same per-IP throttle as mail logins.
import type { Context, MiddlewareHandler } from 'hono'
import { getCookie } from 'hono/cookie'
import type { AuthThrottle } from '../directory/auth-throttle.ts'
import type { Directory } from '../directory/index.ts'
import { decodeSaslBase64, SaslError } from '../directory/sasl/mechanisms.ts'
import { HttpError } from './errors.ts'
import { csrfHeaderName, type SessionStore, sessionCookieName } from './session.ts'
import type { AdminEnv } from './types.ts'

const realm = 'Basic realm="Postern admin", charset="UTF-8"'

export function parseBasic(header: string): { user: string; password: string } | undefined {
  const m = /^Basic\s+(\S+)\s*$/i.exec(header)
  if (!m?.[1]) return undefined
  try {
    const decoded = decodeSaslBase64(m[1])
    const colon = decoded.indexOf(':')
    if (colon < 0) return undefined
    return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
  } catch (err) {
    if (err instanceof SaslError) return undefined
    throw err
  }
}

/** The web admin marks its requests, so a 401 does not make the browser pop up its own login box. */
export const uiRequestHeader = 'x-requested-with'

function challenge(c: Context, value: string): void {
  if (!c.req.header(uiRequestHeader)) c.header('WWW-Authenticate', value)
}

/** Methods that change nothing; every other one needs the CSRF token when a cookie authenticates it. */
export const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS'])

export function adminAuth(
  directory: Directory,
  throttle: AuthThrottle,
  sessions?: SessionStore,
): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const ip = c.env?.remoteAddress ?? 'unknown'
    const header = c.req.header('authorization')
    const verdict = throttle.check(ip)
    if (verdict.banned) {
      c.header('Retry-After', String(Math.ceil(verdict.retryAfterMs / 1000)))
      throw new HttpError(429, 'too many failed logins from this address; try again later')
    }
    if (!header && sessions) {
      const session = sessions.get(getCookie(c, sessionCookieName))
      if (session) {
        // A cookie rides along on any request the browser makes, also one another site forges:
        // only the page that was given the token can send it back (OWASP synchronizer token).
        if (!safeMethods.has(c.req.method) && !sessions.checkCsrf(session, c.req.header(csrfHeaderName))) {
          throw new HttpError(403, 'missing or wrong CSRF token (x-csrf-token header); reload the page')
        }
        c.set('actor', session.user)
        return next()
      }
    }
    if (!header) {
      challenge(c, realm)
      throw new HttpError(401, 'authentication required (HTTP Basic as admin, or Bearer token)')
    }
    if (/^Bearer\s/i.test(header)) {
      const token = header.replace(/^Bearer\s+/i, '').trim()
      if (directory.admin.verifyToken(token)) {
        c.set('actor', 'admin')
        return next()
      }
      throttle.recordFailure(ip, { service: 'admin' })
      challenge(c, 'Bearer error="invalid_token"')
      throw new HttpError(401, 'invalid or expired token')
    }
    const basic = parseBasic(header)
    if (!basic) {
      challenge(c, realm)
      throw new HttpError(401, 'malformed Authorization header')
    }
    if (verdict.delayMs > 0) await new Promise((r) => setTimeout(r, verdict.delayMs))
    if (await directory.admin.verify(basic.user, basic.password)) {
      throttle.recordSuccess(ip)
      c.set('actor', 'admin')
      return next()
    }
    // A mail account's own correct password is a valid login, just not an administrator.
    if (basic.user.includes('@') && (await directory.accounts.authenticate(basic.user, basic.password))) {
      throw new HttpError(403, 'this account is not an administrator')
    }
    throttle.recordFailure(ip, { service: 'admin', user: basic.user })
    challenge(c, realm)
    throw new HttpError(401, 'wrong user name or password')
  }
}
