// Import (mbox, Maildir++) and export: flags, folders, resuming, skipping duplicates, round trip.
import { describe, expect, test } from 'bun:test'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { blobs } from '../../src/db/schema/index.ts'
import { exportMbox } from '../../src/store/import/export.ts'
import { importMaildir, importMbox } from '../../src/store/import/importer.ts'
import { readMbox } from '../../src/store/import/mbox.ts'
import { tempDir } from '../helpers/db.ts'
import { testStore } from '../helpers/store.ts'

const mbox = [
  'From alice@example.net Mon Jan  6 10:00:00 2025',
  'From: Alice <alice@example.net>',
  'Subject: one',
  'Status: RO',
  'X-Status: F',
  'Message-ID: <one@example.net>',
  '',
  'Hello',
  '>From the quoted line',
  '>>From twice quoted',
  '',
  'From bob@example.net Tue Jan  7 11:30:00 2025',
  'From: Bob <bob@example.net>',
  'Subject: Re: one',
  'In-Reply-To: <one@example.net>',
  'X-Keywords: $label1 todo',
  '',
  'Reply body',
  'From here on, a body line that is not a separator',
  '',
].join('\n')

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

describe('mbox reader', () => {
  test('messages, flags, dates, mboxrd unquoting, separators only after blank lines', async () => {
    const dir = tempDir()
    try {
      writeFileSync(join(dir.path, 'in.mbox'), mbox)
      const messages = await collect(readMbox(join(dir.path, 'in.mbox')))
      expect(messages).toHaveLength(2)
      const [one, two] = messages as { raw: Uint8Array; keywords: string[]; receivedAt: number }[]
      expect(Buffer.from(one?.raw ?? []).toString()).toBe(
        'From: Alice <alice@example.net>\nSubject: one\nMessage-ID: <one@example.net>\n\nHello\nFrom the quoted line\n>From twice quoted\n',
      )
      expect(one?.keywords.sort()).toEqual(['\\Flagged', '\\Seen'])
      expect(one?.receivedAt).toBe(Date.UTC(2025, 0, 6, 10, 0, 0))
      expect(two?.keywords).toEqual(['$label1', 'todo'])
      expect(Buffer.from(two?.raw ?? []).toString()).toContain('From here on, a body line')
    } finally {
      dir.remove()
    }
  })

  test('a file that is not an mbox is refused', async () => {
    const dir = tempDir()
    try {
      writeFileSync(join(dir.path, 'x'), 'Subject: hi\n\nbody\n')
      await expect(collect(readMbox(join(dir.path, 'x')))).rejects.toThrow(/not an mbox file/)
    } finally {
      dir.remove()
    }
  })
})

