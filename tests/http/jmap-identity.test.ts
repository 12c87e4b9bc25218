// rfc8621#section-6 over real HTTP: Identity/get, /changes and /set, with the default identity
// made on first use, forbiddenFrom for addresses the account may not send as, and mayDelete.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { api, type JmapTestServer, type Json, resultOf, startJmapServer } from '../helpers/jmap.ts'

let t: JmapTestServer
beforeAll(async () => {
  t = await startJmapServer()
  t.server.services.directory.aliases.add('alice.smith@example.test', 'alice@example.test')
})
afterAll(() => t?.close())

const using = ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:submission']

describe('Identity', () => {
  test('the session advertises the submission capability with its account limits', async () => {
    const session = (await (
      await fetch(`${t.base}/jmap/session`, { headers: { authorization: t.alice.authorization } })
    ).json()) as Json
    expect(session.capabilities['urn:ietf:params:jmap:submission']).toEqual({})
    expect(
      session.accounts[t.alice.accountId].accountCapabilities['urn:ietf:params:jmap:submission'],
    ).toEqual({
      maxDelayedSend: 0,
      submissionExtensions: {},
    })
    expect(session.primaryAccounts['urn:ietf:params:jmap:submission']).toBe(t.alice.accountId)
  })

  test('an account without identities gets one for its own address, which it may not delete', async () => {
    const r = await api(t, t.alice, [['Identity/get', { accountId: t.alice.accountId }, 'g']], using)
    const got = resultOf(r, 'g', 'Identity/get') as Json
    expect(got.list).toHaveLength(1)
    expect(got.list[0]).toMatchObject({
      email: 'alice@example.test',
      name: '',
      replyTo: null,
      bcc: null,
      textSignature: '',
      htmlSignature: '',
      mayDelete: false,
    })
    expect(got.notFound).toEqual([])
    const again = resultOf(
      await api(t, t.alice, [['Identity/get', { accountId: t.alice.accountId }, 'g']], using),
      'g',
    ) as Json
    expect(again.list).toHaveLength(1)
    expect(again.state).toBe(got.state)
    const destroy = resultOf(
      await api(
        t,
        t.alice,
        [['Identity/set', { accountId: t.alice.accountId, destroy: [got.list[0].id] }, 's']],
        using,
      ),
      's',
    ) as Json
    expect(destroy.notDestroyed[got.list[0].id].type).toBe('forbidden')
  })

  test('create for an alias, update, /changes and destroy', async () => {
    const before = resultOf(
      await api(t, t.alice, [['Identity/get', { accountId: t.alice.accountId, ids: [] }, 'g']], using),
      'g',
    ) as Json
    const r = await api(
      t,
      t.alice,
      [
        [
          'Identity/set',
          {
            accountId: t.alice.accountId,
            create: {
              a: {
                email: 'alice.smith@example.test',
                name: 'Alice Smith',
                bcc: [{ email: 'archive@example.test' }],
              },
              b: { email: 'bob@example.test' },
              c: { email: 'someone@elsewhere.example' },
              d: { email: 'alice@example.test', mayDelete: false },
              e: { name: 'no address' },
            },
          },
          's',
        ],
        ['Identity/get', { accountId: t.alice.accountId, ids: ['#a'], properties: ['email', 'bcc'] }, 'g'],
      ],
      using,
    )
    const set = resultOf(r, 's', 'Identity/set') as Json
    expect(set.oldState).toBe(before.state)
    expect(set.newState).not.toBe(before.state)
    expect(set.created.a).toMatchObject({
      mayDelete: true,
      replyTo: null,
      textSignature: '',
      htmlSignature: '',
    })
    expect(set.created.a.name).toBeUndefined()
    expect(set.notCreated.b.type).toBe('forbiddenFrom')
    expect(set.notCreated.c.type).toBe('forbiddenFrom')
    expect(set.notCreated.d).toMatchObject({ type: 'invalidProperties', properties: ['mayDelete'] })
    expect(set.notCreated.e).toMatchObject({ type: 'invalidProperties', properties: ['email'] })
    const id = set.created.a.id
    expect(resultOf(r, 'g', 'Identity/get')).toMatchObject({
      list: [{ id, email: 'alice.smith@example.test', bcc: [{ name: null, email: 'archive@example.test' }] }],
    })

    const changes = resultOf(
      await api(
        t,
        t.alice,
        [['Identity/changes', { accountId: t.alice.accountId, sinceState: before.state }, 'c']],
        using,
      ),
      'c',
    ) as Json
    expect(changes).toMatchObject({
      oldState: before.state,
      newState: set.newState,
      created: [id],
      updated: [],
    })

    const upd = await api(
      t,
      t.alice,
      [
        [
          'Identity/set',
          {
            accountId: t.alice.accountId,
            update: {
              [id]: {
                textSignature: '-- \nAlice',
                bcc: [{ name: 'Archive', email: 'archive@example.test' }],
              },
              I999: { name: 'x' },
            },
          },
          'u',
        ],
        [
          'Identity/set',
          { accountId: t.alice.accountId, update: { [id]: { email: 'alice@example.test' } } },
          'u2',
        ],
        // rfc8620#section-5.3: a patch must not point inside an array.
        ['Identity/set', { accountId: t.alice.accountId, update: { [id]: { 'bcc/0/name': 'x' } } }, 'u3'],
        ['Identity/get', { accountId: t.alice.accountId, ids: [id, 'I999'] }, 'g'],
        ['Identity/changes', { accountId: t.alice.accountId, sinceState: set.newState }, 'c'],
      ],
      using,
    )
    const u = resultOf(upd, 'u') as Json
    expect(u.updated).toEqual({ [id]: null })
    expect(u.notUpdated.I999.type).toBe('notFound')
    expect((resultOf(upd, 'u2') as Json).notUpdated[id]).toMatchObject({
      type: 'invalidProperties',
      properties: ['email'],
    })
    expect((resultOf(upd, 'u3') as Json).notUpdated[id].type).toBe('invalidPatch')
    const g = resultOf(upd, 'g') as Json
    expect(g.list[0]).toMatchObject({
      textSignature: '-- \nAlice',
      bcc: [{ name: 'Archive', email: 'archive@example.test' }],
    })
    expect(g.notFound).toEqual(['I999'])
    expect(resultOf(upd, 'c')).toMatchObject({ created: [], updated: [id], destroyed: [] })

    const del = await api(
      t,
      t.alice,
      [
        ['Identity/set', { accountId: t.alice.accountId, destroy: [id] }, 'd'],
        ['Identity/changes', { accountId: t.alice.accountId, sinceState: before.state }, 'c'],
      ],
      using,
    )
    expect((resultOf(del, 'd') as Json).destroyed).toEqual([id])
    // Created and destroyed since that state: it never shows.
    expect(resultOf(del, 'c')).toMatchObject({ created: [], updated: [], destroyed: [] })
  })

  test('bad arguments and states', async () => {
    const r = await api(
      t,
      t.bob,
      [
        ['Identity/get', { accountId: t.bob.accountId, properties: ['nope'] }, 'a'],
        ['Identity/changes', { accountId: t.bob.accountId, sinceState: 'junk' }, 'b'],
        ['Identity/set', { accountId: t.bob.accountId, ifInState: 'x1', create: {} }, 'c'],
        ['Identity/get', { accountId: t.alice.accountId }, 'd'],
      ],
      using,
    )
    expect(r.map((x) => [x[0], x[1].type])).toEqual([
      ['error', 'invalidArguments'],
      ['error', 'cannotCalculateChanges'],
      ['error', 'stateMismatch'],
      ['error', 'accountNotFound'],
    ])
    // Without the capability in "using", the method is unknown.
    const without = await api(
      t,
      t.bob,
      [['Identity/get', { accountId: t.bob.accountId }, 'x']],
      ['urn:ietf:params:jmap:core'],
    )
    expect(without[0]?.[1].type).toBe('unknownMethod')
  })
})
