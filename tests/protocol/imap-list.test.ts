// IMAP LIST (rfc9051#section-6.3.9) and LSUB (rfc3501#section-6.3.9) over real sockets: patterns
// with `*` and `%`, references, INBOX in any case, the delimiter query, LIST-EXTENDED selection and
// return options (rfc5258, its examples adapted to these mailboxes), CHILDREN, SPECIAL-USE,
// LIST-STATUS (rfc5819), and names in modified UTF-7 or, once enabled, UTF-8.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ImapClient } from '../helpers/imap-client.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

let server: TestServer
let accountId = 0

/** A UTF-8 string as the latin1 text the raw client sends and returns (bytes preserved). */
const u8 = (s: string) => Buffer.from(s, 'utf8').toString('latin1')

async function deliver(mailboxId: number, flags = 0) {
  const bytes = new TextEncoder().encode('From: x@example.test\r\nSubject: hi\r\n\r\nbody\r\n')
  await server.services.store.appendRaw(accountId, {
    mailboxIds: [mailboxId],
    bytes,
    keywords: { flags, keywords: [] },
    receivedAt: Date.now(),
  })
}

beforeAll(async () => {
  server = await startTestServer({ env: { POSTERN_IMAP_ALLOW_PLAINTEXT_LOGIN: 'true' } })
  server.services.directory.domains.add('example.test')
  const a = await server.services.directory.accounts.add({
    email: 'list@example.test',
    password: 'list-password',
  })
  accountId = a.id
  const { store } = server.services
  await store.ensureAccount(accountId)
  // rfc5258#section-5's mailboxes, more or less: Fruit is not subscribed but Fruit/Banana is.
  for (const path of [
    'Fruit/Apple',
    'Fruit/Banana',
    'Tofu',
    'Vegetable/Broccoli',
    'Vegetable/Corn',
    'Entwürfe/日本語',
  ]) {
    await store.createMailbox(accountId, path)
  }
  for (const path of ['Fruit', 'Fruit/Apple', 'Tofu', 'Vegetable/Corn']) {
    const box = store.findMailbox(accountId, path)
    if (box) await store.subscribeMailbox(accountId, box.id, false)
  }
  const inbox = store.findMailbox(accountId, 'INBOX')?.id ?? 0
  await deliver(inbox, 1)
  await deliver(inbox)
  await deliver(store.findMailbox(accountId, 'Fruit')?.id ?? 0)
})
afterAll(async () => {
  await server.close()
})

const login = () => ImapClient.login(server.port('imap'), 'list@example.test', 'list-password')

const topLevel = [
  '* LIST (\\HasNoChildren) "/" INBOX',
  '* LIST (\\HasNoChildren \\Archive) "/" "Archive"',
  '* LIST (\\HasNoChildren \\Drafts) "/" "Drafts"',
  '* LIST (\\HasChildren) "/" "Entw&APw-rfe"',
  '* LIST (\\HasChildren) "/" "Fruit"',
  '* LIST (\\HasNoChildren \\Junk) "/" "Junk"',
  '* LIST (\\HasNoChildren \\Sent) "/" "Sent"',
  '* LIST (\\HasNoChildren) "/" "Tofu"',
  '* LIST (\\HasNoChildren \\Trash) "/" "Trash"',
  '* LIST (\\HasChildren) "/" "Vegetable"',
]

