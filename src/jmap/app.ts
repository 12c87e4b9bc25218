// The JMAP sub-app (rfc8620): the session resource, the API endpoint, and (as they land) blob
// upload/download and push. Mounted at /jmap by http/app.ts, which also redirects
// /.well-known/jmap here.
import { type Context, Hono } from 'hono'
import type { Authenticator } from '../directory/sasl/authenticator.ts'
import { createBlobRoutes } from './blobs/routes.ts'
import { createJmapAuth } from './core/auth.ts'
import type { JmapPrincipal, JmapServices } from './core/context.ts'
import { dispatch, parseRequest } from './core/dispatch.ts'
import { RequestError } from './core/errors.ts'
import { buildSession } from './core/session.ts'
import { jmapModules } from './methods/index.ts'

export interface JmapAppDeps extends JmapServices {
  authenticator: Authenticator
}

export interface JmapEnv {
  Bindings: { remoteAddress?: string }
  Variables: { principal: JmapPrincipal }
}

const jsonHeaders = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-cache, no-store',
}

function problem(err: RequestError): Response {
  return new Response(JSON.stringify(err.problem()), {
    status: err.status,
    headers: { 'content-type': 'application/problem+json' },
  })
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
  const auth = createJmapAuth(deps.authenticator, deps.clock)
  const inFlight = new Map<number, number>()
  const app = new Hono<JmapEnv>()

  app.use('*', async (c, next) => {
    const result = await auth.authenticate(c.req.header('authorization'), c.env?.remoteAddress ?? 'unknown')
    if (!result.ok) {
      if (result.banned) {
        return c.json(
          { type: 'about:blank', status: 429, detail: 'too many failed logins; try again later' },
          429,
          {
            'retry-after': String(Math.ceil((result.retryAfterMs ?? 60_000) / 1000)),
          },
        )
      }
      return c.json({ type: 'about:blank', status: 401, detail: 'authentication required' }, 401, {
        'www-authenticate': 'Basic realm="Postern JMAP", charset="UTF-8"',
      })
    }
    c.set('principal', result.principal)
    await next()
  })

  const sessionFor = (c: Context<JmapEnv>) =>
    buildSession({ principal: c.get('principal'), base: baseUrl(c), limits: deps.limits, capabilities })

  app.route('/', createBlobRoutes(deps))

  app.get('/session', (c) => c.body(JSON.stringify(sessionFor(c)), 200, jsonHeaders))

  app.post('/', async (c) => {
    const principal = c.get('principal')
    const limits = deps.limits
    const length = Number(c.req.header('content-length') ?? '0')
    if (length > limits.maxSizeRequest)
      return problem(new RequestError('limit', 'the request is too large', 400, 'maxSizeRequest'))
    const running = inFlight.get(principal.id) ?? 0
    if (running >= limits.maxConcurrentRequests)
      return problem(new RequestError('limit', 'too many concurrent requests', 400, 'maxConcurrentRequests'))
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
      const request = parseRequest(body, known, limits)
      const response = await dispatch({
        request,
        principal,
        registry,
        services: deps,
        sessionState: sessionFor(c).state,
      })
      return c.body(JSON.stringify(response), 200, jsonHeaders)
    } catch (err) {
      if (err instanceof RequestError) return problem(err)
      throw err
    } finally {
      const left = (inFlight.get(principal.id) ?? 1) - 1
      if (left <= 0) inFlight.delete(principal.id)
      else inFlight.set(principal.id, left)
    }
  })

  return app
}
