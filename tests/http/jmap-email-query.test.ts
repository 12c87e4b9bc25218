// rfc8621#section-4.4 Email/query, rfc8621#section-4.5 Email/queryChanges and rfc8621#section-5
// SearchSnippet/get over real HTTP: every filter condition and operator, every sort property,
// collapsed threads, windows, totals, query changes and snippets, and their errors.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { toKeywordSet } from '../../src/store/keywords.ts'
import {
  api,
  type Call,
  type JmapTestAccount,
  type JmapTestServer,
  type Json,
  jmapUsing,
  post,
  startJmapServer,
} from '../helpers/jmap.ts'

let t: JmapTestServer
const base = Date.UTC(2025, 4, 1, 8)
const hour = 3_600_000
/** JMAP email id by name, and sizes */
const E: Record<string, string> = {}
const size: Record<string, number> = {}
const row: Record<string, number> = {}
let inbox: string
let archive: string
let drafts: string
let aliceId: number

const enc = new TextEncoder()
const message = (headers: string[], body: string) => enc.encode(`${headers.join('\r\n')}\r\n\r\n${body}`)
const jmapId = (prefix: string, n: number) => `${prefix}${n.toString(36)}`

async function add(
  who: number,
  name: string,
  mailboxIds: number[],
  bytes: Uint8Array,
  at: number,
  keywords: string[] = [],
) {
  const r = await t.server.services.store.appendRaw(who, {
    mailboxIds,
    bytes,
    keywords: toKeywordSet(keywords),
    receivedAt: base + at * hour,
  })
  E[name] = jmapId('E', r.emailId)
  row[name] = r.emailId
  size[name] = bytes.length
}

beforeAll(async () => {
  t = await startJmapServer()
  const store = t.server.services.store
  aliceId = Number.parseInt(t.alice.accountId.slice(1), 36)
  const bobId = Number.parseInt(t.bob.accountId.slice(1), 36)
  const role = (id: number, r: string) => store.findMailboxByRole(id, r)?.id as number
  inbox = jmapId('M', role(aliceId, 'inbox'))
  archive = jmapId('M', role(aliceId, 'archive'))
  drafts = jmapId('M', role(aliceId, 'drafts'))
  const [ib, ar, dr] = [role(aliceId, 'inbox'), role(aliceId, 'archive'), role(aliceId, 'drafts')]
  await add(
    aliceId,
    'm1',
    [ib],
    message(
      [
        'From: Alice Zed <zed@example.net>',
        'To: Bob <bob@example.test>',
        'Subject: Lunch plans',
        'Message-ID: <m1@example.net>',
        'Date: Thu, 1 May 2025 09:00:00 +0000',
      ],
      "Let's meet for lunch at noon.\r\n",
    ),
    1,
    ['$seen'],
  )
  await add(
    aliceId,
    'm2',
    [ib, ar],
    message(
      [
        'From: adam@example.org',
        'To: alice@example.test',
        'Subject: Re: Lunch plans',
        'Message-ID: <m2@example.org>',
        'In-Reply-To: <m1@example.net>',
        'References: <m1@example.net>',
        'Date: Thu, 1 May 2025 07:00:00 +0000',
        'Content-Type: text/html; charset=utf-8',
      ],
      '<p>Sounds good, <b>see you</b> there</p>\r\n',
    ),
    2,
  )
  await add(
    aliceId,
    'm3',
    [ar],
    message(
      [
        'From: =?UTF-8?Q?=C3=89mile?= <emile@example.org>',
        'To: carla@example.org',
        'Cc: carol@example.com',
        'Subject: Quarterly report',
        'Date: Thu, 1 May 2025 12:00:00 +0000',
        'Content-Type: multipart/mixed; boundary=zz',
      ],
      '--zz\r\nContent-Type: text/plain\r\n\r\nThe report & numbers are attached.\r\n--zz\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=q.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--zz--\r\n',
    ),
    3,
    ['$flagged', 'custom'],
  )
  await add(
    aliceId,
    'm4',
    [dr],
    message(
      [
        'From: =?UTF-8?Q?Zo=C3=AB?= <zoe@example.org>',
        'Bcc: dave@example.com',
        'Subject: Draft <idea>',
        'X-Custom: Foo bar',
      ],
      `${'word '.repeat(60)}an idea with lunch and more ${'filler text '.repeat(80)}\r\n`,
    ),
    4,
    ['$seen', '$draft'],
  )
  await add(
    bobId,
    'bob1',
    [role(bobId, 'inbox')],
    message(['From: x@example.org', 'Subject: lunch for bob'], 'lunch\r\n'),
    5,
  )
})
afterAll(() => t?.close())

