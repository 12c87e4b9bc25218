// The JMAP mailbox counts (rfc8621#section-2) against an oracle that computes them from scratch
// by the RFC's definitions, after every kind of write: delivery, copy, move, flags, thread
// merges, expunge, destroy, mailbox deletion, and a change of which mailbox is the trash.
import { describe, expect, test } from 'bun:test'
import { facts, kw, rawMessage, testStore } from '../helpers/store.ts'

type T = Awaited<ReturnType<typeof testStore>>

/** The four counts of every mailbox, by the RFC's words, from the placements and flags alone. */
function oracle(t: T): Map<number, number[]> {
  const sqlite = t.handle.sqlite
  const placements = sqlite
    .query(
      `SELECT mm.mailbox_id AS mailboxId, e.id AS emailId, e.thread_id AS threadId, e.flags AS flags
       FROM mailbox_messages mm JOIN emails e ON e.id = mm.email_id WHERE e.account_id = ?`,
    )
    .all(t.accountId) as { mailboxId: number; emailId: number; threadId: number; flags: number }[]
  const trash = t.store.findMailboxByRole(t.accountId, 'trash')?.id
  const boxesOf = new Map<number, Set<number>>()
  for (const p of placements) boxesOf.set(p.emailId, (boxesOf.get(p.emailId) ?? new Set()).add(p.mailboxId))
  const out = new Map<number, number[]>()
  for (const box of t.store.listMailboxes(t.accountId)) {
    const here = placements.filter((p) => p.mailboxId === box.id)
    const threads = new Set(here.map((p) => p.threadId))
    const unreadThreads = new Set<number>()
    for (const p of placements) {
      if (p.flags & 1 || !threads.has(p.threadId)) continue
      const boxes = boxesOf.get(p.emailId) ?? new Set()
      const onlyInTrash = boxes.size === 1 && trash !== undefined && boxes.has(trash)
      // rfc8621#section-2 unreadThreads, the two trash rules.
      if (box.id === trash ? boxes.has(trash) : !onlyInTrash) unreadThreads.add(p.threadId)
    }
    out.set(box.id, [
      here.length,
      here.filter((p) => (p.flags & 9) === 0).length,
      threads.size,
      unreadThreads.size,
    ])
  }
  return out
}

function counted(t: T): Map<number, number[]> {
  const ids = t.store.listMailboxes(t.accountId).map((b) => b.id)
  const counts = t.store.mailboxCounts(t.accountId, ids)
  return new Map(
    ids.map((id) => {
      const c = counts.get(id)
      return [id, c ? [c.totalEmails, c.unreadEmails, c.totalThreads, c.unreadThreads] : []]
    }),
  )
}

describe('mailbox counts', () => {
  test('match the RFC definitions after every kind of change', async () => {
    const t = await testStore()
    const check = () => expect(counted(t)).toEqual(oracle(t))
    const inbox = t.box('inbox')
    const trash = t.box('trash')
    const sent = t.box('sent')
    const archive = t.box('archive')
    const append = (messageId: string, mailboxIds: number[], flags: string[] = [], refs: string[] = []) =>
      t.store.append(t.accountId, {
        mailboxIds,
        raw: rawMessage(),
        facts: facts({ messageId, inReplyTo: refs.slice(-1), references: refs }),
        keywords: kw(...flags),
        receivedAt: 1,
      })
    const a = await append('a@x', [inbox])
    await append('b@x', [sent], ['$seen'], ['a@x'])
    const c = await append('c@x', [inbox], ['$seen'])
    const d = await append('d@x', [trash], [], ['c@x'])
    await append('draft@x', [t.box('drafts')], ['$draft'])
    await append('both@x', [inbox, trash], [], [])
    check()
    // An unread email only in the trash does not make its thread unread elsewhere.
    const counts = counted(t)
    expect(counts.get(inbox)).toEqual([3, 2, 3, 2])
    expect(counts.get(trash)).toEqual([2, 2, 2, 2])

    await t.store.setKeywords(t.accountId, [a.emailId], 'add', kw('$seen'))
    check()
    await t.store.setKeywords(t.accountId, [a.emailId, d.emailId], 'remove', kw('$seen'))
    check()
    // Copy (a new email in the same thread) and move.
    const inInbox = t.store.mailboxMessages(inbox)
    const uidOf = (emailId: number) => inInbox.find((m) => m.emailId === emailId)?.uid ?? 0
    await t.store.copy(t.accountId, inbox, [uidOf(a.emailId)], archive)
    check()
    await t.store.move(t.accountId, inbox, [uidOf(c.emailId)], archive)
    check()
    // A late message joins two threads: the second thread's emails move to the first.
    await append('e@x', [sent], ['$seen'], ['a@x', 'c@x'])
    check()
    expect(counted(t).get(sent)?.[2]).toBe(1)
    // Expunge, destroy, delete a mailbox with its emails.
    await t.store.setKeywords(t.accountId, [a.emailId], 'add', kw('$deleted'))
    await t.store.expunge(t.accountId, inbox)
    check()
    await t.store.destroyEmails(t.accountId, [d.emailId])
    check()
    await t.store.deleteMailbox(t.accountId, archive, { removeEmails: true })
    check()
    // Another mailbox becomes the trash: every mailbox's unreadThreads is seen anew.
    await t.store.updateMailbox(t.accountId, trash, { role: null })
    check()
    await t.store.updateMailbox(t.accountId, sent, { role: 'trash' })
    check()
  })
})
