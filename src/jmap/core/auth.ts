// Who a JMAP request is from: HTTP Basic with the account's password or an app password, or
// an app password alone as a bearer token (rfc6750), checked through the shared authenticator
// (throttle, logging). A password hash costs tens of
// milliseconds by design, and JMAP clients send credentials with every request, so a verified
// Authorization header is remembered briefly (by its SHA-256, never in clear).
import { createHash } from 'node:crypto'
import type { Authenticator } from '../../directory/sasl/authenticator.ts'
import type { Clock } from '../../lib/clock.ts'
import type { JmapPrincipal } from './context.ts'

export type AuthResult =
  | { ok: true; principal: JmapPrincipal }
  | { ok: false; banned: boolean; retryAfterMs?: number }

export interface CredentialCacheOptions {
  /** How long a verified header is trusted without checking the password again. */
  ttlMs?: number
  /**
   * Whether the credential behind a remembered header still works (directory
   * accounts.isCredentialCurrent, a cheap lookup): a revoked app password or a changed password
   * stops working at once, not when the remembered header expires.
   */
  isCredentialCurrent?: (accountId: number, credential: string) => boolean
  maxEntries?: number
}

export function parseBasicAuthorization(header: string): { user: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header)
  if (!m?.[1]) return undefined
  const decoded = Buffer.from(m[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon <= 0) return undefined
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

export function createJmapAuth(
  authenticator: Authenticator,
  clock: Clock,
  options: CredentialCacheOptions = {},
) {
  const ttlMs = options.ttlMs ?? 60_000
  const maxEntries = options.maxEntries ?? 10_000
  const verified = new Map<string, { principal: JmapPrincipal; until: number }>()

  return {
    async authenticate(header: string | undefined, remoteAddress: string): Promise<AuthResult> {
      if (!header) return { ok: false, banned: false }
      const key = createHash('sha256').update(header).digest('base64')
      const now = clock.now()
      const hit = verified.get(key)
      if (
        hit &&
        hit.until > now &&
        (options.isCredentialCurrent?.(hit.principal.id, hit.principal.credential) ?? true)
      )
        return { ok: true, principal: hit.principal }
      if (hit) verified.delete(key)
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1]
      const basic = bearer ? undefined : parseBasicAuthorization(header)
      if (!bearer && !basic) return { ok: false, banned: false }
      const outcome = await authenticator.authenticate(
        bearer
          ? { kind: 'token', authzid: '', token: bearer }
          : { kind: 'password', authzid: '', authcid: basic?.user ?? '', password: basic?.password ?? '' },
        { service: 'jmap', remoteAddress },
      )
      if (!outcome.ok)
        return {
          ok: false,
          banned: outcome.reason === 'banned',
          ...(outcome.retryAfterMs ? { retryAfterMs: outcome.retryAfterMs } : {}),
        }
      const principal = {
        id: outcome.account.id,
        email: outcome.account.email,
        credential: outcome.account.credential,
      }
      if (verified.size >= maxEntries) verified.delete(verified.keys().next().value as string)
      verified.set(key, { principal, until: now + ttlMs })
      return { ok: true, principal }
    },
  }
}

export type JmapAuth = ReturnType<typeof createJmapAuth>
