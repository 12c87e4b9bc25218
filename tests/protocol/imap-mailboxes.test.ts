// IMAP CREATE (with CREATE-SPECIAL-USE, rfc6154#section-3, and MAILBOXID, rfc8474), DELETE, RENAME
// (children follow, INBOX's messages move out), SUBSCRIBE and UNSUBSCRIBE (rfc9051#section-6.3.4
// to 6.3.8) over real sockets, with exact responses, names in modified UTF-7 and UTF-8, and errors.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ImapClient } from '../helpers/imap-client.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

let server: TestServer
let accounts = 0

const u8 = (s: string) => Buffer.from(s, 'utf8').toString('latin1')
const mailboxId = (id: number) => `M${id.toString(36)}`

beforeAll(async () => {
  server = await startTestServer({ env: { POSTERN_IMAP_ALLOW_PLAINTEXT_LOGIN: 'true' } })
  server.services.directory.domains.add('example.test')
})
afterAll(async () => {
  await server.close()
})

/** A fresh account (so tests do not see each other's mailboxes) and a session logged in to it. */
async function freshAccount(): Promise<{ id: number; c: ImapClient }> {
  const email = `user${++accounts}@example.test`
  const a = await server.services.directory.accounts.add({ email, password: 'user-password' })
  await server.services.store.ensureAccount(a.id)
  return { id: a.id, c: await ImapClient.login(server.port('imap'), email, 'user-password') }
}

async function deliver(accountId: number, mailboxId: number, count: number) {
  for (let i = 0; i < count; i++) {
    await server.services.store.appendRaw(accountId, {
      mailboxIds: [mailboxId],
      bytes: new TextEncoder().encode(`From: x@example.test\r\nSubject: m${i}\r\n\r\nbody\r\n`),
      keywords: { flags: 0, keywords: [] },
      receivedAt: Date.now(),
    })
  }
}

