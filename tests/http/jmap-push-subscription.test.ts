// PushSubscription (rfc8620#section-7.2) over real HTTP: a TLS receiver on 127.0.0.1 with a
// certificate from a test CA that the server trusts (its outbound TLS setting, as for SMTP).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createDecipheriv, createECDH, createHmac, randomBytes } from 'node:crypto'
import { parseAccountId } from '../../src/jmap/core/ids.ts'
import { parsePushSubscriptionId } from '../../src/jmap/push/push-subscriptions.ts'
import { tempDir } from '../helpers/db.ts'
import {
  api,
  basic,
  type Call,
  type JmapTestServer,
  type Json,
  resultOf,
  startJmapServer,
} from '../helpers/jmap.ts'
import { startTestServer } from '../helpers/server.ts'
import { createTestCa, type TestCa } from '../helpers/test-ca.ts'

interface Received {
  path: string
  headers: Headers
  body: Uint8Array
  json?: Json
}

/** An https endpoint that records every POST and answers with `status()`. */
function startReceiver(ca: TestCa) {
  const issued = ca.issue(['localhost'])
  const received: Received[] = []
  /** Per path, the statuses to answer in turn before the default 201. */
  const scripted = new Map<string, number[]>()
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    tls: { cert: issued.cert, key: issued.key },
    async fetch(req) {
      const body = new Uint8Array(await req.arrayBuffer())
      const entry: Received = { path: new URL(req.url).pathname, headers: req.headers, body }
      if (req.headers.get('content-type') === 'application/json')
        entry.json = JSON.parse(new TextDecoder().decode(body))
      received.push(entry)
      const status = scripted.get(entry.path)?.shift() ?? 201
      const location = status >= 300 && status < 400 ? { location: '/redirected' } : undefined
      return new Response(null, { status, ...(location ? { headers: location } : {}) })
    },
  })
  return {
    received,
    url: (path: string) => `https://localhost:${server.port}${path}`,
    script(path: string, statuses: number[]) {
      scripted.set(path, statuses)
    },
    /** The first POST (from index `from` on) that matches, or undefined after `ms`. */
    async waitFor(match: (r: Received) => boolean, ms = 3000, from = 0): Promise<Received | undefined> {
      const deadline = Date.now() + ms
      while (Date.now() < deadline) {
        const hit = received.slice(from).find(match)
        if (hit) return hit
        await Bun.sleep(20)
      }
      return undefined
    },
    stop: () => server.stop(true),
  }
}

let ca: TestCa
let receiver: ReturnType<typeof startReceiver>
let t: JmapTestServer

beforeAll(async () => {
  ca = createTestCa()
  receiver = startReceiver(ca)
  t = await startJmapServer({}, { outboundTls: { ca: [ca.cert] } })
})

afterAll(async () => {
  await t.close()
  receiver.stop()
  ca.remove()
})

const isVerification = (id: string) => (r: Received) =>
  r.json?.['@type'] === 'PushVerification' && r.json?.pushSubscriptionId === id
/** A StateChange POSTed to `path` (each test's subscription has its own path on the shared receiver). */
const isStateChange = (path: string) => (r: Received) =>
  r.path === path && r.json?.['@type'] === 'StateChange'

async function createSubscription(object: Record<string, unknown>, who = t.alice): Promise<Json> {
  const r = await api(t, who, [['PushSubscription/set', { create: { c: object } }, '0']])
  return resultOf(r, '0', 'PushSubscription/set')
}

/** Creates a subscription at `path`, waits for its PushVerification and sends the code back. */
async function verifiedSubscription(path: string, extra: Record<string, unknown> = {}): Promise<string> {
  const set = await createSubscription({ deviceClientId: `dev-${path}`, url: receiver.url(path), ...extra })
  const id = set.created.c.id as string
  const verification = await receiver.waitFor(isVerification(id))
  expect(verification).toBeDefined()
  const r = await api(t, t.alice, [
    [
      'PushSubscription/set',
      { update: { [id]: { verificationCode: verification?.json.verificationCode } } },
      '0',
    ],
  ])
  expect(resultOf(r, '0').updated).toEqual({ [id]: null })
  return id
}

