// Interop with an independent JMAP client library from npm (jmap-jam): it discovers the session,
// authenticates with a bearer token (an app password), uploads a message, imports it, queries and
// reads it back with a result reference, changes its keywords and downloads its blob.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import JamClient from 'jmap-jam'
import { type JmapTestServer, startJmapServer } from '../helpers/jmap.ts'

let t: JmapTestServer
let jam: JamClient
beforeAll(async () => {
  t = await startJmapServer()
  const token = await t.server.services.directory.appPasswords.add('alice@example.test', 'jam')
  jam = new JamClient({ sessionUrl: `${t.base}/.well-known/jmap`, bearerToken: token })
})
afterAll(() => t?.close())

const message = [
  'From: Bob <bob@example.test>',
  'To: Alice <alice@example.test>',
  'Subject: Interop with Jam',
  'Date: Sun, 29 Nov 2026 08:00:00 +0000',
  'Message-ID: <jam-1@example.test>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Hello from a JMAP client library.',
  '',
].join('\r\n')

test('session, mailboxes, upload + import, query + get by reference, keywords, download', async () => {
  const accountId = await jam.getPrimaryAccount()
  expect(accountId).toBe(t.alice.accountId)

  const [mailboxes] = await jam.api.Mailbox.get({ accountId })
  const inbox = mailboxes.list.find((m) => m.role === 'inbox')
  expect(inbox).toBeDefined()
  const inboxId = inbox?.id as string

  const upload = await jam.uploadBlob(accountId, new Blob([message], { type: 'message/rfc822' }))
  expect(upload.size).toBe(Buffer.byteLength(message))
  const [imported] = await jam.api.Email.import({
    accountId,
    emails: {
      m1: {
        blobId: upload.blobId,
        mailboxIds: { [inboxId]: true },
        keywords: {},
        receivedAt: '2026-11-29T08:00:01Z',
      },
    },
  })
  const created = imported.created?.m1
  expect(created?.id).toBeString()

  const [{ emails }] = await jam.requestMany((r) => {
    const ids = r.Email.query({
      accountId,
      filter: { inMailbox: inboxId },
      sort: [{ property: 'receivedAt', isAscending: false }],
      limit: 10,
    })
    const emails = r.Email.get({
      accountId,
      ids: ids.$ref('/ids'),
      properties: ['id', 'subject', 'from', 'keywords', 'blobId', 'preview'],
    })
    return { ids, emails }
  })
  expect(emails.list).toHaveLength(1)
  const email = emails.list[0]
  expect(email?.subject).toBe('Interop with Jam')
  expect(email?.from).toEqual([{ name: 'Bob', email: 'bob@example.test' }])
  expect(email?.preview).toContain('Hello from a JMAP client library.')

  const [updated] = await jam.api.Email.set({
    accountId,
    update: { [created?.id as string]: { 'keywords/$seen': true } },
  })
  expect(Object.keys(updated.updated ?? {})).toEqual([created?.id as string])
  const [again] = await jam.api.Email.get({
    accountId,
    ids: [created?.id as string],
    properties: ['keywords'],
  })
  expect(again.list[0]?.keywords).toEqual({ $seen: true })

  const download = await jam.downloadBlob({
    accountId,
    blobId: email?.blobId as string,
    mimeType: 'message/rfc822',
    fileName: 'message.eml',
  })
  expect(await download.text()).toBe(message)
})