const query = async (args: Record<string, unknown>, who: JmapTestAccount = t.alice): Promise<Json> => {
  const [r] = await api(t, who, [['Email/query', { accountId: who.accountId, ...args }, 'q']])
  return r as Call
}
const idsOf = async (args: Record<string, unknown>) => {
  const [name, body] = await query(args)
  if (name !== 'Email/query') throw new Error(JSON.stringify(body))
  return (body as Json).ids as string[]
}
const asc = [{ property: 'receivedAt', isAscending: true }]
const names = (...n: string[]) => n.map((x) => E[x] as string)

describe('Email/query', () => {
  test('response shape; default order newest first; other accounts unseen', async () => {
    const [name, r] = await query({})
    expect(name).toBe('Email/query')
    expect(r.accountId).toBe(t.alice.accountId)
    expect(typeof r.queryState).toBe('string')
    expect(r.canCalculateChanges).toBe(true)
    expect(r.position).toBe(0)
    expect(r.ids).toEqual(names('m4', 'm3', 'm2', 'm1'))
    expect('total' in r).toBe(false)
    const [, b] = await query({ filter: { text: 'lunch' } }, t.bob)
    expect(b.ids).toEqual([E.bob1])
  })

  const cases: [string, Record<string, unknown>, string[]][] = [
    ['inMailbox', { inMailbox: '' }, ['m1', 'm2']],
    ['inMailbox archive', { inMailbox: 'archive' }, ['m2', 'm3']],
    ['inMailbox unknown', { inMailbox: 'Mzzzzz' }, []],
    ['inMailboxOtherThan', { inMailboxOtherThan: ['inbox'] }, ['m2', 'm3', 'm4']],
    ['inMailboxOtherThan all', { inMailboxOtherThan: ['inbox', 'archive', 'drafts'] }, []],
    ['before', { before: new Date(base + 2 * hour).toISOString().replace('.000', '') }, ['m1']],
    ['after', { after: new Date(base + 2 * hour).toISOString().replace('.000', '') }, ['m2', 'm3', 'm4']],
    ['minSize', { minSize: -1 }, ['m4']],
    ['maxSize', { maxSize: -1 }, ['m1', 'm2', 'm3']],
    ['allInThreadHaveKeyword', { allInThreadHaveKeyword: '$seen' }, ['m4']],
    ['someInThreadHaveKeyword', { someInThreadHaveKeyword: '$seen' }, ['m1', 'm2', 'm4']],
    ['noneInThreadHaveKeyword', { noneInThreadHaveKeyword: '$seen' }, ['m3']],
    ['hasKeyword', { hasKeyword: 'custom' }, ['m3']],
    ['hasKeyword is case-insensitive', { hasKeyword: 'CUSTOM' }, ['m3']],
    ['notKeyword', { notKeyword: '$seen' }, ['m2', 'm3']],
    ['hasAttachment', { hasAttachment: true }, ['m3']],
    ['no attachment', { hasAttachment: false }, ['m1', 'm2', 'm4']],
    ['text in subject or body', { text: 'LUNCH' }, ['m1', 'm2', 'm4']],
    ['text in Cc', { text: 'carol' }, ['m3']],
    ['from (decoded name)', { from: 'émile' }, ['m3']],
    ['from address', { from: 'adam' }, ['m2']],
    ['to', { to: 'bob' }, ['m1']],
    ['cc', { cc: 'carol' }, ['m3']],
    ['bcc', { bcc: 'dave' }, ['m4']],
    ['subject', { subject: 'quarterly' }, ['m3']],
    ['body', { body: 'noon' }, ['m1']],
    ['body of HTML, as text', { body: 'see you' }, ['m2']],
    ['body does not look at headers', { body: 'quarterly' }, []],
    ['header present', { header: ['X-Custom'] }, ['m4']],
    ['header value', { header: ['x-custom', 'FOO'] }, ['m4']],
    ['header value absent', { header: ['x-custom', 'baz'] }, []],
    ['header In-Reply-To', { header: ['In-Reply-To'] }, ['m2']],
    ['empty condition', {}, ['m1', 'm2', 'm3', 'm4']],
    ['two properties are ANDed', { inMailbox: 'inbox', hasKeyword: '$seen' }, ['m1']],
  ]
  for (const [label, condition, expected] of cases)
    test(`filter: ${label}`, async () => {
      const c: Record<string, unknown> = { ...condition }
      const box = (v: string) => ({ inbox, archive, drafts })[v] ?? v
      if (c.inMailbox === '') c.inMailbox = inbox
      else if (typeof c.inMailbox === 'string') c.inMailbox = box(c.inMailbox)
      if (Array.isArray(c.inMailboxOtherThan))
        c.inMailboxOtherThan = (c.inMailboxOtherThan as string[]).map(box)
      if (c.minSize === -1) c.minSize = size.m4
      if (c.maxSize === -1) c.maxSize = size.m4
      expect(await idsOf({ filter: c, sort: asc })).toEqual(names(...expected))
    })

  test('filter operators AND, OR, NOT, nested', async () => {
    expect(
      await idsOf({ filter: { operator: 'OR', conditions: [{ from: 'adam' }, { bcc: 'dave' }] }, sort: asc }),
    ).toEqual(names('m2', 'm4'))
    expect(
      await idsOf({
        filter: { operator: 'NOT', conditions: [{ hasKeyword: '$seen' }, { hasAttachment: true }] },
        sort: asc,
      }),
    ).toEqual(names('m2'))
    expect(
      await idsOf({
        filter: {
          operator: 'AND',
          conditions: [{ text: 'lunch' }, { operator: 'NOT', conditions: [{ inMailbox: inbox }] }],
        },
        sort: asc,
      }),
    ).toEqual(names('m4'))
    expect(await idsOf({ filter: { operator: 'OR', conditions: [] }, sort: asc })).toEqual([])
    expect(await idsOf({ filter: { operator: 'AND', conditions: [] }, sort: asc })).toEqual(
      names('m1', 'm2', 'm3', 'm4'),
    )
  })

  const sorts: [string, Record<string, unknown>[], string[]][] = [
    ['receivedAt descending', [{ property: 'receivedAt', isAscending: false }], ['m4', 'm3', 'm2', 'm1']],
    // m4 has no Date: null sorts first
    ['sentAt', [{ property: 'sentAt' }], ['m4', 'm2', 'm1', 'm3']],
    [
      'size descending',
      [{ property: 'size', isAscending: false }],
      ['m4', 'm3', 'm2', 'm1'].sort((a, b) => (size[b] ?? 0) - (size[a] ?? 0)),
    ],
    ['subject (base subject), ties by id', [{ property: 'subject' }], ['m4', 'm1', 'm2', 'm3']],
    // the server's default (the Unicode Collation Algorithm's root order) and i;unicode-casemap: É sorts as E
    ['from', [{ property: 'from' }], ['m2', 'm1', 'm3', 'm4']],
    [
      'from, i;unicode-casemap',
      [{ property: 'from', collation: 'i;unicode-casemap' }],
      ['m2', 'm1', 'm3', 'm4'],
    ],
    ['from, i;ascii-casemap', [{ property: 'from', collation: 'i;ascii-casemap' }], ['m2', 'm1', 'm4', 'm3']],
    // i;ascii-numeric: no subject starts with a digit, so all compare equal and ties go by id
    [
      'subject, i;ascii-numeric',
      [{ property: 'subject', collation: 'i;ascii-numeric', isAscending: false }],
      ['m4', 'm3', 'm2', 'm1'],
    ],
    // to: none (m4), alice@…, Bob, carla@…
    ['to', [{ property: 'to' }], ['m4', 'm2', 'm1', 'm3']],
    [
      'hasKeyword',
      [
        { property: 'hasKeyword', keyword: '$seen', isAscending: false },
        { property: 'receivedAt', isAscending: true },
      ],
      ['m1', 'm4', 'm2', 'm3'],
    ],
    [
      'someInThreadHaveKeyword',
      [
        { property: 'someInThreadHaveKeyword', keyword: '$seen', isAscending: false },
        { property: 'receivedAt', isAscending: true },
      ],
      ['m1', 'm2', 'm4', 'm3'],
    ],
    [
      'allInThreadHaveKeyword',
      [
        { property: 'allInThreadHaveKeyword', keyword: '$seen', isAscending: false },
        { property: 'receivedAt', isAscending: true },
      ],
      ['m4', 'm1', 'm2', 'm3'],
    ],
  ]
  for (const [label, sort, expected] of sorts)
    test(`sort: ${label}`, async () => {
      expect(await idsOf({ sort })).toEqual(names(...expected))
    })

  test('collapseThreads: one email per thread, the first in sort order', async () => {
    expect(await idsOf({ sort: asc, collapseThreads: true })).toEqual(names('m1', 'm3', 'm4'))
    const [, r] = await query({
      sort: [{ property: 'receivedAt', isAscending: false }],
      collapseThreads: true,
      calculateTotal: true,
    })
    expect(r.ids).toEqual(names('m4', 'm3', 'm2'))
    expect(r.total).toBe(3)
  })

  test('position, limit and total; a mailbox page with its total', async () => {
    const [, r] = await query({
      filter: { inMailbox: inbox },
      sort: [{ property: 'receivedAt', isAscending: false }],
      limit: 1,
      calculateTotal: true,
    })
    expect(r.ids).toEqual(names('m2'))
    expect(r.total).toBe(2)
    expect('limit' in r).toBe(false)
    const [, p] = await query({ sort: asc, position: 1, limit: 2, calculateTotal: true })
    expect(p.ids).toEqual(names('m2', 'm3'))
    expect(p.position).toBe(1)
    expect(p.total).toBe(4)
    const [, beyond] = await query({ sort: asc, position: 10 })
    expect(beyond.ids).toEqual([])
    const [, neg] = await query({ sort: asc, position: -2, calculateTotal: true })
    expect(neg.ids).toEqual(names('m3', 'm4'))
    expect(neg.position).toBe(2)
    const [, tooNeg] = await query({ sort: asc, position: -10 })
    expect(tooNeg.ids).toEqual(names('m1', 'm2', 'm3', 'm4'))
    expect(tooNeg.position).toBe(0)
    const [, big] = await query({ sort: asc, limit: 1_000_000 })
    expect(big.limit).toBe(10_000)
  })

  test('anchor and anchorOffset; position is ignored with an anchor', async () => {
    const [, a] = await query({ sort: asc, anchor: E.m3, anchorOffset: -1, limit: 2, position: 3 })
    expect(a.ids).toEqual(names('m2', 'm3'))
    expect(a.position).toBe(1)
    const [, clamp] = await query({ sort: asc, anchor: E.m2, anchorOffset: -5, limit: 1 })
    expect(clamp.ids).toEqual(names('m1'))
    expect(clamp.position).toBe(0)
    const [, plus] = await query({ sort: asc, anchor: E.m2, anchorOffset: 1 })
    expect(plus.ids).toEqual(names('m3', 'm4'))
    const [name, err] = await query({ sort: asc, anchor: E.m3, filter: { inMailbox: inbox } })
    expect(name).toBe('error')
    expect(err.type).toBe('anchorNotFound')
    const [, other] = await query({ anchor: E.bob1 })
    expect(other.type).toBe('anchorNotFound')
  })

  test('creation ids (rfc8620#section-5.3) in inMailbox, inMailboxOtherThan and anchor', async () => {
    const res = await post(t, t.alice, {
      using: jmapUsing,
      createdIds: { box: inbox, mail: E.m2 },
      methodCalls: [
        ['Email/query', { accountId: t.alice.accountId, filter: { inMailbox: '#box' }, sort: asc }, 'a'],
        [
          'Email/query',
          { accountId: t.alice.accountId, filter: { inMailboxOtherThan: ['#box'] }, sort: asc },
          'b',
        ],
        ['Email/query', { accountId: t.alice.accountId, sort: asc, anchor: '#mail', limit: 1 }, 'c'],
        ['Email/query', { accountId: t.alice.accountId, filter: { inMailbox: '#nothing' } }, 'd'],
        ['Email/query', { accountId: t.alice.accountId, anchor: '#nothing' }, 'e'],
      ],
    })
    const [a, b, c, d, e] = (res.body as Json).methodResponses
    expect(a[1].ids).toEqual(names('m1', 'm2'))
    expect(b[1].ids).toEqual(names('m2', 'm3', 'm4'))
    expect(c[1].ids).toEqual(names('m2'))
    expect(d[1].ids).toEqual([])
    expect(e[1].type).toBe('anchorNotFound')
  })

  const errors: [string, Record<string, unknown>, string][] = [
    ['unknown filter property', { filter: { inFolder: 'x' } }, 'unsupportedFilter'],
    ['unknown sort property', { sort: [{ property: 'color' }] }, 'unsupportedSort'],
    ['unknown collation', { sort: [{ property: 'subject', collation: 'i;klingon' }] }, 'unsupportedSort'],
    ['sort by keyword without one', { sort: [{ property: 'hasKeyword' }] }, 'invalidArguments'],
    ['sort not a list', { sort: { property: 'size' } }, 'invalidArguments'],
    ['isAscending not a boolean', { sort: [{ property: 'size', isAscending: 'yes' }] }, 'invalidArguments'],
    ['before not a UTCDate', { filter: { before: '2025-05-01' } }, 'invalidArguments'],
    ['after with an offset', { filter: { after: '2025-05-01T00:00:00+02:00' } }, 'invalidArguments'],
    ['minSize negative', { filter: { minSize: -3 } }, 'invalidArguments'],
    ['inMailboxOtherThan not a list', { filter: { inMailboxOtherThan: 'Mx' } }, 'invalidArguments'],
    ['hasKeyword not a keyword', { filter: { hasKeyword: 'a b' } }, 'invalidArguments'],
    ['hasAttachment not a boolean', { filter: { hasAttachment: 'yes' } }, 'invalidArguments'],
    ['header with three items', { filter: { header: ['a', 'b', 'c'] } }, 'invalidArguments'],
    ['header name empty', { filter: { header: [''] } }, 'invalidArguments'],
    ['text not a string', { filter: { text: 5 } }, 'invalidArguments'],
    ['bad operator', { filter: { operator: 'XOR', conditions: [] } }, 'invalidArguments'],
    ['conditions not a list', { filter: { operator: 'AND', conditions: {} } }, 'invalidArguments'],
    ['filter not an object', { filter: 'lunch' }, 'invalidArguments'],
    ['negative limit', { limit: -1 }, 'invalidArguments'],
    ['position not an integer', { position: 1.5 }, 'invalidArguments'],
    ['anchor not an id', { anchor: 'no spaces allowed' }, 'invalidArguments'],
    ['collapseThreads not a boolean', { collapseThreads: 1 }, 'invalidArguments'],
  ]
  for (const [label, args, type] of errors)
    test(`error: ${label}`, async () => {
      const [name, r] = await query(args)
      expect(name).toBe('error')
      expect(r.type).toBe(type)
    })
})

