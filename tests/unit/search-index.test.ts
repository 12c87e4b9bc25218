// The text index: what prepareMessage extracts, that the row is written with the email and goes
// with it (expunge, destroy), and the backfill of emails stored without one.
import { describe, expect, test } from 'bun:test'
import { parseMessage } from '../../src/mail/index.ts'
import { headerText } from '../../src/search/header-text.ts'
import { prepareSearchTextCopy } from '../../src/search/index.ts'
import { maxBodyChars, searchTextOf } from '../../src/search/text.ts'
import { kw } from '../helpers/store.ts'
import { enc, mail, searchFixture } from './search-fixture.ts'

const textOf = (raw: Uint8Array) => searchTextOf(raw, parseMessage(raw))

describe('searchable text', () => {
  test('header values decoded, one line per field, lower-case; lists per address field', () => {
    const t = textOf(
      mail([
        'From: =?UTF-8?Q?Andr=C3=A9?= <Andre@Example.ORG>',
        'To: a@x, b@y',
        'To: c@z',
        'Subject: Hello',
        '  folded World',
        'X-Raw-8bit: caf\u00e9',
      ]),
    )
    expect(t.fromList).toBe('andré <andre@example.org>')
    expect(t.toList).toBe('a@x, b@y\nc@z')
    expect(t.subject).toBe('hello  folded world')
    expect(t.ccList).toBeNull()
    const raw = mail([
      'From: =?UTF-8?Q?Andr=C3=A9?= <Andre@Example.ORG>',
      'To: a@x, b@y',
      'To: c@z',
      'Subject: Hello',
      '  folded World',
      'X-Raw-8bit: caf\u00e9',
    ])
    expect(headerText(Buffer.from(raw).toString('latin1'))).toBe(
      '\nfrom: andré <andre@example.org>\nto: a@x, b@y\nto: c@z\nsubject: hello  folded world\nx-raw-8bit: café',
    )
  })

  test('body: every text part decoded, HTML as text, other parts left out', () => {
    const raw = mail(
      ['Content-Type: multipart/alternative; boundary=x'],
      '--x\r\nContent-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: base64\r\n\r\n8NLJ18XU\r\n--x\r\nContent-Type: text/html\r\n\r\n<p>Hi&nbsp;<i>there</i></p>\r\n--x\r\nContent-Type: image/png\r\n\r\nPNGDATA\r\n--x--\r\n',
    )
    expect(textOf(raw).body).toBe('привет\n hi there ')
  })

  test('the body is capped', () => {
    const t = textOf(mail(['Subject: big'], `${'word '.repeat(maxBodyChars / 4)}\r\n`))
    expect(t.body.length).toBe(maxBodyChars)
  })
})

describe('index rows follow their emails', () => {
  const textCount = (f: Awaited<ReturnType<typeof searchFixture>>, needle: string) =>
    (
      f.handle.sqlite.query('SELECT body, subject FROM email_search_texts').all() as {
        body: Uint8Array
        subject: string | null
      }[]
    ).filter(
      (r) =>
        new TextDecoder().decode(Bun.zstdDecompressSync(r.body)).includes(needle) ||
        r.subject?.includes(needle),
    ).length

  test('written at append, removed by expunge and by destroy', async () => {
    const f = await searchFixture()
    const a = await f.add(mail(['Subject: alpha'], 'uniqueword one\r\n'), 1)
    const b = await f.add(mail(['Subject: beta'], 'uniqueword two\r\n'), 2)
    expect(textCount(f, 'uniqueword')).toBe(2)
    await f.store.setKeywords(f.accountId, [a.emailId], 'add', kw('\\Deleted'))
    await f.store.expunge(f.accountId, f.inbox)
    expect(textCount(f, 'uniqueword')).toBe(1)
    expect(textCount(f, 'alpha')).toBe(0)
    await f.store.destroyEmails(f.accountId, [b.emailId])
    expect(textCount(f, 'uniqueword')).toBe(0)
    expect(f.handle.sqlite.query('SELECT count(*) AS n FROM email_search_texts').get()).toEqual({ n: 0 })
  })

  test('a message the session still shows after it was expunged matches nothing', async () => {
    const f = await searchFixture()
    const a = await f.add(mail(['Subject: one'], 'same words\r\n'), 1)
    await f.add(mail(['Subject: two'], 'same words\r\n'), 2)
    const stale = f.view()
    await f.store.destroyEmails(f.accountId, [a.emailId])
    for (const q of [
      { op: 'all' },
      { op: 'uid', ranges: [[1, 2]] },
      { op: 'text', field: 'body', value: 'same' },
    ] as const)
      expect(f.search.search(f.accountId, f.inbox, stale, q, 0).uids).toEqual([2])
  })

  test('backfill indexes emails stored without a row, in batches', async () => {
    const f = await searchFixture()
    for (let i = 0; i < 5; i++)
      await f.add(mail([`Subject: old ${i}`], `backfilled body ${i}\r\n`), i, [], { index: false })
    await f.add(mail(['Subject: new'], 'backfilled body new\r\n'), 9)
    const q = { op: 'text', field: 'body', value: 'backfilled' } as const
    expect(f.search.search(f.accountId, f.inbox, f.view(), q, 0).uids).toEqual([6])
    expect(f.search.pendingBackfill()).toBe(5)
    expect(await f.search.backfill(3)).toBe(3)
    expect(await f.search.backfill(3)).toBe(2)
    expect(await f.search.backfill(3)).toBe(0)
    expect(f.search.pendingBackfill()).toBe(0)
    expect(f.search.search(f.accountId, f.inbox, f.view(), q, 0).uids).toEqual([1, 2, 3, 4, 5, 6])
  })

  test('a COPY duplicate gets its row by copying the original one', async () => {
    const f = await searchFixture()
    const a = await f.add(mail(['Subject: dup'], 'copied words\r\n'), 1)
    const copied = await f.store.copy(f.accountId, f.inbox, [1], f.inbox)
    expect(copied.mapping).toEqual([[1, 2]])
    const dup = f.store.mailboxMessages(f.inbox).find((m) => m.uid === 2)?.emailId as number
    expect(dup).not.toBe(a.emailId)
    const copyRow = prepareSearchTextCopy(f.handle.db)
    await f.writer.write(() => copyRow(a.emailId, dup))
    expect(f.search.pendingBackfill()).toBe(0)
    const q = { op: 'text', field: 'body', value: 'copied' } as const
    expect(f.search.search(f.accountId, f.inbox, f.view(), q, 0).uids).toEqual([1, 2])
  })

  test('backfill skips emails destroyed meanwhile', async () => {
    const f = await searchFixture()
    const a = await f.add(enc.encode('Subject: gone\r\n\r\nbody\r\n'), 1, [], { index: false })
    await f.store.destroyEmails(f.accountId, [a.emailId])
    expect(await f.search.backfill()).toBe(0)
  })
})
