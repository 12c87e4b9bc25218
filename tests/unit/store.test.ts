import { describe, expect, test } from 'bun:test'
import { blobs } from '../../src/db/schema/index.ts'
import { isStoreError } from '../../src/lib/errors.ts'
import { changedSinceSql, vanishedSinceSql } from '../../src/store/changes.ts'
import { facts, kw, rawMessage, testStore } from '../helpers/store.ts'

async function rejection(p: Promise<unknown>) {
  return p.then(
    () => {
      throw new Error('expected a rejection')
    },
    (err) => err,
  )
}

describe('provisioning', () => {
  test('standard mailboxes with roles and distinct UIDVALIDITY', async () => {
    const t = await testStore()
    const boxes = t.store.listMailboxes(t.accountId)
    expect(boxes.map((b) => [b.path, b.role])).toEqual([
      ['Archive', 'archive'],
      ['Drafts', 'drafts'],
      ['INBOX', 'inbox'],
      ['Junk', 'junk'],
      ['Sent', 'sent'],
      ['Trash', 'trash'],
    ])
    expect(new Set(boxes.map((b) => b.uidValidity)).size).toBe(6)
    await t.store.ensureAccount(t.accountId)
    expect(t.store.listMailboxes(t.accountId)).toHaveLength(6)
  })
})

describe('append', () => {
  test('UIDs, counters, quota usage, modseq, change log and event after commit', async () => {
    const t = await testStore()
    const inbox = t.box('inbox')
    const before = t.store.modseq(t.accountId)
    const a = await t.store.append(t.accountId, {
      mailboxIds: [inbox],
      raw: rawMessage(),
      facts: facts(),
      keywords: kw(),
      receivedAt: 1000,
    })
    const b = await t.store.append(t.accountId, {
      mailboxIds: [inbox, t.box('archive')],
      raw: rawMessage(),
      facts: facts(),
      keywords: kw('\\Seen', 'Custom'),
      receivedAt: 2000,
    })
    expect(a.placements).toEqual([{ mailboxId: inbox, uid: 1, uidValidity: expect.any(Number) }])
    expect(b.placements.map((p) => p.uid)).toEqual([2, 1])
    const box = t.store.getMailbox(t.accountId, inbox)
    expect([box.totalEmails, box.unreadEmails, box.totalSize, box.uidNext]).toEqual([
      2,
      1,
      a.size + b.size,
      3,
    ])
    expect(t.store.quota(t.accountId)).toMatchObject({ usedBytes: a.size + b.size, usedMessages: 2 })
    expect(t.store.modseq(t.accountId)).toBe(before + 2)
    expect(box.highestModseq).toBe(before + 2)
    const list = t.store.mailboxMessages(inbox)
    expect(list.map((m) => [m.uid, m.flags, JSON.parse(m.keywords)])).toEqual([
      [1, 0, []],
      [2, 1, ['custom']],
    ])
    const changes = t.store.changes(t.accountId, 'email', before)
    expect(changes.created).toEqual([a.emailId, b.emailId])
    expect(t.store.changes(t.accountId, 'mailbox', before).updated.sort()).toEqual(
      [inbox, t.box('archive')].sort(),
    )
    expect(t.events.map((e) => e.modseq)).toEqual([before + 2 - 1, before + 2])
    expect(t.events[1]?.kinds.sort()).toEqual(['email', 'mailbox', 'thread'])
  })

  test('identical content is stored once; bytes go with the last reference', async () => {
    const t = await testStore()
    const raw = rawMessage('same bytes')
    const input = { mailboxIds: [t.box('inbox')], raw, facts: facts(), keywords: kw(), receivedAt: 1 }
    const one = await t.store.append(t.accountId, input)
    const two = await t.store.append(t.accountId, input)
    expect(one.blobId).toBe(two.blobId)
    expect(t.handle.db.select().from(blobs).all()).toMatchObject([{ refCount: 2, size: raw.length }])
    expect(t.store.raw(t.accountId, one.emailId)).toEqual(raw)
    await t.store.destroyEmails(t.accountId, [one.emailId])
    expect(t.store.raw(t.accountId, two.emailId)).toEqual(raw)
    await t.store.destroyEmails(t.accountId, [two.emailId])
    expect(t.handle.db.select().from(blobs).all()).toEqual([])
  })

  test('quota: bytes and message count', async () => {
    const t = await testStore({ quotaBytes: 1000, quotaMessages: 2 })
    const input = (n: number) => ({
      mailboxIds: [t.box('inbox')],
      raw: rawMessage('x'.repeat(n)),
      facts: facts(),
      keywords: kw(),
      receivedAt: 1,
    })
    await t.store.append(t.accountId, input(10))
    const big = await rejection(t.store.append(t.accountId, input(1000)))
    expect(isStoreError(big, 'overQuota')).toBe(true)
    expect(big.message).toMatch(/bytes of 1000 allowed/)
    await t.store.append(t.accountId, input(1))
    const many = await rejection(t.store.append(t.accountId, input(1)))
    expect(many.message).toMatch(/3 messages of 2 allowed/)
    expect(t.store.quota(t.accountId).usedMessages).toBe(2)
  })

  test('group commit: concurrent appends all land; a failing one does not undo the others', async () => {
    const t = await testStore()
    const inbox = t.box('inbox')
    const jobs = Array.from({ length: 50 }, (_, i) =>
      t.store.append(t.accountId, {
        mailboxIds: [i === 25 ? 999_999 : inbox],
        raw: rawMessage(),
        facts: facts(),
        keywords: kw(),
        receivedAt: i,
      }),
    )
    const results = await Promise.allSettled(jobs)
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(49)
    expect(results[25]?.status).toBe('rejected')
    expect(t.store.mailboxMessages(inbox).map((m) => m.uid)).toEqual(
      Array.from({ length: 49 }, (_, i) => i + 1),
    )
    expect(t.store.getMailbox(t.accountId, inbox).totalEmails).toBe(49)
  })
})

