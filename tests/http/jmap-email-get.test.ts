// rfc8621 Email/get, Email/changes, Thread/get and Thread/changes over real HTTP, on messages put in
// through the store: multipart/alternative with an attachment, encoded words, address groups,
// ISO-8859-1 text, broken encodings, and a thread whose reply was received before its original.
import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { formatBlobId } from '../../src/jmap/core/blob-ids.ts'
import { parseAccountId } from '../../src/jmap/core/ids.ts'
import { toKeywordSet } from '../../src/store/keywords.ts'
import { formatObjectId } from '../../src/store/object-ids.ts'
import { ImapClient } from '../helpers/imap-client.ts'
import { api, basic, type JmapTestServer, type Json, resultOf, startJmapServer } from '../helpers/jmap.ts'

let t: JmapTestServer
let aliceId: number
let inboxId: number
let archiveId: number

const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n')

const attachmentBase64 = 'JVBERi0xLjQKJcOkw7zDtsOfCg=='
const richMessage = crlf(`Return-Path: <sender@example.org>
Received: from a.example.org by b.example.org; Tue, 2 Jan 2024 15:04:06 +0100
From: =?UTF-8?Q?Ren=C3=A9e_Dupont?= <renee@example.org>
Sender: Secretary <sec@example.org>
Reply-To: replies@example.org
To: Friends: ann@example.net, "Bob B." <bob@example.net>;, carl@example.net
Cc: undisclosed-recipients:;
Subject: =?UTF-8?B?Q2Fmw6kgbWVldGluZw==?= today
Date: Tue, 2 Jan 2024 15:04:05 +0100
Message-ID: <m1@example.org>
References: <r0@example.org>
X-Tag: first
X-Tag:  second
X-Folded: part one
 part two
List-Post: <mailto:list@example.org>, <https://list.example.org/post> (web)
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Caf=C3=A9 at 10 =E2=80=94 see you.
--alt
Content-Type: text/html; charset=utf-8

<p>Caf&eacute; at <b>10</b></p>
--alt--
--outer
Content-Type: application/pdf; name="report.pdf"
Content-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf
Content-Transfer-Encoding: base64
Content-ID: <att1@example.org>
Content-Language: fr
Content-Location: https://example.org/r.pdf

${attachmentBase64}
--outer--
`)

const latin1Message = Buffer.concat([
  Buffer.from(
    crlf(`From: =?ISO-8859-1?Q?J=F6rg?= <joerg@example.de>
To: alice@example.test
Subject: =?ISO-8859-1?Q?Gr=FC=DFe?=
Date: Wed, 3 Jan 2024 08:00:00 -0500
Message-ID: <m2@example.de>
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: 8bit

`),
  ),
  Buffer.from('Gr\xfc\xdfe aus K\xf6ln\r\n', 'latin1'),
])

const brokenMessage = Buffer.concat([
  Buffer.from(
    crlf(`From: x@example.org
Subject: broken
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain; charset=utf-8

`),
  ),
  Buffer.from('bad \xff\xfe bytes\r\n', 'latin1'),
  Buffer.from(
    crlf(`--b
Content-Type: text/plain; charset=x-no-such-charset

plain words
--b--
`),
  ),
])

const forwardedMessage = crlf(`From: f@example.org
Subject: Fwd: with a picture
Content-Type: multipart/mixed; boundary=m

--m
Content-Type: multipart/related; boundary=r

--r
Content-Type: text/html; charset=us-ascii

<p>see <img src="cid:pic@x"></p>
--r
Content-Type: image/png
Content-ID: <pic@x>
Content-Disposition: inline
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--r--
--m
Content-Type: message/rfc822

From: inner@example.org
Subject: inner
Content-Type: text/plain

inner body
--m--
`)

const ids: Record<string, { emailId: number; threadId: number; blobId: number }> = {}
const received = {
  rich: Date.UTC(2024, 0, 2, 14, 5, 6),
  latin1: Date.UTC(2024, 0, 3, 13, 0, 0, 250),
  broken: Date.UTC(2024, 0, 4),
  original: Date.UTC(2024, 1, 2),
  reply: Date.UTC(2024, 1, 1),
}

async function append(
  account: number,
  bytes: string | Buffer,
  receivedAt: number,
  keywords: string[] = [],
  mailboxIds = [inboxId],
) {
  const result = await t.server.services.store.appendRaw(account, {
    mailboxIds,
    bytes: typeof bytes === 'string' ? Buffer.from(bytes) : bytes,
    keywords: toKeywordSet(keywords),
    receivedAt,
  })
  return result
}

