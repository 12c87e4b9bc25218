// The API endpoint's request processing (rfc8620#section-3.3–3.7): checks the Request object,
// resolves result references, runs each method call in order, and turns errors into "error"
// responses so one failing call does not stop the others.
import { type CoreLimits, coreCapability } from './capabilities.ts'
import type { JmapPrincipal, JmapServices, MethodContext } from './context.ts'
import { MethodError, RequestError } from './errors.ts'
import { parseAccountId } from './ids.ts'
import { evaluatePointer } from './pointer.ts'
import type { MethodArgs, MethodRegistry } from './registry.ts'

export type Invocation = [string, MethodArgs, string]

export interface JmapRequest {
  using: string[]
  methodCalls: Invocation[]
  createdIds?: Record<string, string>
}

export interface JmapResponse {
  methodResponses: Invocation[]
  createdIds?: Record<string, string>
  sessionState: string
}

/** Checks the shape of a Request object (rfc8620#section-3.3); notRequest otherwise. */
export function parseRequest(body: unknown, known: ReadonlySet<string>, limits: CoreLimits): JmapRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new RequestError('notRequest', 'the request must be a JSON object')
  const { using, methodCalls, createdIds } = body as Record<string, unknown>
  if (!Array.isArray(using) || !using.every((u) => typeof u === 'string'))
    throw new RequestError('notRequest', '"using" must be a list of capability strings')
  if (!Array.isArray(methodCalls)) throw new RequestError('notRequest', '"methodCalls" must be a list')
  for (const call of methodCalls) {
    if (
      !Array.isArray(call) ||
      call.length !== 3 ||
      typeof call[0] !== 'string' ||
      typeof call[1] !== 'object' ||
      call[1] === null ||
      Array.isArray(call[1]) ||
      typeof call[2] !== 'string'
    )
      throw new RequestError('notRequest', 'each method call must be [name, arguments object, call id]')
  }
  if (
    createdIds !== undefined &&
    (typeof createdIds !== 'object' ||
      createdIds === null ||
      Array.isArray(createdIds) ||
      !Object.values(createdIds).every((v) => typeof v === 'string'))
  )
    throw new RequestError('notRequest', '"createdIds" must map creation ids to ids')
  for (const capability of using) {
    if (!known.has(capability))
      throw new RequestError('unknownCapability', `the server does not support the capability ${capability}`)
  }
  if (methodCalls.length > limits.maxCallsInRequest)
    throw new RequestError(
      'limit',
      `a request may make at most ${limits.maxCallsInRequest} method calls`,
      400,
      'maxCallsInRequest',
    )
  return {
    using: using as string[],
    methodCalls: methodCalls as Invocation[],
    ...(createdIds ? { createdIds: createdIds as Record<string, string> } : {}),
  }
}

/** Replaces "#name" arguments by the values they reference in earlier responses (rfc8620#section-3.7). */
export function resolveReferences(args: MethodArgs, responses: readonly Invocation[]): MethodArgs {
  const out: MethodArgs = {}
  for (const [key, value] of Object.entries(args)) {
    if (!key.startsWith('#')) {
      out[key] = value
      continue
    }
    const name = key.slice(1)
    if (Object.hasOwn(args, name))
      throw new MethodError('invalidArguments', `both ${name} and #${name} are given`)
    const ref = value as Record<string, unknown> | null
    if (
      typeof ref !== 'object' ||
      ref === null ||
      typeof ref.resultOf !== 'string' ||
      typeof ref.name !== 'string' ||
      typeof ref.path !== 'string'
    )
      throw new MethodError('invalidResultReference', `#${name} must be a ResultReference object`)
    const source = responses.find((r) => r[2] === ref.resultOf)
    if (!source)
      throw new MethodError('invalidResultReference', `no earlier response has call id ${ref.resultOf}`)
    if (source[0] !== ref.name)
      throw new MethodError(
        'invalidResultReference',
        `the response to ${ref.resultOf} is ${source[0]}, not ${ref.name}`,
      )
    const resolved = evaluatePointer(source[1], ref.path)
    if (resolved === undefined)
      throw new MethodError(
        'invalidResultReference',
        `the path ${ref.path} is not in the response to ${ref.resultOf}`,
      )
    out[name] = resolved
  }
  return out
}

export interface DispatchInput {
  request: JmapRequest
  principal: JmapPrincipal
  registry: MethodRegistry
  services: JmapServices
  sessionState: string
}

/** Runs a request's method calls in order and builds the Response object. */
export async function dispatch({ request, principal, registry, services, sessionState }: DispatchInput) {
  const using = new Set(request.using)
  const createdIds = new Map(Object.entries(request.createdIds ?? {}))
  const responses: Invocation[] = []
  for (const [name, rawArgs, callId] of request.methodCalls) {
    const followUps: Invocation[] = []
    try {
      const method = registry.get(name)
      if (!method) throw new MethodError('unknownMethod', `unknown method ${name}`)
      if (!using.has(method.capability) || !using.has(coreCapability))
        throw new MethodError('unknownMethod', `${name} needs ${method.capability} in "using"`)
      const args = resolveReferences(rawArgs, responses)
      let accountId = principal.id
      if (method.needsAccount !== false) {
        if (typeof args.accountId !== 'string')
          throw new MethodError('invalidArguments', 'accountId is required')
        const requested = parseAccountId(args.accountId)
        // Only one's own account exists for a principal; others are never confirmed to exist.
        if (requested !== principal.id) throw new MethodError('accountNotFound', 'no such account')
        accountId = requested
      }
      const ctx: MethodContext = {
        principal,
        accountId,
        using,
        createdIds,
        services,
        followUp: (followName, followArgs) => followUps.push([followName, followArgs, callId]),
      }
      const result = await method.handler(args, ctx)
      responses.push([name, result, callId], ...followUps)
    } catch (err) {
      if (err instanceof MethodError) {
        responses.push(['error', err.response(), callId])
      } else {
        services.log.error('JMAP method failed', { method: name, err })
        responses.push(['error', { type: 'serverFail', description: 'internal error' }, callId])
      }
    }
  }
  const response: JmapResponse = { methodResponses: responses, sessionState }
  if (request.createdIds) response.createdIds = Object.fromEntries(createdIds)
  return response
}
