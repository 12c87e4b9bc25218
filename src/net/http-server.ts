// Serves a fetch handler (the Hono app) on Bun.serve, plain or TLS with SNI. A port that
// cannot be bound gives the one clear log line of the contract and start-up goes on.
// Bun.serve cannot swap certificates in place (reload() ignores `tls`), so a certificate change
// re-binds the HTTPS listener: in-flight requests finish on the old one.
// WebSockets and event streams reach the sub-apps through the bindings of web-socket-seam.ts.
import type { Server, ServerWebSocket } from 'bun'
import type { HostPort } from '../config/values.ts'
import type { Logger } from '../lib/log.ts'
import type { TlsContexts } from '../tls/types.ts'
import { describeBindError, formatHostPort } from './bind-error.ts'
import type { StreamingBindings, WebSocketSession } from './web-socket-seam.ts'

export interface HttpListenerSpec {
  service: 'http' | 'https'
  address: HostPort
  tls?: TlsContexts
  maxRequestBodySize: number
  idleTimeoutSeconds?: number
  /** How long a graceful stop waits for requests in flight before it cuts them (default 10 s). */
  shutdownGraceSeconds?: number
}

export type FetchHandler = (request: Request, env: StreamingBindings) => Response | Promise<Response>

export interface HttpListener {
  service: string
  address: HostPort
  /** Re-binds with the certificates the store has now (HTTPS only). */
  reloadTls(): Promise<void>
  /** Graceful: push connections are told "going away", other requests get the grace period. */
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

/**
 * Stops a server gracefully, but cuts what is still open after `graceMs`: event streams stay
 * open until the client leaves, so a plain graceful stop could wait forever.
 */
async function stopWithin(server: Server<WebSocketSession>, graceMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs)
  })
  await Promise.race([server.stop(false), grace])
  clearTimeout(timer)
  await server.stop(true)
}

/** Starts one HTTP(S) listener; returns undefined (after logging why) when it cannot bind. */
export function serveHttp(
  spec: HttpListenerSpec,
  fetch: FetchHandler,
  log: Logger,
): HttpListener | undefined {
  const graceMs = (spec.shutdownGraceSeconds ?? 10) * 1000
  // Open WebSockets never finish on their own: a graceful stop closes them (1001 Going Away).
  const sockets = new Set<ServerWebSocket<WebSocketSession>>()
  const serveRequest = async (request: Request, srv: Server<WebSocketSession>) => {
    let upgraded = false
    const response = await fetch(request, {
      remoteAddress: srv.requestIP(request)?.address,
      upgradeWebSocket: (session) => {
        upgraded = srv.upgrade(request, {
          data: session,
          headers: { 'sec-websocket-protocol': session.protocol },
        })
        return upgraded
      },
      keepStreamOpen: () => srv.timeout(request, 0),
    })
    // Bun answers an upgraded request itself (101); the sub-app's response is not sent.
    return upgraded ? undefined : response
  }
  const start = (port: number): Server<WebSocketSession> =>
    Bun.serve<WebSocketSession>({
      hostname: spec.address.host,
      port,
      maxRequestBodySize: spec.maxRequestBodySize,
      idleTimeout: Math.min(spec.idleTimeoutSeconds ?? 60, 255),
      development: false,
      ...(spec.tls ? { tls: tlsOption(spec.tls) } : {}),
      fetch: serveRequest,
      websocket: {
        open: (ws: ServerWebSocket<WebSocketSession>) => {
          sockets.add(ws)
          ws.data.open({ send: (text) => ws.send(text), close: (code, reason) => ws.close(code, reason) })
        },
        message: (ws, message) =>
          ws.data.message(typeof message === 'string' ? message : new Uint8Array(message)),
        close: (ws, code, reason) => {
          sockets.delete(ws)
          ws.data.close(code, reason)
        },
      },
      error: (err) => {
        log.error('unhandled HTTP error', { err })
        return new Response(JSON.stringify({ error: 'internal error' }), {
          status: 500,
          headers: { 'content-type': 'application/json' },
        })
      },
    })
  let server: Server<WebSocketSession>
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
      // Push streams on the old listener never finish by themselves: cut them after the grace period.
      const stopping = stopWithin(old, graceMs)
      try {
        server = start(address.port)
        log.info('certificates reloaded', { service: spec.service })
      } catch (err) {
        log.error(describeBindError(spec.service, address, err))
      }
      await stopping
    },
    stop: async (graceful) => {
      if (!graceful) return server.stop(true)
      for (const ws of sockets) ws.close(1001, 'server shutting down')
      await stopWithin(server, graceMs)
    },
  }
}