describe('Email/queryChanges', () => {
  const changes = async (args: Record<string, unknown>): Promise<Json> => {
    const [r] = await api(t, t.alice, [
      ['Email/queryChanges', { accountId: t.alice.accountId, ...args }, 'c'],
    ])
    return r
  }

  test('no change: nothing removed or added; errors for unknown states and bad arguments', async () => {
    const [, q] = await query({ sort: asc })
    const [name, r] = await changes({ sort: asc, sinceQueryState: q.queryState, calculateTotal: true })
    expect(name).toBe('Email/queryChanges')
    expect(r).toEqual({
      accountId: t.alice.accountId,
      oldQueryState: q.queryState,
      newQueryState: q.queryState,
      removed: [],
      added: [],
      total: 4,
    })
    for (const state of ['nonsense', '99999999'])
      expect((await changes({ sinceQueryState: state }))[1].type).toBe('cannotCalculateChanges')
    expect((await changes({}))[1].type).toBe('invalidArguments')
    expect((await changes({ sinceQueryState: q.queryState, filter: { nope: 1 } }))[1].type).toBe(
      'unsupportedFilter',
    )
    expect((await changes({ sinceQueryState: q.queryState, maxChanges: -1 }))[1].type).toBe(
      'invalidArguments',
    )
  })

  test('keyword changes, a new email and a destroyed one; maxChanges; upToId', async () => {
    const store = t.server.services.store
    const filter = { notKeyword: '$seen' }
    const [, before] = await query({ filter, sort: asc })
    expect(before.ids).toEqual(names('m2', 'm3'))
    // m2 becomes seen (leaves the results), m1 unseen (joins), a new unseen email arrives
    await store.setKeywords(aliceId, [row.m2 as number], 'add', toKeywordSet(['$seen']))
    await store.setKeywords(aliceId, [row.m1 as number], 'remove', toKeywordSet(['$seen']))
    const inboxRow = Number.parseInt(inbox.slice(1), 36)
    await add(
      aliceId,
      'm5',
      [inboxRow],
      message(['From: new@example.org', 'Subject: late news'], 'hello\r\n'),
      5,
    )
    const [, after] = await query({ filter, sort: asc })
    expect(after.ids).toEqual(names('m1', 'm3', 'm5'))
    const [, r] = await changes({
      filter,
      sort: asc,
      sinceQueryState: before.queryState,
      calculateTotal: true,
    })
    expect(r.newQueryState).toBe(after.queryState)
    expect(r.newQueryState).not.toBe(before.queryState)
    expect(r.removed).toContain(E.m2)
    expect(r.removed).toContain(E.m1)
    expect(r.removed).not.toContain(E.m3)
    expect(r.added).toEqual([
      { id: E.m1, index: 0 },
      { id: E.m5, index: 2 },
    ])
    expect(r.total).toBe(3)
    // applying the changes to the old list gives the new one
    const list = (before.ids as string[]).filter((id) => !r.removed.includes(id))
    for (const a of r.added as { id: string; index: number }[]) list.splice(a.index, 0, a.id)
    expect(list).toEqual(after.ids)
    const [name, err] = await changes({
      filter,
      sort: asc,
      sinceQueryState: before.queryState,
      maxChanges: 1,
    })
    expect(name).toBe('error')
    expect(err.type).toBe('tooManyChanges')
    // upToId with an immutable filter and sort: additions after it are left out
    const [, all] = await query({ sort: asc, filter: { after: '2000-01-01T00:00:00Z' } })
    await add(aliceId, 'm6', [inboxRow], message(['Subject: six'], 'six\r\n'), 0)
    await add(aliceId, 'm7', [inboxRow], message(['Subject: seven'], 'seven\r\n'), 9)
    const [, upTo] = await changes({
      sort: asc,
      filter: { after: '2000-01-01T00:00:00Z' },
      sinceQueryState: all.queryState,
      upToId: E.m2,
    })
    expect(upTo.added).toEqual([{ id: E.m6, index: 0 }])
    // with a mutable filter upToId is ignored
    const [, ignored] = await changes({
      sort: asc,
      filter: { notKeyword: 'x' },
      sinceQueryState: all.queryState,
      upToId: E.m2,
    })
    expect((ignored.added as { id: string }[]).map((a) => a.id)).toEqual(names('m6', 'm7'))
    const [, withBoth] = await query({ sort: asc })
    await store.destroyEmails(aliceId, [row.m6 as number, row.m7 as number])
    const [, gone] = await changes({ sort: asc, sinceQueryState: withBoth.queryState })
    expect(gone.removed).toEqual(expect.arrayContaining([E.m6, E.m7]))
    expect(gone.added).toEqual([])
  })

  test('collapseThreads: a reply that becomes its thread’s first email replaces the old one', async () => {
    const sort = [{ property: 'receivedAt', isAscending: false }]
    const [, before] = await query({ sort, collapseThreads: true })
    const inboxRow = Number.parseInt(inbox.slice(1), 36)
    await add(
      aliceId,
      'm8',
      [inboxRow],
      message(
        [
          'From: adam@example.org',
          'Subject: Re: Lunch plans',
          'In-Reply-To: <m1@example.net>',
          'References: <m1@example.net>',
        ],
        'me too\r\n',
      ),
      20,
    )
    const [, after] = await query({ sort, collapseThreads: true })
    expect(after.ids[0]).toBe(E.m8)
    expect(after.ids).not.toContain(E.m2)
    const [, r] = await changes({ sort, collapseThreads: true, sinceQueryState: before.queryState })
    expect(r.removed).toContain(E.m2)
    const list = (before.ids as string[]).filter((id) => !r.removed.includes(id))
    for (const a of r.added as { id: string; index: number }[]) list.splice(a.index, 0, a.id)
    expect(list).toEqual(after.ids)
  })
})

