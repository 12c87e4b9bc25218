// rfc8620 over real HTTP: discovery, the session resource, authentication, the request-level
// errors, method-level errors, result references and Core/echo.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { api, basic, type JmapTestServer, type Json, post, startJmapServer } from '../helpers/jmap.ts'

let t: JmapTestServer
beforeAll(async () => {
  t = await startJmapServer()
})
afterAll(() => t?.close())

const core = ['urn:ietf:params:jmap:core']

describe('discovery and session', () => {
  test('/.well-known/jmap redirects to the session resource', async () => {
    const res = await fetch(`${t.base}/.well-known/jmap`, { redirect: 'manual' })
    expect([301, 302, 307, 308]).toContain(res.status)
    expect(new URL(res.headers.get('location') ?? '', t.base).pathname).toBe('/jmap/session')
  })

  test('without credentials, or with wrong ones: 401 with a Basic challenge', async () => {
    const none = await fetch(`${t.base}/jmap/session`)
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm=/)
    const wrong = await fetch(`${t.base}/jmap/session`, {
      headers: { authorization: basic('alice@example.test', 'not-her-password') },
    })
    expect(wrong.status).toBe(401)
    const api = await post(t, { ...t.alice, authorization: basic('alice@example.test', 'nope') }, {})
    expect(api.status).toBe(401)
  })

  test('an app password works as a bearer token, and with Basic; a wrong token is refused', async () => {
    const token = await t.server.services.directory.appPasswords.add('alice@example.test', 'jmap client')
    const bearer = await fetch(`${t.base}/jmap/session`, { headers: { authorization: `Bearer ${token}` } })
    expect(bearer.status).toBe(200)
    expect(((await bearer.json()) as Json).username).toBe('alice@example.test')
    const viaBasic = await fetch(`${t.base}/jmap/session`, {
      headers: { authorization: basic('alice@example.test', token) },
    })
    expect(viaBasic.status).toBe(200)
    const wrong = await fetch(`${t.base}/jmap/session`, {
      headers: { authorization: `Bearer ${token.slice(0, -2)}zz` },
    })
    expect(wrong.status).toBe(401)
    expect(wrong.headers.get('www-authenticate')).toContain('Bearer')
  })

  test('an account made without any mail state gets its mailboxes on its first request', async () => {
    await t.server.services.directory.accounts.add({
      email: 'carol@example.test',
      password: 'carol-password',
    })
    const carol = {
      ...t.alice,
      email: 'carol@example.test',
      authorization: basic('carol@example.test', 'carol-password'),
    }
    const session = (await (
      await fetch(`${t.base}/jmap/session`, { headers: { authorization: carol.authorization } })
    ).json()) as Json
    const accountId = session.primaryAccounts['urn:ietf:params:jmap:mail']
    const responses = await api(t, { ...carol, accountId }, [
      ['Mailbox/get', { accountId, properties: ['role'] }, 'm'],
    ])
    const roles = (responses[0] as Json)[1].list.map((m: { role: string | null }) => m.role)
    expect(roles).toContain('inbox')
  })

  test('a revoked app password or a changed password stops working at once, not after the cache', async () => {
    await t.server.services.directory.accounts.add({ email: 'dave@example.test', password: 'dave-password' })
    const token = await t.server.services.directory.appPasswords.add('dave@example.test', 'laptop')
    const session = (headers: Record<string, string>) => fetch(`${t.base}/jmap/session`, { headers })
    const viaToken = { authorization: `Bearer ${token}` }
    const viaPassword = { authorization: basic('dave@example.test', 'dave-password') }
    expect((await session(viaToken)).status).toBe(200)
    expect((await session(viaPassword)).status).toBe(200)
    t.server.services.directory.appPasswords.remove('dave@example.test', 'laptop')
    expect((await session(viaToken)).status).toBe(401)
    expect((await session(viaPassword)).status).toBe(200)
    await t.server.services.directory.accounts.setPassword('dave@example.test', 'dave-new-password')
    expect((await session(viaPassword)).status).toBe(401)
    expect((await session({ authorization: basic('dave@example.test', 'dave-new-password') })).status).toBe(
      200,
    )
  })

  test('the session names the account, the capabilities with limits, and absolute URL templates', async () => {
    const res = await fetch(`${t.base}/jmap/session`, { headers: { authorization: t.alice.authorization } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    const session = (await res.json()) as Json
    expect(session.username).toBe('alice@example.test')
    const limits = session.capabilities['urn:ietf:params:jmap:core']
    for (const key of [
      'maxSizeUpload',
      'maxConcurrentUpload',
      'maxSizeRequest',
      'maxConcurrentRequests',
      'maxCallsInRequest',
      'maxObjectsInGet',
      'maxObjectsInSet',
    ])
      expect(Number.isInteger(limits[key]) && limits[key] > 0).toBe(true)
    expect(Array.isArray(limits.collationAlgorithms)).toBe(true)
    const account = session.accounts[t.alice.accountId]
    expect(account).toMatchObject({ name: 'alice@example.test', isPersonal: true, isReadOnly: false })
    expect(Object.keys(session.accounts)).toEqual([t.alice.accountId])
    expect(session.apiUrl).toBe(`${t.base}/jmap`)
    expect(session.downloadUrl).toBe(`${t.base}/jmap/download/{accountId}/{blobId}/{name}?type={type}`)
    expect(session.uploadUrl).toBe(`${t.base}/jmap/upload/{accountId}/`)
    expect(session.eventSourceUrl).toContain('{types}')
    expect(typeof session.state).toBe('string')
    // The same session gives the same state.
    const again = (await (
      await fetch(`${t.base}/jmap/session`, { headers: { authorization: t.alice.authorization } })
    ).json()) as Record<string, unknown>
    expect(again.state).toBe(session.state)
  })
})

describe('request-level errors (rfc8620#section-3.6.1)', () => {
  const problemType = (body: unknown) => (body as { type: string }).type

  test('notJSON: a body that is not JSON, or not sent as application/json', async () => {
    const bad = await post(t, t.alice, '{"using": [')
    expect(bad.status).toBe(400)
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(problemType(bad.body)).toBe('urn:ietf:params:jmap:error:notJSON')
    const wrongType = await post(
      t,
      t.alice,
      { using: core, methodCalls: [] },
      { 'content-type': 'text/plain' },
    )
    expect(problemType(wrongType.body)).toBe('urn:ietf:params:jmap:error:notJSON')
  })

  test('notRequest: JSON that is not a Request object', async () => {
    for (const body of [
      [],
      { using: core },
      { using: 'x', methodCalls: [] },
      { using: core, methodCalls: [['Core/echo', {}]] },
      { using: core, methodCalls: [['Core/echo', [], 'c1']] },
      { using: core, methodCalls: [], createdIds: { a: 1 } },
    ]) {
      const res = await post(t, t.alice, body)
      expect(res.status).toBe(400)
      expect(problemType(res.body)).toBe('urn:ietf:params:jmap:error:notRequest')
    }
  })

  test('unknownCapability names nothing it does not support', async () => {
    const res = await post(t, t.alice, { using: [...core, 'urn:example:nothing'], methodCalls: [] })
    expect(res.status).toBe(400)
    expect(problemType(res.body)).toBe('urn:ietf:params:jmap:error:unknownCapability')
  })

  test('limit: more calls than maxCallsInRequest, a body over maxSizeRequest', async () => {
    const session = (await (
      await fetch(`${t.base}/jmap/session`, { headers: { authorization: t.alice.authorization } })
    ).json()) as Json
    const limits = session.capabilities['urn:ietf:params:jmap:core']
    const calls = Array.from({ length: limits.maxCallsInRequest + 1 }, (_, i) => ['Core/echo', {}, `c${i}`])
    const tooMany = await post(t, t.alice, { using: core, methodCalls: calls })
    expect(tooMany.status).toBe(400)
    expect(tooMany.body).toMatchObject({
      type: 'urn:ietf:params:jmap:error:limit',
      limit: 'maxCallsInRequest',
    })
    const big = JSON.stringify({
      using: core,
      methodCalls: [['Core/echo', { x: 'y'.repeat(limits.maxSizeRequest) }, 'c']],
    })
    const tooBig = await post(t, t.alice, big)
    expect(tooBig.body).toMatchObject({ type: 'urn:ietf:params:jmap:error:limit', limit: 'maxSizeRequest' })
  })
})

describe('method calls', () => {
  test('Core/echo returns its arguments; the response has sessionState', async () => {
    const res = await post(t, t.alice, {
      using: core,
      methodCalls: [['Core/echo', { hello: [1, { a: true }] }, 'e1']],
    })
    expect(res.status).toBe(200)
    const body = res.body as { methodResponses: unknown[]; sessionState: string }
    expect(body.methodResponses).toEqual([['Core/echo', { hello: [1, { a: true }] }, 'e1']])
    expect(typeof body.sessionState).toBe('string')
  })

  test('unknownMethod: a name not served, or a capability not in "using"', async () => {
    const responses = await api(t, t.alice, [['Nothing/get', {}, 'a']], core)
    expect(responses).toEqual([['error', expect.objectContaining({ type: 'unknownMethod' }), 'a']])
    const withoutCore = await api(t, t.alice, [['Core/echo', {}, 'b']], [])
    expect(withoutCore[0]?.[0]).toBe('error')
    expect(withoutCore[0]?.[1]).toMatchObject({ type: 'unknownMethod' })
  })

  test('one failing call does not stop the next', async () => {
    const responses = await api(
      t,
      t.alice,
      [
        ['Nothing/get', {}, 'a'],
        ['Core/echo', { ok: 1 }, 'b'],
      ],
      core,
    )
    expect(responses[1]).toEqual(['Core/echo', { ok: 1 }, 'b'])
  })

  test('result references: JSON pointers into earlier responses, with "*" over arrays', async () => {
    const responses = await api(
      t,
      t.alice,
      [
        [
          'Core/echo',
          {
            list: [
              { id: 'a', n: [1, 2] },
              { id: 'b', n: [3] },
            ],
            'odd~/key': 7,
          },
          'first',
        ],
        [
          'Core/echo',
          {
            '#ids': { resultOf: 'first', name: 'Core/echo', path: '/list/*/id' },
            '#numbers': { resultOf: 'first', name: 'Core/echo', path: '/list/*/n' },
            '#escaped': { resultOf: 'first', name: 'Core/echo', path: '/odd~0~1key' },
            '#whole': { resultOf: 'first', name: 'Core/echo', path: '' },
          },
          'second',
        ],
      ],
      core,
    )
    expect(responses[1]?.[1]).toMatchObject({ ids: ['a', 'b'], numbers: [1, 2, 3], escaped: 7 })
    expect((responses[1] as Json)[1].whole.list.length).toBe(2)
  })

  test('invalidResultReference: unknown call id, wrong name, missing path; invalidArguments for both forms', async () => {
    const responses = await api(
      t,
      t.alice,
      [
        ['Core/echo', { list: [1] }, 'first'],
        ['Core/echo', { '#x': { resultOf: 'nope', name: 'Core/echo', path: '/list' } }, 'a'],
        ['Core/echo', { '#x': { resultOf: 'first', name: 'Mailbox/get', path: '/list' } }, 'b'],
        ['Core/echo', { '#x': { resultOf: 'first', name: 'Core/echo', path: '/missing' } }, 'c'],
        ['Core/echo', { '#x': 'not a reference' }, 'd'],
        ['Core/echo', { x: 1, '#x': { resultOf: 'first', name: 'Core/echo', path: '/list' } }, 'e'],
      ],
      core,
    )
    expect(responses.slice(1).map((r) => [r[0], (r[1] as { type: string }).type, r[2]])).toEqual([
      ['error', 'invalidResultReference', 'a'],
      ['error', 'invalidResultReference', 'b'],
      ['error', 'invalidResultReference', 'c'],
      ['error', 'invalidResultReference', 'd'],
      ['error', 'invalidArguments', 'e'],
    ])
  })

  test('createdIds given in the request come back in the response', async () => {
    const res = await post(t, t.alice, { using: core, methodCalls: [], createdIds: { k1: 'Eabc' } })
    expect(res.body).toMatchObject({ methodResponses: [], createdIds: { k1: 'Eabc' } })
    const without = await post(t, t.alice, { using: core, methodCalls: [] })
    expect((without.body as Record<string, unknown>).createdIds).toBeUndefined()
  })
})
