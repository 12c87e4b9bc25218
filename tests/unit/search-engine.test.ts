// The search service against a brute-force reference that re-parses every message: each criterion
// on hand-made edge cases and a slice of the SpamAssassin corpus, then random criteria trees.
import { beforeAll, describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import type { Query, SortKey } from '../../src/search/index.ts'
import { loadSpamAssassinCorpus } from '../fixtures/mail/corpus.ts'
import { mail, type RefMessage, refMatch, refSort, searchFixture } from './search-fixture.ts'

const day = 86_400_000
const base = Date.UTC(2024, 0, 1)
const now = base + 200 * day

type Fixture = Awaited<ReturnType<typeof searchFixture>>
let f: Fixture
let ref: RefMessage[]

const handMade = [
  mail(
    [
      'From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <jm@example.de>',
      'To: Bob <bob@example.org>',
      'Subject: =?ISO-8859-1?Q?Gr=FC=DFe?= aus Berlin',
      'Date: Mon, 1 Jan 2024 23:30:00 -0500',
      'X-Priority: 1',
    ],
    'Hallo Bob,\r\nviele Gr=C3=BC=C3=9Fe\r\n',
  ),
  mail(
    [
      'From: alice@example.com',
      'To: carol@example.net',
      'Cc: dave@example.net',
      'Subject: Re: quarterly report',
      'Date: Tue, 2 Jan 2024 00:30:00 +1400',
      'Content-Type: text/plain; charset=iso-8859-1',
      'Content-Transfer-Encoding: quoted-printable',
    ],
    'Caf=E9 au lait, soft=\r\nbreak joined\r\n',
  ),
  mail(
    [
      'From: "Zed" <zed@example.com>',
      'Subject: [list] Fwd: html only',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: base64',
    ],
    `${Buffer.from('<html><body><p>Visible &amp; <b>bold</b></p><script>hidden()</script></body></html>').toString('base64')}\r\n`,
  ),
  mail(
    [
      'From: bob@example.org',
      'To: alice@example.com',
      'Bcc: secret@example.org',
      'Subject: no date here',
      'X-Empty:',
      'Content-Type: multipart/mixed; boundary=b1',
    ],
    '--b1\r\nContent-Type: text/plain\r\n\r\nfirst part xyzzy\r\n--b1\r\nContent-Type: message/rfc822\r\n\r\nFrom: inner@example.org\r\nSubject: inner\r\n\r\ninner body plugh\r\n--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nbm90IHRleHQgcGx1Z2g=\r\n--b1--\r\n',
  ),
  mail(
    ['From: ab@x.io', 'Subject: ab', 'Date: Wed, 3 Jan 2024 12:00:00 +0000', 'Message-ID: <m5@x.io>'],
    'ab cd\r\n',
  ),
]

beforeAll(async () => {
  f = await searchFixture()
  for (const [i, raw] of handMade.entries()) {
    await f.add(raw, base + i * day + 3600_000, i % 2 === 0 ? ['\\Seen'] : ['$Custom'])
  }
  const corpus = loadSpamAssassinCorpus()
  for (let i = 0; i < corpus.length; i += 25) {
    const flags = [
      i % 3 === 0 ? '\\Seen' : '',
      i % 7 === 0 ? '\\Flagged' : '',
      i % 11 === 0 ? 'project' : '',
    ].filter(Boolean)
    await f.add((corpus[i] as { raw: Uint8Array }).raw, base + (i % 180) * day + i * 1000, flags)
  }
  // a later change to some flags, so MODSEQ and flags differ from append time
  const first = f.view().slice(0, 30)
  await f.store.setKeywordsByUid(
    f.accountId,
    f.inbox,
    first.filter((u) => u % 3 === 0),
    'add',
    { flags: 2, keywords: ['later'] },
  )
  ref = f.reference()
}, 120_000)

function check(q: Query) {
  const view = f.view()
  const expected = ref.filter((m) => refMatch(q, m, now)).map((m) => m.uid)
  const got = f.search.search(f.accountId, f.inbox, view, q, now).uids
  expect(got).toEqual(expected)
  return got
}

describe('each criterion against the reference', () => {
  test('the fixture is large enough to mean something', () => {
    expect(ref.length).toBeGreaterThan(200)
  })

  test.each<[string, Query]>([
    ['all', { op: 'all' }],
    ['none', { op: 'none' }],
    ['$seen', { op: 'keyword', keyword: '$seen' }],
    ['$flagged', { op: 'keyword', keyword: '$flagged' }],
    ['custom keyword', { op: 'keyword', keyword: '$custom' }],
    ['later keyword', { op: 'keyword', keyword: 'later' }],
    ['keyword prefix is not a keyword', { op: 'keyword', keyword: 'proj' }],
    ['not $seen', { op: 'not', of: { op: 'keyword', keyword: '$seen' } }],
    ['subject encoded word', { op: 'text', field: 'subject', value: 'GRÜSSE' }],
    ['subject umlaut', { op: 'text', field: 'subject', value: 'grüße' }],
    ['from display name decoded', { op: 'text', field: 'from', value: 'jürgen' }],
    ['from address', { op: 'text', field: 'from', value: 'example.com' }],
    ['to', { op: 'text', field: 'to', value: 'carol' }],
    ['cc', { op: 'text', field: 'cc', value: 'dave@' }],
    ['bcc', { op: 'text', field: 'bcc', value: 'secret' }],
    ['body quoted-printable utf-8', { op: 'text', field: 'body', value: 'Grüße' }],
    ['body latin-1 and soft break', { op: 'text', field: 'body', value: 'café au lait, softbreak' }],
    ['body html text', { op: 'text', field: 'body', value: 'visible & bold' }],
    ['body html script is not text', { op: 'text', field: 'body', value: 'hidden()' }],
    ['body of an attached message', { op: 'text', field: 'body', value: 'plugh' }],
    ['body short needle', { op: 'text', field: 'body', value: 'cd' }],
    ['body one character', { op: 'text', field: 'body', value: 'z' }],
    ['body empty', { op: 'text', field: 'body', value: '' }],
    ['text matches header', { op: 'text', field: 'text', value: 'berlin' }],
    ['text matches body', { op: 'text', field: 'text', value: 'xyzzy' }],
    ['subject empty = has subject', { op: 'text', field: 'subject', value: '' }],
    ['cc empty = has cc', { op: 'text', field: 'cc', value: '' }],
    ['subject two letters', { op: 'text', field: 'subject', value: 'ab' }],
    ['common corpus word', { op: 'text', field: 'text', value: 'money' }],
    ['corpus body word', { op: 'text', field: 'body', value: 'unsubscribe' }],
    ['header value', { op: 'header', name: 'X-Priority', value: '1' }],
    ['header present', { op: 'header', name: 'x-empty', value: '' }],
    ['header mixed case name', { op: 'header', name: 'Content-Type', value: 'multipart' }],
    ['header received', { op: 'header', name: 'received', value: 'localhost' }],
    ['header x-mailer present', { op: 'header', name: 'X-Mailer', value: '' }],
    ['header value in another field only', { op: 'header', name: 'subject', value: 'example.com' }],
    ['header missing', { op: 'header', name: 'X-Nothing-Like-This', value: '' }],
    ['received since', { op: 'received', min: base + 90 * day }],
    ['received before', { op: 'received', max: base + 30 * day }],
    ['received on', { op: 'received', min: base + day, max: base + 2 * day }],
    ['sent on in its own zone (-0500)', { op: 'sentDay', comparison: 'on', day: '2024-01-01' }],
    ['sent on in its own zone (+1400)', { op: 'sentDay', comparison: 'on', day: '2024-01-02' }],
    ['sent before', { op: 'sentDay', comparison: 'before', day: '2002-09-01' }],
    ['sent since', { op: 'sentDay', comparison: 'since', day: '2002-08-20' }],
    ['younger', { op: 'age', comparison: 'younger', seconds: 60 * 86400 }],
    ['older', { op: 'age', comparison: 'older', seconds: 60 * 86400 }],
    ['larger', { op: 'size', larger: 5000 }],
    ['smaller', { op: 'size', smaller: 2000 }],
    [
      'uid ranges',
      {
        op: 'uid',
        ranges: [
          [2, 5],
          [40, 60],
          [250, 4_000_000_000],
        ],
      },
    ],
    [
      'many uid ranges',
      { op: 'uid', ranges: Array.from({ length: 40 }, (_, i) => [i * 7, i * 7 + 2] as [number, number]) },
    ],
    ['modseq', { op: 'modseq', min: 100 }],
    ['email ids', { op: 'emailId', ids: [3, 5, 999_999] }],
    [
      'or of text and flag',
      {
        op: 'or',
        of: [
          { op: 'text', field: 'subject', value: 'report' },
          { op: 'keyword', keyword: '$flagged' },
        ],
      },
    ],
  ])('%s', (_name, q) => {
    check(q)
  })

  test('thread ids', () => {
    const threadIds = [...new Set(ref.map((m) => m.threadId))].slice(0, 5)
    const got = check({ op: 'threadId', ids: threadIds })
    expect(got.length).toBeGreaterThan(0)
  })

  test('criteria that must match something do', () => {
    for (const q of [
      { op: 'text', field: 'subject', value: 'grüße' },
      { op: 'text', field: 'body', value: 'softbreak' },
      { op: 'text', field: 'body', value: 'visible & bold' },
      { op: 'header', name: 'x-empty', value: '' },
      { op: 'sentDay', comparison: 'on', day: '2024-01-02' },
      { op: 'text', field: 'body', value: 'plugh' },
    ] as Query[]) {
      expect(f.search.search(f.accountId, f.inbox, f.view(), q, now).uids.length).toBeGreaterThan(0)
    }
    // base64 attachment content is not text
    const plugh = f.search.search(
      f.accountId,
      f.inbox,
      f.view(),
      { op: 'text', field: 'body', value: 'not text' },
      now,
    )
    expect(plugh.uids).toEqual([])
  })

  test('MODSEQ reports the highest MODSEQ of the matches', () => {
    const q: Query = { op: 'modseq', min: 1 }
    const r = f.search.search(f.accountId, f.inbox, f.view(), q, now)
    expect(r.highestModseq).toBe(Math.max(...ref.map((m) => m.modseq)))
    expect(f.search.search(f.accountId, f.inbox, f.view(), { op: 'all' }, now).highestModseq).toBeNull()
  })

  test("another account's mailbox answers nothing", () => {
    const view = f.view()
    expect(f.search.search(f.accountId + 1, f.inbox, view, { op: 'all' }, now).uids).toEqual([])
    expect(
      f.search.sort(f.accountId + 1, f.inbox, view, [{ key: 'size', reverse: false }], { op: 'all' }, now),
    ).toEqual([])
    expect(f.search.thread(f.accountId + 1, f.inbox, view, 'references', { op: 'all' }, now)).toEqual([])
  })

  test('answers are limited to the view', () => {
    const view = f.view().filter((_, i) => i % 2 === 0)
    const inView = new Set(view)
    const r = f.search.search(f.accountId, f.inbox, view, { op: 'all' }, now)
    expect(r.uids).toEqual(ref.filter((m) => inView.has(m.uid)).map((m) => m.uid))
  })
})

describe('sort', () => {
  test.each<[string, SortKey[]]>([
    ['arrival', [{ key: 'arrival', reverse: false }]],
    ['reverse date', [{ key: 'date', reverse: true }]],
    ['size', [{ key: 'size', reverse: false }]],
    [
      'subject then reverse arrival',
      [
        { key: 'subject', reverse: false },
        { key: 'arrival', reverse: true },
      ],
    ],
    ['from', [{ key: 'from', reverse: false }]],
    [
      'to, cc',
      [
        { key: 'to', reverse: false },
        { key: 'cc', reverse: true },
      ],
    ],
    ['displayfrom', [{ key: 'displayFrom', reverse: false }]],
    ['displayto reverse', [{ key: 'displayTo', reverse: true }]],
  ])('%s', (_name, keys) => {
    const q: Query = { op: 'not', of: { op: 'keyword', keyword: '$deleted' } }
    const got = f.search.sort(f.accountId, f.inbox, f.view(), keys, q, now)
    expect(got).toEqual(
      refSort(
        ref.filter((m) => refMatch(q, m, now)),
        keys,
      ),
    )
  })
})

// ------------------------------------------------------------------ random criteria trees

function queryArbitrary(): fc.Arbitrary<Query> {
  const samples = () => {
    const texts: string[] = []
    for (const m of ref.slice(0, 120)) {
      for (const s of [m.text.subject, m.text.fromList, m.text.body.slice(0, 400), m.text.toList]) {
        if (!s) continue
        const at = (s.length * 0.37) | 0
        texts.push(s.slice(at, at + 1 + (at % 9)))
      }
    }
    return texts
  }
  const words = samples()
  const needle = fc.oneof(
    fc.constantFrom(...words),
    fc.constantFrom('', 'e', 'th', 'the', 'zz', 'ÜBER', 'money', 'http'),
  )
  const leaf: fc.Arbitrary<Query> = fc.oneof(
    fc.constantFrom<Query>({ op: 'all' }, { op: 'none' }),
    fc
      .constantFrom('$seen', '$flagged', '$answered', '$deleted', 'project', 'later', '$custom')
      .map((keyword): Query => ({ op: 'keyword', keyword })),
    fc
      .record({
        field: fc.constantFrom('subject', 'from', 'to', 'cc', 'bcc', 'body', 'text' as const),
        value: needle,
      })
      .map((r): Query => ({ op: 'text', ...r })),
    fc
      .record({
        name: fc.constantFrom(
          'x-mailer',
          'Received',
          'content-type',
          'x-empty',
          'X-Spam-Status',
          'message-id',
          'list-id',
        ),
        value: needle,
      })
      .map((r): Query => ({ op: 'header', ...r })),
    fc
      .record({
        min: fc.option(
          fc.integer({ min: -10, max: 200 }).map((d) => base + d * day),
          { nil: undefined },
        ),
        max: fc.option(
          fc.integer({ min: -10, max: 200 }).map((d) => base + d * day),
          { nil: undefined },
        ),
      })
      .map((r): Query => ({ op: 'received', ...r })),
    fc
      .record({
        comparison: fc.constantFrom('before', 'on', 'since' as const),
        day: fc.constantFrom(
          '2002-08-22',
          '2002-09-01',
          '2024-01-01',
          '2024-01-02',
          '2002-07-31',
          '2002-10-05',
        ),
      })
      .map((r): Query => ({ op: 'sentDay', ...r })),
    fc
      .record({
        comparison: fc.constantFrom('younger', 'older' as const),
        seconds: fc.integer({ min: 0, max: 250 * 86400 }),
      })
      .map((r): Query => ({ op: 'age', ...r })),
    fc
      .record({
        larger: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }),
        smaller: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }),
      })
      .map((r): Query => ({ op: 'size', ...r })),
    fc
      .array(fc.tuple(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 30 })), { maxLength: 25 })
      .map((xs): Query => {
        const ranges = xs.map(([a, n]) => [a, a + n] as [number, number]).sort((x, y) => x[0] - y[0])
        const merged: Array<[number, number]> = []
        for (const r of ranges) {
          const last = merged[merged.length - 1]
          if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1])
          else merged.push(r)
        }
        return { op: 'uid', ranges: merged }
      }),
    fc.integer({ min: 0, max: 400 }).map((min): Query => ({ op: 'modseq', min })),
    fc
      .array(fc.integer({ min: 1, max: 300 }), { maxLength: 5 })
      .map((ids): Query => ({ op: 'emailId', ids })),
  )
  const { tree } = fc.letrec<{ tree: Query }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('tree'), { minLength: 1, maxLength: 3 }).map((of): Query => ({ op: 'and', of })),
      fc.array(tie('tree'), { minLength: 1, maxLength: 3 }).map((of): Query => ({ op: 'or', of })),
      tie('tree').map((of): Query => ({ op: 'not', of })),
    ),
  }))
  return tree
}

describe('property: the evaluator agrees with the reference', () => {
  test('random SORT keys over random criteria', () => {
    const view = f.view()
    const key = fc.record({
      key: fc.constantFrom(
        'arrival',
        'cc',
        'date',
        'from',
        'size',
        'subject',
        'to',
        'displayFrom',
        'displayTo' as const,
      ),
      reverse: fc.boolean(),
    })
    fc.assert(
      fc.property(fc.array(key, { minLength: 1, maxLength: 3 }), queryArbitrary(), (keys, q) => {
        const expected = refSort(
          ref.filter((m) => refMatch(q, m, now)),
          keys,
        )
        expect(f.search.sort(f.accountId, f.inbox, view, keys, q, now)).toEqual(expected)
      }),
      { numRuns: 40, seed: 5256 },
    )
  })

  test('random criteria trees', () => {
    const view = f.view()
    fc.assert(
      fc.property(queryArbitrary(), (q) => {
        const expected = ref.filter((m) => refMatch(q, m, now)).map((m) => m.uid)
        expect(f.search.search(f.accountId, f.inbox, view, q, now).uids).toEqual(expected)
      }),
      { numRuns: 300, seed: 20261129 },
    )
  })
})
