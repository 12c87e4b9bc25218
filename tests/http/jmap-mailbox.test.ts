// rfc8621#section-2 over real HTTP: the mail capability, Mailbox/get with its counts,
// Mailbox/changes (updatedProperties), Mailbox/query and /queryChanges, Mailbox/set with its
// errors, and the same mailboxes seen from IMAP.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ImapClient } from '../helpers/imap-client.ts'
import {
  api,
  type Call,
  type JmapTestAccount,
  type JmapTestServer,
  type Json,
  resultOf,
  startJmapServer,
} from '../helpers/jmap.ts'

let t: JmapTestServer
beforeAll(async () => {
  t = await startJmapServer({ POSTERN_IMAP_ALLOW_PLAINTEXT_LOGIN: 'true' })
})
afterAll(() => t?.close())

const storeId = (who: JmapTestAccount) => Number.parseInt(who.accountId.slice(1), 36)
const mailboxRowId = (id: string) => Number.parseInt(id.slice(1), 36)

async function call(who: JmapTestAccount, name: string, args: Record<string, unknown>): Promise<Json> {
  const responses = await api(t, who, [[name, { accountId: who.accountId, ...args }, 'c']])
  return responses[0] as Call
}

/** The response arguments, failing on a method error. */
async function ok(who: JmapTestAccount, name: string, args: Record<string, unknown>): Promise<Json> {
  const [kind, body] = await call(who, name, args)
  if (kind === 'error') throw new Error(`${name} failed: ${JSON.stringify(body)}`)
  return body
}

async function mailboxes(who: JmapTestAccount): Promise<Json[]> {
  return (await ok(who, 'Mailbox/get', { ids: null })).list
}

async function byRole(who: JmapTestAccount, role: string): Promise<Json> {
  return (await mailboxes(who)).find((m) => m.role === role)
}

async function create(who: JmapTestAccount, object: Record<string, unknown>): Promise<string> {
  const res = await ok(who, 'Mailbox/set', { create: { k: object } })
  if (!res.created?.k) throw new Error(`not created: ${JSON.stringify(res.notCreated)}`)
  return res.created.k.id
}

let messageCounter = 0
async function deliver(
  who: JmapTestAccount,
  mailboxIds: string[],
  options: { seen?: boolean; draft?: boolean; inReplyTo?: string } = {},
): Promise<{ messageId: string; emailId: number }> {
  const messageId = `<m${++messageCounter}@example.test>`
  const headers = [
    'From: someone@example.test',
    `Subject: message ${messageCounter}`,
    `Message-ID: ${messageId}`,
    ...(options.inReplyTo ? [`In-Reply-To: ${options.inReplyTo}`, `References: ${options.inReplyTo}`] : []),
  ]
  const flags = (options.seen ? 1 : 0) | (options.draft ? 8 : 0)
  const result = await t.server.services.store.appendRaw(storeId(who), {
    mailboxIds: mailboxIds.map(mailboxRowId),
    bytes: new TextEncoder().encode(`${headers.join('\r\n')}\r\n\r\nbody\r\n`),
    keywords: { flags, keywords: [] },
    receivedAt: Date.now(),
  })
  return { messageId, emailId: result.emailId }
}

describe('the mail capability', () => {
  test('the session advertises urn:ietf:params:jmap:mail with the account limits', async () => {
    const res = await fetch(`${t.base}/jmap/session`, { headers: { authorization: t.alice.authorization } })
    const session = (await res.json()) as Json
    expect(session.capabilities['urn:ietf:params:jmap:mail']).toEqual({})
    expect(session.primaryAccounts['urn:ietf:params:jmap:mail']).toBe(t.alice.accountId)
    const account = session.accounts[t.alice.accountId].accountCapabilities['urn:ietf:params:jmap:mail']
    expect(account).toEqual({
      maxMailboxesPerEmail: 256,
      maxMailboxDepth: null,
      maxSizeMailboxName: 255,
      maxSizeAttachmentsPerEmail: expect.any(Number),
      emailQuerySortOptions: [
        'receivedAt',
        'sentAt',
        'size',
        'from',
        'to',
        'subject',
        'hasKeyword',
        'allInThreadHaveKeyword',
        'someInThreadHaveKeyword',
      ],
      mayCreateTopLevelMailbox: true,
    })
    expect(account.maxSizeAttachmentsPerEmail).toBeGreaterThan(0)
  })

  test('Mailbox methods need the mail capability in using', async () => {
    const responses = await api(
      t,
      t.alice,
      [['Mailbox/get', { accountId: t.alice.accountId }, 'c']],
      ['urn:ietf:params:jmap:core'],
    )
    expect(responses[0]?.[0]).toBe('error')
    expect((responses[0] as Json)[1].type).toBe('unknownMethod')
  })
})

