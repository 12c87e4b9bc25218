// A whole server on ephemeral ports: accounts made through the admin API and the CLI log in
// over STARTTLS and implicit TLS through the shared SASL module, with throttling.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { runCli } from '../../src/cli/index.ts'
import { authLineProtocol } from '../helpers/auth-line-protocol.ts'
import { b64, LineClient, plainAuth } from '../helpers/line-client.ts'
import { startTestServer, type TestServer, testAdminPassword } from '../helpers/server.ts'

let server: TestServer
const adminAuth = `Basic ${Buffer.from(`admin:${testAdminPassword}`).toString('base64')}`

beforeAll(async () => {
  server = await startTestServer({
    protocols: { submission: authLineProtocol, submissions: authLineProtocol },
    env: { POSTERN_AUTH_BAN_AFTER: '4', POSTERN_AUTH_THROTTLE_AFTER: '100' },
  })
})
afterAll(() => server.close())

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`http://127.0.0.1:${server.port('http')}${path}`, {
    method,
    headers: { authorization: adminAuth, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, body: res.status === 204 ? null : await res.json() }
}

async function cli(...argv: string[]) {
  const lines: string[] = []
  const code = await runCli(argv, {
    out: { line: (l) => lines.push(l), error: (l) => lines.push(l) },
    env: { POSTERN_DATA_DIR: server.dataDir, POSTERN_HOSTNAME: 'mail.example.test' },
    stdin: async () => 'from-stdin-password\n',
  })
  return { code, output: lines.join('\n') }
}

async function starttlsLogin(user: string, password: string): Promise<string[]> {
  const c = await LineClient.connect(server.port('submission'))
  try {
    expect(await c.reply()).toEqual(['220 mail.example.test auth test service'])
    expect(await c.command('EHLO client')).toEqual(['250-mail.example.test', '250-STARTTLS', '250 OK'])
    expect(await c.command('AUTH PLAIN')).toEqual(['538 encryption required'])
    expect(await c.command('STARTTLS')).toEqual(['220 ready to start TLS'])
    await c.startTls()
    expect(c.isTls).toBe(true)
    expect(await c.command('EHLO client')).toEqual([
      '250-mail.example.test',
      '250-AUTH PLAIN LOGIN',
      '250 OK',
    ])
    const auth = await c.command(`AUTH PLAIN ${plainAuth(user, password)}`)
    return [...auth, ...(await c.command('WHOAMI'))]
  } finally {
    c.close()
  }
}

describe('accounts from the API and the CLI authenticate', () => {
  test('healthz over http and https', async () => {
    expect(await (await fetch(`http://127.0.0.1:${server.port('http')}/healthz`)).json()).toMatchObject({
      status: 'ok',
    })
    const https = await fetch(`https://127.0.0.1:${server.port('https')}/healthz`, {
      tls: { rejectUnauthorized: false },
    })
    expect(https.status).toBe(200)
  })

  test('API-created account over STARTTLS', async () => {
    expect((await api('POST', '/api/domains', { name: 'example.test' })).status).toBe(201)
    expect(
      (await api('POST', '/api/accounts', { email: 'api@example.test', password: 'api-password' })).status,
    ).toBe(201)
    expect(await starttlsLogin('api@example.test', 'api-password')).toEqual([
      '235 authenticated',
      '250 api@example.test',
    ])
  })

  test('CLI-created account over implicit TLS while the server runs, then a CLI password change', async () => {
    expect((await cli('domain', 'add', 'cli.test')).code).toBe(0)
    const added = await cli('account', 'add', 'user@cli.test', '--password', 'cli-password', '--quota', '2G')
    expect(added).toEqual({ code: 0, output: 'account user@cli.test added (quota 2 GiB)' })
    const c = await LineClient.connect(server.port('submissions'), { tls: true })
    try {
      expect(await c.reply()).toEqual(['220 mail.example.test auth test service'])
      expect(await c.command('EHLO client')).toEqual([
        '250-mail.example.test',
        '250-AUTH PLAIN LOGIN',
        '250 OK',
      ])
      expect(await c.command('AUTH LOGIN')).toEqual([`334 ${b64('Username:')}`])
      expect(await c.command(b64('user@cli.test'))).toEqual([`334 ${b64('Password:')}`])
      expect(await c.command(b64('cli-password'))).toEqual(['235 authenticated'])
    } finally {
      c.close()
    }
    expect((await cli('account', 'password', 'user@cli.test', '--password', '-')).code).toBe(0)
    expect(await starttlsLogin('user@cli.test', 'cli-password')).toEqual([
      '535 authentication failed',
      '530 not authenticated',
    ])
    expect(await starttlsLogin('user@cli.test', 'from-stdin-password')).toEqual([
      '235 authenticated',
      '250 user@cli.test',
    ])
    const accounts = (await api('GET', '/api/accounts')).body as { email: string; quota: number | null }[]
    expect(accounts.find((a) => a.email === 'user@cli.test')?.quota).toBe(2 * 1024 ** 3)
  })

  test('the self-signed certificate names the hostname', async () => {
    const c = await LineClient.connect(server.port('submissions'), { tls: true })
    expect(c.peerCertificate?.subjectaltname).toContain('DNS:mail.example.test')
    c.close()
  })

  test('bad base64 and unknown mechanisms are answered cleanly', async () => {
    const c = await LineClient.connect(server.port('submissions'), { tls: true })
    try {
      await c.reply()
      expect(await c.command('AUTH PLAIN !!!!')).toEqual(['501 malformed'])
      expect(await c.command('AUTH LOGIN')).toEqual([`334 ${b64('Username:')}`])
      expect(await c.command('*')).toEqual(['501 cancelled'])
      expect(await c.command('AUTH CRAM-MD5')).toEqual(['504 unsupported mechanism'])
      expect(await c.command(`AUTH PLAIN ${b64('only-two\0parts')}`)).toEqual(['501 malformed'])
      expect(await c.command('WHOAMI')).toEqual(['530 not authenticated'])
    } finally {
      c.close()
    }
  })

  test('failed logins from one IP are throttled and then banned', async () => {
    for (let i = 0; i < 4; i++) {
      expect(await starttlsLogin('api@example.test', 'wrong-password')).toEqual([
        '535 authentication failed',
        '530 not authenticated',
      ])
    }
    expect(await starttlsLogin('api@example.test', 'api-password')).toEqual([
      '454 too many failures, try later',
      '530 not authenticated',
    ])
    expect(server.logs.some((l) => l.includes('authentication ban') && l.includes('ip=127.0.0.1'))).toBe(true)
    expect(server.logs.join('\n')).not.toContain('wrong-password')
    expect(server.logs.join('\n')).not.toContain('api-password')
  })
})