describe('keywords', () => {
  test('seen through every mailbox; unread counters; MODSEQ; UNCHANGEDSINCE; no-op keeps modseq', async () => {
    const t = await testStore()
    const inbox = t.box('inbox')
    const archive = t.box('archive')
    const a = await t.store.append(t.accountId, {
      mailboxIds: [inbox, archive],
      raw: rawMessage(),
      facts: facts(),
      keywords: kw(),
      receivedAt: 1,
    })
    const r = await t.store.setKeywordsByUid(t.accountId, inbox, [1], 'add', kw('\\Seen', '$Label1'))
    expect(r.updated).toEqual([{ emailId: a.emailId, uid: 1, flags: 1, keywords: ['$label1'] }])
    expect(t.store.getMailbox(t.accountId, inbox).unreadEmails).toBe(0)
    expect(t.store.getMailbox(t.accountId, archive).unreadEmails).toBe(0)
    expect(t.store.mailboxMessages(archive)[0]?.modseq).toBe(r.modseq)
    const noop = await t.store.setKeywordsByUid(t.accountId, inbox, [1], 'add', kw('\\Seen'))
    expect(noop.updated).toEqual([])
    expect(t.store.mailboxMessages(inbox)[0]?.modseq).toBe(r.modseq)
    const stale = await t.store.setKeywordsByUid(
      t.accountId,
      inbox,
      [1],
      'remove',
      kw('\\Seen'),
      r.modseq - 1,
    )
    expect(stale).toMatchObject({ updated: [], modified: [1] })
    const fresh = await t.store.setKeywordsByUid(
      t.accountId,
      inbox,
      [1],
      'replace',
      kw('\\Flagged'),
      r.modseq,
    )
    expect(fresh.updated[0]).toMatchObject({ flags: 2, keywords: [] })
    expect(t.store.getMailbox(t.accountId, inbox).unreadEmails).toBe(1)
    expect(t.store.changedSince(inbox, r.modseq)).toEqual([1])
  })

  test("every mailbox row carries its email's system flags (what flag searches read)", async () => {
    const t = await testStore()
    const inbox = t.box('inbox')
    const archive = t.box('archive')
    await t.store.append(t.accountId, {
      mailboxIds: [inbox, archive],
      raw: rawMessage(),
      facts: facts(),
      keywords: kw('\\Seen'),
      receivedAt: 1,
    })
    await t.store.setKeywordsByUid(t.accountId, inbox, [1], 'add', kw('\\Flagged', 'Custom'))
    await t.store.copy(t.accountId, inbox, [1], t.box('trash'))
    await t.store.setKeywordsByUid(t.accountId, archive, [1], 'remove', kw('\\Seen'))
    const rows = t.handle.sqlite
      .query(
        `SELECT mm.mailbox_id AS box, mm.flags AS copy, e.flags AS email
           FROM mailbox_messages mm JOIN emails e ON e.id = mm.email_id ORDER BY mm.mailbox_id`,
      )
      .all() as { box: number; copy: number; email: number }[]
    expect(rows).toHaveLength(3)
    for (const r of rows) expect(r.copy).toBe(r.email)
    expect(rows.map((r) => r.email).sort()).toEqual([2, 2, 3])
  })

  test('change lookups use the modseq indexes, also once ANALYZE has statistics', async () => {
    const t = await testStore()
    const inbox = t.box('inbox')
    for (let i = 0; i < 5; i++) {
      await t.store.append(t.accountId, {
        mailboxIds: [inbox],
        raw: rawMessage(`message ${i}`),
        facts: facts(),
        keywords: kw(),
        receivedAt: i,
      })
    }
    // Statistics as ANALYZE leaves them for a large mailbox: 100,000 rows, 20,000 per mailbox.
    t.handle.sqlite.exec('ANALYZE')
    t.handle.sqlite.exec(`UPDATE sqlite_stat1 SET stat = '100000 20000 1'
      WHERE tbl IN ('mailbox_messages', 'vanished') AND idx IS NOT NULL`)
    t.handle.sqlite.exec(`INSERT INTO sqlite_stat1 (tbl, idx, stat) SELECT 'vanished', name, '100000 20000 1'
      FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'vanished'
      AND name NOT IN (SELECT idx FROM sqlite_stat1 WHERE tbl = 'vanished')`)
    t.handle.sqlite.exec('ANALYZE sqlite_schema')
    const plan = (text: string) =>
      (t.handle.sqlite.query(`EXPLAIN QUERY PLAN ${text}`).all(inbox, 10) as { detail: string }[])
        .map((r) => r.detail)
        .join(' | ')
    expect(plan(changedSinceSql)).toContain('mailbox_messages_modseq_idx')
    expect(plan(vanishedSinceSql)).toContain('vanished_modseq_idx')
    expect(t.store.changedSince(inbox, t.store.getMailbox(t.accountId, inbox).highestModseq - 3)).toEqual([
      3, 4, 5,
    ])
  })

  test('invalid keywords are refused', () => {
    expect(() => kw('bad keyword')).toThrow(/not a valid keyword/)
    expect(() => kw('\\Recent')).toThrow(/not a system flag/)
    expect(() => kw('a(b')).toThrow()
  })
})

