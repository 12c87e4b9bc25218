// Two Postern instances on loopback, each the other's MX through a shared mock DNS: mail that
// alice@a.test submits to A reaches bob@b.test on B signed and authenticated; a destination that
// is down is retried (across a restart of A); a permanent refusal, a null MX and an expired
// message come back to alice as DSNs.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createMockResolver, type MockResolver } from '../../src/dns/index.ts'
import { prepareBlob } from '../../src/store/blobs.ts'
import { tempDir } from '../helpers/db.ts'
import { mailbox, submit, waitFor } from '../helpers/outbound.ts'
import { freePorts } from '../helpers/process.ts'
import { startTestServer, type TestServer, testAdminPassword } from '../helpers/server.ts'

let dns: MockResolver
let b: TestServer
let a: TestServer
const aDir = tempDir()
const alice = { user: 'alice@a.test', pass: 'alice-password' }

function message(subject: string, to = 'bob@b.test') {
  return `From: Alice <alice@a.test>\nTo: <${to}>\nSubject: ${subject}\nMessage-ID: <${subject.replaceAll(' ', '-')}@a.test>\n\nHello from A.\n`
}

async function startA(mxPort: number, env: Record<string, string> = {}) {
  return startTestServer({
    dataDir: aDir.path,
    resolver: dns,
    env: {
      POSTERN_HOSTNAME: 'mail.a.test',
      POSTERN_DELIVERY_MX_PORT: String(mxPort),
      POSTERN_DELIVERY_RETRY_INTERVALS: '1s',
      POSTERN_DELIVERY_TIMEOUT_SECONDS: '5',
      ...env,
    },
  })
}

beforeAll(async () => {
  dns = createMockResolver({
    'b.test': { MX: [{ exchange: 'mx.b.test', priority: 10 }] },
    'mx.b.test': { A: ['127.0.0.1'] },
    'a.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'], MX: [{ exchange: 'mail.a.test', priority: 10 }] },
    '_dmarc.a.test': { TXT: ['v=DMARC1; p=reject'] },
    'mail.a.test': { A: ['127.0.0.1'] },
    'nomail.test': { MX: [{ exchange: '.', priority: 0 }] },
    'c.test': { MX: [{ exchange: 'mx.b.test', priority: 10 }] },
  })
  b = await startTestServer({ resolver: dns, env: { POSTERN_HOSTNAME: 'mx.b.test' } })
  b.services.directory.domains.add('b.test')
  await b.services.directory.accounts.add({ email: 'bob@b.test', password: 'bob-password' })
  a = await startA(b.port('smtp'))
  a.services.directory.domains.add('a.test')
  await a.services.directory.dkim.ensure('a.test')
  await a.services.directory.accounts.add({ email: 'alice@a.test', password: 'alice-password' })
  for (const record of a.services.directory.dkim.records('a.test'))
    dns.set(record.name, 'TXT', [record.value])
})
afterAll(async () => {
  await a?.close()
  await b?.close()
  aDir.remove()
})