async function createMailbox(name: string): Promise<string> {
  const r = await api(t, t.alice, [
    ['Mailbox/set', { accountId: t.alice.accountId, create: { m: { name } } }, '0'],
  ])
  return (resultOf(r, '0') as Json).created.m.id
}

async function createEmail(subject: string): Promise<void> {
  const boxes = await api(t, t.alice, [['Mailbox/get', { accountId: t.alice.accountId, ids: null }, '0']])
  const inbox = (resultOf(boxes, '0') as Json).list.find((m: Json) => m.role === 'inbox').id
  const r = await api(t, t.alice, [
    [
      'Email/set',
      {
        accountId: t.alice.accountId,
        create: {
          e: {
            mailboxIds: { [inbox]: true },
            subject,
            from: [{ email: 'alice@example.test' }],
            bodyValues: { 1: { value: 'hi' } },
            textBody: [{ partId: '1', type: 'text/plain' }],
          },
        },
      },
      '0',
    ],
  ])
  expect((resultOf(r, '0') as Json).created?.e?.id).toBeDefined()
}

describe('PushSubscription/set create', () => {
  test('a URL that is not https is invalidProperties naming url', async () => {
    for (const url of ['http://example.com/push', 'not a url', 'https://user:pw@localhost/x', 42]) {
      const set = await createSubscription({ deviceClientId: 'd1', url })
      expect(set.created).toBeNull()
      expect(set.notCreated.c.type).toBe('invalidProperties')
      expect(set.notCreated.c.properties).toEqual(['url'])
    }
  })

  test('the server’s own HTTP listener is refused as a URL', async () => {
    const own = `https://127.0.0.1:${t.server.port('http')}/admin/api/accounts`
    const set = await createSubscription({ deviceClientId: 'd1', url: own })
    expect(set.notCreated.c).toMatchObject({ type: 'invalidProperties', properties: ['url'] })
  })

  test('bad deviceClientId, verificationCode, types, expires and unknown properties are refused', async () => {
    const url = receiver.url('/bad')
    const cases: [Record<string, unknown>, string][] = [
      [{ url }, 'deviceClientId'],
      [{ deviceClientId: 'd', url, verificationCode: 'x' }, 'verificationCode'],
      [{ deviceClientId: 'd', url, types: 'Email' }, 'types'],
      [{ deviceClientId: 'd', url, expires: 'tomorrow' }, 'expires'],
      [{ deviceClientId: 'd', url, expires: '2000-01-01T00:00:00Z' }, 'expires'],
      [{ deviceClientId: 'd', url, keys: { p256dh: 'abc', auth: 'def' } }, 'keys'],
      [{ deviceClientId: 'd', url, colour: 'blue' }, 'colour'],
    ]
    for (const [object, property] of cases) {
      const set = await createSubscription(object)
      expect(set.notCreated?.c?.type).toBe('invalidProperties')
      expect(set.notCreated.c.properties).toEqual([property])
    }
    expect(receiver.received.filter((r) => r.json?.['@type'] === 'PushVerification').length).toBe(0)
  })

  test('create answers the id and the expiry used; a PushVerification with the code is POSTed as JSON with a TTL', async () => {
    const before = Date.now()
    const set = await createSubscription({
      deviceClientId: 'phone',
      url: receiver.url('/verify'),
      types: null,
    })
    const created = set.created.c
    expect(created.id).toMatch(/^[A-Za-z0-9_-]+$/)
    // No expiry asked: the server sets one (at most a week).
    const expires = Date.parse(created.expires)
    expect(expires).toBeGreaterThan(before)
    expect(expires).toBeLessThanOrEqual(Date.now() + 7 * 24 * 3600 * 1000)
    expect(set).not.toHaveProperty('accountId')
    expect(set).not.toHaveProperty('newState')
    const verification = await receiver.waitFor(isVerification(created.id))
    expect(verification?.headers.get('content-type')).toBe('application/json')
    expect(Number(verification?.headers.get('ttl'))).toBeGreaterThan(0)
    expect(Object.keys(verification?.json).sort()).toEqual([
      '@type',
      'pushSubscriptionId',
      'verificationCode',
    ])
    expect(verification?.json.verificationCode).toMatch(/^.{16,}$/)
  })

  test('an expiry beyond a week is shortened, and the value used is returned', async () => {
    const far = new Date(Date.now() + 365 * 24 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z')
    const set = await createSubscription({ deviceClientId: 'd', url: receiver.url('/far'), expires: far })
    const expires = Date.parse(set.created.c.expires)
    expect(expires).toBeLessThanOrEqual(Date.now() + 7 * 24 * 3600 * 1000)
    expect(expires).toBeGreaterThan(Date.now() + 6 * 24 * 3600 * 1000)
    await api(t, t.alice, [['PushSubscription/set', { destroy: [set.created.c.id] }, '0']])
  })

  test('ifInState is not an argument of PushSubscription/set', async () => {
    const r = await api(t, t.alice, [['PushSubscription/set', { ifInState: 'x', create: {} }, '0']])
    expect(r[0]?.[0]).toBe('error')
    expect(r[0]?.[1].type).toBe('invalidArguments')
  })
})

describe('verification and pushes', () => {
  test('no StateChange before verification; a wrong code is refused; after the right one, changes are pushed', async () => {
    const set = await createSubscription({ deviceClientId: 'laptop', url: receiver.url('/flow') })
    const id = set.created.c.id
    const verification = await receiver.waitFor(isVerification(id))
    expect(verification).toBeDefined()
    let mark = receiver.received.length
    await createMailbox('Before verification')
    expect(await receiver.waitFor(isStateChange('/flow'), 600, mark)).toBeUndefined()

    const wrong = await api(t, t.alice, [
      ['PushSubscription/set', { update: { [id]: { verificationCode: 'nope' } } }, '0'],
    ])
    expect(resultOf(wrong, '0').notUpdated).toMatchObject({
      [id]: { type: 'invalidProperties', properties: ['verificationCode'] },
    })
    await createMailbox('Still not verified')
    expect(await receiver.waitFor(isStateChange('/flow'), 400, mark)).toBeUndefined()

    const ok = await api(t, t.alice, [
      [
        'PushSubscription/set',
        { update: { [id]: { verificationCode: verification?.json.verificationCode } } },
        '0',
      ],
      ['PushSubscription/get', { ids: [id] }, '1'],
    ])
    expect(resultOf(ok, '0').updated).toEqual({ [id]: null })
    expect((resultOf(ok, '1') as Json).list[0].verificationCode).toBe(verification?.json.verificationCode)

    mark = receiver.received.length
    await createEmail('pushed')
    const change = await receiver.waitFor(isStateChange('/flow'), 3000, mark)
    expect(change?.headers.get('content-type')).toBe('application/json')
    expect(Number(change?.headers.get('ttl'))).toBeGreaterThan(0)
    const states = change?.json.changed[t.alice.accountId]
    expect(Object.keys(states)).toEqual(expect.arrayContaining(['Email', 'Mailbox', 'Thread']))
    // The pushed state is the one Email/get answers.
    const get = await api(t, t.alice, [['Email/get', { accountId: t.alice.accountId, ids: [] }, '0']])
    expect(states.Email).toBe((resultOf(get, '0') as Json).state)
    await api(t, t.alice, [['PushSubscription/set', { destroy: [id] }, '0']])
  })

  test('types filter: only the listed types are pushed; updating types changes what is pushed', async () => {
    const id = await verifiedSubscription('/types', { types: ['Mailbox'] })
    let mark = receiver.received.length
    // Flagging changes only the Email type (no mailbox count moves): nothing for this subscription.
    const q = await api(t, t.alice, [['Email/query', { accountId: t.alice.accountId, limit: 1 }, '0']])
    const emailId = (resultOf(q, '0') as Json).ids[0]
    expect(emailId).toBeDefined()
    await api(t, t.alice, [
      [
        'Email/set',
        { accountId: t.alice.accountId, update: { [emailId]: { 'keywords/$flagged': true } } },
        '0',
      ],
    ])
    const got = await receiver.waitFor(
      (r) => isStateChange('/types')(r) && r.json.changed[t.alice.accountId]?.Email !== undefined,
      600,
      mark,
    )
    expect(got).toBeUndefined()

    await createMailbox('Typed')
    const change = await receiver.waitFor(isStateChange('/types'), 3000, mark)
    expect(Object.keys(change?.json.changed[t.alice.accountId])).toEqual(['Mailbox'])

    const upd = await api(t, t.alice, [
      ['PushSubscription/set', { update: { [id]: { types: ['Email'] } } }, '0'],
    ])
    expect(resultOf(upd, '0').updated).toEqual({ [id]: null })
    mark = receiver.received.length
    await api(t, t.alice, [
      [
        'Email/set',
        { accountId: t.alice.accountId, update: { [emailId]: { 'keywords/$flagged': null } } },
        '0',
      ],
    ])
    const emailChange = await receiver.waitFor(isStateChange('/types'), 3000, mark)
    expect(Object.keys(emailChange?.json.changed[t.alice.accountId])).toEqual(['Email'])
    await api(t, t.alice, [['PushSubscription/set', { destroy: [id] }, '0']])
  })

  test('keys: every POST is aes128gcm-encrypted (rfc8291) and decrypts to the JSON object', async () => {
    const ua = createECDH('prime256v1')
    const uaPublic = ua.generateKeys()
    const auth = randomBytes(16)
    const keys = { p256dh: uaPublic.toString('base64url'), auth: auth.toString('base64url') }
    const mark = receiver.received.length
    const set = await createSubscription({ deviceClientId: 'enc', url: receiver.url('/enc'), keys })
    const id = set.created.c.id
    const post = await receiver.waitFor((r) => r.headers.get('content-encoding') === 'aes128gcm', 3000, mark)
    expect(post).toBeDefined()
    expect(post?.headers.get('content-type')).not.toBe('application/json')
    const plain = JSON.parse(decryptAes128gcm(post?.body as Uint8Array, ua, uaPublic, auth))
    expect(plain).toMatchObject({ '@type': 'PushVerification', pushSubscriptionId: id })
    // /get never shows keys or url, even to their owner.
    const get = await api(t, t.alice, [['PushSubscription/get', { ids: [id] }, '0']])
    expect((resultOf(get, '0') as Json).list[0]).not.toHaveProperty('keys')
    await api(t, t.alice, [['PushSubscription/set', { destroy: [id] }, '0']])
  })
})

/** rfc8291#section-3.4 from the user agent's side, for one record. */
function decryptAes128gcm(
  body: Uint8Array,
  ua: ReturnType<typeof createECDH>,
  uaPublic: Buffer,
  auth: Buffer,
): string {
  const buf = Buffer.from(body)
  const salt = buf.subarray(0, 16)
  const idlen = buf[20] as number
  const asPublic = buf.subarray(21, 21 + idlen)
  const sealed = buf.subarray(21 + idlen)
  const hmac = (key: Buffer, ...data: Buffer[]) => {
    const h = createHmac('sha256', key)
    for (const d of data) h.update(d)
    return h.digest()
  }
  const secret = ua.computeSecret(asPublic)
  const prkKey = hmac(auth, secret)
  const ikm = hmac(prkKey, Buffer.from('WebPush: info\0'), uaPublic, asPublic, Buffer.from([1]))
  const prk = hmac(salt, ikm)
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0'), Buffer.from([1])).subarray(0, 16)
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0'), Buffer.from([1])).subarray(0, 12)
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce)
  decipher.setAuthTag(sealed.subarray(sealed.length - 16))
  const plain = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()])
  expect(plain[plain.length - 1]).toBe(2)
  return plain.subarray(0, plain.length - 1).toString('utf8')
}

