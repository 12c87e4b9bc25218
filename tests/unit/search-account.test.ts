// Account-wide search (search/account-query.ts): mailbox criteria, thread keywords, attachments,
// sort orders with collations, collapsed threads, pages and counts, over a store with several
// mailboxes; and the received_at copy that mailbox_messages keeps for the per-mailbox order.
import { beforeAll, describe, expect, test } from 'bun:test'
import type { EmailComparator, Query } from '../../src/search/index.ts'
import { createSearch } from '../../src/search/index.ts'
import { kw, testStore } from '../helpers/store.ts'
import { mail } from './search-fixture.ts'

const base = Date.UTC(2024, 0, 1)
const hour = 3_600_000

type T = Awaited<ReturnType<typeof testStore>>
let t: T
let search: ReturnType<typeof createSearch>
let inbox: number
let archive: number
let other: number
/** email id by name */
const id: Record<string, number> = {}

const cmp = (
  property: EmailComparator['property'],
  isAscending = true,
  extra: Partial<EmailComparator> = {},
) => ({ property, isAscending, collation: 'i;ascii-casemap', ...extra }) as EmailComparator

beforeAll(async () => {
  t = await testStore()
  search = createSearch({ db: t.handle.db, writer: t.writer, readRaw: t.store.raw })
  inbox = t.box('inbox')
  archive = t.box('archive')
  other = (await t.store.createMailbox(t.accountId, 'Other')).id
  const add = async (
    name: string,
    mailboxIds: number[],
    headers: string[],
    body: string,
    at: number,
    flags: string[] = [],
  ) => {
    const r = await t.store.appendRaw(t.accountId, {
      mailboxIds,
      bytes: mail(headers, body),
      keywords: kw(...flags),
      receivedAt: base + at * hour,
    })
    id[name] = r.emailId
  }
  await add(
    'a',
    [inbox],
    ['From: Zoe <zoe@example.com>', 'Subject: apple', 'Message-ID: <a@x>'],
    'first apple pie\r\n',
    1,
    ['$seen'],
  )
  await add(
    'b',
    [inbox, archive],
    [
      'From: adam@example.com',
      'Subject: Re: apple',
      'Message-ID: <b@x>',
      'In-Reply-To: <a@x>',
      'References: <a@x>',
    ],
    'reply body\r\n',
    3,
  )
  await add(
    'c',
    [archive],
    ['From: Émile <emile@example.com>', 'Subject: banana', 'Message-ID: <c@x>'],
    'banana bread\r\n',
    2,
    ['$flagged', 'custom'],
  )
  await add(
    'd',
    [other],
    [
      'From: "bob" <bob@example.com>',
      'Subject: cherry',
      'Content-Type: multipart/mixed; boundary=q',
      'X-Tag: Hello',
    ],
    '--q\r\nContent-Type: text/plain\r\n\r\ncherry text\r\n--q\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n\r\nxx\r\n--q--\r\n',
    4,
    ['$seen'],
  )
})

const ids = (hits: { emailId: number }[]) => hits.map((h) => h.emailId)
const q = (query: Query, sort = [cmp('receivedAt')], collapseThreads = false) =>
  ids(search.queryEmails(t.accountId, query, sort, { collapseThreads }))

describe('account-wide criteria', () => {
  test('inMailbox, inMailboxOtherThan, several mailboxes', () => {
    expect(q({ op: 'mailbox', ids: [inbox] })).toEqual([id.a, id.b] as number[])
    expect(q({ op: 'mailbox', ids: [archive, other] })).toEqual([id.c, id.b, id.d] as number[])
    expect(q({ op: 'mailboxOtherThan', ids: [inbox] })).toEqual([id.c, id.b, id.d] as number[])
    expect(q({ op: 'mailboxOtherThan', ids: [inbox, archive, other] })).toEqual([])
    expect(q({ op: 'all' })).toEqual([id.a, id.c, id.b, id.d] as number[])
  })

  test('a single mailbox with other criteria, and keywords through its flag copy', () => {
    expect(
      q({
        op: 'and',
        of: [
          { op: 'mailbox', ids: [inbox] },
          { op: 'keyword', keyword: '$seen' },
        ],
      }),
    ).toEqual([id.a as number])
    expect(
      q({
        op: 'and',
        of: [
          { op: 'mailbox', ids: [archive] },
          { op: 'keyword', keyword: 'custom' },
        ],
      }),
    ).toEqual([id.c as number])
    expect(q({ op: 'not', of: { op: 'keyword', keyword: '$seen' } })).toEqual([id.c, id.b] as number[])
  })

  test('thread keywords: a and b share a thread', () => {
    const tk = (quantifier: 'all' | 'some' | 'none') =>
      q({ op: 'threadKeyword', keyword: '$seen', quantifier })
    expect(tk('all')).toEqual([id.d as number])
    expect(tk('some')).toEqual([id.a, id.b, id.d] as number[])
    expect(tk('none')).toEqual([id.c as number])
  })

  test('attachments, text and header fields account-wide', () => {
    expect(q({ op: 'hasAttachment' })).toEqual([id.d as number])
    expect(q({ op: 'text', field: 'body', value: 'BREAD' })).toEqual([id.c as number])
    expect(q({ op: 'text', field: 'subject', value: 'apple' })).toEqual([id.a, id.b] as number[])
    expect(q({ op: 'header', name: 'x-tag', value: 'hello' })).toEqual([id.d as number])
    expect(q({ op: 'header', name: 'in-reply-to', value: '' })).toEqual([id.b as number])
    // a mailbox plus a body criterion: the scan reads that mailbox only
    expect(
      q({
        op: 'and',
        of: [
          { op: 'mailbox', ids: [inbox] },
          { op: 'text', field: 'body', value: 'apple' },
        ],
      }),
    ).toEqual([id.a as number])
  })

  test('a mailbox of another account matches nothing', () => {
    expect(q({ op: 'mailbox', ids: [999_999] })).toEqual([])
    expect(search.countEmails(t.accountId, { op: 'mailbox', ids: [999_999] })).toBe(0)
  })
})

