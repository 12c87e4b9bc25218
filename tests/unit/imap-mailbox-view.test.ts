// Sessions' views of a selected mailbox share one UID list while they see the same messages,
// and part ways (without disturbing each other) when one reports an expunge the other has not.
import { describe, expect, test } from 'bun:test'
import { MailboxView, SharedUidLists } from '../../src/imap/server/mailbox-view.ts'

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
const ids = (uids: number[]) => uids.map((u) => u * 10)

function open(lists: SharedUidLists, uids: number[]) {
  return MailboxView.open(lists, 1, uids, ids(uids))
}

function contents(v: MailboxView): [number, number][] {
  return Array.from({ length: v.length }, (_, i) => [v.uidAt(i), v.emailIdAt(i)])
}

describe('shared UID lists', () => {
  test('views opened on the same messages share one list; a different mailbox state gets its own', () => {
    const lists = new SharedUidLists()
    const a = open(lists, range(1, 100))
    const b = open(lists, range(1, 100))
    expect(a.uids().buffer).toBe(b.uids().buffer)
    const c = open(lists, range(2, 100))
    expect(c.uids().buffer).not.toBe(a.uids().buffer)
    expect(contents(c)[0]).toEqual([2, 20])
    // The newest state is now the current list: later views of it share it.
    expect(open(lists, range(2, 100)).uids().buffer).toBe(c.uids().buffer)
  })

  test('appends by one view are reused by the others, also across the list growing', () => {
    const lists = new SharedUidLists()
    const a = open(lists, range(1, 20))
    const b = open(lists, range(1, 20))
    for (const u of range(21, 200)) a.append(u, u * 10)
    expect(b.length).toBe(20) // b has not been told yet
    for (const u of range(21, 200)) b.append(u, u * 10)
    expect(b.uids().buffer).toBe(a.uids().buffer)
    expect(contents(b)).toEqual(contents(a))
    expect(b.maxUid).toBe(200)
    expect(b.seqOf(150)).toBe(150)
    expect(b.seqOf(201)).toBe(0)
  })

  test('an expunge reported by one view leaves the others their messages until they report it', () => {
    const lists = new SharedUidLists()
    const a = open(lists, range(1, 10))
    const b = open(lists, range(1, 10))
    a.retain((u) => u !== 5)
    expect(a.length).toBe(9)
    expect(b.length).toBe(10)
    expect(b.seqOf(5)).toBe(5)
    expect(contents(b)[4]).toEqual([5, 50])
    // b reports the same expunge: it joins a's list again.
    b.retain((u) => u !== 5)
    expect(b.uids().buffer).toBe(a.uids().buffer)
    expect(contents(b)).toEqual(contents(a))
  })

  test('a view that appends where the shared list went another way continues on its own copy', () => {
    const lists = new SharedUidLists()
    const a = open(lists, range(1, 10))
    const b = open(lists, range(1, 10))
    a.append(11, 110)
    b.append(12, 120) // b never saw 11 (say it was expunged before b looked)
    expect(contents(a).at(-1)).toEqual([11, 110])
    expect(contents(b).at(-1)).toEqual([12, 120])
    expect(a.length).toBe(11)
    expect(b.length).toBe(11)
    expect(contents(b).slice(0, 10)).toEqual(contents(a).slice(0, 10))
  })

  test("SELECT reuses the current list only when it is known exact at the mailbox's MODSEQ", () => {
    const lists = new SharedUidLists()
    const a = open(lists, range(1, 10))
    expect(MailboxView.reuse(lists, 1, 7)).toBeUndefined() // nobody vouched for it yet
    a.markExact(7)
    const b = MailboxView.reuse(lists, 1, 7)
    expect(b && contents(b)).toEqual(contents(a))
    expect(MailboxView.reuse(lists, 1, 8)).toBeUndefined() // the mailbox changed since
    // A view that is only a prefix (it has not caught up) cannot vouch for the whole list.
    a.append(11, 110)
    b?.markExact(9)
    expect(MailboxView.reuse(lists, 1, 9)).toBeUndefined()
    a.markExact(9)
    expect(MailboxView.reuse(lists, 1, 9)?.length).toBe(11)
    // After an expunge the new list is current; the old one's word no longer counts.
    a.retain((u) => u !== 3)
    expect(MailboxView.reuse(lists, 1, 9)).toBeUndefined()
    a.markExact(10)
    expect(MailboxView.reuse(lists, 1, 10)?.seqOf(3)).toBe(0)
  })

  test('an empty mailbox, and a view emptied by expunges', () => {
    const lists = new SharedUidLists()
    const a = open(lists, [])
    expect(a.length).toBe(0)
    expect(a.maxUid).toBe(0)
    expect(a.seqOf(1)).toBe(0)
    a.append(1, 10)
    a.retain(() => false)
    expect(a.length).toBe(0)
  })
})