beforeAll(async () => {
  // plaintext IMAP login for the cross-protocol test
  t = await startJmapServer({ POSTERN_IMAP_ALLOW_PLAINTEXT_LOGIN: 'true' })
  aliceId = parseAccountId(t.alice.accountId) as number
  const store = t.server.services.store
  inboxId = (store.findMailboxByRole(aliceId, 'inbox') as { id: number }).id
  archiveId = (await store.createMailbox(aliceId, 'Keep')).id
  // one email in two mailboxes
  ids.rich = await append(
    aliceId,
    richMessage,
    received.rich,
    ['$Seen', 'MyTag', '\\Flagged'],
    [inboxId, archiveId],
  )
  ids.latin1 = await append(aliceId, latin1Message, received.latin1)
  ids.forwarded = await append(aliceId, forwardedMessage, Date.UTC(2024, 0, 5))
  ids.broken = await append(aliceId, brokenMessage, received.broken)
  ids.original = await append(
    aliceId,
    crlf('From: a@example.org\nSubject: plan\nMessage-ID: <t1@example.org>\n\nfirst\n'),
    received.original,
  )
  ids.reply = await append(
    aliceId,
    crlf('From: b@example.org\nSubject: Re: plan\nIn-Reply-To: <t1@example.org>\n\nsecond\n'),
    received.reply,
  )
})
afterAll(() => t?.close())

const emailId = (name: string) => formatObjectId('email', (ids[name] as { emailId: number }).emailId)
const threadId = (name: string) => formatObjectId('thread', (ids[name] as { threadId: number }).threadId)

async function getEmails(args: Record<string, unknown>): Promise<Json> {
  const responses = await api(t, t.alice, [['Email/get', { accountId: t.alice.accountId, ...args }, 'g']])
  return resultOf(responses, 'g', 'Email/get')
}

async function callError(name: string, args: Record<string, unknown>): Promise<Json> {
  const responses = await api(t, t.alice, [[name, { accountId: t.alice.accountId, ...args }, 'e']])
  expect(responses[0]?.[0]).toBe('error')
  return responses[0]?.[1]
}

