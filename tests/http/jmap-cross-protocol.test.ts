// JMAP and IMAP on one store: what a JMAP client does shows at once in an IMAP IDLE session (flags,
// moves, new drafts), and what an IMAP client does is what Email/query and Email/get return.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ImapClient } from '../helpers/imap-client.ts'
import { api, type JmapTestServer, resultOf, startJmapServer } from '../helpers/jmap.ts'

let t: JmapTestServer
let roles: Record<string, string>
beforeAll(async () => {
  t = await startJmapServer({ POSTERN_IMAP_ALLOW_PLAINTEXT_LOGIN: 'true' })
  const boxes = resultOf(await api(t, t.alice, [['Mailbox/get', { accountId: t.alice.accountId }, 'm']]), 'm')
  roles = Object.fromEntries(
    (boxes.list as { id: string; role: string | null }[]).flatMap((b) => (b.role ? [[b.role, b.id]] : [])),
  )
})
afterAll(() => t?.close())

async function imapSelect(mailbox: string) {
  const c = await ImapClient.login(t.server.port('imap'), t.alice.email, t.alice.password)
  expect((await c.command(`SELECT ${mailbox}`)).done).toMatch(/^OK/)
  return c
}

/** APPEND with a non-synchronizing literal (LITERAL+), so the whole command goes at once. */
function append(c: ImapClient, flags: string, message: string) {
  return c.command(`APPEND INBOX ${flags}{${Buffer.byteLength(message)}+}\r\n${message}`)
}

async function idle(c: ImapClient) {
  const tag = c.nextTag()
  c.send(`${tag} IDLE\r\n`)
  expect(await c.line()).toBe('+ idling')
  return async () => {
    c.send('DONE\r\n')
    expect((await c.until(tag)).done).toBe('OK IDLE terminated')
  }
}

describe('JMAP → IMAP', () => {
  test('Email/set keywords: an untagged FETCH in an IDLE session', async () => {
    const imap = await imapSelect('INBOX')
    expect((await append(imap, '', 'From: x@example.test\r\nSubject: one\r\n\r\nHello\r\n')).done).toMatch(
      /^OK/,
    )
    await imap.command('NOOP')
    const query = resultOf(
      await api(t, t.alice, [
        ['Email/query', { accountId: t.alice.accountId, filter: { inMailbox: roles.inbox } }, 'q'],
      ]),
      'q',
    )
    const id = (query.ids as string[])[0] as string
    const done = await idle(imap)
    const set = resultOf(
      await api(t, t.alice, [
        ['Email/set', { accountId: t.alice.accountId, update: { [id]: { 'keywords/$flagged': true } } }, 's'],
      ]),
      's',
    )
    expect(Object.keys(set.updated as object)).toEqual([id])
    expect(await imap.line()).toMatch(/^\* 1 FETCH \(UID \d+ FLAGS \(\\Flagged( \\Recent)?\)\)$/)
    await done()
    imap.close()
  })

  test('Email/set mailboxIds (a move to the archive): the IDLE session sees EXPUNGE, the archive has it', async () => {
    const imap = await imapSelect('INBOX')
    const ids = resultOf(
      await api(t, t.alice, [
        ['Email/query', { accountId: t.alice.accountId, filter: { inMailbox: roles.inbox } }, 'q'],
      ]),
      'q',
    ).ids as string[]
    const id = ids[0] as string
    const done = await idle(imap)
    await api(t, t.alice, [
      [
        'Email/set',
        {
          accountId: t.alice.accountId,
          update: { [id]: { mailboxIds: { [roles.archive as string]: true } } },
        },
        's',
      ],
    ])
    expect(await imap.line()).toBe('* 1 EXPUNGE')
    await done()
    const status = await imap.command('STATUS Archive (MESSAGES)')
    expect(status.untagged.join('\n')).toMatch(/MESSAGES 1\)/)
    imap.close()
  })

  test('Email/set create in Drafts: an IMAP session on Drafts sees EXISTS and the message', async () => {
    const imap = await imapSelect('Drafts')
    const done = await idle(imap)
    const created = resultOf(
      await api(t, t.alice, [
        [
          'Email/set',
          {
            accountId: t.alice.accountId,
            create: {
              d1: {
                mailboxIds: { [roles.drafts as string]: true },
                keywords: { $draft: true, $seen: true },
                from: [{ name: 'Alice', email: 'alice@example.test' }],
                to: [{ email: 'bob@example.test' }],
                subject: 'Draft from JMAP',
                bodyValues: { b: { value: 'Body of the draft.' } },
                textBody: [{ partId: 'b', type: 'text/plain' }],
              },
            },
          },
          's',
        ],
      ]),
      's',
    )
    expect((created.created as Record<string, unknown>).d1).toBeDefined()
    expect(await imap.line()).toBe('* 1 EXISTS')
    await done()
    const fetched = await imap.command('FETCH 1 (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[TEXT])')
    const text = fetched.untagged.join('\n')
    expect(text).toContain('\\Draft')
    expect(text).toContain('Subject: Draft from JMAP')
    expect(text).toContain('Body of the draft.')
    imap.close()
  })
})

describe('IMAP → JMAP', () => {
  test('APPEND with flags and STORE: Email/query and Email/get see the message and its keywords', async () => {
    const imap = await imapSelect('INBOX')
    const before = resultOf(
      await api(t, t.alice, [['Email/get', { accountId: t.alice.accountId, ids: [] }, 'g']]),
      'g',
    ).state as string
    expect(
      (
        await append(
          imap,
          '(\\Seen $Label1) ',
          'From: y@example.test\r\nSubject: from IMAP\r\n\r\nHi there\r\n',
        )
      ).done,
    ).toMatch(/^OK/)
    const responses = await api(t, t.alice, [
      ['Email/changes', { accountId: t.alice.accountId, sinceState: before }, 'c'],
      [
        'Email/get',
        {
          accountId: t.alice.accountId,
          '#ids': { resultOf: 'c', name: 'Email/changes', path: '/created' },
          properties: ['subject', 'keywords', 'mailboxIds'],
        },
        'g',
      ],
    ])
    const list = resultOf(responses, 'g').list as { subject: string; keywords: object; mailboxIds: object }[]
    expect(list).toHaveLength(1)
    expect(list[0]).toMatchObject({
      subject: 'from IMAP',
      keywords: { $seen: true, $label1: true },
      mailboxIds: { [roles.inbox as string]: true },
    })
    imap.close()
  })
})
