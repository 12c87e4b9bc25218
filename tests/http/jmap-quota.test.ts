// rfc9425 Quota/get, /changes, /query, /queryChanges: over real HTTP for the capability, the
// errors and the rule that quotas of types the request does not use are hidden; and, with the
// mail capability in "using", the quota objects and how they follow usage and limits.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { defaultLimits, mailCapability } from '../../src/jmap/core/capabilities.ts'
import type { JmapServices, MethodContext } from '../../src/jmap/core/context.ts'
import type { MethodArgs } from '../../src/jmap/core/registry.ts'
import { quotaMethods } from '../../src/jmap/methods/quota.ts'
import { toKeywordSet } from '../../src/store/keywords.ts'
import { api, type JmapTestServer, type Json, resultOf, startJmapServer } from '../helpers/jmap.ts'

let t: JmapTestServer
let aliceId: number
const core = 'urn:ietf:params:jmap:core'
const quota = 'urn:ietf:params:jmap:quota'

beforeAll(async () => {
  t = await startJmapServer()
  aliceId = t.server.services.directory.accounts.get('alice@example.test').id
})
afterAll(() => t?.close())

/** Whether this build serves the mail capability (Quota objects are of type Mail). */
async function mailServed(): Promise<boolean> {
  const session = (await (
    await fetch(`${t.base}/jmap/session`, { headers: { authorization: t.alice.authorization } })
  ).json()) as Json
  return mailCapability in session.capabilities
}

/** Calls a Quota method the way the dispatcher does, with the mail capability in "using". */
async function call(name: string, args: MethodArgs): Promise<Json> {
  const method = quotaMethods.find((m) => m.name === name)
  if (!method) throw new Error(name)
  const ctx: MethodContext = {
    principal: { id: aliceId, email: 'alice@example.test', credential: 'pw:test' },
    accountId: aliceId,
    using: new Set([core, quota, mailCapability]),
    createdIds: new Map(),
    services: { store: t.server.services.store, limits: defaultLimits } as unknown as JmapServices,
    followUp: () => {},
  }
  try {
    return await method.handler({ accountId: t.alice.accountId, ...args }, ctx)
  } catch (err) {
    return { error: (err as { type?: string }).type }
  }
}

async function append(size: number) {
  await t.server.services.store.appendRaw(aliceId, {
    mailboxIds: [t.server.services.store.findMailboxByRole(aliceId, 'inbox')?.id ?? 0],
    bytes: new TextEncoder().encode(`Subject: q\r\n\r\n${'x'.repeat(size)}\r\n`),
    keywords: toKeywordSet([]),
    receivedAt: Date.now(),
  })
}

describe('Quota over HTTP', () => {
  test('the capability is advertised with empty objects', async () => {
    const session = (await (
      await fetch(`${t.base}/jmap/session`, { headers: { authorization: t.alice.authorization } })
    ).json()) as Json
    expect(session.capabilities[quota]).toEqual({})
    expect(session.accounts[t.alice.accountId].accountCapabilities[quota]).toEqual({})
  })

  test('errors', async () => {
    const r = await api(
      t,
      t.alice,
      [
        ['Quota/get', { accountId: t.alice.accountId, properties: ['size'] }, 'a'],
        ['Quota/changes', { accountId: t.alice.accountId, sinceState: 'bogus' }, 'b'],
        ['Quota/changes', { accountId: t.alice.accountId }, 'c'],
        ['Quota/query', { accountId: t.alice.accountId, filter: { owner: 'x' } }, 'd'],
        ['Quota/query', { accountId: t.alice.accountId, sort: [{ property: 'hardLimit' }] }, 'e'],
        ['Quota/queryChanges', { accountId: t.alice.accountId, sinceQueryState: 'bogus' }, 'f'],
        ['Quota/get', { accountId: 'Azzz' }, 'g'],
      ],
      [core, quota],
    )
    expect(r.map((x) => [x[2], x[1].type])).toEqual([
      ['a', 'invalidArguments'],
      ['b', 'cannotCalculateChanges'],
      ['c', 'invalidArguments'],
      ['d', 'unsupportedFilter'],
      ['e', 'unsupportedSort'],
      ['f', 'cannotCalculateChanges'],
      ['g', 'accountNotFound'],
    ])
  })

  test('quotas of mail are shown only to requests that use the mail capability', async () => {
    await t.server.services.directory.accounts.update('bob@example.test', {
      quotaBytes: 5000,
      quotaMessages: 5,
    })
    const without = await api(t, t.bob, [['Quota/get', { accountId: t.bob.accountId }, 'g']], [core, quota])
    expect((resultOf(without, 'g') as Json).list).toEqual([])
    if (!(await mailServed())) return
    const withMail = await api(
      t,
      t.bob,
      [['Quota/get', { accountId: t.bob.accountId }, 'g']],
      [core, quota, mailCapability],
    )
    expect((resultOf(withMail, 'g') as Json).list.map((q: Json) => [q.id, q.hardLimit])).toEqual([
      ['mail-octets', 5000],
      ['mail-count', 5],
    ])
  })
})

