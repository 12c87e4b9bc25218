// JMAP push over real sockets: the event stream (rfc8620#section-7.3) and JMAP over WebSocket
// (rfc8887), with StateChange objects (rfc8620#section-7.1) driven by IMAP, SMTP and the store;
// and an IMAP IDLE session seeing a keyword change made through the store as Email/set makes it.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { parseAccountId } from '../../src/jmap/core/ids.ts'
import { ImapClient } from '../helpers/imap-client.ts'
import {
  basic,
  type JmapTestAccount,
  type JmapTestServer,
  type Json,
  startJmapServer,
} from '../helpers/jmap.ts'
import { LineClient } from '../helpers/line-client.ts'

let t: JmapTestServer
let aliceId = 0
let inboxId = 0

beforeAll(async () => {
  t = await startJmapServer({ POSTERN_IMAP_ALLOW_PLAINTEXT_LOGIN: 'true' })
  aliceId = parseAccountId(t.alice.accountId) ?? 0
  inboxId = t.server.services.store.findMailboxByRole(aliceId, 'inbox')?.id ?? 0
})
afterAll(() => t?.close())

const store = () => t.server.services.store
const emailState = () => String(store().kindState(aliceId, 'email'))

let counter = 0
/** A message appended to alice's inbox through the store, as IMAP APPEND or Email/import would. */
async function appendToInbox(subject = `note ${++counter}`) {
  const bytes = Buffer.from(
    `From: carol@example.test\r\nTo: alice@example.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replaceAll(' ', '.')}.${Date.now()}@example.test>\r\n\r\nhello\r\n`,
  )
  return store().appendRaw(aliceId, {
    mailboxIds: [inboxId],
    bytes,
    keywords: { flags: 0, keywords: [] },
    receivedAt: Date.now(),
  })
}

// --- an event-stream reader ------------------------------------------------------------------

interface SseEvent {
  event: string
  data: string
  id?: string
}

interface EventStream {
  status: number
  headers: Headers
  /** The next event (comments skipped); rejects after `timeoutMs`. */
  next(timeoutMs?: number): Promise<SseEvent>
  /** Whether the server ends the stream within `timeoutMs`. */
  ended(timeoutMs?: number): Promise<boolean>
  close(): void
}

async function openEventSource(
  query: string,
  who: JmapTestAccount = t.alice,
  headers: Record<string, string> = {},
): Promise<EventStream> {
  const abort = new AbortController()
  const res = await fetch(`${t.base}/jmap/eventsource?${query}`, {
    headers: { authorization: who.authorization, accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  })
  const reader = res.body?.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let done = false
  const events: SseEvent[] = []
  const waiters: (() => void)[] = []
  const wake = () => {
    for (const w of waiters.splice(0)) w()
  }
  void (async () => {
    try {
      while (reader) {
        const chunk = await reader.read()
        if (chunk.done) break
        buffer += decoder.decode(chunk.value, { stream: true })
        let end = buffer.indexOf('\n\n')
        while (end >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const event: SseEvent = { event: 'message', data: '' }
          let hasField = false
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue
            const colon = line.indexOf(':')
            const field = colon < 0 ? line : line.slice(0, colon)
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
            hasField = true
            if (field === 'event') event.event = value
            else if (field === 'data') event.data += value
            else if (field === 'id') event.id = value
          }
          if (hasField) events.push(event)
          end = buffer.indexOf('\n\n')
        }
        wake()
      }
    } catch {}
    done = true
    wake()
  })()
  const waitFor = <T>(ready: () => T | undefined, timeoutMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const value = ready()
        if (value !== undefined) {
          clearTimeout(timer)
          resolve(value)
        } else if (done) {
          clearTimeout(timer)
          reject(new Error('stream ended'))
        } else waiters.push(check)
      }
      const timer = setTimeout(() => {
        const i = waiters.indexOf(check)
        if (i >= 0) waiters.splice(i, 1)
        reject(new Error(`timed out waiting for ${what}`))
      }, timeoutMs)
      check()
    })
  return {
    status: res.status,
    headers: res.headers,
    next: (timeoutMs = 3000) => waitFor(() => events.shift(), timeoutMs, 'an event'),
    ended: (timeoutMs = 1000) =>
      waitFor(() => undefined, timeoutMs, 'the end').then(
        () => false,
        (err: Error) => err.message === 'stream ended',
      ),
    close: () => abort.abort(),
  }
}

