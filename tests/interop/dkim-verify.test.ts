// The DKIM signatures Postern puts on outbound mail, checked by an independent verifier
// (dkimpy, Debian's python3-dkim, run by the system python3 that Debian's package is for): a message alice@a.test submits on A, as B received it.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { createMockResolver } from '../../src/dns/index.ts'
import { mailbox, submit, waitFor } from '../helpers/outbound.ts'
import { repoRoot } from '../helpers/process.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

let a: TestServer
let b: TestServer
const records: Record<string, string> = {}

beforeAll(async () => {
  const dns = createMockResolver({
    'b.test': { MX: [{ exchange: 'mx.b.test', priority: 10 }] },
    'mx.b.test': { A: ['127.0.0.1'] },
    'a.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
  })
  b = await startTestServer({ resolver: dns, env: { POSTERN_HOSTNAME: 'mx.b.test' } })
  b.services.directory.domains.add('b.test')
  await b.services.directory.accounts.add({ email: 'bob@b.test', password: 'bob-password' })
  a = await startTestServer({
    resolver: dns,
    env: { POSTERN_HOSTNAME: 'mail.a.test', POSTERN_DELIVERY_MX_PORT: String(b.port('smtp')) },
  })
  a.services.directory.domains.add('a.test')
  await a.services.directory.dkim.ensure('a.test')
  await a.services.directory.accounts.add({ email: 'alice@a.test', password: 'alice-password' })
  for (const r of a.services.directory.dkim.records('a.test')) {
    records[r.name] = r.value
    dns.set(r.name, 'TXT', [r.value])
  }
})
afterAll(async () => {
  await a?.close()
  await b?.close()
})

test('dkimpy verifies both the RSA and the Ed25519 signature of a delivered message', async () => {
  const body = 'Line one\n\nA line with trailing spaces   \n\tand a tab\nÜnïcödé in the body\n'
  await submit(
    a,
    { user: 'alice@a.test', pass: 'alice-password' },
    { from: 'alice@a.test', to: ['bob@b.test'] },
    `From: Alice <alice@a.test>\nTo: Bob <bob@b.test>\nSubject: checked elsewhere\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n${body}`,
  )
  const received = await waitFor('delivery', () =>
    mailbox(b, 'bob@b.test').find((m) => m.includes('checked elsewhere')),
  )
  const proc = Bun.spawn(
    ['/usr/bin/python3', `${repoRoot}tests/fixtures/dkim/verify.py`, JSON.stringify(records)],
    {
      stdin: Buffer.from(received, 'latin1'),
      stdout: 'pipe',
      stderr: 'pipe',
    },
  )
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  expect(err).toBe('')
  expect(code).toBe(0)
  const results = JSON.parse(out) as [string, boolean][]
  expect(results).toEqual([
    [expect.stringMatching(/^r\d{8}$/), true],
    [expect.stringMatching(/^e\d{8}$/), true],
  ])

  // The verifier can fail: one changed body byte breaks both signatures.
  const tampered = received.replace('Line one', 'Line One')
  const again = Bun.spawn(
    ['/usr/bin/python3', `${repoRoot}tests/fixtures/dkim/verify.py`, JSON.stringify(records)],
    {
      stdin: Buffer.from(tampered, 'latin1'),
      stdout: 'pipe',
    },
  )
  expect(JSON.parse(await new Response(again.stdout).text())).toEqual([
    [expect.stringMatching(/^r/), false],
    [expect.stringMatching(/^e/), false],
  ])
})