describe('Mailbox/get', () => {
  test('ids null: every mailbox with every property', async () => {
    const res = await ok(t.bob, 'Mailbox/get', { ids: null })
    expect(res.accountId).toBe(t.bob.accountId)
    expect(typeof res.state).toBe('string')
    expect(res.notFound).toEqual([])
    const roles = res.list.map((m: Json) => m.role).sort()
    expect(roles).toEqual(['archive', 'drafts', 'inbox', 'junk', 'sent', 'trash'])
    const inbox = res.list.find((m: Json) => m.role === 'inbox')
    expect(Object.keys(inbox).sort()).toEqual(
      [
        'id',
        'name',
        'parentId',
        'role',
        'sortOrder',
        'totalEmails',
        'unreadEmails',
        'totalThreads',
        'unreadThreads',
        'myRights',
        'isSubscribed',
      ].sort(),
    )
    expect(inbox).toMatchObject({ name: 'INBOX', parentId: null, sortOrder: 1, isSubscribed: true })
    expect(inbox.id).toMatch(/^M[0-9a-z]+$/)
    expect(inbox.myRights).toEqual({
      mayReadItems: true,
      mayAddItems: true,
      mayRemoveItems: true,
      maySetSeen: true,
      maySetKeywords: true,
      mayCreateChild: true,
      mayRename: false,
      mayDelete: false,
      maySubmit: true,
    })
    const trash = res.list.find((m: Json) => m.role === 'trash')
    expect(trash.myRights.mayDelete).toBe(true)
  })

  test('given ids and properties; unknown ids in notFound; id always returned', async () => {
    const inbox = await byRole(t.alice, 'inbox')
    const res = await ok(t.alice, 'Mailbox/get', { ids: [inbox.id, 'Mzzzzzz', 'E1'], properties: ['name'] })
    expect(res.list).toEqual([{ id: inbox.id, name: 'INBOX' }])
    expect(res.notFound).toEqual(['Mzzzzzz', 'E1'])
  })

  test('an unknown property or a malformed ids argument is invalidArguments', async () => {
    const [kind, body] = await call(t.alice, 'Mailbox/get', { properties: ['name', 'colour'] })
    expect(kind).toBe('error')
    expect(body.type).toBe('invalidArguments')
    const [kind2, body2] = await call(t.alice, 'Mailbox/get', { ids: 'all' })
    expect(kind2).toBe('error')
    expect(body2.type).toBe('invalidArguments')
  })

  test('another account is not reachable', async () => {
    const responses = await api(t, t.alice, [['Mailbox/get', { accountId: t.bob.accountId }, 'c']])
    expect(responses[0]?.[0]).toBe('error')
    expect((responses[0] as Json)[1].type).toBe('accountNotFound')
  })
})

describe('counts (rfc8621#section-2)', () => {
  test('emails, unread without drafts, threads, and unread threads with the trash rules', async () => {
    // Bob's own account, so other tests' mail does not disturb the counts.
    const who = t.bob
    const inbox = await byRole(who, 'inbox')
    const sent = await byRole(who, 'sent')
    const trash = await byRole(who, 'trash')
    const drafts = await byRole(who, 'drafts')
    // Thread 1: unread in the inbox, a seen reply in Sent.
    const m1 = await deliver(who, [inbox.id])
    await deliver(who, [sent.id], { seen: true, inReplyTo: m1.messageId })
    // Thread 2: seen in the inbox, an unread reply only in the trash.
    const m3 = await deliver(who, [inbox.id], { seen: true })
    await deliver(who, [trash.id], { inReplyTo: m3.messageId })
    // An unseen draft: not unread as an email (rfc8621 unreadEmails), still an unread thread.
    await deliver(who, [drafts.id], { draft: true })
    const after = new Map((await mailboxes(who)).map((m) => [m.role, m]))
    const counts = (role: string) => {
      const m = after.get(role)
      return [m.totalEmails, m.unreadEmails, m.totalThreads, m.unreadThreads]
    }
    // Inbox: thread 2's unread email is only in the trash, so it does not make thread 2 unread.
    expect(counts('inbox')).toEqual([2, 1, 2, 1])
    // Sent: thread 1 is unread through the inbox email.
    expect(counts('sent')).toEqual([1, 0, 1, 1])
    // Trash: only unread emails in the trash count.
    expect(counts('trash')).toEqual([1, 1, 1, 1])
    expect(counts('drafts')).toEqual([1, 0, 1, 1])
    expect(counts('archive')).toEqual([0, 0, 0, 0])
    // Mailbox/get for one mailbox gives the same counts.
    const one = await ok(who, 'Mailbox/get', { ids: [sent.id], properties: ['unreadThreads', 'totalEmails'] })
    expect(one.list).toEqual([{ id: sent.id, unreadThreads: 1, totalEmails: 1 }])
  })
})