/** Waits until nothing happens for a moment: the push layer gathers commits for ~20 ms. */
const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms))

async function imapLogin() {
  const c = await ImapClient.login(t.server.port('imap'), t.alice.email, t.alice.password)
  await c.command('SELECT INBOX')
  return c
}

// --- the session -----------------------------------------------------------------------------

describe('session', () => {
  test('advertises JMAP over WebSocket with push, at the ws: URL of this server', async () => {
    const session = (await (
      await fetch(`${t.base}/jmap/session`, { headers: { authorization: t.alice.authorization } })
    ).json()) as Json
    expect(session.capabilities['urn:ietf:params:jmap:websocket']).toEqual({
      url: `${t.base.replace('http:', 'ws:')}/jmap/ws`,
      supportsPush: true,
    })
    // A server-wide capability only: no account data for it.
    expect(
      session.accounts[t.alice.accountId].accountCapabilities['urn:ietf:params:jmap:websocket'],
    ).toBeUndefined()
    expect(session.eventSourceUrl).toBe(
      `${t.base}/jmap/eventsource?types={types}&closeafter={closeafter}&ping={ping}`,
    )
  })
})

// --- the event stream ------------------------------------------------------------------------

describe('EventSource (rfc8620#section-7.3)', () => {
  test('needs credentials', async () => {
    const res = await fetch(`${t.base}/jmap/eventsource?types=*&closeafter=no&ping=0`)
    expect(res.status).toBe(401)
    const wrong = await fetch(`${t.base}/jmap/eventsource?types=*&closeafter=no&ping=0`, {
      headers: { authorization: basic(t.alice.email, 'wrong') },
    })
    expect(wrong.status).toBe(401)
  })

  test('bad parameters are a 400 that says what is wrong', async () => {
    for (const query of [
      'closeafter=no&ping=0',
      'types=&closeafter=no&ping=0',
      'types=*&closeafter=maybe&ping=0',
      'types=*&closeafter=no&ping=-1',
      'types=*&closeafter=no&ping=soon',
    ]) {
      const res = await fetch(`${t.base}/jmap/eventsource?${query}`, {
        headers: { authorization: t.alice.authorization },
      })
      expect(res.status).toBe(400)
      const body = (await res.json()) as Json
      expect(typeof body.detail).toBe('string')
    }
  })

  test('a flag set over IMAP pushes one state event with the new Email state, for the types asked', async () => {
    await appendToInbox()
    const imap = await imapLogin()
    const es = await openEventSource('types=Email&closeafter=no&ping=0')
    expect(es.status).toBe(200)
    expect(es.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const before = emailState()
    expect((await imap.command('STORE 1 +FLAGS (\\Flagged)')).done).toMatch(/^OK/)
    const event = await es.next()
    expect(event.event).toBe('state')
    const change = JSON.parse(event.data)
    // Only Email was asked for: no other type appears, whatever else the STORE touched.
    expect(change).toEqual({
      '@type': 'StateChange',
      changed: { [t.alice.accountId]: { Email: emailState() } },
    })
    expect(emailState()).not.toBe(before)
    expect(event.id).toBe(String(store().modseq(aliceId)))
    es.close()
    imap.close()
  })

  test('types=* includes Mailbox and Thread when an email arrives; unknown type names are ignored', async () => {
    const es = await openEventSource('types=Mailbox,Thread,CalendarEvent&closeafter=no&ping=0')
    await appendToInbox()
    const change = JSON.parse((await es.next()).data)
    expect(change.changed).toEqual({
      [t.alice.accountId]: {
        Mailbox: String(store().kindState(aliceId, 'mailbox')),
        Thread: String(store().kindState(aliceId, 'thread')),
      },
    })
    es.close()
    const all = await openEventSource('types=*&closeafter=no&ping=0')
    await appendToInbox()
    const types = Object.keys(JSON.parse((await all.next()).data).changed[t.alice.accountId]).sort()
    // A client's append is not a delivery: no EmailDelivery.
    expect(types).toEqual(['Email', 'Mailbox', 'Thread'])
    all.close()
  })

  test('closeafter=state ends the response after the first state event', async () => {
    const es = await openEventSource('types=Email&closeafter=state&ping=0')
    await appendToInbox()
    expect((await es.next()).event).toBe('state')
    expect(await es.ended(2000)).toBe(true)
  })

  test('a burst of commits becomes one event, with the final state', async () => {
    const { store: s } = t.server.services
    const emails = s.mailboxMessages(inboxId).map((m) => m.emailId)
    const es = await openEventSource('types=Email&closeafter=no&ping=0')
    await Promise.all(
      emails.flatMap((id) => [
        s.setKeywords(aliceId, [id], 'add', { flags: 0, keywords: ['$burst'] }),
        s.setKeywords(aliceId, [id], 'remove', { flags: 0, keywords: ['$burst'] }),
        s.setKeywords(aliceId, [id], 'add', { flags: 0, keywords: ['$burst2'] }),
      ]),
    )
    expect(emails.length).toBeGreaterThanOrEqual(3)
    const first = JSON.parse((await es.next()).data)
    await settle()
    const rest: SseEvent[] = []
    for (;;) {
      const more = await es.next(200).catch(() => undefined)
      if (!more) break
      rest.push(more)
    }
    const last = rest.length > 0 ? JSON.parse((rest.at(-1) as SseEvent).data) : first
    expect(last.changed[t.alice.accountId].Email).toBe(emailState())
    // 3 × (≥3) commits; at most a couple of events.
    expect(1 + rest.length).toBeLessThanOrEqual(2)
    es.close()
  })

  test('ping events carry the interval in use, clamped to the server minimum', async () => {
    const es = await openEventSource('types=Email&closeafter=no&ping=1')
    const started = Date.now()
    const ping = await es.next(8000)
    expect(ping.event).toBe('ping')
    expect(JSON.parse(ping.data)).toEqual({ interval: 5 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(4500)
    es.close()
  }, 15_000)

  test('Last-Event-ID catches up at once with what changed since that event', async () => {
    const es = await openEventSource('types=Email,Mailbox&closeafter=state&ping=0')
    await appendToInbox()
    const seen = await es.next()
    expect(seen.id).toBeDefined()
    // While the client is away, only keywords change: Email moves, Mailbox (no count change) may not.
    const email = store().mailboxMessages(inboxId)[0]?.emailId ?? 0
    await store().setKeywords(aliceId, [email], 'add', { flags: 0, keywords: ['$away'] })
    const back = await openEventSource('types=Email,Mailbox&closeafter=no&ping=0', t.alice, {
      'last-event-id': seen.id ?? '',
    })
    const caughtUp = JSON.parse((await back.next(1000)).data)
    expect(caughtUp.changed[t.alice.accountId].Email).toBe(emailState())
    back.close()
    // With the current id, nothing is due.
    const current = await openEventSource('types=Email&closeafter=no&ping=0', t.alice, {
      'last-event-id': String(store().modseq(aliceId)),
    })
    expect(await current.next(400).catch(() => 'nothing')).toBe('nothing')
    current.close()
  })

  test('listeners are removed when the client goes away', async () => {
    const { events } = t.server.services
    await settle()
    const baseline = events.listenerCount(aliceId)
    const streams = await Promise.all([1, 2, 3].map(() => openEventSource('types=*&closeafter=no&ping=0')))
    expect(events.listenerCount(aliceId)).toBe(baseline + 3)
    for (const s of streams) s.close()
    const deadline = Date.now() + 3000
    while (events.listenerCount(aliceId) > baseline && Date.now() < deadline) await settle(50)
    expect(events.listenerCount(aliceId)).toBe(baseline)
  })

  test("one account's changes are not pushed to another", async () => {
    const es = await openEventSource('types=*&closeafter=no&ping=0', t.bob)
    await appendToInbox()
    expect(await es.next(500).catch(() => 'nothing')).toBe('nothing')
    es.close()
  })
})

// --- SMTP delivery ---------------------------------------------------------------------------

async function deliverBySmtp(subject: string) {
  const c = await LineClient.connect(t.server.port('smtp'))
  await c.reply()
  await c.command('EHLO client.example')
  expect(await c.command('MAIL FROM:<carol@remote.test>')).toEqual(['250 2.1.0 Accepted'])
  expect((await c.command('RCPT TO:<alice@example.test>'))[0]).toMatch(/^250/)
  expect((await c.command('DATA'))[0]).toMatch(/^354/)
  c.send(
    `From: carol@remote.test\r\nTo: alice@example.test\r\nSubject: ${subject}\r\nMessage-ID: <${Date.now()}.${subject.replaceAll(' ', '')}@remote.test>\r\n\r\nhi\r\n.`,
  )
  expect((await c.reply())[0]).toMatch(/^250/)
  await c.command('QUIT')
  c.close()
}

describe('EmailDelivery (rfc8621#section-1.5)', () => {
  test('mail delivered over SMTP changes Email and EmailDelivery; a client append changes only Email', async () => {
    const es = await openEventSource('types=Email,EmailDelivery&closeafter=no&ping=0')
    const deliveryBefore = String(store().kindState(aliceId, 'emailDelivery'))
    await deliverBySmtp('pushed delivery')
    const change = JSON.parse((await es.next(5000)).data).changed[t.alice.accountId]
    expect(Object.keys(change).sort()).toEqual(['Email', 'EmailDelivery'])
    expect(change.Email).toBe(emailState())
    expect(change.EmailDelivery).toBe(String(store().kindState(aliceId, 'emailDelivery')))
    expect(change.EmailDelivery).not.toBe(deliveryBefore)
    await appendToInbox()
    const next = JSON.parse((await es.next()).data).changed[t.alice.accountId]
    expect(Object.keys(next)).toEqual(['Email'])
    es.close()
  })
})

// --- WebSocket -------------------------------------------------------------------------------

interface JmapSocket {
  ws: WebSocket
  protocol: string
  next(timeoutMs?: number): Promise<Json>
  send(message: unknown): void
  close(): void
}

async function openSocket(
  who: JmapTestAccount = t.alice,
  protocols: string[] = ['jmap'],
): Promise<JmapSocket> {
  const url = `${t.base.replace('http:', 'ws:')}/jmap/ws`
  // Bun's WebSocket takes request headers: credentials go on the upgrade request.
  const ws = new WebSocket(url, {
    headers: { authorization: who.authorization },
    protocols,
  } as unknown as string[])
  const inbox: Json[] = []
  const waiters: (() => void)[] = []
  ws.onmessage = (e) => {
    inbox.push(JSON.parse(String(e.data)))
    for (const w of waiters.splice(0)) w()
  }
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve()
    ws.onerror = () => reject(new Error('the WebSocket did not open'))
  })
  return {
    ws,
    protocol: ws.protocol,
    next: (timeoutMs = 3000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = inbox.shift()
          if (m !== undefined) {
            clearTimeout(timer)
            resolve(m)
          } else waiters.push(check)
        }
        const timer = setTimeout(() => {
          const i = waiters.indexOf(check)
          if (i >= 0) waiters.splice(i, 1)
          reject(new Error('timed out waiting for a message'))
        }, timeoutMs)
        check()
      }),
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    close: () => ws.close(),
  }
}

