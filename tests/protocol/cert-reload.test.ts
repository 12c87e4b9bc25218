// `postern cert set` while the server runs: implicit TLS and HTTPS present the new certificate
// without a restart, chosen by SNI.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import tls from 'node:tls'
import { runCli } from '../../src/cli/index.ts'
import { authLineProtocol } from '../helpers/auth-line-protocol.ts'
import { tempDir } from '../helpers/db.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

let server: TestServer
const work = tempDir()

beforeAll(async () => {
  server = await startTestServer({
    protocols: { submissions: authLineProtocol },
    env: { POSTERN_TLS_CHECK_SECONDS: '1' },
  })
})
afterAll(async () => {
  await server.close()
  work.remove()
})

function peer(port: number, servername: string): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate())
      socket.destroy()
    })
    socket.once('error', reject)
  })
}

async function eventually(check: () => Promise<boolean>, ms = 8000) {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return true
    await Bun.sleep(200)
  }
  return false
}

test('a certificate set by the CLI is served by the running server', async () => {
  const before = await peer(server.port('submissions'), 'mail.example.test')
  expect(before.subject.O).toBe('Postern self-signed')
  const key = join(work.path, 'k.pem')
  const cert = join(work.path, 'c.pem')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '30',
      '-subj',
      '/O=Operator Test/CN=mail.example.test',
      '-addext',
      'subjectAltName=DNS:mail.example.test,DNS:*.example.test',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  )
  const lines: string[] = []
  const code = await runCli(['cert', 'set', '--cert', cert, '--key', key], {
    out: { line: (l) => lines.push(l), error: (l) => lines.push(l) },
    env: { POSTERN_DATA_DIR: server.dataDir, POSTERN_HOSTNAME: 'mail.example.test' },
  })
  expect(code).toBe(0)
  expect(lines[0]).toMatch(/^certificate for mail\.example\.test, \*\.example\.test installed/)
  expect(
    await eventually(
      async () => (await peer(server.port('submissions'), 'mail.example.test')).subject.O === 'Operator Test',
    ),
  ).toBe(true)
  expect((await peer(server.port('submissions'), 'imap.example.test')).subject.O).toBe('Operator Test')
  expect(
    await eventually(
      async () => (await peer(server.port('https'), 'mail.example.test')).subject.O === 'Operator Test',
    ),
  ).toBe(true)
  const res = await fetch(`https://127.0.0.1:${server.port('https')}/healthz`, {
    tls: { rejectUnauthorized: false },
  })
  expect(res.status).toBe(200)
})
