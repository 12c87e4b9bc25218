import { beforeEach, describe, expect, test } from 'bun:test'
import { createAuthThrottle } from '../../src/directory/auth-throttle.ts'
import { createHttpApp } from '../../src/http/app.ts'
import { createLogger, memorySink } from '../../src/lib/log.ts'
import { testDirectory } from '../helpers/db.ts'

let t: ReturnType<typeof testDirectory>
let app: ReturnType<typeof createHttpApp>
const env = { remoteAddress: '203.0.113.5' }
const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`
const admin = basic('admin', 'admin-password')

beforeEach(async () => {
  t = testDirectory()
  await t.directory.admin.ensure('admin-password')
  const log = createLogger({ sink: memorySink() })
  const throttle = createAuthThrottle(
    {
      throttle_after: 100,
      throttle_delay_ms: 0,
      throttle_max_delay_ms: 0,
      ban_after: 5,
      ban_seconds: 60,
      window_seconds: 600,
    },
    t.clock,
    log,
  )
  app = createHttpApp({ directory: t.directory, throttle, log, bodyLimitBytes: 1024, version: 'test' })
})

function call(method: string, path: string, body?: unknown, auth: string | null = admin, raw?: string) {
  const headers: Record<string, string> = {}
  if (auth) headers.authorization = auth
  if (body !== undefined || raw !== undefined) headers['content-type'] = 'application/json'
  return app.request(
    path,
    { method, headers, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) },
    env,
  )
}

test('healthz needs no auth', async () => {
  const res = await app.request('/healthz', {}, env)
  expect(res.status).toBe(200)
  expect(await res.json()).toEqual({ status: 'ok', version: 'test' })
})

describe('authentication', () => {
  test('401 without credentials, with a Basic challenge', async () => {
    const res = await call('GET', '/api/domains', undefined, null)
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toContain('Basic realm="Postern admin"')
    expect(await res.json()).toEqual({
      error: 'authentication required (HTTP Basic as admin, or Bearer token)',
    })
  })
  test('401 for a wrong password and malformed headers', async () => {
    expect((await call('GET', '/api/domains', undefined, basic('admin', 'nope'))).status).toBe(401)
    expect((await call('GET', '/api/domains', undefined, 'Basic !!!')).status).toBe(401)
    expect((await call('GET', '/api/domains', undefined, 'Bearer pst_x.y')).status).toBe(401)
  })
  test('403 for a mail account that is not an administrator', async () => {
    t.directory.domains.add('example.org')
    await t.directory.accounts.add({ email: 'u@example.org', password: 'user-password' })
    const res = await call('GET', '/api/domains', undefined, basic('u@example.org', 'user-password'))
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({ error: 'this account is not an administrator' })
  })
  test('bearer tokens from POST /api/token', async () => {
    const res = await call('POST', '/api/token')
    expect(res.status).toBe(201)
    const { token } = (await res.json()) as { token: string }
    expect((await call('GET', '/api/domains', undefined, `Bearer ${token}`)).status).toBe(200)
    expect((await call('POST', '/api/token', undefined, `Bearer ${token}`)).status).toBe(403)
  })
  test('repeated failures ban the IP with 429', async () => {
    for (let i = 0; i < 5; i++)
      expect((await call('GET', '/api/domains', undefined, basic('admin', 'x'))).status).toBe(401)
    const res = await call('GET', '/api/domains')
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('60')
  })
})

describe('domains, accounts, aliases', () => {
  test('the full life cycle', async () => {
    let res = await call('POST', '/api/domains', { name: 'Example.org' })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ name: 'example.org', accountCount: 0 })
    expect((await call('POST', '/api/domains', { name: 'example.org' })).status).toBe(409)
    expect(await (await call('GET', '/api/domains')).json()).toMatchObject([{ name: 'example.org' }])

    res = await call('POST', '/api/accounts', {
      email: 'alice@example.org',
      password: 'alice-password',
      quota: '1G',
    })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ email: 'alice@example.org', quota: 1024 ** 3, disabled: false })
    expect(
      (await call('POST', '/api/accounts', { email: 'alice@example.org', password: 'alice-password' }))
        .status,
    ).toBe(409)
    expect(await (await call('GET', '/api/accounts/alice@example.org')).json()).toMatchObject({
      quota: 1024 ** 3,
    })

    res = await call('PATCH', '/api/accounts/alice@example.org', {
      password: 'changed-password',
      quota: null,
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ quota: null })
    expect(await t.directory.accounts.authenticate('alice@example.org', 'changed-password')).toBeDefined()

    res = await call('POST', '/api/aliases', { address: 'info@example.org', target: 'alice@example.org' })
    expect(res.status).toBe(201)
    expect(await (await call('GET', '/api/aliases/info@example.org')).json()).toMatchObject([
      { target: 'alice@example.org' },
    ])
    expect(await (await call('GET', '/api/aliases')).json()).toHaveLength(1)

    expect((await call('DELETE', '/api/domains/example.org')).status).toBe(409)
    expect((await call('DELETE', '/api/aliases/info@example.org')).status).toBe(204)
    expect((await call('DELETE', '/api/accounts/alice@example.org')).status).toBe(204)
    expect((await call('GET', '/api/accounts/alice@example.org')).status).toBe(404)
    expect((await call('DELETE', '/api/domains/example.org')).status).toBe(204)

    const logs = (await (await call('GET', '/api/logs')).json()) as {
      action: string
      remoteAddress: string
    }[]
    expect(logs.map((l) => l.action)).toEqual([
      'domain.remove',
      'account.remove',
      'alias.remove',
      'alias.create',
      'account.update',
      'account.create',
      'domain.create',
    ])
    expect(logs[0]?.remoteAddress).toBe('203.0.113.5')
    expect(JSON.stringify(logs)).not.toContain('changed-password')
  })

  test('app passwords', async () => {
    await call('POST', '/api/domains', { name: 'example.org' })
    await call('POST', '/api/accounts', { email: 'bob@example.org', password: 'bob-password' })
    const res = await call('POST', '/api/accounts/bob@example.org/app-passwords', { name: 'laptop' })
    expect(res.status).toBe(201)
    const { password } = (await res.json()) as { password: string }
    expect(await t.directory.accounts.authenticate('bob@example.org', password)).toMatchObject({
      appPassword: 'laptop',
    })
    expect(await (await call('GET', '/api/accounts/bob@example.org/app-passwords')).json()).toMatchObject([
      { name: 'laptop' },
    ])
    expect((await call('DELETE', '/api/accounts/bob@example.org/app-passwords/laptop')).status).toBe(204)
  })
})

describe('errors', () => {
  const cases: [string, string, unknown, string | undefined, number, RegExp][] = [
    ['bad JSON', '/api/domains', undefined, '{not json', 400, /must be JSON/],
    ['array body', '/api/domains', [1], undefined, 400, /JSON object/],
    ['missing field', '/api/domains', {}, undefined, 400, /"name" is required/],
    ['unknown field', '/api/domains', { name: 'a.org', nmae: 'x' }, undefined, 400, /unknown field "nmae"/],
    ['invalid domain', '/api/domains', { name: 'bad domain' }, undefined, 400, /not a valid domain/],
    [
      'account in unknown domain',
      '/api/accounts',
      { email: 'a@zzz.org', password: 'password1' },
      undefined,
      400,
      /not local/,
    ],
    ['short password', '/api/accounts', { email: 'a@zzz.org', password: 'x' }, undefined, 400, /at least 8/],
    [
      'bad quota',
      '/api/accounts',
      { email: 'a@zzz.org', password: 'password1', quota: 'lots' },
      undefined,
      400,
      /"quota"/,
    ],
  ]
  for (const [name, path, body, raw, status, message] of cases) {
    test(name, async () => {
      const res = await call('POST', path, body, admin, raw)
      expect(res.status).toBe(status)
      expect(((await res.json()) as { error: string }).error).toMatch(message)
    })
  }
  test('404 for unknown resources and records', async () => {
    expect((await call('GET', '/api/nothing')).status).toBe(404)
    expect(await (await call('GET', '/api/domains/nowhere.org')).json()).toEqual({
      error: 'domain nowhere.org does not exist',
    })
  })
  test('413 for a body over the limit', async () => {
    const res = await call('POST', '/api/domains', { name: 'x'.repeat(2000) })
    expect(res.status).toBe(413)
    expect(await res.json()).toEqual({ error: 'request body larger than 1024 bytes' })
  })
})
