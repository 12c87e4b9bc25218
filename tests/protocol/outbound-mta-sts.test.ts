// MTA-STS (rfc8461) on outbound delivery: policies served over HTTPS by a local policy host,
// certificates from a test CA. Enforce delivers only to listed MX hosts over verified TLS and
// defers otherwise (never downgrades); testing delivers and reports; TLS-RPT counts are kept.
import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { runCli } from '../../src/cli/index.ts'
import { createMockResolver, type MockResolver } from '../../src/dns/index.ts'
import { tempDir } from '../helpers/db.ts'
import { mailbox, submit, waitFor } from '../helpers/outbound.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { createTestCa, type TestCa } from '../helpers/test-ca.ts'

let ca: TestCa
let dns: MockResolver
let a: TestServer
let b: TestServer
let policyHost: ReturnType<typeof Bun.serve>
const bDir = tempDir()
/** Policy file per policy host name, changed by each test. */
const policies = new Map<string, string>()
const alice = { user: 'alice@a.test', pass: 'alice-password' }
const today = () => new Date().toISOString().slice(0, 10)

function publish(domain: string, id: string, mode: string, mx: string[]) {
  dns.set(`_mta-sts.${domain}`, 'TXT', [`v=STSv1; id=${id}`])
  policies.set(
    `mta-sts.${domain}`,
    [`version: STSv1`, `mode: ${mode}`, ...mx.map((m) => `mx: ${m}`), 'max_age: 86400', ''].join('\r\n'),
  )
}

function send(subject: string, to: string) {
  return submit(
    a,
    alice,
    { from: 'alice@a.test', to: [to] },
    `From: alice@a.test\nTo: ${to}\nSubject: ${subject}\n\nbody\n`,
  )
}

/** The TLS-RPT counts A has recorded today for a destination, read from its database. */
function readResults(domain: string) {
  const db = new Database(`${a.dataDir}/postern.sqlite`, { readonly: true })
  try {
    return db
      .query(
        'SELECT policy_type AS policyType, mx_host AS mxHost, result_type AS resultType, count FROM tls_report_results WHERE domain = ? AND day = ?',
      )
      .all(domain, today()) as { policyType: string; mxHost: string; resultType: string; count: number }[]
  } finally {
    db.close()
  }
}

beforeAll(async () => {
  ca = createTestCa()
  const mxCert = ca.issue(['mx.b.test'])
  const policyCert = ca.issue(['mta-sts.b.test', 'mta-sts.c.test'])
  policyHost = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    tls: { cert: policyCert.cert, key: policyCert.key },
    fetch(request) {
      const host = (request.headers.get('host') ?? '').replace(/:\d+$/, '')
      const policy = policies.get(host)
      if (!policy || new URL(request.url).pathname !== '/.well-known/mta-sts.txt')
        return new Response('no', { status: 404 })
      return new Response(policy, { headers: { 'content-type': 'text/plain' } })
    },
  })
  dns = createMockResolver({
    'b.test': { MX: [{ exchange: 'mx.b.test', priority: 10 }] },
    'c.test': { MX: [{ exchange: 'mx.c.test', priority: 10 }] },
    'mx.b.test': { A: ['127.0.0.1'] },
    'mx.c.test': { A: ['127.0.0.1'] },
    'mta-sts.b.test': { A: ['127.0.0.1'] },
    'mta-sts.c.test': { A: ['127.0.0.1'] },
    'a.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
  })
  // B's SMTP certificate is the CA-issued one for mx.b.test, installed as an operator would.
  const installed = await runCli(['cert', 'set', '--cert', mxCert.certFile, '--key', mxCert.keyFile], {
    out: { line: () => {}, error: (l) => console.error(l) },
    env: { POSTERN_DATA_DIR: bDir.path, POSTERN_HOSTNAME: 'mx.b.test' },
  })
  expect(installed).toBe(0)
  b = await startTestServer({ dataDir: bDir.path, resolver: dns, env: { POSTERN_HOSTNAME: 'mx.b.test' } })
  b.services.directory.domains.add('b.test')
  b.services.directory.domains.add('c.test')
  await b.services.directory.accounts.add({ email: 'bob@b.test', password: 'bob-password' })
  await b.services.directory.accounts.add({ email: 'carl@c.test', password: 'carl-password' })
  a = await startTestServer({
    resolver: dns,
    outboundTls: { ca: [ca.cert], mtaStsPort: policyHost.port },
    env: {
      POSTERN_HOSTNAME: 'mail.a.test',
      POSTERN_DELIVERY_MX_PORT: String(b.port('smtp')),
      POSTERN_DELIVERY_RETRY_INTERVALS: '1h',
    },
  })
  a.services.directory.domains.add('a.test')
  await a.services.directory.accounts.add({ email: 'alice@a.test', password: 'alice-password' })
})
afterAll(async () => {
  await a?.close()
  await b?.close()
  policyHost?.stop(true)
  bDir.remove()
  ca?.remove()
})