describe('Email/get metadata and convenience headers', () => {
  test('default properties: every one the RFC lists, with stored values', async () => {
    const res = await getEmails({ ids: [emailId('rich')] })
    expect(res.accountId).toBe(t.alice.accountId)
    expect(typeof res.state).toBe('string')
    expect(res.notFound).toEqual([])
    const email = res.list[0]
    expect(Object.keys(email).sort()).toEqual(
      [
        'id',
        'blobId',
        'threadId',
        'mailboxIds',
        'keywords',
        'size',
        'receivedAt',
        'messageId',
        'inReplyTo',
        'references',
        'sender',
        'from',
        'to',
        'cc',
        'bcc',
        'replyTo',
        'subject',
        'sentAt',
        'hasAttachment',
        'preview',
        'bodyValues',
        'textBody',
        'htmlBody',
        'attachments',
      ].sort(),
    )
    const rich = ids.rich as { emailId: number; threadId: number; blobId: number }
    expect(email.id).toBe(emailId('rich'))
    expect(email.blobId).toBe(formatBlobId(rich.blobId))
    expect(email.threadId).toBe(formatObjectId('thread', rich.threadId))
    expect(email.mailboxIds).toEqual({
      [formatObjectId('mailbox', inboxId)]: true,
      [formatObjectId('mailbox', archiveId)]: true,
    })
    expect(email.keywords).toEqual({ $seen: true, $flagged: true, mytag: true })
    expect(email.size).toBe(Buffer.byteLength(richMessage))
    expect(email.receivedAt).toBe('2024-01-02T14:05:06Z')
    expect(email.messageId).toEqual(['m1@example.org'])
    expect(email.inReplyTo).toBeNull()
    expect(email.references).toEqual(['r0@example.org'])
    expect(email.from).toEqual([{ name: 'Renée Dupont', email: 'renee@example.org' }])
    expect(email.sender).toEqual([{ name: 'Secretary', email: 'sec@example.org' }])
    expect(email.replyTo).toEqual([{ name: null, email: 'replies@example.org' }])
    expect(email.to).toEqual([
      { name: null, email: 'ann@example.net' },
      { name: 'Bob B.', email: 'bob@example.net' },
      { name: null, email: 'carl@example.net' },
    ])
    expect(email.cc).toEqual([])
    expect(email.bcc).toBeNull()
    expect(email.subject).toBe('Café meeting today')
    expect(email.sentAt).toBe('2024-01-02T15:04:05+01:00')
    expect(email.hasAttachment).toBe(true)
    expect(email.preview).toBe('Café at 10 — see you.')
    expect(email.bodyValues).toEqual({})
  })

  test('receivedAt keeps milliseconds when there are some; properties limits the answer to id and those', async () => {
    const res = await getEmails({ ids: [emailId('latin1')], properties: ['receivedAt', 'subject', 'from'] })
    expect(res.list).toEqual([
      {
        id: emailId('latin1'),
        receivedAt: '2024-01-03T13:00:00.250Z',
        subject: 'Grüße',
        from: [{ name: 'Jörg', email: 'joerg@example.de' }],
      },
    ])
  })

  test('unknown and foreign ids are notFound; duplicates are answered once; order follows ids', async () => {
    const bobInbox = t.server.services.store.findMailboxByRole(
      parseAccountId(t.bob.accountId) as number,
      'inbox',
    )
    const bobs = await t.server.services.store.appendRaw(parseAccountId(t.bob.accountId) as number, {
      mailboxIds: [(bobInbox as { id: number }).id],
      bytes: Buffer.from('Subject: for bob\r\n\r\nhi\r\n'),
      keywords: toKeywordSet([]),
      receivedAt: Date.now(),
    })
    const bobEmail = formatObjectId('email', bobs.emailId)
    const res = await getEmails({
      ids: [
        emailId('latin1'),
        'Ezzzzzz',
        'not-an-email',
        bobEmail,
        emailId('rich'),
        emailId('latin1'),
        'E01',
      ],
      properties: ['id'],
    })
    expect(res.list).toEqual([{ id: emailId('latin1') }, { id: emailId('rich') }])
    expect(res.notFound.sort()).toEqual(['E01', 'Ezzzzzz', 'not-an-email', bobEmail].sort())
  })

  test('ids null returns every email of the account', async () => {
    const res = await getEmails({ ids: null, properties: ['id'] })
    expect(res.list.map((e: Json) => e.id).sort()).toEqual(
      ['rich', 'latin1', 'forwarded', 'broken', 'original', 'reply'].map(emailId).sort(),
    )
  })

  test('ids null on an account with more emails than maxObjectsInGet: requestTooLarge', async () => {
    const store = t.server.services.store
    const carol = await t.server.services.directory.accounts.add({
      email: 'carol@example.test',
      password: 'carol-pw',
    })
    await store.ensureAccount(carol.id)
    const inbox = (store.findMailboxByRole(carol.id, 'inbox') as { id: number }).id
    const session = (await (
      await fetch(`${t.base}/jmap/session`, {
        headers: { authorization: basic('carol@example.test', 'carol-pw') },
      })
    ).json()) as Json
    const max = session.capabilities['urn:ietf:params:jmap:core'].maxObjectsInGet as number
    await store.appendRawAll(
      carol.id,
      Array.from({ length: max + 1 }, (_, i) => ({
        mailboxIds: [inbox],
        bytes: Buffer.from(`Subject: n${i}\r\n\r\nx\r\n`),
        keywords: toKeywordSet([]),
        receivedAt: Date.UTC(2024, 0, 1) + i,
      })),
    )
    const who = {
      email: 'carol@example.test',
      password: 'carol-pw',
      accountId: `A${carol.id.toString(36)}`,
      authorization: basic('carol@example.test', 'carol-pw'),
    }
    const responses = await api(t, who, [
      ['Email/get', { accountId: who.accountId, ids: null, properties: ['id'] }, 'a'],
      ['Thread/get', { accountId: who.accountId, ids: null }, 'b'],
      ['Email/get', { accountId: who.accountId, ids: [formatObjectId('email', 1)], properties: ['id'] }, 'c'],
    ])
    expect(responses[0]).toEqual(['error', expect.objectContaining({ type: 'requestTooLarge' }), 'a'])
    expect(responses[1]).toEqual(['error', expect.objectContaining({ type: 'requestTooLarge' }), 'b'])
    expect(responses[2]?.[0]).toBe('Email/get')
  })
})