describe('PushSubscription/get, update and destroy', () => {
  test('get: ids null lists the principal’s own; url and keys are never returned and asking for them is forbidden', async () => {
    const a = (await createSubscription({ deviceClientId: 'g1', url: receiver.url('/g1'), types: ['Email'] }))
      .created.c.id
    const b = (await createSubscription({ deviceClientId: 'g2', url: receiver.url('/g2') })).created.c.id
    const r = await api(t, t.alice, [
      ['PushSubscription/get', { ids: null }, '0'],
      ['PushSubscription/get', { ids: [a, 'Pzzzz'], properties: ['deviceClientId'] }, '1'],
      ['PushSubscription/get', { properties: ['url'] }, '2'],
      ['PushSubscription/get', { properties: ['id', 'keys'] }, '3'],
    ])
    const all = resultOf(r, '0') as Json
    expect(all).not.toHaveProperty('accountId')
    expect(typeof all.state).toBe('string')
    const mine = all.list.find((s: Json) => s.id === a)
    expect(mine).toEqual({
      id: a,
      deviceClientId: 'g1',
      verificationCode: null,
      expires: expect.any(String),
      types: ['Email'],
    })
    expect(all.list.map((s: Json) => s.id)).toEqual(expect.arrayContaining([a, b]))
    for (const s of all.list) {
      expect(s).not.toHaveProperty('url')
      expect(s).not.toHaveProperty('keys')
    }
    const some = resultOf(r, '1') as Json
    expect(some.list).toEqual([{ id: a, deviceClientId: 'g1' }])
    expect(some.notFound).toEqual(['Pzzzz'])
    expect(r[2]).toEqual(['error', expect.objectContaining({ type: 'forbidden' }), '2'])
    expect(r[3]).toEqual(['error', expect.objectContaining({ type: 'forbidden' }), '3'])

    // Another principal sees none of them and cannot touch them.
    const bob = await api(t, t.bob, [
      ['PushSubscription/get', { ids: [a] }, '0'],
      ['PushSubscription/get', { ids: null }, '1'],
      ['PushSubscription/set', { update: { [a]: { types: null } }, destroy: [b] }, '2'],
    ])
    expect((resultOf(bob, '0') as Json).notFound).toEqual([a])
    expect((resultOf(bob, '1') as Json).list).toEqual([])
    expect((resultOf(bob, '2') as Json).notUpdated[a].type).toBe('notFound')
    expect((resultOf(bob, '2') as Json).notDestroyed[b].type).toBe('notFound')
    await api(t, t.alice, [['PushSubscription/set', { destroy: [a, b] }, '0']])
  })

  test('update: url, keys and deviceClientId are immutable; expires is clamped and returned; destroy removes', async () => {
    const id = (await createSubscription({ deviceClientId: 'u', url: receiver.url('/u') })).created.c.id
    const far = '2999-01-01T00:00:00Z'
    const soon = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z')
    const r = await api(t, t.alice, [
      ['PushSubscription/set', { update: { [id]: { url: receiver.url('/other') } } }, '0'],
      ['PushSubscription/set', { update: { [id]: { deviceClientId: 'v' } } }, '1'],
      ['PushSubscription/set', { update: { [id]: { expires: far } } }, '2'],
      ['PushSubscription/set', { update: { [id]: { expires: soon, types: ['Mailbox', 'Email'] } } }, '3'],
      ['PushSubscription/get', { ids: [id] }, '4'],
      ['PushSubscription/set', { destroy: [id] }, '5'],
      ['PushSubscription/get', { ids: [id] }, '6'],
      ['PushSubscription/set', { destroy: [id], update: { Pzzzz: { types: null } } }, '7'],
    ])
    expect((resultOf(r, '0') as Json).notUpdated[id]).toMatchObject({
      type: 'invalidProperties',
      properties: ['url'],
    })
    expect((resultOf(r, '1') as Json).notUpdated[id]).toMatchObject({
      type: 'invalidProperties',
      properties: ['deviceClientId'],
    })
    const clamped = (resultOf(r, '2') as Json).updated[id].expires
    expect(Date.parse(clamped)).toBeLessThanOrEqual(Date.now() + 7 * 24 * 3600 * 1000)
    expect((resultOf(r, '3') as Json).updated).toEqual({ [id]: null })
    expect((resultOf(r, '4') as Json).list[0]).toMatchObject({ expires: soon, types: ['Mailbox', 'Email'] })
    expect((resultOf(r, '5') as Json).destroyed).toEqual([id])
    expect((resultOf(r, '6') as Json).notFound).toEqual([id])
    expect((resultOf(r, '7') as Json).notDestroyed[id].type).toBe('notFound')
    expect((resultOf(r, '7') as Json).notUpdated.Pzzzz.type).toBe('notFound')
  })

  test('creation references: get and update "#c" in the request that created it', async () => {
    const r = await api(t, t.alice, [
      ['PushSubscription/set', { create: { c: { deviceClientId: 'ref', url: receiver.url('/ref') } } }, '0'],
      ['PushSubscription/get', { ids: ['#c'], properties: ['types'] }, '1'],
      ['PushSubscription/set', { update: { '#c': { types: ['Email'] } } }, '2'],
      ['PushSubscription/get', { ids: ['#c'], properties: ['types'] }, '3'],
    ])
    const id = (resultOf(r, '0') as Json).created.c.id
    expect((resultOf(r, '1') as Json).list).toEqual([{ id, types: null }])
    expect((resultOf(r, '2') as Json).updated).toEqual({ [id]: null })
    expect((resultOf(r, '3') as Json).list).toEqual([{ id, types: ['Email'] }])
    await api(t, t.alice, [['PushSubscription/set', { destroy: [id] }, '0']])
  })

  test('a destroyed subscription gets no more pushes', async () => {
    const id = await verifiedSubscription('/destroyed')
    await api(t, t.alice, [['PushSubscription/set', { destroy: [id] }, '0']])
    const mark = receiver.received.length
    await createMailbox('After destroy')
    expect(await receiver.waitFor(isStateChange('/destroyed'), 600, mark)).toBeUndefined()
  })

  test('a subscription removed behind the service’s back (its account deleted) gets no more pushes', async () => {
    const id = await verifiedSubscription('/removed')
    const account = parseAccountId(t.alice.accountId) as number
    expect(
      await t.server.services.store.pushSubscriptions.destroy(account, parsePushSubscriptionId(id) as number),
    ).toBe(true)
    const mark = receiver.received.length
    await createMailbox('After removal')
    expect(await receiver.waitFor(isStateChange('/removed'), 600, mark)).toBeUndefined()
  })

  test('a subscription made with an app password is destroyed once that app password is revoked', async () => {
    const token = await t.server.services.directory.appPasswords.add('alice@example.test', 'push device')
    const device = { ...t.alice, authorization: `Bearer ${token}` }
    const set = await createSubscription(
      { deviceClientId: 'dev-revoked', url: receiver.url('/revoked') },
      device,
    )
    const id = set.created.c.id as string
    const verification = await receiver.waitFor(isVerification(id))
    await api(t, device, [
      [
        'PushSubscription/set',
        { update: { [id]: { verificationCode: verification?.json.verificationCode } } },
        '0',
      ],
    ])
    let mark = receiver.received.length
    await createMailbox('Before revocation')
    expect(await receiver.waitFor(isStateChange('/revoked'), 5000, mark)).toBeDefined()

    t.server.services.directory.appPasswords.remove('alice@example.test', 'push device')
    mark = receiver.received.length
    await createMailbox('After revocation')
    expect(await receiver.waitFor(isStateChange('/revoked'), 600, mark)).toBeUndefined()
    // Gone for good: the account's other credentials do not see it either.
    const get = await api(t, t.alice, [['PushSubscription/set', { update: { [id]: { types: null } } }, '0']])
    expect((resultOf(get, '0') as Json).notUpdated[id].type).toBe('notFound')
  })

  test('an expired subscription gets no pushes and is gone from /get', async () => {
    const expires = new Date(Date.now() + 1500).toISOString()
    const id = await verifiedSubscription('/expiring', { expires })
    await Bun.sleep(1700)
    const mark = receiver.received.length
    await createMailbox('After expiry')
    expect(await receiver.waitFor(isStateChange('/expiring'), 600, mark)).toBeUndefined()
    const r = await api(t, t.alice, [['PushSubscription/get', { ids: [id] }, '0']])
    expect((resultOf(r, '0') as Json).notFound).toEqual([id])
  })

  test('at most 10 subscriptions per principal: the next is overQuota', async () => {
    const create: Record<string, unknown> = {}
    for (let i = 0; i < 11; i++) create[`k${i}`] = { deviceClientId: `q${i}`, url: receiver.url(`/q${i}`) }
    const r = await api(t, t.bob, [['PushSubscription/set', { create }, '0']])
    const set = resultOf(r, '0') as Json
    expect(Object.keys(set.created)).toHaveLength(10)
    expect(set.notCreated.k10.type).toBe('overQuota')
    await api(t, t.bob, [
      ['PushSubscription/set', { destroy: Object.values(set.created).map((c: Json) => c.id) }, '0'],
    ])
  })
})

