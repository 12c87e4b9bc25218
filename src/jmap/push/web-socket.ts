// JMAP over WebSocket (rfc8887): one authenticated connection carries Request objects (answered
// with Response or RequestError objects, matched by id) and, once enabled, StateChange pushes.
// The socket itself is the listener's (net/web-socket-seam.ts); this is the protocol over it.
import type { WebSocketPeer, WebSocketSession } from '../../net/web-socket-seam.ts'
import type { JmapPrincipal, JmapServices } from '../core/context.ts'
import type { JmapResponse } from '../core/dispatch.ts'
import { RequestError } from '../core/errors.ts'
import { type PushSubscription, selectTypes, subscribeStateChanges } from './state-change.ts'

/** rfc8887#section-4.2: the subprotocol a client must ask for. */
export const jmapSubprotocol = 'jmap'

/** Whether the Sec-WebSocket-Protocol header offers "jmap" (a comma-separated token list). */
export function offersJmap(header: string | undefined): boolean {
  return (header ?? '').split(',').some((p) => p.trim() === jmapSubprotocol)
}

export interface JmapWebSocketInput {
  principal: JmapPrincipal
  services: JmapServices
  /** Processes one Request object exactly as POST to the API URL does (throws RequestError). */
  run: (request: unknown) => Promise<JmapResponse>
}

/** The protocol of one connection; messages are handled one at a time, in the order they came. */
export function jmapWebSocketSession({ principal, services, run }: JmapWebSocketInput): WebSocketSession {
  let peer: WebSocketPeer | undefined
  let push: PushSubscription | undefined
  let closed = false
  let queue: Promise<void> = Promise.resolve()

  const send = (message: Record<string, unknown>) => {
    if (!closed) peer?.send(JSON.stringify(message))
  }
  // rfc8887#section-4.3.4: a request-level error, as problem details with @type and requestId.
  const sendError = (err: RequestError, requestId: string | undefined) =>
    send({ '@type': 'RequestError', ...(requestId === undefined ? {} : { requestId }), ...err.problem() })

  const stopPush = () => {
    push?.stop()
    push = undefined
  }

  // rfc8887#section-4.3.5.2: (re)starts pushes for dataTypes (null = all), catching up from pushState.
  const enablePush = (message: Record<string, unknown>) => {
    const { dataTypes, pushState } = message
    if (
      dataTypes !== null &&
      dataTypes !== undefined &&
      !(Array.isArray(dataTypes) && dataTypes.every((t) => typeof t === 'string'))
    )
      throw new RequestError('notRequest', '"dataTypes" must be a list of type names or null')
    if (pushState !== undefined && typeof pushState !== 'string')
      throw new RequestError('notRequest', '"pushState" must be a string')
    stopPush()
    push = subscribeStateChanges({
      events: services.events,
      store: services.store,
      accountId: principal.id,
      types: selectTypes((dataTypes as string[] | null | undefined) ?? null),
      push: (change) => send(change as unknown as Record<string, unknown>),
      withPushState: true,
      ...(pushState === undefined ? {} : { since: pushState }),
    })
  }

  const handle = async (data: string | Uint8Array) => {
    let requestId: string | undefined
    try {
      const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength
      if (size > services.limits.maxSizeRequest)
        throw new RequestError('limit', 'the request is too large', 400, 'maxSizeRequest')
      // rfc8887#section-4.3.1: messages are UTF-8 JSON in text frames.
      if (typeof data !== 'string') throw new RequestError('notJSON', 'messages must be text frames of JSON')
      let message: unknown
      try {
        message = JSON.parse(data)
      } catch {
        throw new RequestError('notJSON', 'the message is not JSON')
      }
      if (typeof message !== 'object' || message === null || Array.isArray(message))
        throw new RequestError('notRequest', 'the message must be a JSON object')
      const body = message as Record<string, unknown>
      if (typeof body.id === 'string') requestId = body.id
      switch (body['@type']) {
        case 'Request': {
          // rfc8887#section-4.3.2: "id" is optional but, when present, a String.
          if (body.id !== undefined && typeof body.id !== 'string')
            throw new RequestError('notRequest', '"id" must be a string')
          const response = await run(body)
          // rfc8887#section-4.3.3
          send({ '@type': 'Response', ...(requestId === undefined ? {} : { requestId }), ...response })
          return
        }
        case 'WebSocketPushEnable':
          enablePush(body)
          return
        case 'WebSocketPushDisable':
          stopPush()
          return
        default:
          throw new RequestError(
            'notRequest',
            '"@type" must be Request, WebSocketPushEnable or WebSocketPushDisable',
          )
      }
    } catch (err) {
      if (err instanceof RequestError) return sendError(err, requestId)
      services.log.error('JMAP WebSocket message failed', { err })
      peer?.close(1011, 'internal error')
    }
  }

  return {
    protocol: jmapSubprotocol,
    open(p) {
      peer = p
    },
    message(data) {
      queue = queue.then(() => (closed ? undefined : handle(data)))
    },
    close() {
      closed = true
      stopPush()
    },
  }
}
