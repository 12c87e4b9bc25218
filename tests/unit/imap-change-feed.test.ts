// The shared change feed of a selected mailbox answers every session exactly what reading the
// store from that session's MODSEQ answers: after deliveries, flag changes and expunges, from
// any starting point, also once it has started over and for a session left behind that point.
import { describe, expect, test } from 'bun:test'
import { MailboxChangeFeed } from '../../src/imap/server/change-feed.ts'
import { facts, kw, rawMessage, testStore } from '../helpers/store.ts'

type T = Awaited<ReturnType<typeof testStore>>

function direct(t: T, mailboxId: number, since: number) {
  return {
    changed: t.store.mailboxMessagesChangedSince(mailboxId, since),
    expunged: t.store
      .expungedSince(mailboxId, since)
      .map((e) => e.uid)
      .sort((a, b) => a - b),
  }
}

describe('MailboxChangeFeed', () => {
  test('answers as the store does from every MODSEQ, across a restart of its window', async () => {
    const t = await testStore()
    const inbox = t.box('inbox')
    const highest = () => t.store.mailboxHighestModseq(t.accountId, inbox)
    const append = () =>
      t.store.append(t.accountId, {
        mailboxIds: [inbox],
        raw: rawMessage(),
        facts: facts(),
        keywords: kw(),
        receivedAt: 1,
      })
    const start = highest()
    // A tiny window, so that it starts over within the test.
    const feed = new MailboxChangeFeed(t.store, inbox, start, 4)
    const seen: number[] = [start]
    const check = () => {
      const now = highest()
      for (const since of seen) {
        const got = feed.since(since, now)
        expect({ changed: got.changed, expunged: [...got.expunged].sort((a, b) => a - b) }).toEqual(
          direct(t, inbox, since),
        )
      }
      seen.push(now)
    }
    const a = await append()
    const b = await append()
    check()
    await t.store.setKeywords(t.accountId, [a.emailId], 'add', kw('$flagged'))
    check()
    const c = await append()
    await t.store.setKeywords(t.accountId, [b.emailId, c.emailId], 'add', kw('$seen'))
    check()
    await t.store.setKeywords(t.accountId, [a.emailId], 'add', kw('$deleted'))
    await t.store.expunge(t.accountId, inbox)
    check()
    for (let i = 0; i < 6; i++) await append()
    await t.store.setKeywords(t.accountId, [c.emailId], 'remove', kw('$seen'))
    check()
    await t.store.setKeywords(t.accountId, [b.emailId], 'add', kw('$deleted'))
    await t.store.expunge(t.accountId, inbox)
    check()
    // Nothing new: nothing to report from the newest MODSEQ.
    expect(feed.since(highest(), highest())).toEqual({ changed: [], expunged: [] })
  })
})
