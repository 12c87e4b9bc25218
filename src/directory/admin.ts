// The administrator credential (user `admin`) and the bearer tokens the admin API issues.
// Tokens are HMAC-signed and carry an epoch; a password reset bumps the epoch, so old tokens die.
import { createHmac, randomBytes } from 'node:crypto'
import type { Clock } from '../lib/clock.ts'
import { randomPassword } from '../lib/ids.ts'
import { timingSafeEqual } from '../lib/timing-safe.ts'
import type { PasswordHasher } from './passwords.ts'
import type { Settings } from './settings.ts'

export const adminUsername = 'admin'
const hashKey = 'admin.password_hash'
/** Settings key of the credential's epoch: bumped by every password change. */
export const adminEpochKey = 'admin.epoch'
const epochKey = adminEpochKey
const secretKey = 'admin.token_secret'
const tokenPrefix = 'pst_'

export function createAdmin(settings: Settings, hasher: PasswordHasher, clock: Clock) {
  const secret = () => settings.setIfAbsent(secretKey, randomBytes(32).toString('hex'))
  const sign = (payload: string) => createHmac('sha256', secret()).update(payload).digest('base64url')
  let dummyHash: Promise<string> | undefined

  const api = {
    hasPassword(): boolean {
      return settings.get<string>(hashKey) !== undefined
    },

    /** Sets the admin password and invalidates every token issued before. */
    async setPassword(password: string): Promise<void> {
      const hash = await hasher.hash(password)
      settings.set(hashKey, hash)
      settings.set(epochKey, (settings.get<number>(epochKey) ?? 0) + 1)
    },

    /**
     * First start: creates the admin password if there is none. With `fixedPassword`
     * (POSTERN_ADMIN_PASSWORD) that password is used, and re-applied if it was changed since.
     * Returns the generated password when one was made, for the caller to print once.
     */
    async ensure(fixedPassword?: string): Promise<{ generated?: string; changed: boolean }> {
      const current = settings.get<string>(hashKey)
      if (fixedPassword !== undefined && fixedPassword !== '') {
        if (current !== undefined && (await hasher.verify(fixedPassword, current))) return { changed: false }
        await api.setPassword(fixedPassword)
        return { changed: true }
      }
      if (current !== undefined) return { changed: false }
      const generated = randomPassword()
      await api.setPassword(generated)
      return { generated, changed: true }
    },

    /** Makes a new random password, stores it and returns it. */
    async reset(): Promise<string> {
      const password = randomPassword()
      await api.setPassword(password)
      return password
    },

    async verify(username: string, password: string): Promise<boolean> {
      const hash = settings.get<string>(hashKey)
      if (username !== adminUsername || hash === undefined) {
        dummyHash ??= hasher.hash(randomPassword())
        await hasher.verify(password, await dummyHash)
        return false
      }
      return hasher.verify(password, hash)
    },

    issueToken(ttlSeconds = 12 * 3600): { token: string; expiresAt: number } {
      const expiresAt = clock.now() + ttlSeconds * 1000
      const payload = Buffer.from(
        JSON.stringify({ exp: expiresAt, epoch: settings.get<number>(epochKey) ?? 0 }),
      ).toString('base64url')
      return { token: `${tokenPrefix}${payload}.${sign(payload)}`, expiresAt }
    },

    verifyToken(token: string): boolean {
      if (!token.startsWith(tokenPrefix)) return false
      const [payload, mac] = token.slice(tokenPrefix.length).split('.')
      if (!payload || !mac || !timingSafeEqual(mac, sign(payload))) return false
      try {
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as {
          exp: number
          epoch: number
        }
        return claims.exp > clock.now() && claims.epoch === (settings.get<number>(epochKey) ?? 0)
      } catch {
        return false
      }
    },
  }
  return api
}

export type Admin = ReturnType<typeof createAdmin>