describe('CREATE', () => {
  test('answers MAILBOXID; creates missing parents; a trailing "/" is only a declaration', async () => {
    const { id, c } = await freshAccount()
    const { store } = server.services
    const created = await c.command('CREATE Projects')
    expect(created).toEqual({
      untagged: [],
      done: `OK [MAILBOXID (${mailboxId(store.findMailbox(id, 'Projects')?.id ?? 0)})] CREATE completed`,
    })
    expect((await c.command('CREATE Work/')).done).toStartWith('OK [MAILBOXID ')
    expect((await c.command('CREATE A/B/C')).done).toStartWith('OK [MAILBOXID ')
    expect((await c.command('CREATE INBOX/Sub')).done).toStartWith('OK [MAILBOXID ')
    expect((await c.command('LIST "" ("Projects" "Work*" "A" "A/*" "INBOX*")')).untagged).toEqual([
      '* LIST (\\HasChildren) "/" INBOX',
      '* LIST (\\HasNoChildren) "/" "INBOX/Sub"',
      '* LIST (\\HasChildren) "/" "A"',
      '* LIST (\\HasChildren) "/" "A/B"',
      '* LIST (\\HasNoChildren) "/" "A/B/C"',
      '* LIST (\\HasNoChildren) "/" "Projects"',
      '* LIST (\\HasNoChildren) "/" "Work"',
    ])
    // New mailboxes start subscribed.
    expect((await c.command('LSUB "" "Projects"')).untagged).toEqual(['* LSUB () "/" "Projects"'])
    c.close()
  })

  test('existing names, INBOX in any case and invalid names are refused', async () => {
    const { c } = await freshAccount()
    await c.command('CREATE Projects')
    expect((await c.command('CREATE Projects')).done).toBe(
      'NO [ALREADYEXISTS] mailbox Projects already exists',
    )
    expect((await c.command('CREATE Projects/')).done).toBe(
      'NO [ALREADYEXISTS] mailbox Projects already exists',
    )
    expect((await c.command('CREATE INBOX')).done).toBe('NO [ALREADYEXISTS] mailbox INBOX already exists')
    expect((await c.command('CREATE inbox')).done).toBe('NO [ALREADYEXISTS] mailbox INBOX already exists')
    expect((await c.command('CREATE "Bad//Name"')).done).toBe('NO [CANNOT] "" is not a valid mailbox name')
    expect((await c.command('CREATE ""')).done).toMatch(/^NO \[CANNOT\] /)
    expect((await c.command('CREATE "&Jjo"')).done).toBe('BAD mailbox name is not valid modified UTF-7')
    c.close()
  })

  test('names in modified UTF-7, and in UTF-8 once enabled', async () => {
    const { id, c } = await freshAccount()
    const { store } = server.services
    expect((await c.command('CREATE "Entw&APw-rfe/&ZeVnLIqe-"')).done).toStartWith('OK [MAILBOXID ')
    expect(store.findMailbox(id, 'Entwürfe/日本語')).toBeDefined()
    expect(store.findMailbox(id, 'Entwürfe')).toBeDefined()
    await c.command('ENABLE UTF8=ACCEPT')
    expect((await c.command(`CREATE "${u8('Entwürfe/Ärger')}"`)).done).toStartWith('OK [MAILBOXID ')
    expect(store.findMailbox(id, 'Entwürfe/Ärger')).toBeDefined()
    expect((await c.command(`CREATE "${u8('Entwürfe/日本語')}"`)).done).toBe(
      `NO [ALREADYEXISTS] mailbox ${u8('Entwürfe/日本語')} already exists`,
    )
    c.close()
  })

  test('CREATE-SPECIAL-USE gives the mailbox a role; unsupported or taken uses are USEATTR', async () => {
    const { id, c } = await freshAccount()
    expect((await c.command('CAPABILITY')).untagged[0]).toContain(' CREATE-SPECIAL-USE ')
    expect((await c.command('CREATE Everything (USE (\\All))')).done).toStartWith('OK [MAILBOXID ')
    expect((await c.command('CREATE Plain (USE ())')).done).toStartWith('OK [MAILBOXID ')
    expect((await c.command('LIST "" ("Everything" "Plain")')).untagged).toEqual([
      '* LIST (\\HasNoChildren \\All) "/" "Everything"',
      '* LIST (\\HasNoChildren) "/" "Plain"',
    ])
    expect((await c.command('CREATE MoreDrafts (USE (\\Drafts))')).done).toBe(
      'NO [USEATTR] Another mailbox already has \\Drafts',
    )
    expect((await c.command('CREATE Odd (USE (\\Bogus))')).done).toBe('NO [USEATTR] \\Bogus is not supported')
    expect((await c.command('CREATE Both (USE (\\Flagged \\Important))')).done).toBe(
      'NO [USEATTR] Only one special use per mailbox',
    )
    // A refused CREATE creates nothing.
    for (const name of ['MoreDrafts', 'Odd', 'Both']) {
      expect(server.services.store.findMailbox(id, name)).toBeUndefined()
    }
    expect((await c.command('CREATE Everything (USE (\\Flagged))')).done).toBe(
      'NO [ALREADYEXISTS] mailbox Everything already exists',
    )
    c.close()
  })
})

