// Serves a fetch handler (the Hono app) on Bun.serve, plain or TLS with SNI. A port that
// cannot be bound gives the one clear log line of the contract and start-up goes on.
// Bun.serve cannot swap certificates in place (reload() ignores `tls`), so a certificate change
// re-binds the HTTPS listener: in-flight requests finish on the old one.
import type { Server } from 'bun'
import type { HostPort } from '../config/values.ts'
import type { Logger } from '../lib/log.ts'
import type { TlsContexts } from '../tls/types.ts'
import { describeBindError, formatHostPort } from './bind-error.ts'

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
  /** Re-binds with the certificates the store has now (HTTPS only). */
  reloadTls(): Promise<void>
  stop(graceful: boolean): Promise<void>
}

function tlsOption(contexts: TlsContexts) {
  // The first entry is the default for clients whose SNI matches nothing: the hostname's certificate.
  const fallback = contexts.defaultPem()
  const named = contexts.allPem()
  const first = named.find((c) => c.cert === fallback.cert && c.key === fallback.key)
  return [...(first ? [first] : []), ...named.filter((c) => c !== first)].map((c) => ({
    serverName: c.serverName,
    cert: c.cert,
    key: c.key,
  }))
}

/** Starts one HTTP(S) listener; returns undefined (after logging why) when it cannot bind. */
export function serveHttp(
  spec: HttpListenerSpec,
  fetch: FetchHandler,
  log: Logger,
): HttpListener | undefined {
  const start = (port: number): Server<undefined> =>
    Bun.serve({
      hostname: spec.address.host,
      port,
      maxRequestBodySize: spec.maxRequestBodySize,
      idleTimeout: Math.min(spec.idleTimeoutSeconds ?? 60, 255),
      development: false,
      ...(spec.tls ? { tls: tlsOption(spec.tls) } : {}),
      fetch: (request, srv) => fetch(request, { remoteAddress: srv.requestIP(request)?.address }),
      error: (err) => {
        log.error('unhandled HTTP error', { err })
        return new Response(JSON.stringify({ error: 'internal error' }), {
          status: 500,
          headers: { 'content-type': 'application/json' },
        })
      },
    })
  let server: Server<undefined>
  try {
    server = start(spec.address.port)
  } catch (err) {
    log.error(describeBindError(spec.service, spec.address, err))
    return undefined
  }
  const address = { host: spec.address.host, port: server.port ?? spec.address.port }
  log.info(`listening for ${spec.service} on ${formatHostPort(address)}`)
  return {
    service: spec.service,
    address,
    async reloadTls() {
      if (!spec.tls) return
      const old = server
      const stopping = old.stop(false)
      try {
        server = start(address.port)
        log.info('certificates reloaded', { service: spec.service })
      } catch (err) {
        log.error(describeBindError(spec.service, address, err))
      }
      await stopping
    },
    stop: async (graceful) => {
      await server.stop(!graceful)
    },
  }
}
