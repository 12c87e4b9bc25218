// Verifies SASL credentials against the directory, applying the per-IP throttle, and logs
// the outcome (never the password). The one place every protocol's login goes through.
import type { Logger } from '../../lib/log.ts'
import type { Accounts, AuthenticatedAccount } from '../accounts.ts'
import type { AuthThrottle } from '../auth-throttle.ts'
import type { SaslCredentials } from './mechanisms.ts'

export type AuthOutcome =
  | { ok: true; account: AuthenticatedAccount }
  | { ok: false; reason: 'invalid' | 'banned' | 'unsupported' | 'authzid'; retryAfterMs?: number }

export interface AuthContext {
  service: string
  remoteAddress: string
  conn?: string
}

export interface AuthenticatorDeps {
  accounts: Pick<Accounts, 'authenticate' | 'authenticateToken'>
  throttle: AuthThrottle
  log: Logger
  sleep?: (ms: number) => Promise<void>
}

export function createAuthenticator(deps: AuthenticatorDeps) {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  const log = deps.log.child('auth')
  return {
    async authenticate(credentials: SaslCredentials, ctx: AuthContext): Promise<AuthOutcome> {
      const ip = ctx.remoteAddress
      const verdict = deps.throttle.check(ip)
      if (verdict.banned) {
        log.info('authentication refused: banned', { conn: ctx.conn, service: ctx.service, ip })
        return { ok: false, reason: 'banned', retryAfterMs: verdict.retryAfterMs }
      }
      if (verdict.delayMs > 0) await sleep(verdict.delayMs)
      if (credentials.kind === 'token') {
        const account = await deps.accounts.authenticateToken(credentials.token)
        if (!account) {
          deps.throttle.recordFailure(ip, { service: ctx.service, user: '(token)' })
          log.info('authentication failed: bearer token', { conn: ctx.conn, service: ctx.service, ip })
          return { ok: false, reason: 'invalid' }
        }
        deps.throttle.recordSuccess(ip)
        log.info('authenticated', {
          conn: ctx.conn,
          service: ctx.service,
          ip,
          user: account.email,
          app: account.appPassword,
        })
        return { ok: true, account }
      }
      const user = credentials.authcid
      // Acting as another user (proxy authorization) is not offered: authzid must be empty or the same user.
      if (credentials.authzid !== '' && credentials.authzid.toLowerCase() !== user.toLowerCase()) {
        deps.throttle.recordFailure(ip, { service: ctx.service, user })
        log.info('authentication failed: authzid differs', { conn: ctx.conn, service: ctx.service, ip, user })
        return { ok: false, reason: 'authzid' }
      }
      const account = await deps.accounts.authenticate(user, credentials.password)
      if (!account) {
        deps.throttle.recordFailure(ip, { service: ctx.service, user })
        log.info('authentication failed', { conn: ctx.conn, service: ctx.service, ip, user })
        return { ok: false, reason: 'invalid' }
      }
      deps.throttle.recordSuccess(ip)
      log.info('authenticated', {
        conn: ctx.conn,
        service: ctx.service,
        ip,
        user: account.email,
        app: account.appPassword,
      })
      return { ok: true, account }
    },
  }
}

export type Authenticator = ReturnType<typeof createAuthenticator>