describe('MTA-STS', () => {
  test('enforce: a listed MX with a valid certificate gets the mail, and the success is counted', async () => {
    publish('b.test', 'enforce1', 'enforce', ['mx.b.test'])
    await send('enforced', 'bob@b.test')
    const got = await waitFor('delivery', () =>
      mailbox(b, 'bob@b.test').find((m) => m.includes('Subject: enforced')),
    )
    expect(got).toMatch(/with ESMTPS id/)
    await waitFor('the success count', () =>
      readResults('b.test').find((r) => r.policyType === 'sts' && r.resultType === 'success'),
    )
    expect(readResults('b.test')).toContainEqual({
      policyType: 'sts',
      mxHost: 'mx.b.test',
      resultType: 'success',
      count: 1,
    })
  })

  test('enforce: an MX the policy does not list is not used; the mail waits (4.7.5)', async () => {
    publish('b.test', 'enforce2', 'enforce', ['other.b.test'])
    await send('not listed', 'bob@b.test')
    const entry = await waitFor('the deferral', () =>
      a.services.queue
        .list()
        .find((m) => m.recipients.some((r) => r.status === 'deferred' && r.address === 'bob@b.test')),
    )
    expect(entry.recipients[0]?.statusCode).toBe('4.7.5')
    expect(entry.recipients[0]?.lastError).toMatch(/matches its MTA-STS policy/)
    expect(mailbox(b, 'bob@b.test').some((m) => m.includes('Subject: not listed'))).toBe(false)
    expect(readResults('b.test')).toContainEqual(
      expect.objectContaining({ policyType: 'sts', mxHost: 'mx.b.test', resultType: 'validation-failure' }),
    )
    a.services.queue.remove(entry.id)
  })

  test('enforce: a certificate that does not match the MX name is refused, never downgraded', async () => {
    publish('c.test', 'enforce1', 'enforce', ['mx.c.test'])
    await send('wrong cert', 'carl@c.test')
    const entry = await waitFor('the deferral', () =>
      a.services.queue
        .list()
        .find((m) => m.recipients.some((r) => r.status === 'deferred' && r.address === 'carl@c.test')),
    )
    expect(entry.recipients[0]?.statusCode).toBe('4.7.5')
    expect(entry.recipients[0]?.lastError).toMatch(/TLS with mx\.c\.test failed/)
    expect(mailbox(b, 'carl@c.test').length).toBe(0)
    expect(readResults('c.test')).toContainEqual(
      expect.objectContaining({
        policyType: 'sts',
        mxHost: 'mx.c.test',
        resultType: 'certificate-host-mismatch',
      }),
    )
    a.services.queue.remove(entry.id)
  })

  test('testing: the same mismatch is reported but the mail is delivered', async () => {
    publish('c.test', 'testing1', 'testing', ['mx.c.test'])
    await send('testing mode', 'carl@c.test')
    await waitFor('delivery', () =>
      mailbox(b, 'carl@c.test').find((m) => m.includes('Subject: testing mode')),
    )
    await waitFor('the report', () =>
      readResults('c.test').find(
        (r) => r.policyType === 'sts' && r.resultType === 'certificate-host-mismatch' && r.count >= 2,
      ),
    )
  })

  test('a cached policy still applies when the DNS record disappears', async () => {
    publish('b.test', 'enforce3', 'enforce', ['other.b.test'])
    await send('cache primed', 'bob@b.test')
    const first = await waitFor('the deferral', () =>
      a.services.queue
        .list()
        .find((m) => m.recipients.some((r) => r.status === 'deferred' && r.address === 'bob@b.test')),
    )
    a.services.queue.remove(first.id)
    dns.set('_mta-sts.b.test', 'TXT', undefined)
    await send('record stripped', 'bob@b.test')
    const second = await waitFor('the deferral', () =>
      a.services.queue
        .list()
        .find((m) => m.recipients.some((r) => r.status === 'deferred' && r.address === 'bob@b.test')),
    )
    expect(second.recipients[0]?.lastError).toMatch(/matches its MTA-STS policy/)
    expect(mailbox(b, 'bob@b.test').some((m) => m.includes('Subject: record stripped'))).toBe(false)
    a.services.queue.remove(second.id)
  })
})

test("the server publishes its own domains' MTA-STS policy, and it parses as one", async () => {
  const { parsePolicy } = await import('mailauth/lib/mta-sts')
  const url = `http://127.0.0.1:${b.port('http')}/.well-known/mta-sts.txt`
  const served = await fetch(url, { headers: { host: 'mta-sts.b.test' } })
  expect(served.status).toBe(200)
  expect(served.headers.get('content-type')).toMatch(/^text\/plain/)
  const text = await served.text()
  expect(text).toBe('version: STSv1\r\nmode: testing\r\nmx: mx.b.test\r\nmax_age: 604800\r\n')
  expect(parsePolicy(text, { strict: true })).toMatchObject({
    mode: 'testing',
    mx: ['mx.b.test'],
    maxAge: 604800,
  })
  expect((await fetch(url, { headers: { host: 'mta-sts.elsewhere.test' } })).status).toBe(404)
  expect((await fetch(url, { headers: { host: 'b.test' } })).status).toBe(404)
})
