// Failed-authentication throttling per client IP: after a few failures each attempt waits a
// growing delay, and past a limit the IP is banned for a while. Shared by every protocol.
// Kept in memory: a restart forgives, which is acceptable for a single node.
import type { Config } from '../config/config.ts'
import type { Clock } from '../lib/clock.ts'
import type { Logger } from '../lib/log.ts'

/** The `[auth]` section of the config. */
export type ThrottlePolicy = Config['auth']

interface Record {
  failures: number
  firstAt: number
  bannedUntil: number
}

export type ThrottleVerdict = { banned: true; retryAfterMs: number } | { banned: false; delayMs: number }

const maxTracked = 100_000

export function createAuthThrottle(policy: ThrottlePolicy, clock: Clock, log: Logger) {
  const records = new Map<string, Record>()

  const current = (ip: string): Record | undefined => {
    const r = records.get(ip)
    if (!r) return undefined
    const now = clock.now()
    if (r.bannedUntil > now) return r
    // A served ban starts the count afresh; so does the end of the window.
    if (r.bannedUntil > 0 || now - r.firstAt > policy.window_seconds * 1000) {
      records.delete(ip)
      return undefined
    }
    return r
  }

  const prune = () => {
    if (records.size < maxTracked) return
    for (const ip of records.keys()) current(ip)
    // Still full: drop the oldest entries (Map keeps insertion order).
    for (const ip of records.keys()) {
      if (records.size < maxTracked * 0.9) break
      records.delete(ip)
    }
  }

  return {
    /** Whether this IP may try now, and how long to wait before answering if so. */
    check(ip: string): ThrottleVerdict {
      const r = current(ip)
      const now = clock.now()
      if (r && r.bannedUntil > now) return { banned: true, retryAfterMs: r.bannedUntil - now }
      const failures = r?.failures ?? 0
      if (failures < policy.throttle_after) return { banned: false, delayMs: 0 }
      const exponent = Math.min(failures - policy.throttle_after, 20)
      return {
        banned: false,
        delayMs: Math.min(policy.throttle_delay_ms * 2 ** exponent, policy.throttle_max_delay_ms),
      }
    },

    recordFailure(ip: string, detail: { service: string; user?: string }): void {
      prune()
      const now = clock.now()
      let r = current(ip)
      if (!r) {
        r = { failures: 0, firstAt: now, bannedUntil: 0 }
        records.set(ip, r)
      }
      r.failures++
      if (r.failures >= policy.ban_after) {
        r.bannedUntil = now + policy.ban_seconds * 1000
        log.warn('authentication ban', { ip, failures: r.failures, seconds: policy.ban_seconds, ...detail })
      } else if (r.failures === policy.throttle_after) {
        log.info('authentication throttled', { ip, failures: r.failures, ...detail })
      }
    },

    recordSuccess(ip: string): void {
      const r = records.get(ip)
      if (r && r.bannedUntil <= clock.now()) records.delete(ip)
    },

    /** Lifts a ban (admin action). */
    forgive(ip: string): void {
      records.delete(ip)
    },

    banned(): { ip: string; until: number }[] {
      const now = clock.now()
      return [...records]
        .filter(([, r]) => r.bannedUntil > now)
        .map(([ip, r]) => ({ ip, until: r.bannedUntil }))
    },
  }
}

export type AuthThrottle = ReturnType<typeof createAuthThrottle>