describe('Mailbox/changes', () => {
  test('counts-only changes name the count properties; other changes give null', async () => {
    const who = t.alice
    const inbox = await byRole(who, 'inbox')
    const sent = await byRole(who, 'sent')
    const s0 = (await ok(who, 'Mailbox/get', { ids: [] })).state
    const m = await deliver(who, [inbox.id])
    await deliver(who, [sent.id], { seen: true, inReplyTo: m.messageId })
    const c1 = await ok(who, 'Mailbox/changes', { sinceState: s0 })
    expect(c1.oldState).toBe(s0)
    expect(c1.created).toEqual([])
    expect(c1.updated.sort()).toEqual([inbox.id, sent.id].sort())
    expect(c1.destroyed).toEqual([])
    expect(c1.hasMoreChanges).toBe(false)
    expect(c1.updatedProperties).toEqual(['totalEmails', 'unreadEmails', 'totalThreads', 'unreadThreads'])
    expect(c1.newState).toBe((await ok(who, 'Mailbox/get', { ids: [] })).state)

    // Marking the inbox email seen changes Sent's unreadThreads too: Sent is reported.
    const s1 = c1.newState
    await t.server.services.store.setKeywords(storeId(who), [m.emailId], 'add', { flags: 1, keywords: [] })
    const c2 = await ok(who, 'Mailbox/changes', { sinceState: s1 })
    expect(c2.updated).toContain(sent.id)
    expect(c2.updated).toContain(inbox.id)
    expect(c2.updatedProperties).toEqual(['totalEmails', 'unreadEmails', 'totalThreads', 'unreadThreads'])
    const sentNow = (await ok(who, 'Mailbox/get', { ids: [sent.id], properties: ['unreadThreads'] })).list[0]
    expect(sentNow.unreadThreads).toBe(0)

    // A rename is not counts-only.
    const s2 = c2.newState
    const id = await create(who, { name: 'Changes test' })
    const c3 = await ok(who, 'Mailbox/changes', { sinceState: s2 })
    expect(c3.created).toEqual([id])
    expect(c3.updated).toEqual([])
    expect(c3.updatedProperties).toBe(null)
    const s3 = c3.newState
    await ok(who, 'Mailbox/set', { update: { [id]: { name: 'Changes test renamed' } } })
    await deliver(who, [id])
    const c4 = await ok(who, 'Mailbox/changes', { sinceState: s3 })
    expect(c4.updated).toEqual([id])
    expect(c4.updatedProperties).toBe(null)
    const s4 = c4.newState
    await ok(who, 'Mailbox/set', { destroy: [id], onDestroyRemoveEmails: true })
    const c5 = await ok(who, 'Mailbox/changes', { sinceState: s4 })
    expect(c5.destroyed).toEqual([id])
    expect(c5.created).toEqual([])
    // Created and destroyed since the state: reported in neither list.
    const c6 = await ok(who, 'Mailbox/changes', { sinceState: s2 })
    expect(c6.created).not.toContain(id)
    expect(c6.destroyed).not.toContain(id)
  })

  test('maxChanges pages the changes; bad states are errors', async () => {
    const who = t.alice
    const s0 = (await ok(who, 'Mailbox/get', { ids: [] })).state
    const a = await create(who, { name: 'Page A' })
    const b = await create(who, { name: 'Page B' })
    const first = await ok(who, 'Mailbox/changes', { sinceState: s0, maxChanges: 1 })
    expect(first.hasMoreChanges).toBe(true)
    expect(first.created).toEqual([a])
    const second = await ok(who, 'Mailbox/changes', { sinceState: first.newState, maxChanges: 1 })
    expect(second.hasMoreChanges).toBe(false)
    expect(second.created).toEqual([b])
    const [kind, body] = await call(who, 'Mailbox/changes', { sinceState: 'nonsense' })
    expect([kind, body.type]).toEqual(['error', 'cannotCalculateChanges'])
    const [kind2, body2] = await call(who, 'Mailbox/changes', { sinceState: '999999999' })
    expect([kind2, body2.type]).toEqual(['error', 'cannotCalculateChanges'])
    const [kind3, body3] = await call(who, 'Mailbox/changes', {})
    expect([kind3, body3.type]).toEqual(['error', 'invalidArguments'])
    const [kind4, body4] = await call(who, 'Mailbox/changes', { sinceState: s0, maxChanges: 0 })
    expect([kind4, body4.type]).toEqual(['error', 'invalidArguments'])
  })
})

