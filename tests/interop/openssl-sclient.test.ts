// openssl s_client (a real TLS client) logs in over STARTTLS and implicit TLS to a line protocol
// on the listener framework, through the shared SASL module.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { authLineProtocol } from '../helpers/auth-line-protocol.ts'
import { b64, plainAuth } from '../helpers/line-client.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer({
    protocols: { submission: authLineProtocol, submissions: authLineProtocol },
  })
  server.services.directory.domains.add('example.test')
  await server.services.directory.accounts.add({ email: 'ossl@example.test', password: 'ossl-password' })
})
afterAll(() => server.close())

async function sClient(args: string[], input: string[]): Promise<string> {
  const proc = Bun.spawn(
    ['openssl', 's_client', '-quiet', '-crlf', '-servername', 'mail.example.test', ...args],
    {
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
    },
  )
  for (const line of input) {
    proc.stdin.write(`${line}\n`)
    await proc.stdin.flush()
    await Bun.sleep(150)
  }
  await proc.stdin.end()
  const timer = setTimeout(() => proc.kill(), 10_000)
  const out = await new Response(proc.stdout).text()
  clearTimeout(timer)
  await proc.exited
  return out
}

test('STARTTLS (openssl -starttls smtp), AUTH PLAIN', async () => {
  const out = await sClient(
    ['-connect', `127.0.0.1:${server.port('submission')}`, '-starttls', 'smtp'],
    ['EHLO openssl', `AUTH PLAIN ${plainAuth('ossl@example.test', 'ossl-password')}`, 'WHOAMI', 'QUIT'],
  )
  expect(out).toContain('250-AUTH PLAIN LOGIN')
  expect(out).not.toContain('250-STARTTLS\r\n250 OK\r\n235')
  expect(out).toContain('235 authenticated\r\n250 ossl@example.test\r\n221 bye')
})

test('implicit TLS, AUTH LOGIN, wrong then right password', async () => {
  const out = await sClient(
    ['-connect', `127.0.0.1:${server.port('submissions')}`],
    [
      'AUTH LOGIN',
      b64('ossl@example.test'),
      b64('not-the-password'),
      'AUTH LOGIN',
      b64('ossl@example.test'),
      b64('ossl-password'),
      'WHOAMI',
      'QUIT',
    ],
  )
  expect(out).toContain('220 mail.example.test auth test service')
  expect(out).toContain('535 authentication failed')
  expect(out).toContain('235 authenticated\r\n250 ossl@example.test\r\n221 bye')
})
