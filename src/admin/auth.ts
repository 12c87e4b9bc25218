// Admin API authentication: HTTP Basic as `admin`, or a bearer token from POST /api/token.
// Failures count against the same per-IP throttle as mail logins.
import type { MiddlewareHandler } from 'hono'
import type { AuthThrottle } from '../directory/auth-throttle.ts'
import type { Directory } from '../directory/index.ts'
import { decodeSaslBase64, SaslError } from '../directory/sasl/mechanisms.ts'
import { HttpError } from './errors.ts'
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

export function adminAuth(directory: Directory, throttle: AuthThrottle): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const ip = c.env?.remoteAddress ?? 'unknown'
    const header = c.req.header('authorization')
    const verdict = throttle.check(ip)
    if (verdict.banned) {
      c.header('Retry-After', String(Math.ceil(verdict.retryAfterMs / 1000)))
      throw new HttpError(429, 'too many failed logins from this address; try again later')
    }
    if (!header) {
      c.header('WWW-Authenticate', realm)
      throw new HttpError(401, 'authentication required (HTTP Basic as admin, or Bearer token)')
    }
    if (/^Bearer\s/i.test(header)) {
      const token = header.replace(/^Bearer\s+/i, '').trim()
      if (directory.admin.verifyToken(token)) {
        c.set('actor', 'admin')
        return next()
      }
      throttle.recordFailure(ip, { service: 'admin' })
      c.header('WWW-Authenticate', 'Bearer error="invalid_token"')
      throw new HttpError(401, 'invalid or expired token')
    }
    const basic = parseBasic(header)
    if (!basic) {
      c.header('WWW-Authenticate', realm)
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
    c.header('WWW-Authenticate', realm)
    throw new HttpError(401, 'wrong user name or password')
  }
}