describe('Email/get header properties (rfc8621#section-4.1.2, 4.1.3)', () => {
  test('headers: every field in order, Raw form with leading space and folds', async () => {
    const res = await getEmails({ ids: [emailId('rich')], properties: ['headers'] })
    const headers = res.list[0].headers as { name: string; value: string }[]
    expect(headers.map((h) => h.name)).toEqual([
      'Return-Path',
      'Received',
      'From',
      'Sender',
      'Reply-To',
      'To',
      'Cc',
      'Subject',
      'Date',
      'Message-ID',
      'References',
      'X-Tag',
      'X-Tag',
      'X-Folded',
      'List-Post',
      'MIME-Version',
      'Content-Type',
    ])
    expect(headers[2]).toEqual({ name: 'From', value: ' =?UTF-8?Q?Ren=C3=A9e_Dupont?= <renee@example.org>' })
    expect(headers[12]).toEqual({ name: 'X-Tag', value: '  second' })
    expect(headers[13]).toEqual({ name: 'X-Folded', value: ' part one\r\n part two' })
  })

  test('parsed forms, last instance or :all, null or [] when absent, names case-insensitive', async () => {
    const props = [
      'header:Subject:asText',
      'header:subject',
      'header:To:asAddresses',
      'header:to:asGroupedAddresses',
      'header:Cc:asGroupedAddresses',
      'header:X-Tag',
      'header:X-Tag:all',
      'header:x-tag:asText:all',
      'header:X-Folded:asText',
      'header:List-Post:asURLs',
      'header:Date:asDate',
      'header:Message-ID:asMessageIds',
      'header:References:asMessageIds:all',
      'header:X-Missing',
      'header:X-Missing:all',
      'header:Received',
    ]
    const res = await getEmails({ ids: [emailId('rich')], properties: props })
    const email = res.list[0]
    expect(Object.keys(email).sort()).toEqual(['id', ...props].sort())
    expect(email['header:Subject:asText']).toBe('Café meeting today')
    expect(email['header:subject']).toBe(' =?UTF-8?B?Q2Fmw6kgbWVldGluZw==?= today')
    expect(email['header:To:asAddresses']).toEqual([
      { name: null, email: 'ann@example.net' },
      { name: 'Bob B.', email: 'bob@example.net' },
      { name: null, email: 'carl@example.net' },
    ])
    expect(email['header:to:asGroupedAddresses']).toEqual([
      {
        name: 'Friends',
        addresses: [
          { name: null, email: 'ann@example.net' },
          { name: 'Bob B.', email: 'bob@example.net' },
        ],
      },
      { name: null, addresses: [{ name: null, email: 'carl@example.net' }] },
    ])
    expect(email['header:Cc:asGroupedAddresses']).toEqual([{ name: 'undisclosed-recipients', addresses: [] }])
    expect(email['header:X-Tag']).toBe('  second')
    expect(email['header:X-Tag:all']).toEqual([' first', '  second'])
    expect(email['header:x-tag:asText:all']).toEqual(['first', 'second'])
    expect(email['header:X-Folded:asText']).toBe('part one part two')
    expect(email['header:List-Post:asURLs']).toEqual([
      'mailto:list@example.org',
      'https://list.example.org/post',
    ])
    expect(email['header:Date:asDate']).toBe('2024-01-02T15:04:05+01:00')
    expect(email['header:Message-ID:asMessageIds']).toEqual(['m1@example.org'])
    expect(email['header:References:asMessageIds:all']).toEqual([['r0@example.org']])
    expect(email['header:X-Missing']).toBeNull()
    expect(email['header:X-Missing:all']).toEqual([])
    expect(email['header:Received']).toBe(
      ' from a.example.org by b.example.org; Tue, 2 Jan 2024 15:04:06 +0100',
    )
  })

  test('an encoded word in another charset decodes in the Text form', async () => {
    const res = await getEmails({
      ids: [emailId('latin1')],
      properties: ['header:Subject:asText', 'subject'],
    })
    expect(res.list[0]['header:Subject:asText']).toBe('Grüße')
    expect(res.list[0].subject).toBe('Grüße')
  })

  test('forms a field may not be asked for, and malformed header properties: invalidArguments', async () => {
    for (const property of [
      'header:From:asDate',
      'header:Subject:asAddresses',
      'header:Date:asText',
      'header:Message-ID:asURLs',
      'header:Received:asText',
      'header:List-Post:asMessageIds',
      'header:X-Thing:asNothing',
      'header:X-Thing:all:asText',
      'header:',
      'header:Bad Name',
      'header:X-Thing:asText:all:extra',
    ]) {
      const err = await callError('Email/get', { ids: [emailId('rich')], properties: [property] })
      expect({ property, type: err.type }).toEqual({ property, type: 'invalidArguments' })
    }
    // any form is allowed for a field rfc5322 and rfc2369 do not define
    const ok = await getEmails({
      ids: [emailId('rich')],
      properties: ['header:X-Tag:asDate', 'header:X-Tag:asAddresses', 'header:X-Tag:asURLs'],
    })
    expect(ok.list[0]['header:X-Tag:asDate']).toBeNull()
    expect(ok.list[0]['header:X-Tag:asURLs']).toBeNull()
    expect(ok.list[0]['header:X-Tag:asAddresses']).toEqual([{ name: null, email: 'second' }])
  })
})