describe('sorting, collapsing, pages, counts', () => {
  test('receivedAt, size, subject and from with collations', () => {
    expect(q({ op: 'all' }, [cmp('receivedAt', false)])).toEqual([id.d, id.b, id.c, id.a] as number[])
    // base subjects: apple, apple, banana, cherry; ties by id
    expect(q({ op: 'all' }, [cmp('subject')])).toEqual([id.a, id.b, id.c, id.d] as number[])
    expect(q({ op: 'all' }, [cmp('subject', false), cmp('receivedAt', false)])).toEqual([
      id.d,
      id.c,
      id.b,
      id.a,
    ] as number[])
    // from: name else email. ascii-casemap: "adam…", "bob", "Zoe", "Émile" (É beyond ASCII sorts last)
    expect(q({ op: 'all' }, [cmp('from')])).toEqual([id.b, id.d, id.a, id.c] as number[])
    // unicode-casemap folds É to e
    expect(q({ op: 'all' }, [cmp('from', true, { collation: 'i;unicode-casemap' })])).toEqual([
      id.b,
      id.d,
      id.c,
      id.a,
    ] as number[])
  })

  test('keyword sorts', () => {
    expect(q({ op: 'all' }, [cmp('hasKeyword', false, { keyword: '$seen' }), cmp('receivedAt')])).toEqual([
      id.a,
      id.d,
      id.c,
      id.b,
    ] as number[])
    expect(
      q({ op: 'all' }, [cmp('someInThreadHaveKeyword', false, { keyword: '$seen' }), cmp('receivedAt')]),
    ).toEqual([id.a, id.b, id.d, id.c] as number[])
    expect(
      q({ op: 'all' }, [cmp('allInThreadHaveKeyword', false, { keyword: '$seen' }), cmp('receivedAt')]),
    ).toEqual([id.d, id.a, id.c, id.b] as number[])
  })

  test('collapseThreads keeps the first email of each thread in sort order', () => {
    expect(q({ op: 'all' }, [cmp('receivedAt', false)], true)).toEqual([id.d, id.b, id.c] as number[])
    expect(q({ op: 'all' }, [cmp('receivedAt')], true)).toEqual([id.a, id.c, id.d] as number[])
  })

  test('pages in SQL equal slices of the whole list; counts', () => {
    const sort = [cmp('receivedAt', false)]
    const whole = q({ op: 'all' }, sort)
    expect(ids(search.queryEmailsPage(t.accountId, { op: 'all' }, sort, 1, 2))).toEqual(whole.slice(1, 3))
    expect(ids(search.queryEmailsPage(t.accountId, { op: 'mailbox', ids: [inbox] }, sort, 0, 1))).toEqual([
      id.b as number,
    ])
    expect(search.countEmails(t.accountId, { op: 'all' })).toBe(4)
    expect(search.countEmails(t.accountId, { op: 'mailbox', ids: [archive] })).toBe(2)
    expect(search.countEmails(t.accountId, { op: 'keyword', keyword: '$seen' })).toBe(2)
  })

  test('the per-mailbox order reads the received_at copy through its index', () => {
    const rows = t.handle.sqlite
      .query('SELECT email_id, received_at FROM mailbox_messages WHERE mailbox_id = ? ORDER BY email_id')
      .values(archive) as [number, number][]
    expect(rows).toEqual([
      [id.b as number, base + 3 * hour],
      [id.c as number, base + 2 * hour],
    ])
    const plan = t.handle.sqlite
      .query(
        'EXPLAIN QUERY PLAN SELECT mm.email_id, e.thread_id FROM mailbox_messages mm JOIN emails e ON e.id = mm.email_id WHERE mm.mailbox_id = ? AND 1 ORDER BY mm.received_at DESC, mm.email_id DESC LIMIT 50',
      )
      .values(archive) as unknown[][]
    const text = plan.map((r) => String(r[3])).join('\n')
    expect(text).toContain('mailbox_messages_received_idx')
    expect(text).not.toContain('TEMP B-TREE')
  })

  test('copies and moves keep the received_at copy', async () => {
    const uid = t.store.mailboxMessages(inbox).find((m) => m.emailId === id.a)?.uid as number
    await t.store.copy(t.accountId, inbox, [uid], other)
    const uidB = t.store.mailboxMessages(archive).find((m) => m.emailId === id.b)?.uid as number
    await t.store.move(t.accountId, archive, [uidB], other)
    const copies = t.handle.sqlite
      .query(
        `SELECT mm.received_at, e.received_at FROM mailbox_messages mm JOIN emails e ON e.id = mm.email_id
          WHERE mm.mailbox_id = ?`,
      )
      .values(other) as [number, number][]
    expect(copies.length).toBe(3)
    for (const [copy, original] of copies) expect(copy).toBe(original)
  })
})