/** Sends `message`, then a request whose answer proves the server has handled it (messages are handled in order). */
async function sendAndSync(s: JmapSocket, message: unknown) {
  s.send(message)
  s.send({ '@type': 'Request', id: 'sync', using: ['urn:ietf:params:jmap:core'], methodCalls: [] })
  const reply = await s.next()
  expect(reply).toMatchObject({ '@type': 'Response', requestId: 'sync' })
}

async function refusedUpgrade(headers: Record<string, string>): Promise<number> {
  const res = await fetch(`${t.base}/jmap/ws`, {
    headers: {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': Buffer.from('0123456789abcdef').toString('base64'),
      ...headers,
    },
  })
  return res.status
}

describe('WebSocket (rfc8887)', () => {
  test('the upgrade needs credentials and the "jmap" subprotocol', async () => {
    expect(await refusedUpgrade({ 'sec-websocket-protocol': 'jmap' })).toBe(401)
    expect(
      await refusedUpgrade({ authorization: t.alice.authorization, 'sec-websocket-protocol': 'chat' }),
    ).toBe(400)
    expect(await refusedUpgrade({ authorization: t.alice.authorization })).toBe(400)
    const plain = await fetch(`${t.base}/jmap/ws`, { headers: { authorization: t.alice.authorization } })
    expect(plain.status).toBe(400)
    await expect(openSocket({ ...t.alice, authorization: basic(t.alice.email, 'wrong') })).rejects.toThrow()
  })

  test('a Request is answered with a Response carrying its id; without id, without requestId', async () => {
    const s = await openSocket()
    expect(s.protocol).toBe('jmap')
    s.send({
      '@type': 'Request',
      id: 'R1',
      using: ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:websocket'],
      methodCalls: [['Core/echo', { hello: true, high: 5 }, 'b3ff']],
    })
    const response = await s.next()
    expect(response).toEqual({
      '@type': 'Response',
      requestId: 'R1',
      methodResponses: [['Core/echo', { hello: true, high: 5 }, 'b3ff']],
      sessionState: expect.any(String),
    })
    const session = (await (
      await fetch(`${t.base}/jmap/session`, { headers: { authorization: t.alice.authorization } })
    ).json()) as Json
    expect(response.sessionState).toBe(session.state)
    s.send({
      '@type': 'Request',
      using: ['urn:ietf:params:jmap:core'],
      methodCalls: [['Core/echo', {}, 'c']],
    })
    const anonymous = await s.next()
    expect(anonymous['@type']).toBe('Response')
    expect('requestId' in anonymous).toBe(false)
    // Method-level errors stay inside the Response, as over HTTP.
    s.send({
      '@type': 'Request',
      id: 'R2',
      using: ['urn:ietf:params:jmap:core'],
      methodCalls: [['Nope/get', {}, 'n']],
    })
    expect(await s.next()).toMatchObject({
      '@type': 'Response',
      requestId: 'R2',
      methodResponses: [['error', { type: 'unknownMethod' }, 'n']],
    })
    s.close()
  })

  test('request-level errors are RequestError objects with the requestId when known', async () => {
    const s = await openSocket()
    s.send('{not json')
    expect(await s.next()).toMatchObject({
      '@type': 'RequestError',
      type: 'urn:ietf:params:jmap:error:notJSON',
      status: 400,
    })
    s.send({ '@type': 'Request', id: 'R3', using: ['urn:example:nope'], methodCalls: [] })
    expect(await s.next()).toMatchObject({
      '@type': 'RequestError',
      requestId: 'R3',
      type: 'urn:ietf:params:jmap:error:unknownCapability',
    })
    s.send({ '@type': 'Request', id: 'R4', using: ['urn:ietf:params:jmap:core'], methodCalls: 'no' })
    expect(await s.next()).toMatchObject({
      '@type': 'RequestError',
      requestId: 'R4',
      type: 'urn:ietf:params:jmap:error:notRequest',
    })
    s.send({ id: 'R5', using: ['urn:ietf:params:jmap:core'], methodCalls: [] })
    expect(await s.next()).toMatchObject({
      '@type': 'RequestError',
      requestId: 'R5',
      type: 'urn:ietf:params:jmap:error:notRequest',
    })
    s.send({ '@type': 'Request', id: 7, using: ['urn:ietf:params:jmap:core'], methodCalls: [] })
    const badId = await s.next()
    expect(badId).toMatchObject({ '@type': 'RequestError', type: 'urn:ietf:params:jmap:error:notRequest' })
    expect('requestId' in badId).toBe(false)
    s.send({ '@type': 'WebSocketPushEnable', dataTypes: 'Email' })
    expect(await s.next()).toMatchObject({
      '@type': 'RequestError',
      type: 'urn:ietf:params:jmap:error:notRequest',
    })
    s.ws.send(new Uint8Array([123, 125]))
    expect(await s.next()).toMatchObject({
      '@type': 'RequestError',
      type: 'urn:ietf:params:jmap:error:notJSON',
    })
    const calls = Array.from({ length: 100 }, (_, i) => ['Core/echo', {}, `c${i}`])
    s.send({ '@type': 'Request', id: 'R6', using: ['urn:ietf:params:jmap:core'], methodCalls: calls })
    expect(await s.next()).toMatchObject({
      '@type': 'RequestError',
      requestId: 'R6',
      type: 'urn:ietf:params:jmap:error:limit',
      limit: 'maxCallsInRequest',
    })
    // The connection is still usable.
    s.send({ '@type': 'Request', id: 'R7', using: ['urn:ietf:params:jmap:core'], methodCalls: [] })
    expect(await s.next()).toMatchObject({ '@type': 'Response', requestId: 'R7' })
    s.close()
  })

  test('WebSocketPushEnable: an IMAP flag change is pushed as a StateChange with pushState; Disable stops it', async () => {
    const s = await openSocket()
    const imap = await imapLogin()
    s.send({ '@type': 'WebSocketPushEnable', dataTypes: ['Email'] })
    // Nothing is pushed before something changes (no pushState given).
    expect(await s.next(300).catch(() => 'nothing')).toBe('nothing')
    expect((await imap.command('STORE 1 -FLAGS (\\Flagged)')).done).toMatch(/^OK/)
    expect((await imap.command('STORE 1 +FLAGS (\\Flagged)')).done).toMatch(/^OK/)
    let push = await s.next()
    // The two STOREs may arrive as one push or two; the last one has the final state.
    if (push.changed[t.alice.accountId].Email !== emailState()) push = await s.next()
    expect(push).toEqual({
      '@type': 'StateChange',
      changed: { [t.alice.accountId]: { Email: emailState() } },
      pushState: String(store().modseq(aliceId)),
    })
    s.send({ '@type': 'WebSocketPushDisable' })
    // A request after Disable is answered after it (messages are handled in order).
    s.send({ '@type': 'Request', id: 'after', using: ['urn:ietf:params:jmap:core'], methodCalls: [] })
    expect((await s.next()).requestId).toBe('after')
    await imap.command('STORE 1 -FLAGS (\\Flagged)')
    expect(await s.next(400).catch(() => 'nothing')).toBe('nothing')
    imap.close()
    s.close()
  })

  test('pushState catches up with what changed since, for the types asked; null dataTypes is every type', async () => {
    const s = await openSocket()
    await sendAndSync(s, { '@type': 'WebSocketPushEnable', dataTypes: ['Email', 'Mailbox'] })
    await appendToInbox()
    const first = await s.next()
    expect(Object.keys(first.changed[t.alice.accountId]).sort()).toEqual(['Email', 'Mailbox'])
    await sendAndSync(s, { '@type': 'WebSocketPushDisable' })
    const email = store().mailboxMessages(inboxId)[0]?.emailId ?? 0
    await store().setKeywords(aliceId, [email], 'add', { flags: 0, keywords: ['$while-off'] })
    s.send({ '@type': 'WebSocketPushEnable', dataTypes: null, pushState: first.pushState })
    const caughtUp = await s.next()
    expect(caughtUp.pushState).toBe(String(store().modseq(aliceId)))
    // Only Email moved since that pushState (a keyword change on its own); Mailbox did not.
    expect(caughtUp.changed[t.alice.accountId].Email).toBe(emailState())
    expect(caughtUp.changed[t.alice.accountId].Thread).toBeUndefined()
    // Enabling again replaces the first subscription: one push per change, not two.
    await deliverBySmtp('to the socket')
    const delivered = await s.next(5000)
    expect(Object.keys(delivered.changed[t.alice.accountId])).toContain('EmailDelivery')
    expect(await s.next(300).catch(() => 'nothing')).toBe('nothing')
    s.close()
  })

  test('closing the socket removes its listener', async () => {
    const { events } = t.server.services
    await settle()
    const baseline = events.listenerCount(aliceId)
    const s = await openSocket()
    s.send({ '@type': 'WebSocketPushEnable', dataTypes: null })
    s.send({ '@type': 'Request', id: 'x', using: ['urn:ietf:params:jmap:core'], methodCalls: [] })
    await s.next()
    expect(events.listenerCount(aliceId)).toBe(baseline + 1)
    s.close()
    const deadline = Date.now() + 3000
    while (events.listenerCount(aliceId) > baseline && Date.now() < deadline) await settle(50)
    expect(events.listenerCount(aliceId)).toBe(baseline)
  })
})

// --- IMAP IDLE and a store keyword change (the path Email/set takes) -------------------------

describe('IMAP IDLE sees JMAP-side keyword changes', () => {
  test('store.setKeywords by email id shows as an untagged FETCH during IDLE', async () => {
    const c = await imapLogin()
    const first = store().mailboxMessages(inboxId)[0]
    expect(first).toBeDefined()
    const tag = c.nextTag()
    c.send(`${tag} IDLE\r\n`)
    expect(await c.line()).toBe('+ idling')
    await store().setKeywords(aliceId, [first?.emailId ?? 0], 'add', { flags: 0, keywords: ['$label1'] })
    expect(await c.line()).toMatch(
      new RegExp(`^\\* 1 FETCH \\(UID ${first?.uid} FLAGS \\([^)]*\\$label1[^)]*\\)\\)$`),
    )
    c.send('DONE\r\n')
    expect((await c.until(tag)).done).toBe('OK IDLE terminated')
    c.close()
  })
})