describe('Email/get body parts (rfc8621#section-4.1.4)', () => {
  const pdfBytes = Buffer.from(attachmentBase64, 'base64')

  test('textBody, htmlBody and attachments with the default body properties', async () => {
    const res = await getEmails({
      ids: [emailId('rich')],
      properties: ['textBody', 'htmlBody', 'attachments'],
    })
    const email = res.list[0]
    const blob = (ids.rich as { blobId: number }).blobId
    expect(email.textBody).toEqual([
      {
        partId: '1.1',
        blobId: formatBlobId(blob, '1.1'),
        size: Buffer.byteLength('Café at 10 — see you.'),
        name: null,
        type: 'text/plain',
        charset: 'utf-8',
        disposition: null,
        cid: null,
        language: null,
        location: null,
      },
    ])
    expect(email.htmlBody).toEqual([
      {
        partId: '1.2',
        blobId: formatBlobId(blob, '1.2'),
        size: Buffer.byteLength('<p>Caf&eacute; at <b>10</b></p>'),
        name: null,
        type: 'text/html',
        charset: 'utf-8',
        disposition: null,
        cid: null,
        language: null,
        location: null,
      },
    ])
    expect(email.attachments).toEqual([
      {
        partId: '2',
        blobId: formatBlobId(blob, '2'),
        size: pdfBytes.length,
        name: 'résumé.pdf',
        type: 'application/pdf',
        charset: null,
        disposition: 'attachment',
        cid: 'att1@example.org',
        language: ['fr'],
        location: 'https://example.org/r.pdf',
      },
    ])
  })

  test('bodyStructure with subParts; bodyProperties with headers and header forms', async () => {
    const res = await getEmails({
      ids: [emailId('rich')],
      properties: ['bodyStructure'],
      bodyProperties: ['partId', 'type', 'headers', 'header:Content-Type:asText', 'size'],
    })
    const root = res.list[0].bodyStructure
    expect(root.partId).toBeNull()
    expect(root.type).toBe('multipart/mixed')
    expect(root.headers.map((h: Json) => h.name)).toContain('Subject')
    expect(root['header:Content-Type:asText']).toBe('multipart/mixed; boundary="outer"')
    const [alt, pdf] = root.subParts
    expect(alt.type).toBe('multipart/alternative')
    expect(alt.partId).toBeNull()
    expect(alt.subParts.map((p: Json) => [p.partId, p.type])).toEqual([
      ['1.1', 'text/plain'],
      ['1.2', 'text/html'],
    ])
    expect(alt.subParts[0].headers).toEqual([
      { name: 'Content-Type', value: ' text/plain; charset=utf-8' },
      { name: 'Content-Transfer-Encoding', value: ' quoted-printable' },
    ])
    expect(pdf).toMatchObject({ partId: '2', type: 'application/pdf', size: pdfBytes.length })
    expect(pdf.subParts).toBeUndefined()
    expect(Object.keys(pdf).sort()).toEqual([
      'header:Content-Type:asText',
      'headers',
      'partId',
      'size',
      'type',
    ])
  })

  test('a single-part message is part "1"; subParts asked for is null on a leaf', async () => {
    const res = await getEmails({
      ids: [emailId('latin1')],
      properties: ['bodyStructure', 'textBody', 'attachments', 'hasAttachment'],
      bodyProperties: ['partId', 'charset', 'subParts'],
    })
    const email = res.list[0]
    expect(email.bodyStructure).toEqual({ partId: '1', charset: 'iso-8859-1', subParts: null })
    expect(email.textBody).toEqual([{ partId: '1', charset: 'iso-8859-1', subParts: null }])
    expect(email.attachments).toEqual([])
    expect(email.hasAttachment).toBe(false)
  })

  test('a row stored before decoded sizes were kept: sizes come from the message bytes', async () => {
    const expected = await getEmails({ ids: [emailId('rich')], properties: ['attachments', 'textBody'] })
    // what an older row looks like: meta without decodedSizes
    const db = new Database(join(t.server.dataDir, 'postern.sqlite'))
    try {
      db.query("UPDATE email_facts SET meta = json_remove(meta, '$.decodedSizes') WHERE email_id = ?").run(
        (ids.rich as { emailId: number }).emailId,
      )
    } finally {
      db.close()
    }
    const res = await getEmails({ ids: [emailId('rich')], properties: ['attachments', 'textBody'] })
    expect(res.list[0].attachments[0].size).toBe(pdfBytes.length)
    expect(res.list).toEqual(expected.list)
  })

  test('multipart/related with an inline image; an attached message is one part, not descended into', async () => {
    const res = await getEmails({
      ids: [emailId('forwarded')],
      properties: ['bodyStructure', 'textBody', 'htmlBody', 'attachments', 'hasAttachment'],
      bodyProperties: ['partId', 'type', 'cid', 'disposition', 'size'],
    })
    const email = res.list[0]
    const htmlSize = '<p>see <img src="cid:pic@x"></p>'.length
    const html = { partId: '1.1', type: 'text/html', cid: null, disposition: null, size: htmlSize }
    const image = { partId: '1.2', type: 'image/png', cid: 'pic@x', disposition: 'inline', size: 8 }
    const inner = crlf('From: inner@example.org\nSubject: inner\nContent-Type: text/plain\n\ninner body')
    const message = { partId: '2', type: 'message/rfc822', cid: null, disposition: null, size: inner.length }
    expect(email.htmlBody).toEqual([html])
    // no text/plain alternative: the HTML is the text body too
    expect(email.textBody).toEqual([html])
    expect(email.attachments).toEqual([image, message])
    expect(email.hasAttachment).toBe(true)
    expect(email.bodyStructure.subParts[1]).toEqual(message)
    expect(email.bodyStructure.subParts[0].subParts).toEqual([html, image])
  })

  test('unknown body properties and bad argument types: invalidArguments', async () => {
    const cases: Record<string, unknown>[] = [
      { bodyProperties: ['partId', 'nope'] },
      { bodyProperties: ['header:From:asDate'] },
      { properties: ['id', 'bodyStructur'] },
      { fetchTextBodyValues: 'yes' },
      { fetchHTMLBodyValues: 1 },
      { fetchAllBodyValues: 'true' },
      { maxBodyValueBytes: -1 },
      { maxBodyValueBytes: 1.5 },
      { ids: 'E1' },
      { properties: 'id' },
    ]
    for (const extra of cases) {
      const err = await callError('Email/get', { ids: [emailId('rich')], ...extra })
      expect({ extra, type: err.type }).toEqual({ extra, type: 'invalidArguments' })
    }
  })
})

