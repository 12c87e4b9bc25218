// The web admin's API side in-process: session login/logout, CSRF, the shared throttle, the
// pages and their security headers, and the resources the UI adds (status, DNS, queue,
// network settings, recent logs).
import { beforeEach, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { buildWebAssets } from '../../scripts/build-web.ts'
import { applySavedNetwork, hostnameKey, listenKey } from '../../src/admin/network-settings.ts'
import { buildConfig } from '../../src/config/config.ts'
import { createAuthThrottle } from '../../src/directory/auth-throttle.ts'
import { createMockResolver, type MockResolver } from '../../src/dns/index.ts'
import { createHttpApp } from '../../src/http/app.ts'
import { createLogger, createLogRing, memorySink, recordingLogger } from '../../src/lib/log.ts'
import { testDirectory } from '../helpers/db.ts'

let t: ReturnType<typeof testDirectory>
let app: ReturnType<typeof createHttpApp>
let ring: ReturnType<typeof createLogRing>
let resolver: MockResolver
let queue: { id: number; mailFrom: string; size: number; createdAt: number; recipients: never[] }[]
const env = { remoteAddress: '203.0.113.9' }
const running = buildConfig({}, { POSTERN_HOSTNAME: 'mail.example.test' }, 'test')

beforeEach(async () => {
  t = testDirectory()
  await t.directory.admin.ensure('admin-password')
  ring = createLogRing(50)
  const log = recordingLogger(createLogger({ sink: memorySink() }), ring, 'debug')
  const throttle = createAuthThrottle(
    {
      throttle_after: 100,
      throttle_delay_ms: 0,
      throttle_max_delay_ms: 0,
      ban_after: 4,
      ban_seconds: 60,
      window_seconds: 600,
    },
    t.clock,
    log,
  )
  resolver = createMockResolver({
    'example.test': { MX: [{ priority: 10, exchange: 'mail.example.test' }], TXT: ['v=spf1 a -all'] },
    'mail.example.test': { A: ['192.0.2.1'] },
    'autoconfig.example.test': { CNAME: ['mail.example.test'] },
    '_imaps._tcp.example.test': { SRV: [{ priority: 0, weight: 1, port: 993, name: 'mail.example.test' }] },
    '_submissions._tcp.example.test': {
      SRV: [{ priority: 0, weight: 1, port: 4650, name: 'mail.example.test' }],
    },
  })
  resolver.failTemporarily('_smtp._tls.example.test')
  queue = [{ id: 7, mailFrom: 'a@example.test', size: 10, createdAt: 0, recipients: [] }]
  app = createHttpApp({
    directory: t.directory,
    throttle,
    log,
    bodyLimitBytes: 64 * 1024,
    version: 'test',
    logRing: ring,
    resolver,
    queue: {
      list: () => queue as never,
      get: (id) => queue.find((m) => m.id === id) as never,
      retry: (id) => queue.some((m) => m.id === id),
      remove: (id) => {
        const before = queue.length
        queue = queue.filter((m) => m.id !== id)
        return queue.length < before
      },
    },
    network: { running, env: { POSTERN_LISTEN_HTTP: '127.0.0.1:8080' } },
  })
})

function req(method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...init.headers }
  if (init.body !== undefined) headers['content-type'] ??= 'application/json'
  return app.request(
    path,
    { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) },
    env,
  )
}

async function login(): Promise<{ cookie: string; csrf: string }> {
  const res = await req('POST', '/api/session', { body: { user: 'admin', password: 'admin-password' } })
  expect(res.status).toBe(201)
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  const { csrfToken } = (await res.json()) as { csrfToken: string }
  return { cookie, csrf: csrfToken }
}