describe('Quota objects (with mail in "using")', () => {
  test('none without limits; octets and count with them; /changes and /queryChanges follow usage', async () => {
    expect((await call('Quota/get', {})).list).toEqual([])
    await t.server.services.directory.accounts.update('alice@example.test', {
      quotaBytes: 1_000_000,
      quotaMessages: 10,
    })
    await append(100)
    const got = await call('Quota/get', {})
    const usage = t.server.services.store.quota(aliceId)
    expect(got.list).toEqual([
      {
        id: 'mail-octets',
        resourceType: 'octets',
        used: usage.usedBytes,
        hardLimit: 1_000_000,
        scope: 'account',
        name: 'Mail storage',
        types: ['Mail'],
        warnLimit: null,
        softLimit: null,
        description: 'The size of all the messages of the account',
      },
      {
        id: 'mail-count',
        resourceType: 'count',
        used: 1,
        hardLimit: 10,
        scope: 'account',
        name: 'Mail messages',
        types: ['Mail'],
        warnLimit: null,
        softLimit: null,
        description: 'The number of messages of the account',
      },
    ])
    expect(usage.usedBytes).toBeGreaterThan(100)
    const partial = await call('Quota/get', { ids: ['mail-count', 'nope'], properties: ['used'] })
    expect(partial.list).toEqual([{ id: 'mail-count', used: 1 }])
    expect(partial.notFound).toEqual(['nope'])

    const q = await call('Quota/query', {
      sort: [{ property: 'used', isAscending: false }],
      calculateTotal: true,
    })
    expect(q).toMatchObject({ ids: ['mail-octets', 'mail-count'], total: 2, canCalculateChanges: true })
    const byType = await call('Quota/query', {
      filter: { resourceType: 'count', type: 'Mail', scope: 'account' },
    })
    expect(byType.ids).toEqual(['mail-count'])
    expect((await call('Quota/query', { filter: { name: 'storage' } })).ids).toEqual(['mail-octets'])
    expect((await call('Quota/query', { filter: { type: 'Calendar' } })).ids).toEqual([])

    expect(await call('Quota/changes', { sinceState: got.state })).toMatchObject({
      oldState: got.state,
      newState: got.state,
      created: [],
      updated: [],
      destroyed: [],
    })
    await append(50)
    const changed = await call('Quota/changes', { sinceState: got.state })
    expect(changed).toMatchObject({
      created: [],
      updated: ['mail-octets', 'mail-count'],
      destroyed: [],
      updatedProperties: ['used'],
    })
    expect(changed.newState).not.toBe(got.state)
    const qc = await call('Quota/queryChanges', {
      sinceQueryState: q.queryState,
      sort: [{ property: 'used' }],
    })
    expect(qc.removed.sort()).toEqual(['mail-count', 'mail-octets'])
    expect(qc.added).toEqual([
      { id: 'mail-count', index: 0 },
      { id: 'mail-octets', index: 1 },
    ])

    // A limit removed: its quota is destroyed.
    await t.server.services.directory.accounts.update('alice@example.test', { quotaMessages: null })
    const dropped = await call('Quota/changes', { sinceState: changed.newState })
    expect(dropped).toMatchObject({
      created: [],
      updated: [],
      destroyed: ['mail-count'],
      updatedProperties: null,
    })
  })
})
