// The JMAP sub-app (rfc8620): the session resource, the API endpoint, and (as they land) blob
// upload/download and push. Mounted at /jmap by http/app.ts, which also redirects
// /.well-known/jmap here.
import { type Context, Hono } from 'hono'
import type { Authenticator } from '../directory/sasl/authenticator.ts'
import type { StreamingBindings } from '../net/web-socket-seam.ts'
import { createBlobRoutes } from './blobs/routes.ts'
import { createJmapAuth } from './core/auth.ts'
import { websocketCapability } from './core/capabilities.ts'
import type { JmapPrincipal, JmapServices } from './core/context.ts'
import { dispatch, parseRequest } from './core/dispatch.ts'
import { problemResponse, RequestError } from './core/errors.ts'
import { buildSession } from './core/session.ts'
import { jmapModules } from './methods/index.ts'
import { eventSourceResponse, parseEventSourceArgs } from './push/event-source.ts'
import { jmapWebSocketSession, offersJmap } from './push/web-socket.ts'

export interface JmapAppDeps extends JmapServices {
  authenticator: Authenticator
}

export interface JmapEnv {
  Bindings: StreamingBindings
  Variables: { principal: JmapPrincipal }
}

const jsonHeaders = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-cache, no-store',
}

/** The absolute URL of the JMAP endpoints as the client reached them. */
function baseUrl(c: Context): string {
  const url = new URL(c.req.url)
  const proto = c.req.header('x-forwarded-proto') === 'https' ? 'https:' : url.protocol
  return `${proto}//${url.host}/jmap`
}

export function createJmapApp(deps: JmapAppDeps) {
  const { registry, capabilities } = jmapModules(deps)
  const known = new Set([...capabilities.keys()])
  const auth = createJmapAuth(deps.authenticator, deps.clock, {
    isCredentialCurrent: deps.directory.accounts.isCredentialCurrent,
  })
  const inFlight = new Map<number, number>()
  const provisioned = new Set<number>()
  const app = new Hono<JmapEnv>()

  app.use('*', async (c, next) => {
    const result = await auth.authenticate(c.req.header('authorization'), c.env?.remoteAddress ?? 'unknown')
    if (!result.ok) {
      if (result.banned) {
        return problemResponse(
          429,
          'too many failed logins; try again later',
          {},
          { 'retry-after': String(Math.ceil((result.retryAfterMs ?? 60_000) / 1000)) },
        )
      }
      return problemResponse(
        401,
        'authentication required',
        {},
        { 'www-authenticate': 'Basic realm="Postern JMAP", charset="UTF-8", Bearer realm="Postern JMAP"' },
      )
    }
    // An account made by the CLI or the admin gets its mailboxes on first use, as over IMAP.
    if (!provisioned.has(result.principal.id)) {
      await deps.store.ensureAccount(result.principal.id)
      provisioned.add(result.principal.id)
    }
    c.set('principal', result.principal)
    await next()
  })

  // rfc8887#section-3: WebSocket is advertised only where the listener can upgrade.
  const canUpgrade = (c: Context<JmapEnv>) => typeof c.env?.upgradeWebSocket === 'function'
  const sessionFor = (c: Context<JmapEnv>) =>
    buildSession({
      principal: c.get('principal'),
      base: baseUrl(c),
      limits: deps.limits,
      capabilities,
      webSocket: canUpgrade(c),
    })
  const knownWithWebSocket = new Set([...known, websocketCapability])

  /** One Request object, from POST or a WebSocket message, checked and run (throws RequestError). */
  const runRequest = (c: Context<JmapEnv>, body: unknown) => {
    const request = parseRequest(body, canUpgrade(c) ? knownWithWebSocket : known, deps.limits)
    return dispatch({
      request,
      principal: c.get('principal'),
      registry,
      services: deps,
      sessionState: sessionFor(c).state,
    })
  }

  app.route('/', createBlobRoutes(deps))

  app.get('/session', (c) => c.body(JSON.stringify(sessionFor(c)), 200, jsonHeaders))

  app.post('/', async (c) => {
    const principal = c.get('principal')
    const limits = deps.limits
    const length = Number(c.req.header('content-length') ?? '0')
    if (length > limits.maxSizeRequest)
      return new RequestError('limit', 'the request is too large', 400, 'maxSizeRequest').response()
    const running = inFlight.get(principal.id) ?? 0
    if (running >= limits.maxConcurrentRequests)
      return new RequestError(
        'limit',
        'too many concurrent requests',
        400,
        'maxConcurrentRequests',
      ).response()
    inFlight.set(principal.id, running + 1)
    try {
      const bytes = await c.req.arrayBuffer()
      if (bytes.byteLength > limits.maxSizeRequest)
        throw new RequestError('limit', 'the request is too large', 400, 'maxSizeRequest')
      const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase()
      if (type !== 'application/json')
        throw new RequestError('notJSON', 'the content type must be application/json')
      let body: unknown
      try {
        body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
      } catch {
        throw new RequestError('notJSON', 'the request body is not JSON in UTF-8')
      }
      const response = await runRequest(c, body)
      return c.body(JSON.stringify(response), 200, jsonHeaders)
    } catch (err) {
      if (err instanceof RequestError) return err.response()
      throw err
    } finally {
      const left = (inFlight.get(principal.id) ?? 1) - 1
      if (left <= 0) inFlight.delete(principal.id)
      else inFlight.set(principal.id, left)
    }
  })

  // rfc8620#section-7.3
  app.get('/eventsource', (c) => {
    const args = parseEventSourceArgs(new URL(c.req.url).searchParams)
    if (typeof args === 'string') return problemResponse(400, args)
    // The stream is idle between events by design; the listener's idle timeout must not cut it.
    c.env?.keepStreamOpen?.()
    return eventSourceResponse({
      services: deps,
      accountId: c.get('principal').id,
      args,
      lastEventId: c.req.header('last-event-id'),
      signal: c.req.raw.signal,
    })
  })

  // rfc8887#section-4.2: the WebSocket opening handshake, authenticated like every request here.
  app.get('/ws', (c) => {
    if ((c.req.header('upgrade') ?? '').toLowerCase() !== 'websocket' || !canUpgrade(c))
      return problemResponse(400, 'a WebSocket upgrade is required')
    if (!offersJmap(c.req.header('sec-websocket-protocol')))
      return problemResponse(400, 'the "jmap" subprotocol is required')
    const session = jmapWebSocketSession({
      principal: c.get('principal'),
      services: deps,
      run: (body) => runRequest(c, body),
    })
    if (!c.env.upgradeWebSocket?.(session)) return problemResponse(400, 'the WebSocket upgrade failed')
    return c.body(null, 200)
  })

  return app
}