describe('Email/get body values', () => {
  test('fetchTextBodyValues / fetchHTMLBodyValues / fetchAllBodyValues choose the parts', async () => {
    const text = await getEmails({
      ids: [emailId('rich')],
      properties: ['bodyValues'],
      fetchTextBodyValues: true,
    })
    expect(text.list[0].bodyValues).toEqual({
      '1.1': { value: 'Café at 10 — see you.', isEncodingProblem: false, isTruncated: false },
    })
    const html = await getEmails({
      ids: [emailId('rich')],
      properties: ['bodyValues'],
      fetchHTMLBodyValues: true,
    })
    expect(html.list[0].bodyValues).toEqual({
      '1.2': { value: '<p>Caf&eacute; at <b>10</b></p>', isEncodingProblem: false, isTruncated: false },
    })
    const all = await getEmails({
      ids: [emailId('rich')],
      properties: ['bodyValues'],
      fetchAllBodyValues: true,
    })
    // the PDF is not text/*: no value for it
    expect(Object.keys(all.list[0].bodyValues).sort()).toEqual(['1.1', '1.2'])
  })

  test('ISO-8859-1 text is decoded; CRLF becomes LF', async () => {
    const res = await getEmails({
      ids: [emailId('latin1')],
      properties: ['bodyValues'],
      fetchTextBodyValues: true,
    })
    expect(res.list[0].bodyValues).toEqual({
      '1': { value: 'Grüße aus Köln\n', isEncodingProblem: false, isTruncated: false },
    })
  })

  test('invalid UTF-8 and an unknown charset are encoding problems', async () => {
    const res = await getEmails({
      ids: [emailId('broken')],
      properties: ['bodyValues'],
      fetchAllBodyValues: true,
    })
    const values = res.list[0].bodyValues
    expect(values['1'].isEncodingProblem).toBe(true)
    expect(values['1'].value).toContain('bad ')
    expect(values['1'].value).toContain('bytes')
    expect(values['2']).toEqual({ value: 'plain words', isEncodingProblem: true, isTruncated: false })
  })

  test('maxBodyValueBytes cuts at a code point boundary, and not inside an HTML tag', async () => {
    const res = await getEmails({
      ids: [emailId('rich')],
      properties: ['bodyValues'],
      fetchAllBodyValues: true,
      maxBodyValueBytes: 13,
    })
    // "Café at 10 " is 12 octets; the next character, an em dash, would need 3 more
    expect(res.list[0].bodyValues['1.1']).toEqual({
      value: 'Café at 10 ',
      isEncodingProblem: false,
      isTruncated: true,
    })
    const html = await getEmails({
      ids: [emailId('rich')],
      properties: ['bodyValues'],
      fetchHTMLBodyValues: true,
      maxBodyValueBytes: 20,
    })
    expect(html.list[0].bodyValues['1.2']).toEqual({
      value: '<p>Caf&eacute; at ',
      isEncodingProblem: false,
      isTruncated: true,
    })
    const roomy = await getEmails({
      ids: [emailId('rich')],
      properties: ['bodyValues'],
      fetchTextBodyValues: true,
      maxBodyValueBytes: 1000,
    })
    expect(roomy.list[0].bodyValues['1.1'].isTruncated).toBe(false)
  })
})

