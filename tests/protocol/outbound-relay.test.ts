// [delivery].relay: every message goes to the smarthost, over verified STARTTLS, with AUTH;
// a relay that does not offer TLS gets nothing (credentials never travel in plaintext).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { SMTPServer } from 'smtp-server'
import { createMockResolver } from '../../src/dns/index.ts'
import { submit, waitFor } from '../helpers/outbound.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { createTestCa, type TestCa } from '../helpers/test-ca.ts'

interface Relayed {
  from: string
  to: string[]
  data: string
  secure: boolean
  user: unknown
}

let ca: TestCa
const relayed: Relayed[] = []
const relays: SMTPServer[] = []
const servers: TestServer[] = []

function startRelay(options: { tls: boolean }): Promise<number> {
  const cert = ca.issue(['relay.test'])
  const relay = new SMTPServer({
    key: cert.key,
    cert: cert.cert,
    ...(options.tls ? {} : { disabledCommands: ['STARTTLS'] }),
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === 'relay-user' && auth.password === 'relay-secret')
        cb(null, { user: auth.username })
      else cb(new Error('Invalid username or password'))
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        relayed.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString('latin1'),
          secure: session.secure,
          user: session.user,
        })
        cb()
      })
    },
  })
  relays.push(relay)
  return new Promise((resolve) =>
    relay.listen(0, '127.0.0.1', () => resolve((relay.server.address() as { port: number }).port)),
  )
}

async function startSender(relayPort: number): Promise<TestServer> {
  const server = await startTestServer({
    resolver: createMockResolver({ 'relay.test': { A: ['127.0.0.1'] } }),
    outboundTls: { ca: [ca.cert] },
    env: {
      POSTERN_HOSTNAME: 'mail.a.test',
      POSTERN_DELIVERY_RELAY: `relay.test:${relayPort}`,
      POSTERN_DELIVERY_RELAY_USERNAME: 'relay-user',
      POSTERN_DELIVERY_RELAY_PASSWORD: 'relay-secret',
      POSTERN_DELIVERY_RETRY_INTERVALS: '1h',
    },
  })
  servers.push(server)
  server.services.directory.domains.add('a.test')
  await server.services.directory.dkim.ensure('a.test')
  await server.services.directory.accounts.add({ email: 'alice@a.test', password: 'alice-password' })
  return server
}

beforeAll(() => {
  ca = createTestCa()
})
afterAll(async () => {
  for (const s of servers) await s.close()
  for (const r of relays) await new Promise<void>((resolve) => r.close(() => resolve()))
  ca?.remove()
})

describe('smarthost', () => {
  test('mail for two different domains goes to the relay in one transaction, over TLS, authenticated and signed', async () => {
    const a = await startSender(await startRelay({ tls: true }))
    await submit(
      a,
      { user: 'alice@a.test', pass: 'alice-password' },
      { from: 'alice@a.test', to: ['one@far.example', 'two@elsewhere.example'] },
      'From: alice@a.test\nTo: one@far.example, two@elsewhere.example\nSubject: via relay\n\nhi\n',
    )
    const got = await waitFor('the relay to receive', () =>
      relayed.find((r) => r.data.includes('Subject: via relay')),
    )
    expect(got).toMatchObject({
      from: 'alice@a.test',
      to: ['one@far.example', 'two@elsewhere.example'],
      secure: true,
      user: 'relay-user',
    })
    expect(got.data).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=a\.test;/)
    await waitFor('the queue to empty', () => a.services.queue.list().length === 0)
  })

  test('a relay without STARTTLS is not used: the mail waits', async () => {
    const a = await startSender(await startRelay({ tls: false }))
    await submit(
      a,
      { user: 'alice@a.test', pass: 'alice-password' },
      { from: 'alice@a.test', to: ['three@far.example'] },
      'From: alice@a.test\nTo: three@far.example\nSubject: plaintext relay\n\nhi\n',
    )
    const entry = await waitFor('the deferral', () =>
      a.services.queue.list().find((m) => m.recipients.some((r) => r.status === 'deferred')),
    )
    expect(entry.recipients[0]?.lastError).toMatch(/TLS with relay\.test failed/)
    expect(relayed.some((r) => r.data.includes('Subject: plaintext relay'))).toBe(false)
  })
})

test('outbound connections to one destination are capped (max_connections_per_domain)', async () => {
  let open = 0
  let peak = 0
  let received = 0
  const sink = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onConnect(_session, cb) {
      open++
      peak = Math.max(peak, open)
      cb()
    },
    onClose() {
      open--
    },
    onData(stream, _session, cb) {
      stream.resume()
      stream.on('end', () => {
        received++
        setTimeout(() => cb(), 100)
      })
    },
  })
  relays.push(sink)
  const port = await new Promise<number>((resolve) =>
    sink.listen(0, '127.0.0.1', () => resolve((sink.server.address() as { port: number }).port)),
  )
  const a = await startTestServer({
    env: {
      POSTERN_HOSTNAME: 'mail.a.test',
      POSTERN_DELIVERY_RELAY: `127.0.0.1:${port}`,
      POSTERN_DELIVERY_RELAY_TLS: 'none',
      POSTERN_DELIVERY_MAX_CONNECTIONS_PER_DOMAIN: '2',
    },
  })
  servers.push(a)
  a.services.directory.domains.add('a.test')
  await a.services.directory.accounts.add({ email: 'alice@a.test', password: 'alice-password' })
  await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      submit(
        a,
        { user: 'alice@a.test', pass: 'alice-password' },
        { from: 'alice@a.test', to: [`r${i}@far.example`] },
        `From: alice@a.test\nSubject: capped ${i}\n\nhi\n`,
      ),
    ),
  )
  await waitFor('all six', () => received === 6, 15_000)
  await waitFor('the queue to empty', () => a.services.queue.list().length === 0)
  expect(peak).toBe(2)
})

test('messages to the same server one after another reuse one connection', async () => {
  let connections = 0
  let received = 0
  const sink = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onConnect(_session, cb) {
      connections++
      cb()
    },
    onData(stream, _session, cb) {
      stream.resume()
      stream.on('end', () => {
        received++
        cb()
      })
    },
  })
  relays.push(sink)
  const port = await new Promise<number>((resolve) =>
    sink.listen(0, '127.0.0.1', () => resolve((sink.server.address() as { port: number }).port)),
  )
  const a = await startTestServer({
    env: {
      POSTERN_HOSTNAME: 'mail.a.test',
      POSTERN_DELIVERY_RELAY: `127.0.0.1:${port}`,
      POSTERN_DELIVERY_RELAY_TLS: 'none',
    },
  })
  servers.push(a)
  a.services.directory.domains.add('a.test')
  await a.services.directory.accounts.add({ email: 'alice@a.test', password: 'alice-password' })
  for (let i = 0; i < 3; i++) {
    await submit(
      a,
      { user: 'alice@a.test', pass: 'alice-password' },
      { from: 'alice@a.test', to: [`s${i}@far.example`] },
      `From: alice@a.test\nSubject: serial ${i}\n\nhi\n`,
    )
    await waitFor(`message ${i}`, () => received === i + 1)
  }
  expect(connections).toBe(1)
})