describe('SearchSnippet/get', () => {
  const snippets = async (args: Record<string, unknown>): Promise<Json> => {
    const [r] = await api(t, t.alice, [['SearchSnippet/get', { accountId: t.alice.accountId, ...args }, 's']])
    return r
  }

  test('subject and preview with the text marked; null where it is not found; notFound', async () => {
    const [name, r] = await snippets({
      filter: { text: 'lunch' },
      emailIds: [E.m1, E.m4, E.m3, 'Ezzzzzz', E.bob1],
    })
    expect(name).toBe('SearchSnippet/get')
    expect(r.accountId).toBe(t.alice.accountId)
    const by = Object.fromEntries((r.list as Json[]).map((s) => [s.emailId, s]))
    expect(by[E.m1 as string]).toEqual({
      emailId: E.m1,
      subject: '<mark>Lunch</mark> plans',
      preview: 'Let&#39;s meet for <mark>lunch</mark> at noon.',
    })
    expect(by[E.m4 as string].subject).toBeNull()
    expect(by[E.m4 as string].preview).toContain('an idea with <mark>lunch</mark> and more')
    expect(new TextEncoder().encode(by[E.m4 as string].preview).length).toBeLessThanOrEqual(255)
    expect(by[E.m3 as string]).toEqual({ emailId: E.m3, subject: null, preview: null })
    expect(r.notFound).toEqual(['Ezzzzzz', E.bob1])
  })

  test('HTML is escaped; subject and body conditions mark their own field; NOT text is not marked', async () => {
    const [, r] = await snippets({
      filter: { operator: 'AND', conditions: [{ subject: 'idea' }, { body: 'report' }] },
      emailIds: [E.m4, E.m3],
    })
    const by = Object.fromEntries((r.list as Json[]).map((s) => [s.emailId, s]))
    expect(by[E.m4 as string].subject).toBe('Draft &lt;<mark>idea</mark>&gt;')
    expect(by[E.m4 as string].preview).toBeNull()
    expect(by[E.m3 as string].preview).toBe('The <mark>report</mark> &amp; numbers are attached.')
    expect(by[E.m3 as string].subject).toBeNull()
    const [, html] = await snippets({ filter: { body: 'see you' }, emailIds: [E.m2] })
    expect(html.list[0].preview).toBe('Sounds good, <mark>see you</mark> there')
    const [, negated] = await snippets({
      filter: { operator: 'NOT', conditions: [{ text: 'lunch' }] },
      emailIds: [E.m1],
    })
    expect(negated.list).toEqual([{ emailId: E.m1, subject: null, preview: null }])
    const [, none] = await snippets({ emailIds: [E.m1] })
    expect(none.list).toEqual([{ emailId: E.m1, subject: null, preview: null }])
    expect(none.notFound).toBeNull()
  })

  test('errors: emailIds missing, too many, unsupported filter', async () => {
    expect((await snippets({ filter: { text: 'x' } }))[1].type).toBe('invalidArguments')
    const many = Array.from({ length: 501 }, (_, i) => `E${(i + 1).toString(36)}`)
    expect((await snippets({ emailIds: many }))[1].type).toBe('requestTooLarge')
    expect((await snippets({ filter: { size: 3 }, emailIds: [E.m1] }))[1].type).toBe('unsupportedFilter')
    expect((await snippets({ filter: { before: 'yesterday' }, emailIds: [E.m1] }))[1].type).toBe(
      'invalidArguments',
    )
  })
})