describe('delivery between two instances', () => {
  test('alice → bob: delivered, DKIM-signed with RSA and Ed25519, and SPF, DKIM and DMARC pass at B', async () => {
    expect(await submit(a, alice, { from: 'alice@a.test', to: ['bob@b.test'] }, message('first'))).toMatch(
      /^250 /,
    )
    const received = await waitFor('bob to receive', () =>
      mailbox(b, 'bob@b.test').find((m) => m.includes('Subject: first')),
    )
    const signatures = received.match(/^DKIM-Signature: .*$/gim) ?? []
    expect(signatures.length).toBe(2)
    expect(received).toMatch(/DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=a\.test;/)
    expect(received).toMatch(/DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed\/relaxed; d=a\.test;/)
    const results = received.slice(received.indexOf('Authentication-Results: mx.b.test'))
    expect(results).toMatch(/spf=pass/)
    expect(results).toMatch(/dkim=pass header\.i=@a\.test header\.s=r\d{8} header\.a=rsa-sha256/)
    expect(results).toMatch(/dkim=pass header\.i=@a\.test header\.s=e\d{8} header\.a=ed25519-sha256/)
    expect(results).toMatch(/dmarc=pass/)
    // B received it from A over STARTTLS.
    expect(received).toMatch(/Received: from mail\.a\.test \(.*\)\r\n\s+by mx\.b\.test .*with ESMTPS/)
    await waitFor('the queue to empty', () => a.services.queue.list().length === 0)
  })

  test('one transaction carries every recipient at the same destination', async () => {
    await b.services.directory.accounts.add({ email: 'carol@b.test', password: 'carol-password' })
    await submit(a, alice, { from: 'alice@a.test', to: ['bob@b.test', 'carol@b.test'] }, message('both'))
    await waitFor('carol', () => mailbox(b, 'carol@b.test').find((m) => m.includes('Subject: both')))
    await waitFor('bob', () => mailbox(b, 'bob@b.test').find((m) => m.includes('Subject: both')))
    // B stores the message before it answers 250, and A logs the delivery only on that answer, so
    // the copies can be in B's mailboxes a moment before A's log line is written.
    const carolDeliveries = () =>
      a.logs.filter((l) => l.includes('delivered') && l.includes('rcpt=') && l.includes('carol@b.test'))
    await waitFor("A's delivery log", () => carolDeliveries().length > 0)
    expect(carolDeliveries().length).toBe(1)
    // B saw one connection's DATA for both: one Received trace id shared by the two copies.
    const ids = ['bob@b.test', 'carol@b.test'].map(
      (who) =>
        /with ESMTPS id (\S+)/.exec(mailbox(b, who).find((m) => m.includes('Subject: both')) ?? '')?.[1],
    )
    expect(ids[0]).toBeDefined()
    expect(ids[0]).toBe(ids[1])
  })

  test("a recipient B does not know: a DSN in alice's inbox that says so (5.1.1)", async () => {
    await submit(
      a,
      alice,
      { from: 'alice@a.test', to: ['nobody@b.test'] },
      message('to nobody', 'nobody@b.test'),
    )
    const dsn = await waitFor('the DSN', () =>
      mailbox(a, 'alice@a.test').find(
        (m) => m.includes('Undelivered Mail Returned to Sender') && m.includes('nobody@b.test'),
      ),
    )
    expect(dsn).toMatch(/^Return-Path: <>\r\n/)
    expect(dsn).toMatch(/\r\nFrom: Mail Delivery System <MAILER-DAEMON@mail\.a\.test>\r\n/)
    expect(dsn).toMatch(/\r\nAuto-Submitted: auto-replied\r\n/)
    expect(dsn).toMatch(/Content-Type: multipart\/report; report-type=delivery-status;/)
    expect(dsn).toMatch(
      /\r\nContent-Type: message\/delivery-status\r\n\r\nReporting-MTA: dns; mail\.a\.test\r\n/,
    )
    expect(dsn).toMatch(
      /\r\nFinal-Recipient: rfc822; nobody@b\.test\r\nAction: failed\r\nStatus: 5\.1\.1\r\nRemote-MTA: dns; mx\.b\.test\r\nDiagnostic-Code: smtp; 550 5\.1\.1 /,
    )
    expect(dsn).toMatch(/Content-Type: text\/rfc822-headers\r\n\r\n[\s\S]*Subject: to nobody\r\n/)
    await waitFor('the queue to empty', () => a.services.queue.list().length === 0)
  })

  test('a null MX domain fails at once with 5.1.10, without any connection', async () => {
    await submit(
      a,
      alice,
      { from: 'alice@a.test', to: ['x@nomail.test'] },
      message('null mx', 'x@nomail.test'),
    )
    const dsn = await waitFor('the DSN', () =>
      mailbox(a, 'alice@a.test').find((m) => m.includes('x@nomail.test') && m.includes('Action: failed')),
    )
    expect(dsn).toMatch(/Status: 5\.1\.10\r\n/)
    expect(dsn).toMatch(/accepts no mail \(null MX\)/)
  })

  test('a bounce is never bounced: mail from <> that fails is dropped without a DSN', async () => {
    const { queue } = a.services
    const raw = new TextEncoder().encode('From: MAILER-DAEMON@mail.a.test\r\nSubject: a bounce\r\n\r\nx\r\n')
    const before = mailbox(a, 'alice@a.test').length
    queue.enqueue({
      accountId: null,
      mailFrom: '',
      recipients: ['x@nomail.test'],
      blob: prepareBlob(raw),
      now: Date.now(),
    })
    await waitFor('the failure', () =>
      a.logs.find((l) => l.includes('failed') && l.includes('x@nomail.test') && l.includes('5.1.10')),
    )
    await waitFor('the queue to empty', () => queue.list().length === 0)
    await new Promise((r) => setTimeout(r, 200))
    expect(mailbox(a, 'alice@a.test').length).toBe(before)
    expect(queue.list().length).toBe(0)
  })
})

