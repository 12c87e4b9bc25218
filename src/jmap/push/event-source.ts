// Push over an event stream (rfc8620#section-7.3): GET eventsourceUrl?types=…&closeafter=…&ping=…
// answers text/event-stream with a "state" event (a StateChange) whenever a requested type
// changes and, when asked, "ping" events while idle. Web-standard streams only.
import type { JmapServices } from '../core/context.ts'
import { type PushTypeName, type StateChange, selectTypes, subscribeStateChanges } from './state-change.ts'

/** rfc8620#section-7.3: servers MUST NOT have a minimum above 30 s nor a maximum below 300 s. */
export const minPingSeconds = 5
export const maxPingSeconds = 300
/** A comment line this often keeps proxies and dead-peer detection busy when no event is due. */
const heartbeatMs = 25_000

export interface EventSourceArgs {
  types: PushTypeName[]
  closeAfterState: boolean
  /** Seconds between pings, already clamped; 0 = no pings. */
  pingSeconds: number
}

/** Reads the query parameters; a string says what is wrong with them. */
export function parseEventSourceArgs(params: URLSearchParams): EventSourceArgs | string {
  const types = params.get('types')
  if (types === null || types === '')
    return 'the "types" parameter is required: type names separated by commas, or *'
  const closeafter = params.get('closeafter') ?? 'no'
  if (closeafter !== 'state' && closeafter !== 'no') return '"closeafter" must be "state" or "no"'
  const ping = params.get('ping') ?? '0'
  if (!/^[0-9]{1,9}$/.test(ping)) return '"ping" must be a number of seconds (0 for no pings)'
  const requested = Number(ping)
  return {
    types: selectTypes(types.split(',').map((t) => t.trim())),
    closeAfterState: closeafter === 'state',
    // The server MAY clamp the interval; the ping event then says the one it uses.
    pingSeconds: requested === 0 ? 0 : Math.min(Math.max(requested, minPingSeconds), maxPingSeconds),
  }
}

export interface EventSourceInput {
  services: JmapServices
  accountId: number
  args: EventSourceArgs
  /** The Last-Event-ID request header: the id of the last state event the client saw. */
  lastEventId?: string | undefined
  /** Aborts when the client goes away. */
  signal?: AbortSignal
}

const encoder = new TextEncoder()

/** The streamed response; every listener and timer is gone once the client leaves or it closes. */
export function eventSourceResponse({
  services,
  accountId,
  args,
  lastEventId,
  signal,
}: EventSourceInput): Response {
  let cleanup = () => {}
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let open = true
      let pingTimer: ReturnType<typeof setTimeout> | undefined
      let heartbeat: ReturnType<typeof setInterval> | undefined
      let lastWrite = Date.now()
      const write = (text: string) => {
        if (!open) return
        try {
          controller.enqueue(encoder.encode(text))
          lastWrite = Date.now()
        } catch {
          cleanup()
        }
      }
      // rfc8620#section-7.3: a ping whenever the interval elapses since the previous event.
      const schedulePing = () => {
        if (args.pingSeconds === 0 || !open) return
        if (pingTimer) clearTimeout(pingTimer)
        pingTimer = setTimeout(() => {
          write(`event: ping\ndata: ${JSON.stringify({ interval: args.pingSeconds })}\n\n`)
          schedulePing()
        }, args.pingSeconds * 1000)
      }
      const onState = (change: StateChange, pushState: string) => {
        // The id is the pushState: a reconnecting EventSource sends it back as Last-Event-ID and
        // is told at once what changed while it was away.
        write(`event: state\nid: ${pushState}\ndata: ${JSON.stringify(change)}\n\n`)
        if (args.closeAfterState) cleanup()
        else schedulePing()
      }
      let subscription: { stop(): void } | undefined
      cleanup = () => {
        if (!open) return
        open = false
        subscription?.stop()
        if (pingTimer) clearTimeout(pingTimer)
        if (heartbeat) clearInterval(heartbeat)
        signal?.removeEventListener('abort', cleanup)
        try {
          controller.close()
        } catch {}
      }
      signal?.addEventListener('abort', cleanup)
      // A comment first, so the client sees the stream open before any change happens.
      write(': postern push\n\n')
      subscription = subscribeStateChanges({
        events: services.events,
        store: services.store,
        accountId,
        types: args.types,
        push: onState,
        withPushState: false,
        ...(lastEventId !== undefined && lastEventId !== '' ? { since: lastEventId } : {}),
      })
      if (!open) subscription.stop()
      schedulePing()
      heartbeat = setInterval(() => {
        if (Date.now() - lastWrite >= heartbeatMs) write(':\n\n')
      }, heartbeatMs)
    },
    cancel() {
      cleanup()
    },
  })
  return new Response(body, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      // Proxies such as nginx would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    },
  })
}