describe('importing', () => {
  test('mbox: flags, threads, then a re-run finds everything already there', async () => {
    const t = await testStore()
    const dir = tempDir()
    try {
      const file = join(dir.path, 'in.mbox')
      writeFileSync(file, mbox)
      const summary = await importMbox(t.store, file, { accountId: t.accountId, mailbox: 'Old/2025' })
      expect(summary).toMatchObject({ imported: 2, duplicates: 0, skipped: 0, resumedFrom: 0 })
      const box = t.store.findMailbox(t.accountId, 'Old/2025')
      if (!box) throw new Error('mailbox not created')
      const list = t.store.mailboxMessages(box.id)
      expect(list.map((m) => [m.uid, m.flags, JSON.parse(m.keywords)])).toEqual([
        [1, 3, []],
        [2, 0, ['$label1', 'todo']],
      ])
      const emails = t.store.emails(
        t.accountId,
        list.map((m) => m.emailId),
      )
      expect(emails[1]?.threadId).toBe(emails[0]?.threadId ?? -1)
      expect(emails[0]?.receivedAt).toBe(Date.UTC(2025, 0, 6, 10, 0, 0))
      expect(Buffer.from(t.store.raw(t.accountId, emails[0]?.id ?? 0)).toString()).toBe(
        'From: Alice <alice@example.net>\r\nSubject: one\r\nMessage-ID: <one@example.net>\r\n\r\nHello\r\nFrom the quoted line\r\n>From twice quoted\r\n',
      )
      writeFileSync(file, `${mbox}\nFrom carol@example.net Wed Jan  8 09:00:00 2025\nSubject: three\n\nnew\n`)
      const again = await importMbox(t.store, file, { accountId: t.accountId, mailbox: 'Old/2025' })
      expect(again).toMatchObject({ imported: 1, duplicates: 0, done: 1 })
      expect(again.resumedFrom).toBeGreaterThan(0)
    } finally {
      dir.remove()
    }
  })

  test('an interrupted import resumes after the last committed batch, without duplicates', async () => {
    const t = await testStore()
    const dir = tempDir()
    try {
      const file = join(dir.path, 'big.mbox')
      const parts: string[] = []
      for (let i = 0; i < 50; i++)
        parts.push(
          `From x@example.net Mon Jan  6 10:00:00 2025\nSubject: m${i}\nMessage-ID: <m${i}@x>\n\nbody ${i}\n`,
        )
      writeFileSync(file, parts.join('\n'))
      let batches = 0
      const crash = importMbox(t.store, file, {
        accountId: t.accountId,
        batchSize: 10,
        onProgress: () => {
          if (++batches === 2) throw new Error('power cut')
        },
      })
      await expect(crash).rejects.toThrow('power cut')
      const inbox = t.box('inbox')
      const afterCrash = t.store.mailboxMessages(inbox).length
      expect(afterCrash).toBe(20)
      const resumed = await importMbox(t.store, file, { accountId: t.accountId, batchSize: 10 })
      expect(resumed.resumedFrom).toBeGreaterThan(0)
      expect(resumed).toMatchObject({ imported: 30, duplicates: 0 })
      const subjects = t.store
        .emails(
          t.accountId,
          t.store.mailboxMessages(inbox).map((m) => m.emailId),
        )
        .map((e) => e.subject)
      expect(subjects).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`))
    } finally {
      dir.remove()
    }
  })

  test('Maildir++: folders, flags from file names, Dovecot keywords, delivery order', async () => {
    const t = await testStore()
    const dir = tempDir()
    try {
      const root = join(dir.path, 'Maildir')
      const folder = (name: string) => {
        for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(root, name, sub), { recursive: true })
      }
      folder('')
      folder('.Work.Projects')
      folder('.Sent')
      folder('.&AMk-t&AOk-')
      writeFileSync(join(root, 'dovecot-keywords'), '0 $Label1\n1 Important\n')
      const msg = (subject: string) => `Subject: ${subject}\nMessage-ID: <${subject}@x>\n\nbody\n`
      writeFileSync(join(root, 'cur', '1700000001.M1.host:2,FS'), msg('first'))
      writeFileSync(join(root, 'cur', '1700000002.M2.host:2,Rab'), msg('second'))
      writeFileSync(join(root, 'new', '1700000003.M3.host'), msg('third'))
      writeFileSync(join(root, '.Work.Projects', 'cur', '1700000004.M4.host:2,T'), msg('deep'))
      writeFileSync(join(root, '.Sent', 'cur', '1700000005.M5.host:2,S'), msg('sent'))
      writeFileSync(join(root, '.&AMk-t&AOk-', 'cur', '1700000006.M6.host:2,'), msg('summer'))
      const summary = await importMaildir(t.store, root, { accountId: t.accountId })
      expect(summary).toMatchObject({ imported: 6, skipped: 0, total: 6 })
      const inbox = t.store.mailboxMessages(t.box('inbox'))
      expect(inbox.map((m) => [m.flags, JSON.parse(m.keywords)])).toEqual([
        [3, []],
        [4, ['$label1', 'important']],
        [0, []],
      ])
      expect(inbox[0]?.receivedAt).toBe(1_700_000_001_000)
      const deep = t.store.findMailbox(t.accountId, 'Work/Projects')
      expect(t.store.mailboxMessages(deep?.id ?? 0).map((m) => m.flags)).toEqual([16])
      expect(t.store.getMailbox(t.accountId, t.box('sent')).totalEmails).toBe(1)
      expect(t.store.findMailbox(t.accountId, 'Été')?.totalEmails).toBe(1)
      expect(await importMaildir(t.store, root, { accountId: t.accountId })).toMatchObject({
        imported: 0,
        resumedFrom: 6,
      })
    } finally {
      dir.remove()
    }
  })

  // A line ending in a stray CR cannot survive an LF mbox (nor does it in other servers' exports).
  test('export then import gives byte-identical messages with their flags', async () => {
    const t = await testStore()
    const dir = tempDir()
    try {
      const file = join(dir.path, 'in.mbox')
      writeFileSync(file, `${mbox}\nFrom x@y Mon Jan  6 10:00:00 2025\nSubject: three\n\n>From here\n`)
      await importMbox(t.store, file, { accountId: t.accountId })
      const out = join(dir.path, 'out.mbox')
      expect(await exportMbox(t.store, t.accountId, 'INBOX', out)).toBe(3)
      const back = await importMbox(t.store, out, { accountId: t.accountId, mailbox: 'Restored' })
      expect(back.imported).toBe(3)
      expect(
        t.handle.db
          .select()
          .from(blobs)
          .all()
          .map((b) => b.refCount),
      ).toEqual([2, 2, 2])
      const restored = t.store.findMailbox(t.accountId, 'Restored')
      expect(
        t.store.mailboxMessages(restored?.id ?? 0).map((m) => [m.flags, JSON.parse(m.keywords)]),
      ).toEqual(t.store.mailboxMessages(t.box('inbox')).map((m) => [m.flags, JSON.parse(m.keywords)]))
    } finally {
      dir.remove()
    }
  })
})