describe('Thread/get (rfc8621#section-3.1)', () => {
  test('a reply joins the thread; emailIds are sorted by receivedAt, not arrival', async () => {
    expect(threadId('reply')).toBe(threadId('original'))
    const responses = await api(t, t.alice, [
      ['Thread/get', { accountId: t.alice.accountId, ids: [threadId('original'), 'T999999', 'M1'] }, 't'],
    ])
    const res = resultOf(responses, 't', 'Thread/get') as Json
    expect(res.list).toEqual([
      { id: threadId('original'), emailIds: [emailId('reply'), emailId('original')] },
    ])
    expect(res.notFound.sort()).toEqual(['M1', 'T999999'])
    expect(typeof res.state).toBe('string')
  })

  test('result references: Email/get of the emails of the threads of emails', async () => {
    const responses = await api(t, t.alice, [
      [
        'Email/get',
        { accountId: t.alice.accountId, ids: [emailId('original')], properties: ['threadId'] },
        'a',
      ],
      [
        'Thread/get',
        {
          accountId: t.alice.accountId,
          '#ids': { resultOf: 'a', name: 'Email/get', path: '/list/*/threadId' },
        },
        'b',
      ],
      [
        'Email/get',
        {
          accountId: t.alice.accountId,
          '#ids': { resultOf: 'b', name: 'Thread/get', path: '/list/*/emailIds' },
          properties: ['subject'],
        },
        'c',
      ],
    ])
    expect((resultOf(responses, 'c', 'Email/get') as Json).list.map((e: Json) => e.subject)).toEqual([
      'Re: plan',
      'plan',
    ])
  })

  test('ids null lists every thread; properties and unknown properties', async () => {
    const responses = await api(t, t.alice, [
      ['Thread/get', { accountId: t.alice.accountId, ids: null, properties: ['id'] }, 'a'],
      ['Thread/get', { accountId: t.alice.accountId, ids: [], properties: ['emailIds', 'nope'] }, 'b'],
    ])
    const all = resultOf(responses, 'a', 'Thread/get') as Json
    expect(all.list).toHaveLength(5) // rich, latin1, forwarded, broken, and the original with its reply
    expect(all.list.every((x: Json) => Object.keys(x).join() === 'id')).toBe(true)
    expect(responses[1]).toEqual(['error', expect.objectContaining({ type: 'invalidArguments' }), 'b'])
  })
})

describe('Email/changes and Thread/changes', () => {
  test('created, updated and destroyed since a state; maxChanges; errors', async () => {
    const store = t.server.services.store
    const start = await api(t, t.alice, [
      ['Email/get', { accountId: t.alice.accountId, ids: [] }, 'e'],
      ['Thread/get', { accountId: t.alice.accountId, ids: [] }, 't'],
    ])
    const emailState = (resultOf(start, 'e') as Json).state as string
    const threadState = (resultOf(start, 't') as Json).state as string

    const added = await append(
      aliceId,
      crlf('From: c@example.org\nSubject: Re: plan\nReferences: <t1@example.org>\n\nthird\n'),
      Date.UTC(2024, 1, 3),
    )
    const fresh = await append(
      aliceId,
      crlf('From: d@example.org\nSubject: alone\n\nx\n'),
      Date.UTC(2024, 1, 4),
    )
    await store.setKeywords(
      aliceId,
      [(ids.latin1 as { emailId: number }).emailId],
      'add',
      toKeywordSet(['$seen']),
    )
    await store.destroyEmails(aliceId, [(ids.broken as { emailId: number }).emailId])

    const responses = await api(t, t.alice, [
      ['Email/changes', { accountId: t.alice.accountId, sinceState: emailState }, 'a'],
      ['Thread/changes', { accountId: t.alice.accountId, sinceState: threadState }, 'b'],
      ['Email/changes', { accountId: t.alice.accountId, sinceState: emailState, maxChanges: 1 }, 'c'],
      ['Email/changes', { accountId: t.alice.accountId }, 'd'],
      ['Email/changes', { accountId: t.alice.accountId, sinceState: 'garbage' }, 'e'],
      ['Thread/changes', { accountId: t.alice.accountId, sinceState: '999999999' }, 'f'],
      ['Email/get', { accountId: t.alice.accountId, ids: [] }, 'g'],
    ])
    const emails = resultOf(responses, 'a', 'Email/changes') as Json
    expect(emails.oldState).toBe(emailState)
    expect(emails.hasMoreChanges).toBe(false)
    expect(emails.created.sort()).toEqual(
      [formatObjectId('email', added.emailId), formatObjectId('email', fresh.emailId)].sort(),
    )
    expect(emails.updated).toEqual([emailId('latin1')])
    expect(emails.destroyed).toEqual([emailId('broken')])
    expect(emails.newState).toBe((resultOf(responses, 'g') as Json).state)

    const threads = resultOf(responses, 'b', 'Thread/changes') as Json
    expect(threads.created).toEqual([formatObjectId('thread', fresh.threadId)])
    expect(threads.updated).toEqual([threadId('original')])
    expect(threads.destroyed).toEqual([threadId('broken')])

    const first = resultOf(responses, 'c', 'Email/changes') as Json
    expect(first.hasMoreChanges).toBe(true)
    expect(first.created).toEqual([formatObjectId('email', added.emailId)])
    expect(first.newState).not.toBe(emails.newState)

    expect(responses[3]).toEqual(['error', expect.objectContaining({ type: 'invalidArguments' }), 'd'])
    expect(responses[4]).toEqual(['error', expect.objectContaining({ type: 'cannotCalculateChanges' }), 'e'])
    expect(responses[5]).toEqual(['error', expect.objectContaining({ type: 'cannotCalculateChanges' }), 'f'])

    const thread = await api(t, t.alice, [
      ['Thread/get', { accountId: t.alice.accountId, ids: [threadId('original'), threadId('broken')] }, 't'],
    ])
    const after = resultOf(thread, 't', 'Thread/get') as Json
    expect(after.list[0].emailIds).toEqual([
      emailId('reply'),
      emailId('original'),
      formatObjectId('email', added.emailId),
    ])
    expect(after.notFound).toEqual([threadId('broken')])
  })
})

