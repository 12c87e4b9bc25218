// A small answer cache in front of a Resolver: mail checks ask the same few questions for every
// message from a sender (SPF, DMARC, DKIM keys). Answers and "no such record" are kept for a
// short fixed time (the Resolver interface carries no TTLs); temporary failures are not kept.

import type { Resolver } from './types.ts'
import { type DnsError, isNoRecordError } from './types.ts'

export interface CacheOptions {
  /** How long an answer is reused. */
  ttlMs?: number
  maxEntries?: number
  now?: () => number
}

type Method = keyof Resolver

export function createCachingResolver(inner: Resolver, options: CacheOptions = {}): Resolver {
  const ttlMs = options.ttlMs ?? 60_000
  const maxEntries = options.maxEntries ?? 10_000
  const now = options.now ?? Date.now
  const entries = new Map<string, { until: number; value?: unknown; error?: DnsError }>()
  const inFlight = new Map<string, Promise<unknown>>()

  const ask = <T>(method: Method, name: string): Promise<T> => {
    const key = `${method}\0${name.toLowerCase()}`
    const hit = entries.get(key)
    if (hit && hit.until > now())
      return hit.error ? Promise.reject(hit.error) : Promise.resolve(hit.value as T)
    const pending = inFlight.get(key)
    if (pending) return pending as Promise<T>
    const call = (inner[method] as (n: string) => Promise<T>).call(inner, name)
    const settled = call.then(
      (value) => {
        remember(key, { until: now() + ttlMs, value })
        return value
      },
      (error: unknown) => {
        if (isNoRecordError(error)) remember(key, { until: now() + ttlMs, error: error as DnsError })
        throw error
      },
    )
    inFlight.set(key, settled)
    settled.then(
      () => inFlight.delete(key),
      () => inFlight.delete(key),
    )
    return settled
  }
  const remember = (key: string, entry: { until: number; value?: unknown; error?: DnsError }) => {
    if (entries.size >= maxEntries) {
      const t = now()
      for (const [k, e] of entries) if (e.until <= t) entries.delete(k)
      if (entries.size >= maxEntries) entries.clear()
    }
    entries.set(key, entry)
  }
  return {
    resolveTxt: (name) => ask('resolveTxt', name),
    resolveMx: (name) => ask('resolveMx', name),
    resolve4: (name) => ask('resolve4', name),
    resolve6: (name) => ask('resolve6', name),
    resolvePtr: (name) => ask('resolvePtr', name),
    reverse: (ip) => ask('reverse', ip),
    resolveCname: (name) => ask('resolveCname', name),
    resolveSrv: (name) => ask('resolveSrv', name),
  }
}