describe('Mailbox/set', () => {
  test('create: server-set and omitted properties come back; parent by creation id, in any order', async () => {
    const who = t.alice
    const res = await ok(who, 'Mailbox/set', {
      create: {
        child: { name: 'Child', parentId: '#parent', isSubscribed: false },
        parent: { name: 'Set parent', sortOrder: 7 },
      },
    })
    expect(res.notCreated).toBe(null)
    const parent = res.created.parent
    expect(parent).toMatchObject({
      parentId: null,
      role: null,
      isSubscribed: true,
      totalEmails: 0,
      unreadEmails: 0,
      totalThreads: 0,
      unreadThreads: 0,
    })
    expect(parent.name).toBeUndefined()
    expect(parent.sortOrder).toBeUndefined()
    expect(parent.myRights.mayDelete).toBe(true)
    const child = res.created.child
    expect(child.parentId).toBeUndefined()
    const got = await ok(who, 'Mailbox/get', {
      ids: [parent.id, child.id],
      properties: ['name', 'parentId', 'sortOrder', 'isSubscribed'],
    })
    expect(got.list).toEqual([
      { id: parent.id, name: 'Set parent', parentId: null, sortOrder: 7, isSubscribed: true },
      { id: child.id, name: 'Child', parentId: parent.id, sortOrder: 0, isSubscribed: false },
    ])
    // A creation id from an earlier call of the same request.
    const responses = await api(t, who, [
      ['Mailbox/set', { accountId: who.accountId, create: { a: { name: 'Ref A' } } }, '0'],
      ['Mailbox/set', { accountId: who.accountId, create: { b: { name: 'Ref B', parentId: '#a' } } }, '1'],
      ['Mailbox/get', { accountId: who.accountId, ids: ['#b'], properties: ['parentId'] }, '2'],
    ])
    const a = (resultOf(responses, '0').created as Json).a.id
    expect((resultOf(responses, '2').list as Json)[0].parentId).toBe(a)
  })

  test('create errors: invalidProperties naming the property', async () => {
    const who = t.alice
    const existing = await create(who, { name: 'Twice' })
    const res = await ok(who, 'Mailbox/set', {
      create: {
        noName: { sortOrder: 1 },
        empty: { name: '' },
        slash: { name: 'a/b' },
        control: { name: 'a\u0007b' },
        long: { name: 'é'.repeat(128) },
        dup: { name: 'Twice' },
        inbox: { name: 'inbox' },
        badParent: { name: 'x', parentId: 'Mzzzzzz' },
        wrongKind: { name: 'x', parentId: 'E1' },
        badRole: { name: 'x', role: 'spam' },
        takenRole: { name: 'x', role: 'trash' },
        badSort: { name: 'x', sortOrder: -1 },
        badSubscribed: { name: 'x', isSubscribed: 'yes' },
        serverSet: { name: 'x', totalEmails: 0 },
        unknown: { name: 'x', colour: 'red' },
        notAnObject: 'x',
      },
    })
    expect(res.created).toBe(null)
    const expected: Record<string, string[] | undefined> = {
      noName: ['name'],
      empty: ['name'],
      slash: ['name'],
      control: ['name'],
      long: ['name'],
      inbox: ['name'],
      badParent: ['parentId'],
      wrongKind: ['parentId'],
      badRole: ['role'],
      takenRole: ['role'],
      badSort: ['sortOrder'],
      badSubscribed: ['isSubscribed'],
      serverSet: ['totalEmails'],
      unknown: ['colour'],
      notAnObject: undefined,
    }
    for (const [key, properties] of Object.entries(expected)) {
      expect(res.notCreated[key]?.type).toBe('invalidProperties')
      if (properties) expect(res.notCreated[key].properties).toEqual(properties)
    }
    // A sibling of the same name is a duplicate: alreadyExists with the existing mailbox's id.
    expect(res.notCreated.dup).toMatchObject({ type: 'alreadyExists', existingId: existing })
    // The same name under another parent is fine; 127 two-octet characters fit in 255 octets.
    expect(await create(who, { name: 'Twice', parentId: existing })).toMatch(/^M/)
    expect(await create(who, { name: 'é'.repeat(127) })).toMatch(/^M/)
  })

  test('update: rename, move, role, sortOrder, subscription; no cycles; inbox rules', async () => {
    const who = t.alice
    const a = await create(who, { name: 'Upd A' })
    const b = await create(who, { name: 'Upd B', parentId: a })
    const c = await create(who, { name: 'Upd C' })
    const res = await ok(who, 'Mailbox/set', {
      update: {
        [c]: { name: 'Upd C2', parentId: b, sortOrder: 3, isSubscribed: false, role: 'flagged' },
      },
    })
    expect(res.updated).toEqual({ [c]: null })
    const got = await ok(who, 'Mailbox/get', {
      ids: [c],
      properties: ['name', 'parentId', 'sortOrder', 'isSubscribed', 'role'],
    })
    expect(got.list[0]).toEqual({
      id: c,
      name: 'Upd C2',
      parentId: b,
      sortOrder: 3,
      isSubscribed: false,
      role: 'flagged',
    })
    // Back to the top level by a patch that removes parentId; role back to null.
    await ok(who, 'Mailbox/set', { update: { [c]: { parentId: null, role: null } } })
    const top = await ok(who, 'Mailbox/get', { ids: [c], properties: ['parentId', 'role'] })
    expect(top.list[0]).toEqual({ id: c, parentId: null, role: null })

    const inbox = await byRole(who, 'inbox')
    const sent = await byRole(who, 'sent')
    const bad = await ok(who, 'Mailbox/set', {
      update: {
        [a]: { parentId: b },
        [b]: { parentId: b },
        [c]: { name: 'Upd A' },
        [sent.id]: { role: 'drafts' },
        [inbox.id]: { name: 'Renamed inbox' },
        Mzzzzzz: { name: 'x' },
      },
    })
    expect(bad.updated).toBe(null)
    expect(bad.notUpdated[a]).toMatchObject({ type: 'invalidProperties', properties: ['parentId'] })
    expect(bad.notUpdated[b]).toMatchObject({ type: 'invalidProperties', properties: ['parentId'] })
    // Renamed onto a sibling's name: a duplicate.
    expect(bad.notUpdated[c]).toMatchObject({ type: 'alreadyExists', existingId: a })
    expect(bad.notUpdated[sent.id]).toMatchObject({ type: 'invalidProperties', properties: ['role'] })
    expect(bad.notUpdated[inbox.id].type).toBe('forbidden')
    expect(bad.notUpdated.Mzzzzzz.type).toBe('notFound')

    const serverSet = await ok(who, 'Mailbox/set', {
      update: {
        [a]: { totalEmails: 5 },
        [b]: { 'myRights/mayDelete': false },
        [c]: { name: null },
      },
    })
    expect(serverSet.notUpdated[a]).toMatchObject({ type: 'invalidProperties', properties: ['totalEmails'] })
    expect(serverSet.notUpdated[b]).toMatchObject({ type: 'invalidProperties', properties: ['myRights'] })
    expect(serverSet.notUpdated[c]).toMatchObject({ type: 'invalidProperties', properties: ['name'] })
    // Setting a server-set property to its current value is no change.
    const same = await ok(who, 'Mailbox/set', { update: { [a]: { totalEmails: 0, name: 'Upd A' } } })
    expect(same.updated).toEqual({ [a]: null })
  })

  test('destroy: mailboxHasChild, mailboxHasEmail, onDestroyRemoveEmails, the inbox', async () => {
    const who = t.alice
    const parent = await create(who, { name: 'Del parent' })
    const child = await create(who, { name: 'Del child', parentId: parent })
    const full = await create(who, { name: 'Del full' })
    const other = await create(who, { name: 'Del other' })
    const only = await deliver(who, [full])
    const shared = await deliver(who, [full, other])
    const inbox = await byRole(who, 'inbox')

    const refused = await ok(who, 'Mailbox/set', { destroy: [parent, full, inbox.id, 'Mzzzzzz'] })
    expect(refused.destroyed).toBe(null)
    expect(refused.notDestroyed[parent].type).toBe('mailboxHasChild')
    expect(refused.notDestroyed[full].type).toBe('mailboxHasEmail')
    expect(refused.notDestroyed[inbox.id].type).toBe('forbidden')
    expect(refused.notDestroyed.Mzzzzzz.type).toBe('notFound')

    // A parent and its child in one call, parent listed first: children go first.
    const both = await ok(who, 'Mailbox/set', { destroy: [parent, child] })
    expect([...both.destroyed].sort()).toEqual([parent, child].sort())

    const removed = await ok(who, 'Mailbox/set', { destroy: [full], onDestroyRemoveEmails: true })
    expect(removed.destroyed).toEqual([full])
    // An email only there is gone; one also elsewhere stays there.
    const store = t.server.services.store
    expect(store.emails(storeId(who), [only.emailId, shared.emailId]).map((e) => e.id)).toEqual([
      shared.emailId,
    ])
    expect(store.mailboxIdsOf(shared.emailId)).toEqual([mailboxRowId(other)])
    const left = await ok(who, 'Mailbox/get', { ids: [full, other], properties: ['totalEmails'] })
    expect(left.notFound).toEqual([full])
    expect(left.list).toEqual([{ id: other, totalEmails: 1 }])
  })

  test('ifInState, and a bad argument', async () => {
    const who = t.alice
    const [kind, body] = await call(who, 'Mailbox/set', { ifInState: '1', create: { x: { name: 'never' } } })
    expect([kind, body.type]).toEqual(['error', 'stateMismatch'])
    const [kind2, body2] = await call(who, 'Mailbox/set', { onDestroyRemoveEmails: 'yes' })
    expect([kind2, body2.type]).toEqual(['error', 'invalidArguments'])
    const state = (await ok(who, 'Mailbox/get', { ids: [] })).state
    const res = await ok(who, 'Mailbox/set', { ifInState: state, create: { x: { name: 'In state' } } })
    expect(res.oldState).toBe(state)
    expect(res.newState).not.toBe(state)
    expect(res.created.x.id).toMatch(/^M/)
  })
})