describe('LIST', () => {
  test('the delimiter query: LIST "" "" and with a reference', async () => {
    const c = await login()
    expect(await c.command('LIST "" ""')).toEqual({
      untagged: ['* LIST (\\Noselect) "/" ""'],
      done: 'OK LIST completed',
    })
    expect((await c.command('LIST "Fruit/" ""')).untagged).toEqual(['* LIST (\\Noselect) "/" ""'])
    c.close()
  })

  test('"%" lists one level with children attributes and special uses; "*" lists everything', async () => {
    const c = await login()
    expect(await c.command('LIST "" "%"')).toEqual({ untagged: topLevel, done: 'OK LIST completed' })
    expect((await c.command('LIST "" "*"')).untagged).toEqual([
      '* LIST (\\HasNoChildren) "/" INBOX',
      '* LIST (\\HasNoChildren \\Archive) "/" "Archive"',
      '* LIST (\\HasNoChildren \\Drafts) "/" "Drafts"',
      '* LIST (\\HasChildren) "/" "Entw&APw-rfe"',
      '* LIST (\\HasNoChildren) "/" "Entw&APw-rfe/&ZeVnLIqe-"',
      '* LIST (\\HasChildren) "/" "Fruit"',
      '* LIST (\\HasNoChildren) "/" "Fruit/Apple"',
      '* LIST (\\HasNoChildren) "/" "Fruit/Banana"',
      '* LIST (\\HasNoChildren \\Junk) "/" "Junk"',
      '* LIST (\\HasNoChildren \\Sent) "/" "Sent"',
      '* LIST (\\HasNoChildren) "/" "Tofu"',
      '* LIST (\\HasNoChildren \\Trash) "/" "Trash"',
      '* LIST (\\HasChildren) "/" "Vegetable"',
      '* LIST (\\HasNoChildren) "/" "Vegetable/Broccoli"',
      '* LIST (\\HasNoChildren) "/" "Vegetable/Corn"',
    ])
    // RETURN (CHILDREN) and the REMOTE selection change nothing here (rfc5258#section-3.1, 4).
    expect((await c.command('LIST "" "%" RETURN (CHILDREN)')).untagged).toEqual(topLevel)
    expect((await c.command('LIST (REMOTE) "" "%"')).untagged).toEqual(topLevel)
    expect((await c.command('LIST () "" "%" RETURN ()')).untagged).toEqual(topLevel)
    c.close()
  })

  test('INBOX matches in any case, other names only in theirs', async () => {
    const c = await login()
    for (const pattern of ['inbox', 'iNbOx', 'InB%', '*box', 'I*X']) {
      expect((await c.command(`LIST "" "${pattern}"`)).untagged).toEqual([
        '* LIST (\\HasNoChildren) "/" INBOX',
      ])
    }
    expect((await c.command('LIST "" "fruit"')).untagged).toEqual([])
    expect(await c.command('LIST "" "Nowhere"')).toEqual({ untagged: [], done: 'OK LIST completed' })
    c.close()
  })

  test('references and patterns in the middle of a name', async () => {
    const c = await login()
    const fruit = [
      '* LIST (\\HasNoChildren) "/" "Fruit/Apple"',
      '* LIST (\\HasNoChildren) "/" "Fruit/Banana"',
    ]
    expect((await c.command('LIST "Fruit/" "%"')).untagged).toEqual(fruit)
    expect((await c.command('LIST "Fruit" "/*"')).untagged).toEqual(fruit)
    expect((await c.command('LIST "" "%/B%"')).untagged).toEqual([
      '* LIST (\\HasNoChildren) "/" "Fruit/Banana"',
      '* LIST (\\HasNoChildren) "/" "Vegetable/Broccoli"',
    ])
    // "%" does not cross the delimiter, "*" does.
    expect((await c.command('LIST "" "F%a"')).untagged).toEqual([])
    expect((await c.command('LIST "" "F*a"')).untagged).toEqual([
      '* LIST (\\HasNoChildren) "/" "Fruit/Banana"',
    ])
    c.close()
  })

  test('several patterns in one LIST (rfc5258#section-3), each mailbox once', async () => {
    const c = await login()
    expect((await c.command('LIST "" ("INBOX" "Fruit/%" "Fru*" "Tofu")')).untagged).toEqual([
      '* LIST (\\HasNoChildren) "/" INBOX',
      '* LIST (\\HasChildren) "/" "Fruit"',
      '* LIST (\\HasNoChildren) "/" "Fruit/Apple"',
      '* LIST (\\HasNoChildren) "/" "Fruit/Banana"',
      '* LIST (\\HasNoChildren) "/" "Tofu"',
    ])
    c.close()
  })

  test('names in modified UTF-7, and in UTF-8 once UTF8=ACCEPT or IMAP4rev2 is enabled', async () => {
    const c = await login()
    expect((await c.command('LIST "" "Entw&APw-rfe/*"')).untagged).toEqual([
      '* LIST (\\HasNoChildren) "/" "Entw&APw-rfe/&ZeVnLIqe-"',
    ])
    // A pattern that is not valid modified UTF-7 names no mailbox.
    expect(await c.command('LIST "" "&Jjo"')).toEqual({ untagged: [], done: 'OK LIST completed' })
    expect((await c.command('ENABLE UTF8=ACCEPT')).untagged).toEqual(['* ENABLED UTF8=ACCEPT'])
    expect((await c.command(`LIST "" "${u8('Entwürfe/*')}"`)).untagged).toEqual([
      `* LIST (\\HasNoChildren) "/" "${u8('Entwürfe/日本語')}"`,
    ])
    expect((await c.command('LIST "" "Entw*"')).untagged).toEqual([
      `* LIST (\\HasChildren) "/" "${u8('Entwürfe')}"`,
      `* LIST (\\HasNoChildren) "/" "${u8('Entwürfe/日本語')}"`,
    ])
    // In UTF-8 mode "&" is just a character.
    expect((await c.command('LIST "" "Entw&APw-rfe"')).untagged).toEqual([])
    c.close()
    const rev2 = await login()
    await rev2.command('ENABLE IMAP4rev2')
    expect((await rev2.command('LIST "" "Entw%"')).untagged).toEqual([
      `* LIST (\\HasChildren) "/" "${u8('Entwürfe')}"`,
    ])
    rev2.close()
  })
})