describe('session login', () => {
  test('a wrong password is refused with a clear message and no Basic challenge for the UI', async () => {
    const res = await req('POST', '/api/session', {
      body: { user: 'admin', password: 'nope' },
      headers: { 'x-requested-with': 'postern-admin' },
    })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBeNull()
    expect(await res.json()).toEqual({ error: 'wrong user name or password' })
  })

  test('the cookie is HttpOnly and SameSite=Strict; Secure only on https', async () => {
    const res = await req('POST', '/api/session', { body: { password: 'admin-password' } })
    const cookie = res.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/^postern_session=[\w-]{40,};/)
    expect(cookie).toContain('HttpOnly')
    expect(cookie).toContain('SameSite=Strict')
    expect(cookie).not.toContain('Secure')
    const tls = await app.request(
      'https://mail.example.test/api/session',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ password: 'admin-password' }),
      },
      env,
    )
    expect(tls.headers.get('set-cookie')).toContain('Secure')
  })

  test('login needs a JSON body (no cross-site form can log a browser in)', async () => {
    const res = await app.request(
      '/api/session',
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'password=admin-password',
      },
      env,
    )
    expect(res.status).toBe(415)
  })

  test('the cookie authenticates reads; writes need the CSRF token', async () => {
    const { cookie, csrf } = await login()
    expect((await req('GET', '/api/domains', { headers: { cookie } })).status).toBe(200)
    const noToken = await req('POST', '/api/domains', { body: { name: 'example.test' }, headers: { cookie } })
    expect(noToken.status).toBe(403)
    expect(await noToken.json()).toEqual({
      error: 'missing or wrong CSRF token (x-csrf-token header); reload the page',
    })
    const wrong = await req('POST', '/api/domains', {
      body: { name: 'example.test' },
      headers: { cookie, 'x-csrf-token': `${csrf}x` },
    })
    expect(wrong.status).toBe(403)
    const ok = await req('POST', '/api/domains', {
      body: { name: 'example.test' },
      headers: { cookie, 'x-csrf-token': csrf },
    })
    expect(ok.status).toBe(201)
    const who = await req('GET', '/api/session', { headers: { cookie } })
    expect(await who.json()).toEqual({ user: 'admin', csrfToken: csrf })
  })

  test('logout ends the session', async () => {
    const { cookie, csrf } = await login()
    expect((await req('DELETE', '/api/session', { headers: { cookie } })).status).toBe(403)
    const out = await req('DELETE', '/api/session', { headers: { cookie, 'x-csrf-token': csrf } })
    expect(out.status).toBe(204)
    expect(out.headers.get('set-cookie')).toContain('postern_session=;')
    expect((await req('GET', '/api/session', { headers: { cookie } })).status).toBe(401)
    expect((await req('GET', '/api/domains', { headers: { cookie } })).status).toBe(401)
  })

  test('a new admin password (also from the CLI in another process) ends every session', async () => {
    const { cookie } = await login()
    expect((await req('GET', '/api/session', { headers: { cookie } })).status).toBe(200)
    await t.directory.admin.reset()
    expect((await req('GET', '/api/session', { headers: { cookie } })).status).toBe(401)
    expect((await req('GET', '/api/domains', { headers: { cookie } })).status).toBe(401)
  })

  test('failed logins share the per-IP throttle with HTTP Basic (and so with SASL)', async () => {
    for (let i = 0; i < 2; i++)
      expect((await req('POST', '/api/session', { body: { password: 'x' } })).status).toBe(401)
    const basic = `Basic ${Buffer.from('admin:y').toString('base64')}`
    for (let i = 0; i < 2; i++)
      expect((await req('GET', '/api/domains', { headers: { authorization: basic } })).status).toBe(401)
    const banned = await req('POST', '/api/session', { body: { password: 'admin-password' } })
    expect(banned.status).toBe(429)
  })
})