test('the admin API shows the DKIM records and rotates the keys', async () => {
  const auth = { authorization: `Basic ${btoa(`admin:${testAdminPassword}`)}` }
  const url = `http://127.0.0.1:${a.port('http')}/api/dkim/a.test`
  const shown = (await (await fetch(url, { headers: auth })).json()) as {
    domain: string
    records: { name: string; value: string }[]
  }
  expect(shown.domain).toBe('a.test')
  expect(shown.records.map((r) => r.name)).toEqual(
    a.services.directory.dkim.records('a.test').map((r) => r.name),
  )
  expect(shown.records[0]?.value).toMatch(/^v=DKIM1; k=rsa; p=/)
  const bad = await fetch(`${url}/rotate`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ graceDays: -1 }),
  })
  expect(bad.status).toBe(400)
  expect(await bad.json()).toEqual({ error: '"graceDays" must be a whole number of days ≥ 0' })
  const missing = await fetch(`http://127.0.0.1:${a.port('http')}/api/dkim/nowhere.test`, { headers: auth })
  expect(missing.status).toBe(404)
  const rotated = await fetch(`${url}/rotate`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ graceDays: 2 }),
  })
  expect(rotated.status).toBe(200)
  const after = (await rotated.json()) as {
    records: { name: string; value: string; retireAt: string | null }[]
  }
  expect(after.records.length).toBe(4)
  expect(after.records.map((r) => r.retireAt === null)).toEqual([true, true, false, false])
  expect(after.records.slice(2).map((r) => r.name)).toEqual(shown.records.map((r) => r.name))
  for (const r of after.records) dns.set(r.name, 'TXT', [r.value])
})

test('a forward that bounces: the DSN goes back through the queue, from <>, to the remote sender', async () => {
  b.services.directory.domains.add('c.test')
  await b.services.directory.accounts.add({ email: 'carol@c.test', password: 'carol-password' })
  a.services.directory.aliases.add('fwd@a.test', 'nobody@b.test')
  // carol@c.test writes to A's MX; A forwards to b.test, which refuses the recipient.
  const { LineClient } = await import('../helpers/line-client.ts')
  const c = await LineClient.connect(a.port('smtp'))
  await c.reply()
  await c.command('EHLO mx.c.test')
  expect((await c.command('MAIL FROM:<carol@c.test>'))[0]).toMatch(/^250/)
  expect((await c.command('RCPT TO:<fwd@a.test>'))[0]).toMatch(/^250/)
  expect((await c.command('DATA'))[0]).toMatch(/^354/)
  c.send('From: carol@c.test\r\nTo: fwd@a.test\r\nSubject: forwarded and bounced\r\n\r\nhi\r\n.')
  expect((await c.reply())[0]).toMatch(/^250/)
  c.close()
  const dsn = await waitFor('the DSN at carol', () =>
    mailbox(b, 'carol@c.test').find((m) => m.includes('Undelivered Mail Returned to Sender')),
  )
  expect(dsn).toMatch(/Final-Recipient: rfc822; nobody@b\.test\r\nAction: failed\r\nStatus: 5\.1\.1/)
  expect(dsn).toMatch(/Subject: forwarded and bounced/)
  // Sent from the null sender (it can never bounce again; the receiver checks the HELO name,
  // rfc7208 section 2.4) and signed by a.test, so that MAILER-DAEMON@mail.a.test passes a.test's
  // DMARC policy (p=reject) at the receiver. Return-Path is not added in transit.
  expect(dsn).toMatch(/smtp\.mailfrom=postmaster@mail\.a\.test smtp\.helo=mail\.a\.test/)
  expect(dsn).not.toMatch(/^Return-Path:/m)
  expect(dsn).toMatch(/dkim=pass header\.i=@a\.test header\.s=r\d{8}/)
  expect(dsn).toMatch(/dmarc=pass .*header\.from=mail\.a\.test/)
  await waitFor('the queue to empty', () => a.services.queue.list().length === 0)
})