describe('LIST-EXTENDED (rfc5258)', () => {
  const subscribed = [
    '* LIST (\\HasNoChildren \\Subscribed) "/" INBOX',
    '* LIST (\\HasNoChildren \\Archive \\Subscribed) "/" "Archive"',
    '* LIST (\\HasNoChildren \\Drafts \\Subscribed) "/" "Drafts"',
    '* LIST (\\HasChildren \\Subscribed) "/" "Entw&APw-rfe"',
    '* LIST (\\HasNoChildren \\Subscribed) "/" "Entw&APw-rfe/&ZeVnLIqe-"',
    '* LIST (\\HasNoChildren \\Subscribed) "/" "Fruit/Banana"',
    '* LIST (\\HasNoChildren \\Junk \\Subscribed) "/" "Junk"',
    '* LIST (\\HasNoChildren \\Sent \\Subscribed) "/" "Sent"',
    '* LIST (\\HasNoChildren \\Trash \\Subscribed) "/" "Trash"',
    '* LIST (\\HasChildren \\Subscribed) "/" "Vegetable"',
    '* LIST (\\HasNoChildren \\Subscribed) "/" "Vegetable/Broccoli"',
  ]

  test('example 2: LIST (SUBSCRIBED) lists subscribed mailboxes with \\Subscribed', async () => {
    const c = await login()
    expect(await c.command('LIST (SUBSCRIBED) "" "*"')).toEqual({
      untagged: subscribed,
      done: 'OK LIST completed',
    })
    expect((await c.command('LIST (SUBSCRIBED REMOTE) "" "*"')).untagged).toEqual(subscribed)
    c.close()
  })

  test('example 3: RETURN (SUBSCRIBED) lists every mailbox and marks the subscribed ones', async () => {
    const c = await login()
    expect((await c.command('LIST "" "%" RETURN (SUBSCRIBED CHILDREN)')).untagged).toEqual([
      '* LIST (\\HasNoChildren \\Subscribed) "/" INBOX',
      '* LIST (\\HasNoChildren \\Archive \\Subscribed) "/" "Archive"',
      '* LIST (\\HasNoChildren \\Drafts \\Subscribed) "/" "Drafts"',
      '* LIST (\\HasChildren \\Subscribed) "/" "Entw&APw-rfe"',
      '* LIST (\\HasChildren) "/" "Fruit"',
      '* LIST (\\HasNoChildren \\Junk \\Subscribed) "/" "Junk"',
      '* LIST (\\HasNoChildren \\Sent \\Subscribed) "/" "Sent"',
      '* LIST (\\HasNoChildren) "/" "Tofu"',
      '* LIST (\\HasNoChildren \\Trash \\Subscribed) "/" "Trash"',
      '* LIST (\\HasChildren \\Subscribed) "/" "Vegetable"',
    ])
    c.close()
  })

  test('example 8: RECURSIVEMATCH returns a parent with a subscribed child as CHILDINFO', async () => {
    const c = await login()
    expect((await c.command('LIST (SUBSCRIBED RECURSIVEMATCH) "" "%" RETURN (CHILDREN)')).untagged).toEqual([
      '* LIST (\\HasNoChildren \\Subscribed) "/" INBOX',
      '* LIST (\\HasNoChildren \\Archive \\Subscribed) "/" "Archive"',
      '* LIST (\\HasNoChildren \\Drafts \\Subscribed) "/" "Drafts"',
      '* LIST (\\HasChildren \\Subscribed) "/" "Entw&APw-rfe" ("CHILDINFO" ("SUBSCRIBED"))',
      '* LIST (\\HasChildren) "/" "Fruit" ("CHILDINFO" ("SUBSCRIBED"))',
      '* LIST (\\HasNoChildren \\Junk \\Subscribed) "/" "Junk"',
      '* LIST (\\HasNoChildren \\Sent \\Subscribed) "/" "Sent"',
      '* LIST (\\HasNoChildren \\Trash \\Subscribed) "/" "Trash"',
      '* LIST (\\HasChildren \\Subscribed) "/" "Vegetable" ("CHILDINFO" ("SUBSCRIBED"))',
    ])
    c.close()
  })

  test('example 9: a parent comes back only for subscribed children the pattern does not reach', async () => {
    const c = await login()
    // Every subscribed child of Fruit matches "Fruit*" itself, so Fruit is not added.
    expect((await c.command('LIST (SUBSCRIBED RECURSIVEMATCH) "" "Fruit*"')).untagged).toEqual([
      '* LIST (\\HasNoChildren \\Subscribed) "/" "Fruit/Banana"',
    ])
    // A subscribed parent gets CHILDINFO whether or not its children match too.
    expect((await c.command('LIST (SUBSCRIBED RECURSIVEMATCH) "" "*a*"')).untagged).toEqual([
      '* LIST (\\HasNoChildren \\Drafts \\Subscribed) "/" "Drafts"',
      '* LIST (\\HasNoChildren \\Subscribed) "/" "Fruit/Banana"',
      '* LIST (\\HasNoChildren \\Trash \\Subscribed) "/" "Trash"',
      '* LIST (\\HasChildren \\Subscribed) "/" "Vegetable" ("CHILDINFO" ("SUBSCRIBED"))',
      '* LIST (\\HasNoChildren \\Subscribed) "/" "Vegetable/Broccoli"',
    ])
    // Fruit matches "Fru%" and its subscribed child does not: it comes back for the child.
    expect((await c.command('LIST (RECURSIVEMATCH SUBSCRIBED) "" ("Fru%" "Tofu")')).untagged).toEqual([
      '* LIST (\\HasChildren) "/" "Fruit" ("CHILDINFO" ("SUBSCRIBED"))',
    ])
    c.close()
  })

  test('SPECIAL-USE as a selection option and as a return option (rfc6154#section-5.2)', async () => {
    const c = await login()
    const special = [
      '* LIST (\\HasNoChildren \\Archive) "/" "Archive"',
      '* LIST (\\HasNoChildren \\Drafts) "/" "Drafts"',
      '* LIST (\\HasNoChildren \\Junk) "/" "Junk"',
      '* LIST (\\HasNoChildren \\Sent) "/" "Sent"',
      '* LIST (\\HasNoChildren \\Trash) "/" "Trash"',
    ]
    expect((await c.command('LIST (SPECIAL-USE) "" "*"')).untagged).toEqual(special)
    expect((await c.command('LIST (SPECIAL-USE) "" "*" RETURN (SPECIAL-USE)')).untagged).toEqual(special)
    expect((await c.command('LIST "" "%" RETURN (SPECIAL-USE)')).untagged).toEqual(topLevel)
    c.close()
  })

  test('option errors are BAD (rfc5258#section-3)', async () => {
    const c = await login()
    expect((await c.command('LIST (RECURSIVEMATCH) "" "*"')).done).toMatch(/^BAD /)
    expect((await c.command('LIST (BOGUS) "" "*"')).done).toMatch(/^BAD /)
    expect((await c.command('LIST "" "*" RETURN (BOGUS)')).done).toMatch(/^BAD /)
    c.close()
  })
})

