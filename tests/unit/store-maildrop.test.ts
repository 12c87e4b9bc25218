// The store's POP3 operations: message bytes by email id, and the UPDATE state's one transaction
// (\Seen, removal, keeping deleted mail in Archive/Trash) with emails that moved or vanished meanwhile.
import { describe, expect, test } from 'bun:test'
import { seenBit } from '../../src/store/keywords.ts'
import { facts, testStore } from '../helpers/store.ts'

async function withMessages(n: number) {
  const t = await testStore()
  const inbox = t.box('inbox')
  const ids: number[] = []
  for (let i = 0; i < n; i++) {
    const raw = new TextEncoder().encode(`Subject: m${i}\r\n\r\nbody ${i}\r\n`)
    const r = await t.store.append(t.accountId, {
      mailboxIds: [inbox],
      raw,
      facts: facts({ size: raw.length }),
      keywords: { flags: 0, keywords: [] },
      receivedAt: 1000 + i,
    })
    ids.push(r.emailId)
  }
  return { ...t, inbox, ids }
}

describe('messageBytes', () => {
  test('the stored bytes, or undefined once the email is gone', async () => {
    const t = await withMessages(2)
    const [first = 0] = t.ids
    expect(new TextDecoder().decode(t.store.messageBytes(t.accountId, first))).toBe(
      'Subject: m0\r\n\r\nbody 0\r\n',
    )
    expect(t.store.messageBytes(t.accountId + 1, first)).toBeUndefined()
    await t.store.destroyEmails(t.accountId, [first])
    expect(t.store.messageBytes(t.accountId, first)).toBeUndefined()
  })
})

describe('updateMaildrop', () => {
  test('\\Seen and removal in one operation, by email id even after a move out and back', async () => {
    const t = await withMessages(3)
    const [a = 0, b = 0, c = 0] = t.ids
    const archive = t.box('archive')
    const [placed] = t.store.mailboxMessages(t.inbox)
    const moved = await t.store.move(t.accountId, t.inbox, [placed?.uid ?? 0], archive)
    await t.store.move(t.accountId, archive, [moved.mapping[0]?.[1] ?? 0], t.inbox)
    const before = t.store.modseq(t.accountId)
    const result = await t.store.updateMaildrop(t.accountId, t.inbox, { seen: [b], remove: [a, c] })
    expect(result).toEqual({ removed: 2 })
    expect(t.store.modseq(t.accountId)).toBe(before + 1)
    expect(t.store.mailboxMessages(t.inbox).map((m) => [m.emailId, m.flags & seenBit])).toEqual([
      [b, seenBit],
    ])
    expect(t.store.emails(t.accountId, [a, c])).toEqual([])
  })

  test('removed emails that vanished meanwhile are skipped', async () => {
    const t = await withMessages(2)
    const [a = 0, b = 0] = t.ids
    await t.store.destroyEmails(t.accountId, [a])
    expect(await t.store.updateMaildrop(t.accountId, t.inbox, { seen: [a], remove: [a, b] })).toEqual({
      removed: 1,
    })
    expect(t.store.mailboxMessages(t.inbox)).toEqual([])
  })

  test('moveTo keeps deleted mail in another mailbox, once', async () => {
    const t = await withMessages(1)
    const [a = 0] = t.ids
    const trash = t.box('trash')
    // b is in Trash already (JMAP lets an email be in two mailboxes): it must not be duplicated.
    const raw = new TextEncoder().encode('Subject: both\r\n\r\nin two\r\n')
    const { emailId: b } = await t.store.append(t.accountId, {
      mailboxIds: [t.inbox, trash],
      raw,
      facts: facts({ size: raw.length }),
      keywords: { flags: 0, keywords: [] },
      receivedAt: 2000,
    })
    await t.store.updateMaildrop(t.accountId, t.inbox, { seen: [], remove: [a, b], moveTo: trash })
    expect(t.store.mailboxMessages(t.inbox)).toEqual([])
    expect(t.store.mailboxMessages(trash).map((m) => m.emailId)).toEqual([b, a])
  })
})
