// Web admin sessions: a random id in an HttpOnly, SameSite=Strict cookie, and a CSRF token that
// every state-changing request made with that cookie must echo in the `x-csrf-token` header.
// Kept in memory: a restart logs the administrator out, which is acceptable for a single node
// (several nodes would keep them in the shared database; see DESIGN.md "Growing past one machine").
import { timingSafeEqual } from '../lib/timing-safe.ts'

export const sessionCookieName = 'postern_session'
export const csrfHeaderName = 'x-csrf-token'

export interface AdminSession {
  id: string
  csrfToken: string
  user: string
  createdAt: number
  lastSeenAt: number
  /** The admin credential's epoch at login: a password change ends the session. */
  epoch: number
}

export interface SessionOptions {
  now: () => number
  /** A session unused for this long ends. */
  idleMs?: number
  /** A session ends this long after login, used or not. */
  maxAgeMs?: number
  /** At most this many live sessions; the oldest goes first. */
  maxSessions?: number
  /**
   * The admin credential's current epoch (bumped by every password change, also by
   * `postern admin-password reset` in another process), so a new password logs everyone out.
   */
  epoch?: () => number
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}

export function createSessionStore(options: SessionOptions) {
  const idleMs = options.idleMs ?? 2 * 3600_000
  const maxAgeMs = options.maxAgeMs ?? 12 * 3600_000
  const maxSessions = options.maxSessions ?? 100
  const sessions = new Map<string, AdminSession>()

  const epoch = options.epoch ?? (() => 0)
  const isLive = (s: AdminSession, now: number) =>
    now - s.lastSeenAt < idleMs && now - s.createdAt < maxAgeMs && s.epoch === epoch()

  return {
    create(user: string): AdminSession {
      const now = options.now()
      for (const [id, s] of sessions) if (!isLive(s, now)) sessions.delete(id)
      // Map keeps insertion order: drop the oldest logins past the cap.
      for (const id of sessions.keys()) {
        if (sessions.size < maxSessions) break
        sessions.delete(id)
      }
      const session = {
        id: randomToken(),
        csrfToken: randomToken(),
        user,
        createdAt: now,
        lastSeenAt: now,
        epoch: epoch(),
      }
      sessions.set(session.id, session)
      return session
    },

    /** The live session for a cookie value, touched; undefined when unknown or expired. */
    get(id: string | undefined): AdminSession | undefined {
      if (!id) return undefined
      const s = sessions.get(id)
      if (!s) return undefined
      const now = options.now()
      if (!isLive(s, now)) {
        sessions.delete(id)
        return undefined
      }
      s.lastSeenAt = now
      return s
    },

    checkCsrf(session: AdminSession, token: string | undefined): boolean {
      return token !== undefined && token !== '' && timingSafeEqual(token, session.csrfToken)
    },

    remove(id: string): void {
      sessions.delete(id)
    },

    maxAgeSeconds: Math.floor(maxAgeMs / 1000),
  }
}

export type SessionStore = ReturnType<typeof createSessionStore>