describe('copy, move, expunge', () => {
  test('copy makes a message of its own: same bytes and facts, flags independent from then on', async () => {
    const t = await testStore()
    const [inbox, archive] = [t.box('inbox'), t.box('archive')]
    const a = await t.store.append(t.accountId, {
      mailboxIds: [inbox],
      raw: rawMessage(),
      facts: facts(),
      keywords: kw(),
      receivedAt: 1,
    })
    const c1 = await t.store.copy(t.accountId, inbox, [1], archive)
    expect(c1.mapping).toEqual([[1, 1]])
    expect(t.store.mailboxIdsOf(a.emailId)).toEqual([inbox])
    expect(t.store.quota(t.accountId).usedMessages).toBe(2)
    const c2 = await t.store.copy(t.accountId, inbox, [1, 7], archive)
    expect(c2.mapping).toEqual([[1, 2]])
    expect(t.store.quota(t.accountId).usedMessages).toBe(3)
    const copies = t.store.mailboxMessages(archive).map((m) => m.emailId)
    expect(new Set([a.emailId, ...copies]).size).toBe(3)
    const [original, copy] = t.store.facts(t.accountId, [a.emailId, copies[0] ?? 0])
    expect(copy?.envelope).toBe(original?.envelope ?? 'missing')
    // rfc9051#section-6.4.7: \Deleted on the original, then EXPUNGE, leaves the copies alone.
    await t.store.setKeywordsByUid(t.accountId, inbox, [1], 'add', { flags: 16, keywords: [] })
    expect(t.store.mailboxMessages(archive).every((m) => (m.flags & 16) === 0)).toBe(true)
    await t.store.expunge(t.accountId, inbox)
    expect(t.store.mailboxMessages(archive).length).toBe(2)
  })

  test('move removes from the source with VANISHED bookkeeping', async () => {
    const t = await testStore()
    const [inbox, trash] = [t.box('inbox'), t.box('trash')]
    for (let i = 0; i < 3; i++) {
      await t.store.append(t.accountId, {
        mailboxIds: [inbox],
        raw: rawMessage(),
        facts: facts(),
        keywords: kw(),
        receivedAt: i,
      })
    }
    const before = t.store.modseq(t.accountId)
    const moved = await t.store.move(t.accountId, inbox, [1, 3], trash)
    expect(moved).toMatchObject({
      mapping: [
        [1, 1],
        [3, 2],
      ],
      expunged: [1, 3],
    })
    expect(t.store.mailboxMessages(inbox).map((m) => m.uid)).toEqual([2])
    expect(t.store.vanishedSince(inbox, before)).toEqual([1, 3])
    expect(t.store.vanishedSince(inbox, before + 1)).toEqual([])
    expect(t.store.getMailbox(t.accountId, trash).totalEmails).toBe(2)
    expect(t.store.quota(t.accountId).usedMessages).toBe(3)
  })

  test('expunge removes only $deleted (and only the given UIDs for UID EXPUNGE); orphans are destroyed', async () => {
    const t = await testStore()
    const inbox = t.box('inbox')
    for (let i = 0; i < 4; i++) {
      await t.store.append(t.accountId, {
        mailboxIds: [inbox],
        raw: rawMessage(),
        facts: facts(),
        keywords: kw(),
        receivedAt: i,
      })
    }
    await t.store.setKeywordsByUid(t.accountId, inbox, [1, 2, 4], 'add', kw('\\Deleted'))
    expect(await t.store.expunge(t.accountId, inbox, [2, 3])).toEqual([2])
    expect(await t.store.expunge(t.accountId, inbox)).toEqual([1, 4])
    expect(t.store.mailboxMessages(inbox).map((m) => m.uid)).toEqual([3])
    expect(t.store.quota(t.accountId).usedMessages).toBe(1)
    const box = t.store.getMailbox(t.accountId, inbox)
    expect([box.totalEmails, box.unreadEmails, box.uidNext]).toEqual([1, 1, 5])
  })
})