describe('Mailbox/query', () => {
  // Bob's tree, made once: Q1 (sortOrder 2) > [q-b, Q-a (unsubscribed)], Q2 (sortOrder 1) > [q3, 10, 9].
  let tree: Record<string, string>
  beforeAll(async () => {
    const who = t.bob
    const res = await ok(who, 'Mailbox/set', {
      create: {
        q1: { name: 'Q1', sortOrder: 2 },
        q2: { name: 'Q2', sortOrder: 1 },
        qb: { name: 'q-b', parentId: '#q1' },
        qa: { name: 'Q-a', parentId: '#q1', isSubscribed: false },
        q3: { name: 'q3', parentId: '#q2' },
        n10: { name: '10', parentId: '#q2' },
        n9: { name: '9', parentId: '#q2' },
      },
    })
    tree = Object.fromEntries(Object.entries(res.created as Record<string, Json>).map(([k, v]) => [k, v.id]))
  })
  const query = (args: Record<string, unknown>) => ok(t.bob, 'Mailbox/query', args)

  test('filters: parentId, name (contains, any case), role, hasAnyRole, isSubscribed, operators', async () => {
    const children = await query({ filter: { parentId: tree.q1 }, sort: [{ property: 'name' }] })
    expect(children.ids).toEqual([tree.qa, tree.qb])
    expect(children.canCalculateChanges).toBe(true)
    expect(children.position).toBe(0)
    expect(typeof children.queryState).toBe('string')
    expect(children.total).toBeUndefined()
    const named = await query({ filter: { name: 'q-' }, sort: [{ property: 'name' }] })
    expect(named.ids).toEqual([tree.qa, tree.qb])
    const inbox = await byRole(t.bob, 'inbox')
    expect((await query({ filter: { role: 'inbox' } })).ids).toEqual([inbox.id])
    expect((await query({ filter: { hasAnyRole: true }, calculateTotal: true })).total).toBe(6)
    const noRole = await query({ filter: { role: null, parentId: null }, sort: [{ property: 'name' }] })
    expect(noRole.ids).toEqual([tree.q1, tree.q2])
    expect((await query({ filter: { isSubscribed: false } })).ids).toEqual([tree.qa])
    const or = await query({
      filter: { operator: 'OR', conditions: [{ name: 'Q1' }, { parentId: tree.q2 }] },
      sort: [{ property: 'name' }],
    })
    expect(or.ids).toEqual([tree.n10, tree.n9, tree.q1, tree.q3])
    const not = await query({
      filter: {
        operator: 'AND',
        conditions: [{ hasAnyRole: false }, { operator: 'NOT', conditions: [{ name: 'q' }] }],
      },
    })
    expect(not.ids).not.toContain(tree.q1)
    expect(not.ids).not.toContain(inbox.id)
  })

  test('sorts: sortOrder, name with collations, descending, as a tree; filterAsTree', async () => {
    const ours = { operator: 'OR', conditions: [{ name: 'q' }] }
    const byName = await query({ filter: ours, sort: [{ property: 'name', collation: 'i;ascii-casemap' }] })
    // Case folded: "q-a" < "q-b" < "q1" ("-" sorts before the digits).
    expect(byName.ids).toEqual([tree.qa, tree.qb, tree.q1, tree.q2, tree.q3])
    const desc = await query({ filter: ours, sort: [{ property: 'name', isAscending: false }] })
    expect(desc.ids).toEqual([tree.q3, tree.q2, tree.q1, tree.qb, tree.qa])
    // i;ascii-numeric compares leading numbers; names without one sort last.
    const numeric = await query({
      filter: { parentId: tree.q2 },
      sort: [{ property: 'name', collation: 'i;ascii-numeric' }],
    })
    expect(numeric.ids).toEqual([tree.n9, tree.n10, tree.q3])
    const text = await query({ filter: { parentId: tree.q2 }, sort: [{ property: 'name' }] })
    expect(text.ids).toEqual([tree.n10, tree.n9, tree.q3])
    const asTree = await query({
      filter: ours,
      sort: [{ property: 'sortOrder' }, { property: 'name' }],
      sortAsTree: true,
    })
    expect(asTree.ids).toEqual([tree.q2, tree.q3, tree.q1, tree.qa, tree.qb])
    // Without filterAsTree, children match on their own; with it, only under a matching parent.
    const flat = await query({ filter: { name: 'q3' } })
    expect(flat.ids).toEqual([tree.q3])
    const filteredAsTree = await query({ filter: { name: 'q3' }, filterAsTree: true })
    expect(filteredAsTree.ids).toEqual([])
    const subtree = await query({
      filter: { operator: 'NOT', conditions: [{ name: 'Q1' }] },
      filterAsTree: true,
    })
    expect(subtree.ids).not.toContain(tree.qa)
    expect(subtree.ids).toContain(tree.q3)
  })

  test('window: position, negative position, anchor with offset, limit, total', async () => {
    const ours = { name: 'q' }
    const sort = [{ property: 'name' }]
    const all = (await query({ filter: ours, sort })).ids
    expect(all).toHaveLength(5)
    const page = await query({ filter: ours, sort, position: 1, limit: 2, calculateTotal: true })
    expect(page).toMatchObject({ ids: all.slice(1, 3), position: 1, total: 5 })
    const tail = await query({ filter: ours, sort, position: -2 })
    expect(tail).toMatchObject({ ids: all.slice(3), position: 3 })
    const anchored = await query({ filter: ours, sort, anchor: all[2], anchorOffset: -1, limit: 2 })
    expect(anchored).toMatchObject({ ids: all.slice(1, 3), position: 1 })
    const past = await query({ filter: ours, sort, position: 10 })
    expect(past.ids).toEqual([])
    // A limit above the server's comes back with the one used.
    expect((await query({ filter: ours, limit: 1_000_000 })).limit).toBe(10_000)
    expect((await query({ filter: ours, limit: 3 })).limit).toBeUndefined()
  })

  test('errors: unsupportedSort, unsupportedFilter, anchorNotFound, invalidArguments', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ sort: [{ property: 'totalEmails' }] }, 'unsupportedSort'],
      [{ sort: [{ property: 'name', collation: 'i;octet' }] }, 'unsupportedSort'],
      [{ filter: { colour: 'red' } }, 'unsupportedFilter'],
      [{ anchor: 'Mzzzzzz' }, 'anchorNotFound'],
      [{ filter: { operator: 'XOR', conditions: [] } }, 'invalidArguments'],
      [{ filter: { name: 3 } }, 'invalidArguments'],
      [{ filter: { hasAnyRole: 'yes' } }, 'invalidArguments'],
      [{ sort: 'name' }, 'invalidArguments'],
      [{ limit: -1 }, 'invalidArguments'],
      [{ sortAsTree: 1 }, 'invalidArguments'],
    ]
    for (const [args, type] of cases) {
      const [kind, body] = await call(t.bob, 'Mailbox/query', args)
      expect([JSON.stringify(args), kind, body.type]).toEqual([JSON.stringify(args), 'error', type])
    }
  })
})

