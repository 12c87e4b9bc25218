// TCP listeners for the line protocols (SMTP, IMAP, POP3, ManageSieve): bind each service,
// admit connections within the limits, run one handler per connection (plain, STARTTLS-capable
// or implicit TLS per rfc8314), and shut down gracefully.

import net from 'node:net'
import type { Config } from '../config/config.ts'
import type { HostPort } from '../config/values.ts'
import type { Logger } from '../lib/log.ts'
import type { TlsContexts } from '../tls/types.ts'
import { describeBindError, formatHostPort } from './bind-error.ts'
import { type Connection, TlsHandshakeError } from './connection.ts'
import { ConnectionLimiter, type RefusalReason } from './limits.ts'
import { SocketConnection } from './socket-connection.ts'
import { within } from './wait.ts'

export type { RefusalReason } from './limits.ts'

/** `none`: plain only; `starttls`: plain with STARTTLS offered; `implicit`: TLS from the first byte. */
export type TlsMode = 'none' | 'starttls' | 'implicit'

/** One service to listen for. */
export interface ListenerSpec {
  /** Service name, used in logs and as the `listen.<service>` config key. */
  service: string
  address: HostPort
  tls: TlsMode
  /** Runs the session; the connection is closed when it returns or throws. */
  handler: (conn: Connection) => Promise<void>
  /**
   * A line (CRLF added if missing) sent to a refused client before closing, e.g.
   * `421 4.7.0 Too many connections`. Not used on implicit-TLS ports (no handshake is done).
   */
  onRefused?: (reason: RefusalReason) => string | undefined
  /** Overrides `limits.idle_timeout_seconds` (ms; 0 = none). */
  idleTimeoutMs?: number
  /** Overrides `limits.max_line_length`. */
  maxLineLength?: number
  /** Config key named in the bind error line (default `listen.<service>`). */
  configKey?: string
}

/** The limits the listeners use, as in the config's `[limits]` section. */
export type NetLimits = Pick<
  Config['limits'],
  'max_connections' | 'max_connections_per_ip' | 'idle_timeout_seconds' | 'max_line_length'
>

/** What the listeners need from the rest of the server. */
export interface ListenerDeps {
  log: Logger
  /** Certificates; undefined = implicit-TLS listeners are not started and STARTTLS is refused. */
  tls: TlsContexts | undefined
  limits: NetLimits
}

/** Running listeners. */
export interface ListenerHandle {
  /** The bound address of a service (the real port when 0 was asked for), or undefined if not listening. */
  address(service: string): HostPort | undefined
  /** Services that could not be started (each already logged). */
  readonly failed: readonly string[]
  /** Open connections across all listeners. */
  readonly connectionCount: number
  /**
   * Stops accepting, calls every session's onShutdown hook, waits up to `graceMs` for the
   * sessions to end, then cuts the rest. Idempotent.
   */
  stop(graceMs: number): Promise<void>
}

interface Bound {
  server: net.Server
  address: HostPort
}