describe('a destination that is down', () => {
  test('deferred, kept across a restart of the sender, delivered once the destination is up', async () => {
    const [port = 0] = await freePorts(1)
    await a.close()
    a = await startA(port)
    await submit(a, alice, { from: 'alice@a.test', to: ['bob@b.test'] }, message('while down'))
    const deferred = await waitFor('a deferral', () =>
      a.services.queue
        .list()
        .find((m) => m.recipients.some((r) => r.status === 'deferred' && r.attempts >= 1)),
    )
    expect(deferred.recipients[0]).toMatchObject({
      address: 'bob@b.test',
      status: 'deferred',
      remoteMta: 'mx.b.test',
    })
    expect(deferred.recipients[0]?.lastError).toMatch(/cannot talk to mx\.b\.test \[127\.0\.0\.1\]/)
    expect(deferred.recipients[0]?.statusCode).toMatch(/^4\./)
    const health = (await (await fetch(`http://127.0.0.1:${a.port('http')}/healthz`)).json()) as {
      queue: { messages: number; recipients: { deferred: number }; oldestCreatedAt: string }
    }
    expect(health.queue.messages).toBe(1)
    expect(health.queue.recipients.deferred).toBe(1)
    expect(health.queue.oldestCreatedAt).toMatch(/^\d{4}-/)

    await a.close()
    // B comes up on the port A's MX lookups lead to; A restarts on the same data directory.
    const b2 = await startTestServer({
      dataDir: b.dataDir,
      resolver: dns,
      env: { POSTERN_HOSTNAME: 'mx.b.test', POSTERN_LISTEN_SMTP: `127.0.0.1:${port}` },
    })
    try {
      a = await startA(port)
      expect(a.services.queue.list().map((m) => m.id)).toContain(deferred.id)
      await waitFor(
        'delivery after the restart',
        () => mailbox(b2, 'bob@b.test').find((m) => m.includes('Subject: while down')),
        15_000,
      )
      await waitFor('the queue to empty', () => a.services.queue.list().length === 0)
      expect(mailbox(b2, 'bob@b.test').filter((m) => m.includes('Subject: while down')).length).toBe(1)
    } finally {
      await b2.stop()
    }
  })

  test('past its expiry a message fails with 4.4.7 and the sender is told', async () => {
    const [port = 0] = await freePorts(1)
    await a.close()
    a = await startA(port, { POSTERN_DELIVERY_EXPIRE_AFTER: '2s' })
    await submit(a, alice, { from: 'alice@a.test', to: ['bob@b.test'] }, message('expires'))
    const dsn = await waitFor(
      'the expiry DSN',
      () =>
        mailbox(a, 'alice@a.test').find(
          (m) => m.includes('Subject: expires') && m.includes('Action: failed'),
        ),
      15_000,
    )
    expect(dsn).toMatch(/Status: 4\.4\.7\r\n/)
    expect(dsn).toMatch(/delivery time expired; last error: cannot talk to mx\.b\.test/)
    await waitFor('the queue to empty', () => a.services.queue.list().length === 0)
  })

  test('a delay notice once the configured time has passed, then delivery goes on', async () => {
    const [port = 0] = await freePorts(1)
    await a.close()
    a = await startA(port, { POSTERN_DELIVERY_DELAY_NOTICE_AFTER: '1s' })
    await submit(a, alice, { from: 'alice@a.test', to: ['bob@b.test'] }, message('slow'))
    const notice = await waitFor(
      'the delay notice',
      () =>
        mailbox(a, 'alice@a.test').find((m) => m.includes('Subject: slow') && m.includes('Action: delayed')),
      15_000,
    )
    expect(notice).toMatch(/Subject: Delayed Mail \(still being retried\)/)
    expect(notice).toMatch(/Will-Retry-Until: /)
    await new Promise((r) => setTimeout(r, 2500))
    // Only one notice per message.
    expect(
      mailbox(a, 'alice@a.test').filter((m) => m.includes('Subject: slow') && m.includes('Action: delayed'))
        .length,
    ).toBe(1)
    const id = a.services.queue.list()[0]?.id
    expect(id).toBeDefined()
    if (id !== undefined) a.services.queue.remove(id)
  })
})