describe('delivery', () => {
  const posts = (path: string) => receiver.received.filter((r) => r.path === path)

  test('a redirect is not followed and not retried', async () => {
    receiver.script('/moved', [302])
    const id = (await createSubscription({ deviceClientId: 'm', url: receiver.url('/moved') })).created.c.id
    expect(await receiver.waitFor(isVerification(id))).toBeDefined()
    await Bun.sleep(2500)
    expect(posts('/moved')).toHaveLength(1)
    expect(posts('/redirected')).toHaveLength(0)
    await api(t, t.alice, [['PushSubscription/set', { destroy: [id] }, '0']])
  })

  test('a server error is retried', async () => {
    receiver.script('/flaky', [503])
    const id = (await createSubscription({ deviceClientId: 'f', url: receiver.url('/flaky') })).created.c.id
    const first = await receiver.waitFor(isVerification(id))
    expect(first).toBeDefined()
    const again = await receiver.waitFor((r) => isVerification(id)(r) && r !== first, 4000)
    expect(again?.json.verificationCode).toBe(first?.json.verificationCode)
    await Bun.sleep(300)
    expect(posts('/flaky')).toHaveLength(2)
    await api(t, t.alice, [['PushSubscription/set', { destroy: [id] }, '0']])
  })

  test('410 Gone from the push service (rfc8030#section-7.3) removes the subscription', async () => {
    receiver.script('/gone', [410])
    const id = (await createSubscription({ deviceClientId: 'g', url: receiver.url('/gone') })).created.c.id
    expect(await receiver.waitFor(isVerification(id))).toBeDefined()
    let notFound: unknown[] = []
    for (let i = 0; i < 50 && notFound.length === 0; i++) {
      await Bun.sleep(20)
      const r = await api(t, t.alice, [['PushSubscription/get', { ids: [id] }, '0']])
      notFound = (resultOf(r, '0') as Json).notFound
    }
    expect(notFound).toEqual([id])
  })
})

