// The state of each listener for the web admin's dashboard: up with its bound address, off, or
// failed with the reason. Failures are learned from the one bind-error line each listener logs
// (bind-error.ts), so the listener code needs no second reporting path.
import type { LogRing } from '../lib/log.ts'

export type ListenerState = 'up' | 'failed' | 'off' | 'not implemented'

export interface ListenerStatus {
  service: string
  /** The configured address ("host:port"), or "" when off. */
  configured: string
  /** The bound address when up (the real port when 0 was asked). */
  address?: string
  state: ListenerState
  reason?: string
}

const bindFailure = /^cannot listen for (\S+) on \S+: (.*)$/

/** Remembers the latest bind failure per service, from the log lines as they are written. */
export function watchBindFailures(ring: LogRing): { reasonFor(service: string): string | undefined } {
  const failures = new Map<string, string>()
  ring.follow((line) => {
    if (line.level !== 'error') return
    const m = bindFailure.exec(line.msg)
    if (m?.[1] && m[2]) failures.set(m[1], m[2])
  })
  return { reasonFor: (service) => failures.get(service) }
}