describe('DELETE', () => {
  test('deletes a mailbox and its messages; refuses INBOX, a missing name and one with children', async () => {
    const { id, c } = await freshAccount()
    const { store } = server.services
    await c.command('CREATE Old')
    await c.command('CREATE Parent/Child')
    const old = store.findMailbox(id, 'Old')?.id ?? 0
    await deliver(id, old, 2)
    expect(store.quota(id).usedMessages).toBe(2)
    expect(await c.command('DELETE Old')).toEqual({ untagged: [], done: 'OK DELETE completed' })
    expect(store.findMailbox(id, 'Old')).toBeUndefined()
    expect(store.quota(id).usedMessages).toBe(0)
    expect((await c.command('DELETE Old')).done).toBe('NO [NONEXISTENT] Mailbox does not exist: Old')
    expect((await c.command('DELETE inbox')).done).toBe('NO [CANNOT] INBOX cannot be deleted')
    expect((await c.command('DELETE Parent')).done).toBe(
      'NO [HASCHILDREN] Delete the mailboxes inside it first',
    )
    expect((await c.command('DELETE Parent/Child')).done).toBe('OK DELETE completed')
    expect((await c.command('DELETE Parent')).done).toBe('OK DELETE completed')
    // A special-use mailbox can go too; its role is free again afterwards.
    expect((await c.command('DELETE Junk')).done).toBe('OK DELETE completed')
    expect((await c.command('CREATE Spam (USE (\\Junk))')).done).toStartWith('OK [MAILBOXID ')
    c.close()
  })

  test('deleting the selected mailbox leaves the session authenticated', async () => {
    const { c } = await freshAccount()
    await c.command('CREATE Temp')
    await c.command('SELECT Temp')
    expect(await c.command('DELETE Temp')).toEqual({ untagged: [], done: 'OK DELETE completed' })
    expect((await c.command('CLOSE')).done).toBe('BAD CLOSE is not valid in the authenticated state')
    // With IMAP4rev2 the client is told the mailbox is closed (rfc9051#section-7.1 CLOSED).
    await c.command('ENABLE IMAP4rev2')
    await c.command('CREATE Temp2')
    await c.command('SELECT Temp2')
    expect(await c.command('DELETE Temp2')).toEqual({
      untagged: ['* OK [CLOSED] The selected mailbox was deleted'],
      done: 'OK DELETE completed',
    })
    c.close()
  })
})

describe('RENAME', () => {
  test('children follow, UIDVALIDITY stays, missing parents are created', async () => {
    const { id, c } = await freshAccount()
    const { store } = server.services
    await c.command('CREATE A/B/C')
    const before = store.findMailbox(id, 'A/B')
    expect(await c.command('RENAME A Z')).toEqual({ untagged: [], done: 'OK RENAME completed' })
    expect((await c.command('LIST "" "*"')).untagged.filter((l) => /"[AZ][/"]/.test(l))).toEqual([
      '* LIST (\\HasChildren) "/" "Z"',
      '* LIST (\\HasChildren) "/" "Z/B"',
      '* LIST (\\HasNoChildren) "/" "Z/B/C"',
    ])
    const after = store.findMailbox(id, 'Z/B')
    expect(after?.id).toBe(before?.id ?? -1)
    expect(after?.uidValidity).toBe(before?.uidValidity ?? -1)
    expect((await c.command('RENAME Z/B/C "New/Deep/C"')).done).toBe('OK RENAME completed')
    expect((await c.command('LIST "" "New*"')).untagged).toEqual([
      '* LIST (\\HasChildren) "/" "New"',
      '* LIST (\\HasChildren) "/" "New/Deep"',
      '* LIST (\\HasNoChildren) "/" "New/Deep/C"',
    ])
    // A role goes with its mailbox.
    expect((await c.command('RENAME Drafts Entw&APw-rfe')).done).toBe('OK RENAME completed')
    expect((await c.command('LIST "" "Entw*"')).untagged).toEqual([
      '* LIST (\\HasNoChildren \\Drafts) "/" "Entw&APw-rfe"',
    ])
    c.close()
  })

  test('errors: missing source, existing target (itself too), INBOX as target, into itself', async () => {
    const { c } = await freshAccount()
    await c.command('CREATE Z')
    expect((await c.command('RENAME Nope X')).done).toBe('NO [NONEXISTENT] Mailbox does not exist: Nope')
    expect((await c.command('RENAME Z Sent')).done).toBe('NO [ALREADYEXISTS] Mailbox already exists: Sent')
    expect((await c.command('RENAME Z Z')).done).toBe('NO [ALREADYEXISTS] Mailbox already exists: Z')
    expect((await c.command('RENAME Z inbox')).done).toBe('NO [ALREADYEXISTS] Mailbox already exists: inbox')
    expect((await c.command('RENAME Z Z/Inner')).done).toBe(
      'NO [CANNOT] a mailbox cannot be moved into itself',
    )
    c.close()
  })

  test('renaming INBOX moves its messages to the new mailbox; INBOX stays, empty, with its children', async () => {
    const { id, c } = await freshAccount()
    const { store } = server.services
    const inbox = store.findMailbox(id, 'INBOX')?.id ?? 0
    await deliver(id, inbox, 3)
    await c.command('CREATE INBOX/Keep')
    await c.command('SELECT INBOX')
    // The selected INBOX loses its messages: the session hears it before the OK.
    expect(await c.command('RENAME INBOX "Old Mail"')).toEqual({
      untagged: ['* 3 EXPUNGE', '* 2 EXPUNGE', '* 1 EXPUNGE'],
      done: 'OK RENAME completed',
    })
    expect((await c.command('STATUS INBOX (MESSAGES)')).untagged).toEqual(['* STATUS INBOX (MESSAGES 0)'])
    expect((await c.command('STATUS "Old Mail" (MESSAGES UIDNEXT)')).untagged).toEqual([
      '* STATUS "Old Mail" (MESSAGES 3 UIDNEXT 4)',
    ])
    expect((await c.command('LIST "" "INBOX*"')).untagged).toEqual([
      '* LIST (\\HasChildren) "/" INBOX',
      '* LIST (\\HasNoChildren) "/" "INBOX/Keep"',
    ])
    expect(store.quota(id).usedMessages).toBe(3)
    // An empty INBOX renames to an empty mailbox.
    expect((await c.command('RENAME INBOX Empty')).done).toBe('OK RENAME completed')
    expect((await c.command('STATUS Empty (MESSAGES)')).untagged).toEqual(['* STATUS "Empty" (MESSAGES 0)'])
    c.close()
  })
})