describe('pages', () => {
  test('/login and /admin serve the page with a strict CSP; assets are embedded', async () => {
    for (const path of ['/login', '/admin']) {
      const res = await app.request(path, {}, env)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toContain('text/html')
      const csp = res.headers.get('content-security-policy') ?? ''
      expect(csp).toContain("default-src 'none'")
      expect(csp).toContain("script-src 'self'")
      expect(csp).not.toContain('unsafe-inline')
      expect(res.headers.get('x-frame-options')).toBe('DENY')
      const html = await res.text()
      expect(html).toContain('<script type="module" src="/admin/assets/app.js"></script>')
      expect(html).not.toMatch(/<script>|style=|https?:\/\//)
    }
    const js = await app.request('/admin/assets/app.js', { headers: { 'accept-encoding': 'gzip' } }, env)
    expect(js.status).toBe(200)
    expect(js.headers.get('content-type')).toContain('text/javascript')
    expect(js.headers.get('content-encoding')).toBe('gzip')
    const compressed = new Uint8Array(await js.arrayBuffer())
    // The budget: under 150 KB of JavaScript, compressed, on first load.
    expect(compressed.length).toBeLessThan(150 * 1024)
    expect((await app.request('/admin/assets/nope.js', {}, env)).status).toBe(404)
  })

  test('the embedded assets are current with public/', async () => {
    const committed = readFileSync(new URL('../../src/http/web-assets.generated.ts', import.meta.url), 'utf8')
    expect(committed).toBe(await buildWebAssets())
  })
})

describe('resources for the web admin', () => {
  const basic = { authorization: `Basic ${Buffer.from('admin:admin-password').toString('base64')}` }

  test('DNS records for a domain, with a live check', async () => {
    t.directory.domains.add('example.test')
    const res = await req('GET', '/api/domains/example.test/dns?check', { headers: basic })
    expect(res.status).toBe(200)
    const { records } = (await res.json()) as {
      records: {
        purpose: string
        name: string
        type: string
        value: string
        check: { status: string; found: string[]; message?: string }
      }[]
    }
    const by = (purpose: string) => records.find((r) => r.purpose === purpose)
    expect(by('MX')).toMatchObject({ value: '10 mail.example.test.', check: { status: 'ok' } })
    expect(by('A')?.check.status).toBe('ok')
    expect(by('SPF')).toMatchObject({ value: 'v=spf1 mx ~all', check: { status: 'different' } })
    expect(by('DMARC')?.check.status).toBe('missing')
    expect(by('Autoconfig')?.check.status).toBe('ok')
    expect(by('TLS-RPT')?.check).toEqual({
      status: 'error',
      found: [],
      message: 'DNS did not answer: queryTxt ESERVFAIL _smtp._tls.example.test',
    })
    expect(by('A')).toMatchObject({ copyable: false })
    const srv = (name: string) => records.find((r) => r.name === name)?.check
    expect(srv('_imaps._tcp.example.test')).toEqual({ status: 'ok', found: ['0 1 993 mail.example.test'] })
    expect(srv('_submissions._tcp.example.test')).toEqual({
      status: 'different',
      found: ['0 1 4650 mail.example.test'],
    })
    expect(srv('_pop3s._tcp.example.test')?.status).toBe('missing')
    expect(records.map((r) => r.purpose)).toEqual(
      expect.arrayContaining(['MTA-STS', 'TLS-RPT', 'Autoconfig', 'Submission SRV', 'IMAP SRV']),
    )
    expect((await req('GET', '/api/domains/nope.test/dns', { headers: basic })).status).toBe(404)
    const one = await req('GET', '/api/dns-check?name=example.test&type=TXT&value=v%3Dspf1%20a%20-all', {
      headers: basic,
    })
    expect(await one.json()).toEqual({ status: 'ok', found: ['v=spf1 a -all'] })
  })

  test('queue: list, get, retry, remove, 404s', async () => {
    const list = await (await req('GET', '/api/queue', { headers: basic })).json()
    expect(list).toEqual([
      { id: 7, mailFrom: 'a@example.test', size: 10, createdAt: '1970-01-01T00:00:00.000Z', recipients: [] },
    ])
    expect((await req('GET', '/api/queue/7', { headers: basic })).status).toBe(200)
    expect((await req('POST', '/api/queue/7/retry', { headers: basic })).status).toBe(200)
    expect((await req('GET', '/api/queue/8', { headers: basic })).status).toBe(404)
    expect((await req('POST', '/api/queue/x/retry', { headers: basic })).status).toBe(404)
    expect((await req('DELETE', '/api/queue/7', { headers: basic })).status).toBe(204)
    const gone = await req('DELETE', '/api/queue/7', { headers: basic })
    expect(gone.status).toBe(404)
    expect(await gone.json()).toEqual({ error: 'no such message in the queue: 7' })
  })

  test('network settings: saved for the next start, env-pinned values refused to apply', async () => {
    let res = await req('GET', '/api/settings/network', { headers: basic })
    type Network = {
      hostname: { running: string; saved: string | null; pinnedBy: string | null }
      listen: { service: string; running: string; saved: string | null; pinnedBy: string | null }[]
      restartNeeded: boolean
    }
    let body = (await res.json()) as Network
    expect(body.hostname).toEqual({ running: 'mail.example.test', saved: null, pinnedBy: null })
    expect(body.listen.find((l) => l.service === 'http')?.pinnedBy).toBe('POSTERN_LISTEN_HTTP')
    expect(body.restartNeeded).toBe(false)
    res = await req('PUT', '/api/settings/network', {
      headers: basic,
      body: { hostname: 'mx.example.test', listen: { imap: '127.0.0.1:1143' } },
    })
    body = (await res.json()) as Network
    expect(res.status).toBe(200)
    expect(body.restartNeeded).toBe(true)
    expect(body.listen.find((l) => l.service === 'imap')).toMatchObject({ saved: '127.0.0.1:1143' })
    const bad = await req('PUT', '/api/settings/network', {
      headers: basic,
      body: { listen: { imap: 'nowhere' } },
    })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: string }).error).toStartWith('listen.imap: must be host:port')
    expect(t.directory.settings.get(hostnameKey)).toBe('mx.example.test')
    expect(t.directory.settings.get(listenKey)).toEqual({ imap: '127.0.0.1:1143' })
  })

  test('saved network settings apply at start, except where an environment variable is set', () => {
    const saved = { hostname: 'mx.example.test', listen: { imap: '127.0.0.1:1143', http: 'off' } }
    const out = applySavedNetwork(running, saved, { POSTERN_LISTEN_HTTP: '127.0.0.1:8080' })
    expect(out.config.hostname).toBe('mx.example.test')
    expect(out.config.listen.imap).toEqual({ host: '127.0.0.1', port: 1143 })
    expect(out.config.listen.http).toEqual(running.listen.http)
    expect(out.applied).toEqual(['hostname', 'listen.imap'])
    const pinned = applySavedNetwork(running, saved, { POSTERN_HOSTNAME: 'a.example.test' })
    expect(pinned.config.hostname).toBe(running.hostname)
    expect(applySavedNetwork(running, { listen: { imap: 'junk' } as never }, {}).skipped).toEqual([
      'listen.imap',
    ])
  })

  test('recent log lines, filtered and followed by sequence number', async () => {
    const log = createLogger({ sink: memorySink() })
    const rec = recordingLogger(log, ring, 'info')
    rec.child('smtp').info('message accepted', { password: 'secret' })
    rec.child('imap').debug('ignored below the level')
    rec.child('imap').warn('something odd')
    const res = await req('GET', '/api/logs/recent?level=info&component=smtp', { headers: basic })
    const body = (await res.json()) as { lines: { seq: number; line: string }[]; last: number }
    expect(body.lines).toHaveLength(1)
    expect(body.lines[0]?.line).toMatch(/INFO {2}\[smtp\] message accepted password=\[redacted\]$/)
    const after = await req('GET', `/api/logs/recent?level=info&after=${body.lines[0]?.seq}`, {
      headers: basic,
    })
    const next = (await after.json()) as { lines: { line: string }[] }
    expect(next.lines.map((l) => l.line)).toEqual([expect.stringContaining('[imap] something odd')])
    expect((await req('GET', '/api/logs/recent?level=loud', { headers: basic })).status).toBe(400)
  })

  test('status for the dashboard', async () => {
    const res = await req('GET', '/api/status', { headers: basic })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({
      version: 'test',
      counts: { domains: 0, accounts: 0, queue: 1 },
      recentMail: [],
    })
  })
})
