// Serves a fetch handler (the Hono app) on Bun.serve, plain or TLS with SNI. A port that
// cannot be bound gives the one clear log line of the contract and start-up goes on.
import type { Logger } from '../lib/log.ts'
import type { TlsContexts } from '../tls/types.ts'
import type { HostPort } from '../config/values.ts'
import { describeBindError } from './bind-error.ts'

export interface HttpListenerSpec {
  service: 'http' | 'https'
  address: HostPort
  tls?: TlsContexts
  maxRequestBodySize: number
  idleTimeoutSeconds?: number
}

export type FetchHandler = (request: Request, env: { remoteAddress?: string }) => Response | Promise<Response>

export interface HttpListener {
  service: string
  address: HostPort
  stop(graceful: boolean): Promise<void>
}

/** Starts one HTTP(S) listener; returns undefined (after logging why) when it cannot bind. */
export function serveHttp(spec: HttpListenerSpec, fetch: FetchHandler, log: Logger): HttpListener | undefined {
  const certs = spec.tls?.allPem()
  try {
    const server = Bun.serve({
      hostname: spec.address.host,
      port: spec.address.port,
      maxRequestBodySize: spec.maxRequestBodySize,
      idleTimeout: Math.min(spec.idleTimeoutSeconds ?? 60, 255),
      development: false,
      ...(certs && certs.length > 0 ? { tls: certs.map((c) => ({ serverName: c.serverName, cert: c.cert, key: c.key })) } : {}),
      fetch: (request, srv) => fetch(request, { remoteAddress: srv.requestIP(request)?.address }),
      error: (err) => {
        log.error('unhandled HTTP error', { err })
        return new Response(JSON.stringify({ error: 'internal error' }), {
          status: 500,
          headers: { 'content-type': 'application/json' },
        })
      },
    })
    const address = { host: spec.address.host, port: server.port ?? spec.address.port }
    log.info('listening', { service: spec.service, address: `${address.host}:${address.port}` })
    return {
      service: spec.service,
      address,
      stop: async (graceful) => {
        await server.stop(!graceful)
      },
    }
  } catch (err) {
    log.error(describeBindError(spec.service, spec.address, err))
    return undefined
  }
}
