// Value parsers for the bootstrap config: each returns the parsed value or throws a message
// saying what is allowed. Kept pure so the loader and the tests share them.

import { tryParseSize } from '../lib/size.ts'

export interface HostPort {
  host: string
  port: number
}

export class ValueError extends Error {}

export function parseString(value: unknown): string {
  if (typeof value !== 'string') throw new ValueError('a string')
  return value
}

export function parseHostname(value: unknown): string {
  const text = parseString(value).trim().toLowerCase()
  if (
    !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/.test(
      text,
    )
  ) {
    throw new ValueError('a DNS host name such as mail.example.org')
  }
  return text.replace(/\.$/, '')
}

/** `host:port`, `[v6]:port` or `:port` (all addresses). */
export function parseHostPort(value: unknown, what = 'host:port (e.g. 127.0.0.1:25 or [::1]:25)'): HostPort {
  if (typeof value !== 'string') throw new ValueError(what)
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(value.trim())
  if (!m) throw new ValueError(what)
  const port = Number(m[3])
  if (port > 65535) throw new ValueError(`${what}, with a port from 0 to 65535`)
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port }
}

/** A listener address, or null when the service is turned off with "" or "off". */
export function parseListen(value: unknown): HostPort | null {
  if (value === '' || value === 'off' || value === false) return null
  return parseHostPort(value, 'host:port (e.g. 0.0.0.0:143), or "off" to disable the service')
}

export function parseHostPortList(value: unknown): HostPort[] {
  const items = typeof value === 'string' ? value.split(',').filter((s) => s.trim() !== '') : value
  if (!Array.isArray(items)) throw new ValueError('a list of "host:port" strings')
  return items.map((item) => parseHostPort(typeof item === 'string' ? item.trim() : item))
}

export function parseOptionalHostPort(value: unknown): HostPort | null {
  if (value === '' || value === 'off') return null
  return parseHostPort(value)
}

export function parseInteger(min: number, max: number) {
  return (value: unknown): number => {
    const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      throw new ValueError(`a whole number from ${min} to ${max}`)
    }
    return n
  }
}

export function parseSize(value: unknown): number {
  const n = typeof value === 'string' || typeof value === 'number' ? tryParseSize(value) : undefined
  if (n === undefined) throw new ValueError('a size such as 1048576, 512K, 25M or 2G')
  return n
}

export function parseEnum<T extends string>(allowed: readonly T[]) {
  return (value: unknown): T => {
    if (typeof value !== 'string' || !allowed.includes(value as T)) {
      throw new ValueError(`one of ${allowed.map((a) => `"${a}"`).join(', ')}`)
    }
    return value as T
  }
}

const durationUnits: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `90s`, `15m`, `2h`, `5d` (or a bare number of seconds) → milliseconds; undefined if malformed. */
export function tryParseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isInteger(text) && text >= 0 ? text * 1000 : undefined
  const m = /^\s*(\d+)\s*([smhd]?)\s*$/i.exec(text)
  if (!m) return undefined
  return Number(m[1]) * (durationUnits[(m[2] || 's').toLowerCase()] ?? 1000)
}

export function parseDuration(value: unknown): number {
  const n = typeof value === 'string' || typeof value === 'number' ? tryParseDuration(value) : undefined
  if (n === undefined) throw new ValueError('a duration such as 90s, 15m, 2h or 5d')
  return n
}

/** A comma-separated list (or TOML array) of durations, increasing, at least one. */
export function parseDurationList(value: unknown): number[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined
  const list = items?.map((v) =>
    typeof v === 'string' || typeof v === 'number' ? tryParseDuration(v) : undefined,
  )
  if (!list || list.length === 0 || list.some((n) => n === undefined || n === 0)) {
    throw new ValueError('a list of durations such as "5m,15m,30m,1h,2h,4h"')
  }
  return list as number[]
}