describe('restart', () => {
  test('verified subscriptions are pushed to again after the server restarts', async () => {
    const dir = tempDir()
    const ca2 = createTestCa()
    const rx = startReceiver(ca2)
    const first = await startJmapServer({}, { outboundTls: { ca: [ca2.cert] }, dataDir: dir.path })
    try {
      const who = first.alice
      const set = resultOf(
        await api(first, who, [
          ['PushSubscription/set', { create: { c: { deviceClientId: 'r', url: rx.url('/r') } } }, '0'],
        ]),
        '0',
      ) as Json
      const id = set.created.c.id
      const v = await rx.waitFor(isVerification(id))
      await api(first, who, [
        ['PushSubscription/set', { update: { [id]: { verificationCode: v?.json.verificationCode } } }, '0'],
      ])
      await first.close()

      const second = await startTestServer({ dataDir: dir.path, outboundTls: { ca: [ca2.cert] } })
      try {
        const base = `http://127.0.0.1:${second.port('http')}`
        const mark = rx.received.length
        const calls: Call[] = [
          ['Mailbox/set', { accountId: who.accountId, create: { m: { name: 'After restart' } } }, '0'],
        ]
        const res = await fetch(`${base}/jmap`, {
          method: 'POST',
          headers: { authorization: basic(who.email, who.password), 'content-type': 'application/json' },
          body: JSON.stringify({
            using: ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail'],
            methodCalls: calls,
          }),
        })
        expect(res.status).toBe(200)
        const change = await rx.waitFor(isStateChange('/r'), 3000, mark)
        expect(change?.json.changed[who.accountId].Mailbox).toBeDefined()
      } finally {
        await second.close()
      }
    } finally {
      rx.stop()
      ca2.remove()
      dir.remove()
    }
  })
})