describe('across protocols', () => {
  test('flags stored over IMAP are JMAP keywords, lower-case; an IMAP APPEND is a JMAP email', async () => {
    const before = await getEmails({ ids: [] })
    const imap = await ImapClient.login(t.server.port('imap'), t.alice.email, t.alice.password)
    try {
      expect((await imap.command('SELECT INBOX')).done).toStartWith('OK')
      const rich = ids.rich as { emailId: number }
      const uid = t.server.services.store
        .mailboxMessages(inboxId)
        .find((m) => m.emailId === rich.emailId)?.uid
      expect((await imap.command(`UID STORE ${uid} +FLAGS (\\Answered $Label1 Work)`)).done).toStartWith('OK')
      const message = 'From: imap@example.org\r\nSubject: via IMAP\r\n\r\nhello\r\n'
      imap.send(`a1 APPEND INBOX (\\Draft Later) {${message.length}+}\r\n${message}\r\n`)
      const appended = await imap.until('a1')
      expect(appended.done).toStartWith('OK')
    } finally {
      imap.close()
    }
    const changes = await api(t, t.alice, [
      ['Email/changes', { accountId: t.alice.accountId, sinceState: before.state }, 'c'],
      [
        'Email/get',
        {
          accountId: t.alice.accountId,
          '#ids': { resultOf: 'c', name: 'Email/changes', path: '/created' },
          properties: ['subject', 'keywords', 'preview'],
        },
        'g',
      ],
      ['Email/get', { accountId: t.alice.accountId, ids: [emailId('rich')], properties: ['keywords'] }, 'r'],
    ])
    expect((resultOf(changes, 'c') as Json).updated).toEqual([emailId('rich')])
    expect((resultOf(changes, 'g') as Json).list).toEqual([
      {
        id: expect.any(String),
        subject: 'via IMAP',
        keywords: { $draft: true, later: true },
        preview: 'hello',
      },
    ])
    expect((resultOf(changes, 'r') as Json).list[0].keywords).toEqual({
      $seen: true,
      $flagged: true,
      $answered: true,
      $label1: true,
      mytag: true,
      work: true,
    })
  })
})

describe('capabilities', () => {
  test('the methods need the mail capability in "using"', async () => {
    const responses = await api(
      t,
      t.alice,
      [
        ['Email/get', { accountId: t.alice.accountId, ids: [] }, 'a'],
        ['Thread/changes', { accountId: t.alice.accountId, sinceState: '0' }, 'b'],
      ],
      ['urn:ietf:params:jmap:core'],
    )
    expect(responses.map((r) => [r[0], (r[1] as Json).type])).toEqual([
      ['error', 'unknownMethod'],
      ['error', 'unknownMethod'],
    ])
  })

  test('another account id: accountNotFound', async () => {
    const err = await callError('Email/get', { accountId: t.bob.accountId, ids: [] })
    expect(err.type).toBe('accountNotFound')
  })
})