describe('Mailbox/queryChanges', () => {
  test('added and removed since a query state; counts-only changes leave the results alone', async () => {
    const who = t.alice
    const filter = { name: 'QC' }
    const sort = [{ property: 'name' }]
    const a = await create(who, { name: 'QC a' })
    const c = await create(who, { name: 'QC c' })
    const before = await ok(who, 'Mailbox/query', { filter, sort })
    expect(before.ids).toEqual([a, c])
    // New mail changes only counts.
    await deliver(who, [a])
    const none = await ok(who, 'Mailbox/queryChanges', { filter, sort, sinceQueryState: before.queryState })
    expect(none).toMatchObject({ oldQueryState: before.queryState, removed: [], added: [] })
    expect(none.newQueryState).not.toBe(before.queryState)
    // A new mailbox, a rename that moves one, and a destroy.
    const b = await create(who, { name: 'QC b' })
    await ok(who, 'Mailbox/set', { update: { [a]: { name: 'QC d' } } })
    const gone = await create(who, { name: 'QC gone' })
    const mid = await ok(who, 'Mailbox/query', { filter, sort })
    await ok(who, 'Mailbox/set', { destroy: [gone] })
    const changes = await ok(who, 'Mailbox/queryChanges', {
      filter,
      sort,
      sinceQueryState: before.queryState,
      calculateTotal: true,
    })
    const after = await ok(who, 'Mailbox/query', { filter, sort })
    expect(after.ids).toEqual([b, c, a])
    expect(changes.total).toBe(3)
    expect(changes.newQueryState).toBe(after.queryState)
    // The mailbox made and destroyed since the old state was in neither result: not reported.
    expect(changes.removed).toEqual([a])
    expect(changes.added).toEqual([
      { id: b, index: 0 },
      { id: a, index: 2 },
    ])
    // Applying the changes to the old results gives the new ones (rfc8620#section-5.6).
    const applied = before.ids.filter((id: string) => !changes.removed.includes(id))
    for (const { id, index } of changes.added) applied.splice(index, 0, id)
    expect(applied).toEqual(after.ids)
    // From the middle state: only the destroy.
    const fromMid = await ok(who, 'Mailbox/queryChanges', { filter, sort, sinceQueryState: mid.queryState })
    expect(fromMid.removed).toEqual([gone])
    expect(fromMid.added).toEqual([])
  })

  test('with sortAsTree, moving a parent re-places its children', async () => {
    const who = t.alice
    const sort = [{ property: 'name' }]
    const filter = { name: 'QT' }
    const p1 = await create(who, { name: 'QT 1' })
    const kid = await create(who, { name: 'QT kid', parentId: p1 })
    await create(who, { name: 'QT 2' })
    const before = await ok(who, 'Mailbox/query', { filter, sort, sortAsTree: true })
    await ok(who, 'Mailbox/set', { update: { [p1]: { name: 'QT 3' } } })
    const changes = await ok(who, 'Mailbox/queryChanges', {
      filter,
      sort,
      sortAsTree: true,
      sinceQueryState: before.queryState,
    })
    expect([...changes.removed].sort()).toEqual([p1, kid].sort())
    const after = await ok(who, 'Mailbox/query', { filter, sort, sortAsTree: true })
    const applied = before.ids.filter((id: string) => !changes.removed.includes(id))
    for (const { id, index } of changes.added) applied.splice(index, 0, id)
    expect(applied).toEqual(after.ids)
    expect(after.ids.indexOf(kid)).toBe(after.ids.indexOf(p1) + 1)
  })

  test('errors: cannotCalculateChanges, tooManyChanges, invalidArguments', async () => {
    const who = t.alice
    const [k1, b1] = await call(who, 'Mailbox/queryChanges', { sinceQueryState: 'x' })
    expect([k1, b1.type]).toEqual(['error', 'cannotCalculateChanges'])
    const [k2, b2] = await call(who, 'Mailbox/queryChanges', {})
    expect([k2, b2.type]).toEqual(['error', 'invalidArguments'])
    const state = (await ok(who, 'Mailbox/query', {})).queryState
    await create(who, { name: 'TMC 1' })
    await create(who, { name: 'TMC 2' })
    const [k3, b3] = await call(who, 'Mailbox/queryChanges', { sinceQueryState: state, maxChanges: 1 })
    expect([k3, b3.type]).toEqual(['error', 'tooManyChanges'])
    const [k4, b4] = await call(who, 'Mailbox/queryChanges', {
      sinceQueryState: state,
      sort: [{ property: 'role' }],
    })
    expect([k4, b4.type]).toEqual(['error', 'unsupportedSort'])
  })
})