describe('LIST-STATUS (rfc5819)', () => {
  test('a STATUS line follows the LIST line of each selectable mailbox', async () => {
    const c = await login()
    expect(await c.command('LIST "" ("INBOX" "Fruit" "Tofu") RETURN (STATUS (MESSAGES UNSEEN))')).toEqual({
      untagged: [
        '* LIST (\\HasNoChildren) "/" INBOX',
        '* STATUS INBOX (MESSAGES 2 UNSEEN 1)',
        '* LIST (\\HasChildren) "/" "Fruit"',
        '* STATUS "Fruit" (MESSAGES 1 UNSEEN 1)',
        '* LIST (\\HasNoChildren) "/" "Tofu"',
        '* STATUS "Tofu" (MESSAGES 0 UNSEEN 0)',
      ],
      done: 'OK LIST completed',
    })
    c.close()
  })

  test('no STATUS for a mailbox listed only for its children; STATUS names follow the UTF-8 mode', async () => {
    const c = await login()
    const fruit = server.services.store.findMailbox(accountId, 'Fruit')
    expect(
      (await c.command('LIST (SUBSCRIBED RECURSIVEMATCH) "" "Fru%" RETURN (STATUS (MESSAGES))')).untagged,
    ).toEqual(['* LIST (\\HasChildren) "/" "Fruit" ("CHILDINFO" ("SUBSCRIBED"))'])
    expect((await c.command('LIST "" "Fruit" RETURN (STATUS (MAILBOXID SIZE))')).untagged).toEqual([
      '* LIST (\\HasChildren) "/" "Fruit"',
      `* STATUS "Fruit" (MAILBOXID (M${fruit?.id.toString(36)}) SIZE ${fruit?.totalSize})`,
    ])
    await c.command('ENABLE IMAP4rev2')
    expect((await c.command(`LIST "" "${u8('Entwürfe/%')}" RETURN (STATUS (MESSAGES))`)).untagged).toEqual([
      `* LIST (\\HasNoChildren) "/" "${u8('Entwürfe/日本語')}"`,
      `* STATUS "${u8('Entwürfe/日本語')}" (MESSAGES 0)`,
    ])
    c.close()
  })
})

