// Settings › Server › Network: the hostname and listener addresses saved from the web admin.
// They are stored in the runtime settings table and take effect at the next start; an
// environment variable (POSTERN_HOSTNAME, POSTERN_LISTEN_<SERVICE>) still wins over a saved
// value, so an operator can always recover from an address that cannot be bound.
import type { Config, ServiceName } from '../config/config.ts'
import { serviceNames } from '../config/config.ts'
import { type HostPort, parseHostname, parseListen, ValueError } from '../config/values.ts'
import type { Settings } from '../directory/settings.ts'
import type { Logger } from '../lib/log.ts'
import { formatHostPort } from '../net/bind-error.ts'

export const hostnameKey = 'network.hostname'
export const listenKey = 'network.listen'

export interface SavedNetwork {
  hostname?: string
  /** Service → "host:port", or "off". */
  listen: Partial<Record<ServiceName, string>>
}

export function envNameFor(service: ServiceName | 'hostname'): string {
  return service === 'hostname' ? 'POSTERN_HOSTNAME' : `POSTERN_LISTEN_${service.toUpperCase()}`
}

export function readSavedNetwork(settings: Pick<Settings, 'get'>): SavedNetwork {
  return {
    hostname: settings.get<string | null>(hostnameKey) ?? undefined,
    listen: settings.get<Partial<Record<ServiceName, string>>>(listenKey) ?? {},
  }
}

export const listenText = (a: HostPort | null): string => (a ? formatHostPort(a) : 'off')

/**
 * The config with the saved network settings applied, for start-up. A key set by an environment
 * variable keeps its value; a saved value that no longer parses is skipped (and named in `skipped`).
 */
export function applySavedNetwork(
  config: Config,
  saved: SavedNetwork,
  env: Record<string, string | undefined>,
): { config: Config; applied: string[]; skipped: string[] } {
  const applied: string[] = []
  const skipped: string[] = []
  let hostname = config.hostname
  if (saved.hostname !== undefined && env[envNameFor('hostname')] === undefined) {
    try {
      hostname = parseHostname(saved.hostname)
      if (hostname !== config.hostname) applied.push('hostname')
    } catch {
      skipped.push('hostname')
    }
  }
  const listen = { ...config.listen }
  for (const service of serviceNames) {
    const value = saved.listen[service]
    if (value === undefined || env[envNameFor(service)] !== undefined) continue
    try {
      const parsed = parseListen(value)
      if (listenText(parsed) !== listenText(config.listen[service])) applied.push(`listen.${service}`)
      listen[service] = parsed
    } catch {
      skipped.push(`listen.${service}`)
    }
  }
  return { config: { ...config, hostname, listen }, applied, skipped }
}

/** Checks a PUT body's values; throws ValueError naming the field. */
export function validateNetwork(body: { hostname?: unknown; listen?: unknown }): SavedNetwork {
  const out: SavedNetwork = { listen: {} }
  if (body.hostname !== undefined && body.hostname !== null) {
    try {
      out.hostname = parseHostname(body.hostname)
    } catch (err) {
      throw new ValueError(`hostname: must be ${(err as Error).message}`)
    }
  }
  if (body.listen !== undefined) {
    if (typeof body.listen !== 'object' || body.listen === null || Array.isArray(body.listen))
      throw new ValueError('listen: must be an object of service → "host:port"')
    for (const [service, value] of Object.entries(body.listen)) {
      if (!(serviceNames as readonly string[]).includes(service))
        throw new ValueError(`listen: unknown service "${service}"; known: ${serviceNames.join(', ')}`)
      if (value === null || value === undefined) continue
      try {
        out.listen[service as ServiceName] = listenText(
          parseListen(typeof value === 'string' ? value.trim() : value),
        )
      } catch (err) {
        throw new ValueError(`listen.${service}: must be ${(err as Error).message}`)
      }
    }
  }
  return out
}

/** For server.ts: applies the saved settings at start-up and says in the log what it did. */
export function createNetworkSettingsLoader(log: Logger) {
  return {
    apply(config: Config, settings: Pick<Settings, 'get'>, env: Record<string, string | undefined>): Config {
      const result = applySavedNetwork(config, readSavedNetwork(settings), env)
      if (result.applied.length > 0)
        log.info('network settings saved in the web admin applied', { keys: result.applied.join(',') })
      if (result.skipped.length > 0)
        log.warn('saved network settings ignored: not valid', { keys: result.skipped.join(',') })
      return result.config
    },
  }
}