describe('SUBSCRIBE and UNSUBSCRIBE', () => {
  test('toggle \\Subscribed; repeating either is OK; only existing mailboxes can be subscribed', async () => {
    const { c } = await freshAccount()
    await c.command('CREATE "Entw&APw-rfe"')
    expect(await c.command('UNSUBSCRIBE "Entw&APw-rfe"')).toEqual({
      untagged: [],
      done: 'OK UNSUBSCRIBE completed',
    })
    expect((await c.command('UNSUBSCRIBE "Entw&APw-rfe"')).done).toBe('OK UNSUBSCRIBE completed')
    expect((await c.command('LIST (SUBSCRIBED) "" "Entw*"')).untagged).toEqual([])
    expect((await c.command('LIST "" "Entw*" RETURN (SUBSCRIBED)')).untagged).toEqual([
      '* LIST (\\HasNoChildren) "/" "Entw&APw-rfe"',
    ])
    expect(await c.command('SUBSCRIBE "Entw&APw-rfe"')).toEqual({
      untagged: [],
      done: 'OK SUBSCRIBE completed',
    })
    expect((await c.command('SUBSCRIBE "Entw&APw-rfe"')).done).toBe('OK SUBSCRIBE completed')
    expect((await c.command('LIST (SUBSCRIBED) "" "Entw*"')).untagged).toEqual([
      '* LIST (\\HasNoChildren \\Subscribed) "/" "Entw&APw-rfe"',
    ])
    expect((await c.command('SUBSCRIBE Nowhere')).done).toBe(
      'NO [NONEXISTENT] Mailbox does not exist: Nowhere',
    )
    // A name that is not subscribed (here: not even a mailbox) unsubscribes fine (rfc9051#section-6.3.8).
    expect((await c.command('UNSUBSCRIBE Nowhere')).done).toBe('OK UNSUBSCRIBE completed')
    expect((await c.command('UNSUBSCRIBE "&Jjo"')).done).toBe('BAD mailbox name is not valid modified UTF-7')
    c.close()
  })
})