describe('across IMAP and JMAP', () => {
  test('IMAP CREATE and RENAME show in Mailbox/changes and /get; a JMAP mailbox is in IMAP LIST; STORE \\Seen changes its counts', async () => {
    const who = t.alice
    const imap = await ImapClient.login(t.server.port('imap'), who.email, who.password)
    try {
      const s0 = (await ok(who, 'Mailbox/get', { ids: [] })).state
      expect((await imap.command('CREATE "Imap made/Sub"')).done).toStartWith('OK')
      const c1 = await ok(who, 'Mailbox/changes', { sinceState: s0 })
      expect(c1.created).toHaveLength(2)
      const made = (await ok(who, 'Mailbox/get', { ids: c1.created, properties: ['name', 'parentId'] })).list
      const parent = made.find((m: Json) => m.name === 'Imap made')
      const sub = made.find((m: Json) => m.name === 'Sub')
      expect(parent.parentId).toBe(null)
      expect(sub.parentId).toBe(parent.id)

      expect((await imap.command('RENAME "Imap made" "Imap renamed"')).done).toStartWith('OK')
      const c2 = await ok(who, 'Mailbox/changes', { sinceState: c1.newState })
      // Only the renamed mailbox changed as JMAP sees it: the child's name and parent are the same.
      expect(c2.updated).toEqual([parent.id])
      expect(c2.updatedProperties).toBe(null)
      const renamed = (await ok(who, 'Mailbox/get', { ids: [parent.id], properties: ['name'] })).list[0]
      expect(renamed.name).toBe('Imap renamed')

      const jmapMade = await create(who, { name: 'Jmap made', parentId: parent.id })
      const list = await imap.command('LIST "" "Imap renamed/*"')
      expect(list.untagged).toEqual([
        '* LIST (\\HasNoChildren) "/" "Imap renamed/Jmap made"',
        '* LIST (\\HasNoChildren) "/" "Imap renamed/Sub"',
      ])
      expect(jmapMade).toMatch(/^M/)

      // \Seen set over IMAP: a counts-only change of the mailbox in JMAP.
      await deliver(who, [jmapMade])
      const before = await ok(who, 'Mailbox/get', {
        ids: [jmapMade],
        properties: ['unreadEmails', 'unreadThreads'],
      })
      expect(before.list[0]).toMatchObject({ unreadEmails: 1, unreadThreads: 1 })
      expect((await imap.command('SELECT "Imap renamed/Jmap made"')).done).toStartWith('OK')
      expect((await imap.command('STORE 1 +FLAGS.SILENT (\\Seen)')).done).toStartWith('OK')
      const c3 = await ok(who, 'Mailbox/changes', { sinceState: before.state })
      expect(c3.updated).toEqual([jmapMade])
      expect(c3.updatedProperties).toEqual(['totalEmails', 'unreadEmails', 'totalThreads', 'unreadThreads'])
      const after = await ok(who, 'Mailbox/get', {
        ids: [jmapMade],
        properties: ['unreadEmails', 'unreadThreads'],
      })
      expect(after.list[0]).toMatchObject({ unreadEmails: 0, unreadThreads: 0 })
    } finally {
      imap.close()
    }
  })
})
