// /api/settings/network: the hostname and listener addresses — what runs now, what is saved for
// the next start, and which values an environment variable pins (see ../network-settings.ts).
import { Hono } from 'hono'
import type { Config } from '../../config/config.ts'
import { serviceNames } from '../../config/config.ts'
import { ValueError } from '../../config/values.ts'
import type { Directory } from '../../directory/index.ts'
import { HttpError, jsonBody, onlyKeys } from '../errors.ts'
import {
  envNameFor,
  hostnameKey,
  listenKey,
  listenText,
  readSavedNetwork,
  validateNetwork,
} from '../network-settings.ts'
import type { AdminEnv } from '../types.ts'

export interface NetworkRouteDeps {
  directory: Directory
  /** The config the server is running with. */
  running: Pick<Config, 'hostname' | 'listen'>
  env: Record<string, string | undefined>
}

export function networkRoutes(deps: NetworkRouteDeps) {
  const app = new Hono<AdminEnv>()
  const view = () => {
    const saved = readSavedNetwork(deps.directory.settings)
    const pinned = (key: Parameters<typeof envNameFor>[0]) =>
      deps.env[envNameFor(key)] !== undefined ? envNameFor(key) : null
    const hostname = {
      running: deps.running.hostname,
      saved: saved.hostname ?? null,
      pinnedBy: pinned('hostname'),
    }
    const listen = serviceNames.map((service) => ({
      service,
      running: listenText(deps.running.listen[service]),
      saved: saved.listen[service] ?? null,
      pinnedBy: pinned(service),
    }))
    const pending = [hostname, ...listen].some(
      (v) => v.saved !== null && v.pinnedBy === null && v.saved !== v.running,
    )
    return { hostname, listen, restartNeeded: pending }
  }
  app.get('/', (c) => c.json(view()))
  app.put('/', async (c) => {
    const body = await jsonBody(c)
    onlyKeys(body, ['hostname', 'listen'])
    let valid: ReturnType<typeof validateNetwork>
    try {
      valid = validateNetwork(body)
    } catch (err) {
      if (err instanceof ValueError) throw new HttpError(400, err.message)
      throw err
    }
    const current = readSavedNetwork(deps.directory.settings)
    if (body.hostname !== undefined) deps.directory.settings.set(hostnameKey, valid.hostname ?? null)
    if (body.listen !== undefined) {
      const listen = { ...current.listen, ...valid.listen }
      // null in the body forgets a saved value: the config file's (or default) applies again.
      for (const [service, value] of Object.entries(body.listen as Record<string, unknown>))
        if (value === null) delete listen[service as keyof typeof listen]
      deps.directory.settings.set(listenKey, listen)
    }
    deps.directory.audit.record(
      c.get('actor'),
      'settings.network',
      'network',
      { hostname: valid.hostname, listen: valid.listen },
      c.env?.remoteAddress,
    )
    return c.json(view())
  })
  return app
}