describe('threads', () => {
  const append = (t: Awaited<ReturnType<typeof testStore>>, f: Parameters<typeof facts>[0], receivedAt = 1) =>
    t.store.append(t.accountId, {
      mailboxIds: [t.box('inbox')],
      raw: rawMessage(),
      facts: facts(f),
      keywords: kw(),
      receivedAt,
    })

  test('replies join by In-Reply-To/References; a late message merges two threads', async () => {
    const t = await testStore()
    const a = await append(t, { messageId: 'a@x' })
    const b = await append(t, { messageId: 'b@x', inReplyTo: ['a@x'], references: ['a@x'] })
    expect(b.threadId).toBe(a.threadId)
    const c = await append(t, { messageId: 'c@x' })
    const d = await append(t, { messageId: 'd@x', inReplyTo: ['c@x'] })
    expect(d.threadId).toBe(c.threadId)
    expect(c.threadId).not.toBe(a.threadId)
    const before = t.store.modseq(t.accountId)
    const e = await append(t, { messageId: 'e@x', references: ['a@x', 'c@x'] })
    expect(e.threadId).toBe(a.threadId)
    const rows = t.store.emails(t.accountId, [a.emailId, b.emailId, c.emailId, d.emailId, e.emailId])
    expect(new Set(rows.map((r) => r.threadId))).toEqual(new Set([a.threadId]))
    const threadChanges = t.store.changes(t.accountId, 'thread', before)
    expect(threadChanges.destroyed).toEqual([c.threadId])
    expect(t.store.changes(t.accountId, 'email', before).updated.sort()).toEqual(
      [c.emailId, d.emailId].sort(),
    )
    // A message arriving before its parent: the parent joins the child's thread.
    const child = await append(t, { messageId: 'g@x', inReplyTo: ['f@x'] })
    const parent = await append(t, { messageId: 'f@x' })
    expect(parent.threadId).toBe(child.threadId)
  })

  test('subject fallback only for replies, within 30 days', async () => {
    const t = await testStore()
    const day = 24 * 3600 * 1000
    const a = await append(t, { subject: 'Plans', baseSubject: 'plans' }, 100 * day)
    const re = await append(
      t,
      { subject: 'Re: Plans', baseSubject: 'plans', isReplyOrForward: true },
      101 * day,
    )
    expect(re.threadId).toBe(a.threadId)
    const same = await append(t, { subject: 'Plans', baseSubject: 'plans' }, 102 * day)
    expect(same.threadId).not.toBe(a.threadId)
    const late = await append(
      t,
      { subject: 'Re: Other', baseSubject: 'other', isReplyOrForward: true },
      103 * day,
    )
    const old = await append(
      t,
      { subject: 'Re: Other', baseSubject: 'other', isReplyOrForward: true },
      200 * day,
    )
    expect(old.threadId).not.toBe(late.threadId)
  })
})