/** Binds every spec (a failure is logged in one line and skipped) and starts accepting. */
export async function startListeners(specs: ListenerSpec[], deps: ListenerDeps): Promise<ListenerHandle> {
  const seen = new Set<string>()
  for (const spec of specs) {
    if (seen.has(spec.service)) throw new Error(`duplicate listener for ${spec.service}`)
    seen.add(spec.service)
  }
  const limiter = new ConnectionLimiter(deps.limits.max_connections, deps.limits.max_connections_per_ip)
  const active = new Map<SocketConnection, Promise<void>>()
  const bound = new Map<string, Bound>()
  const failed: string[] = []
  let stopping = false
  let stopped: Promise<void> | undefined

  const accept = (spec: ListenerSpec, socket: net.Socket, log: Logger) => {
    const ip = socket.remoteAddress ?? ''
    const refusal = stopping ? 'shutting-down' : limiter.tryAcquire(ip)
    if (refusal !== undefined) {
      refuse(spec, socket, refusal, log)
      return
    }
    socket.setNoDelay(true)
    socket.setKeepAlive(true, 60_000)
    const conn = new SocketConnection({
      socket,
      service: spec.service,
      log: deps.log,
      maxLineLength: spec.maxLineLength ?? deps.limits.max_line_length,
      idleTimeoutMs: spec.idleTimeoutMs ?? deps.limits.idle_timeout_seconds * 1000,
      tls: deps.tls,
      allowStartTls: spec.tls === 'starttls',
      implicitTls: spec.tls === 'implicit',
    })
    const done = runSession(spec, conn).finally(() => {
      limiter.release(ip)
      active.delete(conn)
    })
    active.set(conn, done)
  }

  await Promise.all(
    specs.map(async (spec) => {
      const log = deps.log.child(spec.service)
      if (spec.tls === 'implicit' && deps.tls === undefined) {
        log.error(`cannot listen for ${spec.service} on ${formatHostPort(spec.address)}: no TLS certificate`)
        failed.push(spec.service)
        return
      }
      const server = net.createServer({ allowHalfOpen: true }, (socket) => accept(spec, socket, log))
      try {
        const address = await bind(server, spec.address)
        server.on('error', (err) => log.error('listener error', { error: err }))
        bound.set(spec.service, { server, address })
        log.info(`listening for ${spec.service} on ${formatHostPort(address)}`, { tls: spec.tls })
      } catch (err) {
        log.error(describeBindError(spec.service, spec.address, err, spec.configKey))
        failed.push(spec.service)
      }
    }),
  )

  const stop = async (graceMs: number) => {
    stopping = true
    const closing = [...bound.values()].map(
      ({ server }) => new Promise<void>((resolve) => server.close(() => resolve())),
    )
    for (const conn of active.keys()) conn.requestShutdown()
    if (!(await within(Promise.allSettled(active.values()), graceMs))) {
      deps.log.info('shutdown grace period over, closing remaining connections', { count: active.size })
      for (const conn of active.keys()) conn.destroy()
      await within(Promise.allSettled(active.values()), 2000)
    }
    await within(Promise.allSettled(closing), 1000)
  }

  return {
    address: (service) => bound.get(service)?.address,
    failed,
    get connectionCount() {
      return limiter.total
    },
    stop(graceMs) {
      stopped ??= stop(graceMs)
      return stopped
    },
  }
}

async function runSession(spec: ListenerSpec, conn: SocketConnection): Promise<void> {
  const started = Date.now()
  conn.log.info('connected', { remote: conn.remoteAddress, port: conn.remotePort })
  try {
    if (spec.tls === 'implicit') await conn.acceptImplicitTls()
    await spec.handler(conn)
  } catch (err) {
    if (err instanceof TlsHandshakeError) conn.log.debug(err.message)
    else conn.log.error('session failed', { error: err })
  } finally {
    await conn.close()
    conn.log.info('disconnected', { duration_ms: Date.now() - started })
  }
}

function refuse(spec: ListenerSpec, socket: net.Socket, reason: RefusalReason, log: Logger): void {
  log.info('connection refused', { remote: socket.remoteAddress, reason })
  socket.on('error', () => {})
  let line: string | undefined
  try {
    line = spec.tls === 'implicit' ? undefined : spec.onRefused?.(reason)
  } catch (err) {
    log.error('onRefused failed', { error: err })
  }
  if (line === undefined) socket.end()
  else socket.end(line.endsWith('\n') ? line : `${line}\r\n`)
  setTimeout(() => socket.destroy(), 1000).unref()
}

function bind(server: net.Server, address: HostPort): Promise<HostPort> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening)
      reject(err)
    }
    const onListening = () => {
      server.off('error', onError)
      const info = server.address()
      if (info === null || typeof info === 'string') resolve(address)
      else resolve({ host: info.address, port: info.port })
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen({ host: address.host, port: address.port })
  })
}
