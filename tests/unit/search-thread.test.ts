// THREAD (rfc5256#section-2.2 ORDEREDSUBJECT, section-2.3 REFERENCES) over stored messages, and
// the pure algorithm on loops and duplicates.
import { describe, expect, test } from 'bun:test'
import { formatThreads } from '../../src/imap/server/search-query.ts'
import { isReplyOrForward, type ThreadInput, threadReferences } from '../../src/search/thread.ts'
import { mail, searchFixture } from './search-fixture.ts'

const at = (hour: number) => new Date(Date.UTC(2024, 0, 10, hour)).toUTCString().replace('GMT', '+0000')

async function threaded() {
  const f = await searchFixture()
  const msgs: [string[], string][] = [
    [['Message-ID: <a@x>', 'Subject: topic', `Date: ${at(1)}`], 'A'],
    [['Message-ID: <b@x>', 'References: <a@x>', 'Subject: Re: topic', `Date: ${at(2)}`], 'B'],
    [['Message-ID: <c@x>', 'References: <a@x> <b@x>', 'Subject: Re: topic', `Date: ${at(4)}`], 'C'],
    [['Message-ID: <d@x>', 'In-Reply-To: <a@x>', 'Subject: RE: Topic', `Date: ${at(3)}`], 'D'],
    [['Message-ID: <e@x>', 'References: <missing@x>', 'Subject: orphan', `Date: ${at(5)}`], 'E'],
    [['Message-ID: <f@x>', 'References: <missing@x>', 'Subject: Re: orphan', `Date: ${at(6)}`], 'F'],
    [['Message-ID: <g@x>', 'Subject: Re: topic', `Date: ${at(0)}`], 'G'],
    [['Message-ID: <h@x>', 'Subject: lonely', `Date: ${at(7)}`], 'H'],
    [['Subject: [list] lonely', `Date: ${at(8)}`], 'I'],
  ]
  for (const [i, [headers, body]] of msgs.entries())
    await f.add(mail(['From: a@x', ...headers], body), 1000 + i)
  return f
}

describe('THREAD over the store', () => {
  test('REFERENCES: parents from References and In-Reply-To, dummies, subject gathering, date order', async () => {
    const f = await threaded()
    const tree = f.search.thread(f.accountId, f.inbox, f.view(), 'references', { op: 'all' }, 0)
    expect(formatThreads(tree)).toBe('(1 (7)(2 3)(4))((5)(6))((8)(9))')
  })

  test('ORDEREDSUBJECT: by base subject, the first message the parent of the rest', async () => {
    const f = await threaded()
    const tree = f.search.thread(f.accountId, f.inbox, f.view(), 'orderedSubject', { op: 'all' }, 0)
    expect(formatThreads(tree)).toBe('(7 (1)(2)(4)(3))(5 6)(8 9)')
  })

  test('only the messages the search selects are threaded', async () => {
    const f = await threaded()
    const q = { op: 'not', of: { op: 'uid', ranges: [[1, 1]] } } as const
    const tree = f.search.thread(f.accountId, f.inbox, f.view(), 'references', q, 0)
    // without A, its replies hang from a dummy <a@x> that has several children: kept at the root
    expect(formatThreads(tree)).toBe('((7)(2 3)(4))((5)(6))((8)(9))')
  })
})

describe('REFERENCES algorithm edge cases', () => {
  const input = (
    uid: number,
    messageId: string | null,
    references: string[],
    subject = 's',
    date = uid,
  ): ThreadInput => ({
    uid,
    position: uid - 1,
    messageId,
    references,
    subject,
    baseSubject: subject.replace(/^re: /i, ''),
    date,
  })

  test('reference loops do not loop', () => {
    const tree = threadReferences([
      input(1, 'x', ['y'], 'a'),
      input(2, 'y', ['x'], 'b'),
      input(3, 'z', ['z'], 'c'),
    ])
    // 1 hangs from 2 (its last reference); 2 naming 1 as its parent would close a loop, so that link is not made
    expect(formatThreads(tree)).toBe('(2 1)(3)')
  })

  test('duplicate Message-IDs get their own containers', () => {
    const tree = threadReferences([input(1, 'x', [], 'a'), input(2, 'x', [], 'b'), input(3, 'y', ['x'], 'c')])
    expect(formatThreads(tree)).toBe('(1 3)(2)')
  })

  test('equal dates keep mailbox order', () => {
    const tree = threadReferences([
      input(1, 'p', [], 'a', 5),
      input(2, 'q', ['p'], 'x', 5),
      input(3, 'r', ['p'], 'y', 5),
    ])
    expect(formatThreads(tree)).toBe('(1 (2)(3))')
  })

  test.each([
    ['Re: x', true],
    ['FWD: x', true],
    ['[list] Re: x', true],
    ['[Fwd: x]', true],
    ['x (fwd)', true],
    ['Reply: x', false],
    ['x', false],
  ])('isReplyOrForward(%p) = %p', (subject, expected) => {
    expect(isReplyOrForward(subject)).toBe(expected)
  })
})