describe('mailboxes', () => {
  test('create with parents, rename moves children, delete rules', async () => {
    const t = await testStore()
    const c = await t.store.createMailbox(t.accountId, 'Projects/2026/Q1')
    expect(c.path).toBe('Projects/2026/Q1')
    expect(t.store.findMailbox(t.accountId, 'Projects/2026')?.id).toBe(c.parentId ?? -1)
    expect(isStoreError(await rejection(t.store.createMailbox(t.accountId, 'Projects')), 'exists')).toBe(true)
    expect(isStoreError(await rejection(t.store.createMailbox(t.accountId, 'inbox')), 'exists')).toBe(true)
    expect(
      isStoreError(await rejection(t.store.createMailbox(t.accountId, 'a\u0001b')), 'invalidParams'),
    ).toBe(true)
    const projects = t.store.findMailbox(t.accountId, 'Projects')
    if (!projects) throw new Error('missing')
    const uidValidity = c.uidValidity
    await t.store.renameMailbox(t.accountId, projects.id, 'Work/Old projects')
    expect(t.store.findMailbox(t.accountId, 'Work/Old projects/2026/Q1')).toMatchObject({
      id: c.id,
      uidValidity,
    })
    expect(t.store.findMailbox(t.accountId, 'Projects/2026/Q1')).toBeUndefined()
    expect(
      isStoreError(
        await rejection(t.store.renameMailbox(t.accountId, projects.id, 'Work/Old projects/2026/x')),
        'invalidParams',
      ),
    ).toBe(true)
    expect(
      isStoreError(
        await rejection(t.store.deleteMailbox(t.accountId, projects.id, { removeEmails: true })),
        'notPossible',
      ),
    ).toBe(true)
    expect(
      isStoreError(
        await rejection(t.store.deleteMailbox(t.accountId, t.box('inbox'), { removeEmails: true })),
        'notPossible',
      ),
    ).toBe(true)
    await t.store.append(t.accountId, {
      mailboxIds: [c.id],
      raw: rawMessage(),
      facts: facts(),
      keywords: kw(),
      receivedAt: 1,
    })
    expect(
      isStoreError(
        await rejection(t.store.deleteMailbox(t.accountId, c.id, { removeEmails: false })),
        'notPossible',
      ),
    ).toBe(true)
    await t.store.deleteMailbox(t.accountId, c.id, { removeEmails: true })
    expect(t.store.quota(t.accountId).usedMessages).toBe(0)
    const again = await t.store.createMailbox(t.accountId, 'Work/Old projects/2026/Q1')
    expect(again.uidValidity).toBeGreaterThan(uidValidity)
  })
})

describe('change log', () => {
  test('maxChanges pages on modseq boundaries; pruned history cannot be calculated', async () => {
    const t = await testStore()
    const start = t.store.modseq(t.accountId)
    const ids: number[] = []
    for (let i = 0; i < 5; i++) {
      ids.push(
        (
          await t.store.append(t.accountId, {
            mailboxIds: [t.box('inbox')],
            raw: rawMessage(),
            facts: facts(),
            keywords: kw(),
            receivedAt: i,
          })
        ).emailId,
      )
    }
    const page1 = t.store.changes(t.accountId, 'email', start, 2)
    expect(page1).toMatchObject({ created: ids.slice(0, 2), hasMoreChanges: true })
    const page2 = t.store.changes(t.accountId, 'email', page1.newModseq, 2)
    expect(page2.created).toEqual(ids.slice(2, 4))
    const page3 = t.store.changes(t.accountId, 'email', page2.newModseq, 2)
    expect(page3).toMatchObject({
      created: ids.slice(4),
      hasMoreChanges: false,
      newModseq: t.store.modseq(t.accountId),
    })
    await t.store.destroyEmails(t.accountId, [ids[0] ?? 0])
    const all = t.store.changes(t.accountId, 'email', start)
    expect(all.created).toEqual(ids.slice(1))
    expect(all.destroyed).toEqual([])
    await t.store.pruneChanges(t.accountId, start + 2)
    expect(
      isStoreError(
        (() => {
          try {
            t.store.changes(t.accountId, 'email', start)
          } catch (e) {
            return e
          }
        })(),
        'notPossible',
      ),
    ).toBe(true)
    expect(t.store.changes(t.accountId, 'email', start + 2).created).toEqual(ids.slice(2))
  })
})
