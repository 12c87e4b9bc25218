// The HTTP listener's seam for long-lived responses (net/http-server.ts, net/web-socket-seam.ts):
// an event stream that asked to be kept open outlives Bun's idle timeout (and one that did not
// is cut, so the test can tell), WebSocket upgrades reach the sub-app's session, and a graceful
// stop closes open WebSockets with 1001 and does not wait forever for endless streams.
import { describe, expect, test } from 'bun:test'
import { createLogger, memorySink } from '../../src/lib/log.ts'
import { serveHttp } from '../../src/net/http-server.ts'
import type { StreamingBindings, WebSocketPeer } from '../../src/net/web-socket-seam.ts'

const log = createLogger({ sink: memorySink(), level: 'error' })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

// Bun checks idle timeouts every few seconds, so a 1 s timeout cuts a silent stream within ~4 s.

/** A stream that writes once, then stays silent; `keep` asks the listener to exempt it. */
function silentStream(env: StreamingBindings, keep: boolean): Response {
  if (keep) env.keepStreamOpen?.()
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(': open\n\n'))
    },
  })
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } })
}

function listen(fetch: (request: Request, env: StreamingBindings) => Response | Promise<Response>) {
  const listener = serveHttp(
    {
      service: 'http',
      address: { host: '127.0.0.1', port: 0 },
      maxRequestBodySize: 1024 * 1024,
      idleTimeoutSeconds: 1,
      shutdownGraceSeconds: 1,
    },
    fetch,
    log,
  )
  if (!listener) throw new Error('could not listen')
  return listener
}

/** Reads a response body until it ends or `ms` pass; true when it ended. */
async function endsWithin(res: Response, ms: number): Promise<boolean> {
  const reader = res.body?.getReader()
  if (!reader) return true
  const deadline = Date.now() + ms
  for (;;) {
    const left = deadline - Date.now()
    if (left <= 0) {
      void reader.cancel().catch(() => {})
      return false
    }
    const chunk = await Promise.race([
      reader.read().catch(() => ({ done: true as const, value: undefined })),
      sleep(left).then(() => 'timeout' as const),
    ])
    if (chunk === 'timeout') {
      void reader.cancel().catch(() => {})
      return false
    }
    if (chunk.done) return true
  }
}

describe('long-lived responses', () => {
  test('a kept-open event stream outlives the idle timeout; an ordinary one is cut by it', async () => {
    const listener = listen((request, env) => silentStream(env, new URL(request.url).pathname === '/keep'))
    const base = `http://127.0.0.1:${listener.address.port}`
    const [kept, plain] = await Promise.all([fetch(`${base}/keep`), fetch(`${base}/plain`)])
    const [keptEnded, plainEnded] = await Promise.all([endsWithin(kept, 7000), endsWithin(plain, 7000)])
    expect(plainEnded).toBe(true)
    expect(keptEnded).toBe(false)
    await listener.stop(false)
  }, 15_000)

  test('WebSocket upgrades reach the session; a graceful stop closes them with 1001 and ends streams', async () => {
    const received: string[] = []
    let serverClosed: number | undefined
    const listener = listen((request, env) => {
      if (new URL(request.url).pathname === '/stream') return silentStream(env, true)
      let peer: WebSocketPeer | undefined
      const ok = env.upgradeWebSocket?.({
        protocol: 'echo',
        open: (p) => {
          peer = p
        },
        message: (data) => {
          received.push(typeof data === 'string' ? data : `bytes:${data.byteLength}`)
          peer?.send(`echo ${typeof data === 'string' ? data : data.byteLength}`)
        },
        close: (code) => {
          serverClosed = code
        },
      })
      return new Response(ok ? null : 'not an upgrade', { status: ok ? 200 : 400 })
    })
    const base = `127.0.0.1:${listener.address.port}`
    expect((await fetch(`http://${base}/ws`)).status).toBe(400)
    const ws = new WebSocket(`ws://${base}/ws`, ['echo'])
    const messages: string[] = []
    let clientClosed: number | undefined
    ws.onmessage = (e) => messages.push(String(e.data))
    ws.onclose = (e) => {
      clientClosed = e.code
    }
    await new Promise((resolve, reject) => {
      ws.onopen = resolve
      ws.onerror = reject
    })
    expect(ws.protocol).toBe('echo')
    ws.send('hello')
    ws.send(new Uint8Array([1, 2, 3]))
    for (let i = 0; i < 50 && messages.length < 2; i++) await sleep(20)
    expect(received).toEqual(['hello', 'bytes:3'])
    expect(messages).toEqual(['echo hello', 'echo 3'])
    const stream = await fetch(`http://${base}/stream`)
    const streamEnded = endsWithin(stream, 5000)
    const started = Date.now()
    await listener.stop(true)
    expect(Date.now() - started).toBeLessThan(3000)
    expect(await streamEnded).toBe(true)
    for (let i = 0; i < 50 && clientClosed === undefined; i++) await sleep(20)
    expect(clientClosed).toBe(1001)
    expect(serverClosed).toBe(1001)
  }, 10_000)
})