describe('LSUB', () => {
  test('subscribed mailboxes; a level "%" stops at that is not subscribed is \\Noselect', async () => {
    const c = await login()
    expect(await c.command('LSUB "" "*"')).toEqual({
      untagged: [
        '* LSUB () "/" INBOX',
        '* LSUB () "/" "Archive"',
        '* LSUB () "/" "Drafts"',
        '* LSUB () "/" "Entw&APw-rfe"',
        '* LSUB () "/" "Entw&APw-rfe/&ZeVnLIqe-"',
        '* LSUB () "/" "Fruit/Banana"',
        '* LSUB () "/" "Junk"',
        '* LSUB () "/" "Sent"',
        '* LSUB () "/" "Trash"',
        '* LSUB () "/" "Vegetable"',
        '* LSUB () "/" "Vegetable/Broccoli"',
      ],
      done: 'OK LSUB completed',
    })
    expect((await c.command('LSUB "" "F%"')).untagged).toEqual(['* LSUB (\\Noselect) "/" "Fruit"'])
    expect((await c.command('LSUB "Fruit/" "%"')).untagged).toEqual(['* LSUB () "/" "Fruit/Banana"'])
    expect((await c.command('LSUB "" "Tofu"')).untagged).toEqual([])
    c.close()
  })
})

describe('subscriptions that outlive their mailbox (rfc9051#section-6.3.7)', () => {
  test('a deleted subscribed mailbox stays subscribed, \\NonExistent, until unsubscribed or created again', async () => {
    const { directory, store } = server.services
    const a = await directory.accounts.add({ email: 'subs@example.test', password: 'subs-password' })
    await store.ensureAccount(a.id)
    const c = await ImapClient.login(server.port('imap'), 'subs@example.test', 'subs-password')
    for (const name of ['Old', 'Projects/Gone', 'Projects/Kept']) {
      expect((await c.command(`CREATE ${name}`)).done).toStartWith('OK')
    }
    expect((await c.command('DELETE Old')).done).toStartWith('OK')
    expect((await c.command('DELETE Projects/Gone')).done).toStartWith('OK')
    const subscribed = (pattern: string) => c.command(`LIST (SUBSCRIBED) "" "${pattern}"`)
    expect(
      (await subscribed('*')).untagged.filter((l) => !/Archive|Drafts|INBOX|Junk|Sent|Trash/.test(l)),
    ).toEqual([
      '* LIST (\\NonExistent \\HasNoChildren \\Subscribed) "/" "Old"',
      '* LIST (\\HasChildren \\Subscribed) "/" "Projects"',
      '* LIST (\\NonExistent \\HasNoChildren \\Subscribed) "/" "Projects/Gone"',
      '* LIST (\\HasNoChildren \\Subscribed) "/" "Projects/Kept"',
    ])
    // Only subscriptions are listed that way: a plain LIST does not show what does not exist.
    expect((await c.command('LIST "" "Old"')).untagged).toEqual([])
    expect((await c.command('LSUB "" "Old"')).untagged).toEqual(['* LSUB () "/" "Old"'])
    expect((await c.command('SUBSCRIBE Old')).done).toStartWith('OK')
    expect((await c.command('SUBSCRIBE Never')).done).toStartWith('NO [NONEXISTENT]')
    // UNSUBSCRIBE drops the name; CREATE gives it back to a mailbox, still subscribed.
    expect((await c.command('UNSUBSCRIBE Old')).done).toStartWith('OK')
    expect((await subscribed('Old')).untagged).toEqual([])
    expect((await c.command('UNSUBSCRIBE Projects/Kept')).done).toStartWith('OK')
    expect((await c.command('CREATE Projects/Gone')).done).toStartWith('OK')
    expect((await subscribed('Projects/*')).untagged).toEqual([
      '* LIST (\\HasNoChildren \\Subscribed) "/" "Projects/Gone"',
    ])
    expect(store.orphanSubscriptions(a.id)).toEqual([])
    c.close()
  })
})
