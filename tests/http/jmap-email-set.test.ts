// rfc8621#section-4.6 Email/set over real HTTP: create (headers in their forms, body lists and
// bodyStructure, blob parts), update of keywords and mailboxIds, destroy, and the SetErrors.
// What was stored is read back through the store, as IMAP would see it.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { parseAccountId } from '../../src/jmap/core/ids.ts'
import { parseMessage } from '../../src/mail/index.ts'
import { keywordNames } from '../../src/store/keywords.ts'
import { formatObjectId, parseObjectId } from '../../src/store/object-ids.ts'
import {
  api,
  type JmapTestAccount,
  type JmapTestServer,
  type Json,
  resultOf,
  startJmapServer,
} from '../helpers/jmap.ts'

let t: JmapTestServer
let inbox: string
let archive: string
let aliceId: number
beforeAll(async () => {
  t = await startJmapServer()
  aliceId = parseAccountId(t.alice.accountId) as number
  const store = t.server.services.store
  inbox = formatObjectId('mailbox', store.findMailboxByRole(aliceId, 'inbox')?.id ?? 0)
  archive = formatObjectId('mailbox', (await store.createMailbox(aliceId, 'Filed')).id)
})
afterAll(() => t?.close())

async function set(who: JmapTestAccount, args: Record<string, unknown>): Promise<Json> {
  return resultOf(
    await api(t, who, [['Email/set', { accountId: who.accountId, ...args }, 's']]),
    's',
    'Email/set',
  )
}

function rawOf(emailId: string): string {
  const bytes = t.server.services.store.raw(aliceId, parseObjectId('email', emailId) as number)
  return new TextDecoder().decode(bytes)
}

function stateOf(emailId: string) {
  const id = parseObjectId('email', emailId) as number
  const store = t.server.services.store
  const row = store.emails(aliceId, [id])[0]
  return {
    keywords: row ? keywordNames({ flags: row.flags, keywords: JSON.parse(row.keywords) }).sort() : null,
    mailboxIds: (store.emailMailboxIds(aliceId, [id]).get(id) ?? [])
      .map((m) => formatObjectId('mailbox', m))
      .sort(),
  }
}

async function uploadText(who: JmapTestAccount, body: string | Uint8Array, type: string): Promise<string> {
  const res = await fetch(`${t.base}/jmap/upload/${who.accountId}/`, {
    method: 'POST',
    headers: { authorization: who.authorization, 'content-type': type },
    body,
  })
  return ((await res.json()) as Json).blobId
}

const simple = (extra: Record<string, unknown> = {}) => ({
  mailboxIds: { [inbox]: true },
  from: [{ name: 'Alice', email: 'alice@example.test' }],
  subject: 'plain',
  textBody: [{ partId: 't' }],
  bodyValues: { t: { value: 'hello' } },
  ...extra,
})

describe('create', () => {
  test('text, HTML and an uploaded attachment make multipart/mixed(alternative, attachment)', async () => {
    const pdf = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0, 1, 2, 255])
    const blobId = await uploadText(t.alice, pdf, 'application/pdf')
    const r = await set(t.alice, {
      create: {
        k1: {
          mailboxIds: { [inbox]: true, [archive]: true },
          keywords: { $seen: true, $draft: true },
          receivedAt: '2026-09-01T10:00:00Z',
          from: [{ name: 'Alice Ünicode', email: 'alice@example.test' }],
          to: [
            { name: null, email: 'bob@example.test' },
            { name: 'Carol, C.', email: 'carol@example.net' },
          ],
          subject: 'Grüße aus Köln',
          sentAt: '2026-09-01T12:00:00+02:00',
          'header:X-Tracking:asText': 'plain value',
          textBody: [{ partId: 'text', type: 'text/plain' }],
          htmlBody: [{ partId: 'html', type: 'text/html' }],
          attachments: [{ blobId, type: 'application/pdf', name: 'résumé.pdf' }],
          bodyValues: {
            text: { value: 'Hallo Welt\nZeile zwei: äöü' },
            html: { value: '<p>Hallo Welt</p>' },
          },
        },
      },
    })
    const created = r.created.k1
    expect(created).toEqual({
      id: expect.stringMatching(/^E/),
      blobId: expect.stringMatching(/^B/),
      threadId: expect.stringMatching(/^T/),
      size: expect.any(Number),
    })
    expect(r.notCreated).toBeNull()
    const raw = rawOf(created.id)
    expect(new TextEncoder().encode(raw).length).toBe(created.size)
    expect(raw).toContain('From: Alice =?UTF-8?Q?=C3=9Cnicode?= <alice@example.test>\r\n')
    expect(/^[\x00-\x7f]*$/.test(raw)).toBe(true)
    expect(raw).toContain('To: bob@example.test, "Carol, C." <carol@example.net>\r\n')
    expect(raw).toContain('Date: Tue, 1 Sep 2026 12:00:00 +0200\r\n')
    expect(raw).toContain('X-Tracking: plain value\r\n')
    expect(raw).toMatch(/^Message-ID: <[^>]+@example\.test>\r\n/m)
    expect(raw).toContain('MIME-Version: 1.0\r\n')
    const parsed = parseMessage(new TextEncoder().encode(raw))
    expect(parsed.subject).toBe('Grüße aus Köln')
    expect(parsed.from).toEqual([{ name: 'Alice Ünicode', email: 'alice@example.test' }])
    const root = parsed.parts
    expect(`${root.type}/${root.subtype}`).toBe('multipart/mixed')
    expect(root.children.map((p) => `${p.type}/${p.subtype}`)).toEqual([
      'multipart/alternative',
      'application/pdf',
    ])
    expect(root.children[1]?.name).toBe('résumé.pdf')
    expect(root.children[1]?.disposition).toBe('attachment')
    // Each body part comes back decoded through the download endpoint.
    const get = (part: string) =>
      fetch(`${t.base}/jmap/download/${t.alice.accountId}/${created.blobId}_${part}/x`, {
        headers: { authorization: t.alice.authorization },
      })
    expect(await (await get('1-1')).text()).toBe('Hallo Welt\r\nZeile zwei: äöü')
    expect(await (await get('1-2')).text()).toBe('<p>Hallo Welt</p>')
    expect(new Uint8Array(await (await get('2')).arrayBuffer())).toEqual(pdf)
    expect(stateOf(created.id)).toEqual({
      keywords: ['$draft', '$seen'],
      mailboxIds: [archive, inbox].sort(),
    })
    const stored = t.server.services.store.emails(aliceId, [parseObjectId('email', created.id) as number])[0]
    expect(stored?.receivedAt).toBe(Date.parse('2026-09-01T10:00:00Z'))
  })

  test('bodyStructure with header:* forms on the message and on parts', async () => {
    const r = await set(t.alice, {
      create: {
        b: {
          mailboxIds: { [inbox]: true },
          'header:Subject:asText': 'structured',
          'header:List-Unsubscribe:asURLs': ['mailto:leave@example.net', 'https://example.net/leave'],
          'header:In-Reply-To:asMessageIds': ['parent@example.net'],
          'header:X-Raw': ' kept  as\r\n is',
          'header:X-Many:all': [' one', ' two'],
          bodyStructure: {
            type: 'multipart/related',
            subParts: [
              { partId: 'h', type: 'text/html', 'header:X-Part:asText': 'part field' },
              {
                blobId: await uploadText(t.alice, 'GIF89a', 'image/gif'),
                type: 'image/gif',
                cid: 'logo@x',
                disposition: 'inline',
              },
            ],
          },
          bodyValues: { h: { value: '<img src="cid:logo@x">' } },
        },
      },
    })
    expect(r.notCreated).toBeNull()
    const raw = rawOf(r.created.b.id)
    expect(raw).toContain('Subject: structured\r\n')
    expect(raw).toContain('List-Unsubscribe: <mailto:leave@example.net>, <https://example.net/leave>\r\n')
    expect(raw).toContain('In-Reply-To: <parent@example.net>\r\n')
    expect(raw).toContain('X-Raw: kept  as\r\n is\r\n')
    expect(raw).toContain('X-Many: one\r\nX-Many: two\r\n')
    expect(raw).toContain('X-Part: part field\r\n')
    expect(raw).toContain('Content-ID: <logo@x>\r\n')
    const parsed = parseMessage(new TextEncoder().encode(raw))
    expect(`${parsed.parts.type}/${parsed.parts.subtype}`).toBe('multipart/related')
    expect(parsed.inReplyTo).toEqual(['parent@example.net'])
  })

  test('a creation id can be updated later in the same request', async () => {
    const responses = await api(t, t.alice, [
      ['Email/set', { accountId: t.alice.accountId, create: { n: simple() } }, 'a'],
      ['Email/set', { accountId: t.alice.accountId, update: { '#n': { 'keywords/$flagged': true } } }, 'b'],
    ])
    const id = (resultOf(responses, 'a') as Json).created.n.id
    expect(resultOf(responses, 'b').updated).toEqual({ [id]: null })
    expect(stateOf(id).keywords).toEqual(['$flagged'])
  })

  test('SetErrors: invalidProperties, blobNotFound, tooManyKeywords', async () => {
    const bobBlob = await uploadText(t.bob, 'bob only', 'text/plain')
    const r = await set(t.alice, {
      create: {
        noBox: simple({ mailboxIds: undefined }),
        badBox: simple({ mailboxIds: { Mzzzzz: true } }),
        falseBox: simple({ mailboxIds: { [inbox]: false } }),
        serverSet: simple({ id: 'E1' }),
        headers: simple({ headers: [{ name: 'X', value: 'y' }] }),
        both: simple({ bodyStructure: { partId: 't' } }),
        htmlAsText: simple({ textBody: [{ partId: 't', type: 'text/html' }] }),
        twoText: simple({ textBody: [{ partId: 't' }, { partId: 't' }] }),
        noValue: simple({ textBody: [{ partId: 'missing' }] }),
        charsetWithPartId: simple({ textBody: [{ partId: 't', charset: 'us-ascii' }] }),
        wrongForm: simple({ 'header:From:asDate': '2026-01-01T00:00:00Z' }),
        twice: simple({ 'header:Subject:asText': 'again' }),
        contentOnTop: simple({ 'header:Content-Type': ' text/plain' }),
        cte: simple({ textBody: [{ partId: 't', 'header:Content-Transfer-Encoding': ' base64' }] }),
        badAddress: simple({ to: [{ email: 'two words@example.test' }] }),
        truncated: simple({ bodyValues: { t: { value: 'x', isTruncated: true } } }),
        notMine: simple({ attachments: [{ blobId: bobBlob, type: 'text/plain' }, { blobId: 'Bzzzzzzz' }] }),
        keywords: simple({
          keywords: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, true])),
        }),
        badKeyword: simple({ keywords: { 'a(b': true } }),
        badDate: simple({ receivedAt: '2026-09-01 10:00' }),
      },
    })
    expect(r.created).toBeNull()
    const types = Object.fromEntries(
      Object.entries(r.notCreated as Record<string, Json>).map(([k, v]) => [k, v.type]),
    )
    expect(types).toEqual({
      noBox: 'invalidProperties',
      badBox: 'invalidProperties',
      falseBox: 'invalidProperties',
      serverSet: 'invalidProperties',
      headers: 'invalidProperties',
      both: 'invalidProperties',
      htmlAsText: 'invalidProperties',
      twoText: 'invalidProperties',
      noValue: 'invalidProperties',
      charsetWithPartId: 'invalidProperties',
      wrongForm: 'invalidProperties',
      twice: 'invalidProperties',
      contentOnTop: 'invalidProperties',
      cte: 'invalidProperties',
      badAddress: 'invalidProperties',
      truncated: 'invalidProperties',
      notMine: 'blobNotFound',
      keywords: 'tooManyKeywords',
      badKeyword: 'invalidProperties',
      badDate: 'invalidProperties',
    })
    expect(r.notCreated.noBox.properties).toEqual(['mailboxIds'])
    expect(r.notCreated.serverSet.properties).toEqual(['id'])
    expect(r.notCreated.headers.properties).toEqual(['headers'])
    expect(r.notCreated.notMine.notFound.sort()).toEqual([bobBlob, 'Bzzzzzzz'].sort())
  })
})

describe('update and destroy', () => {
  async function fresh(): Promise<string> {
    return (await set(t.alice, { create: { x: simple() } })).created.x.id
  }

  test('keywords by patch and whole; mailboxIds by patch and whole', async () => {
    const id = await fresh()
    let r = await set(t.alice, { update: { [id]: { 'keywords/$seen': true, 'keywords/Custom': true } } })
    expect(r.updated).toEqual({ [id]: null })
    expect(stateOf(id).keywords).toEqual(['$seen', 'custom'])
    r = await set(t.alice, { update: { [id]: { 'keywords/$seen': null } } })
    expect(stateOf(id).keywords).toEqual(['custom'])
    r = await set(t.alice, { update: { [id]: { keywords: { $flagged: true } } } })
    expect(stateOf(id).keywords).toEqual(['$flagged'])
    r = await set(t.alice, { update: { [id]: { [`mailboxIds/${archive}`]: true } } })
    expect(stateOf(id).mailboxIds).toEqual([archive, inbox].sort())
    r = await set(t.alice, { update: { [id]: { [`mailboxIds/${inbox}`]: null } } })
    expect(stateOf(id).mailboxIds).toEqual([archive])
    r = await set(t.alice, { update: { [id]: { mailboxIds: { [inbox]: true } } } })
    expect(r.updated).toEqual({ [id]: null })
    expect(stateOf(id).mailboxIds).toEqual([inbox])
  })

  test('update errors: last mailbox, immutable properties, unknown ids, other accounts', async () => {
    const id = await fresh()
    const r = await set(t.alice, {
      update: {
        [id]: { [`mailboxIds/${inbox}`]: null },
        Ezzzzzz: { 'keywords/$seen': true },
      },
    })
    expect(r.notUpdated[id]).toMatchObject({ type: 'invalidProperties', properties: ['mailboxIds'] })
    expect(r.notUpdated.Ezzzzzz.type).toBe('notFound')
    const immutable = await set(t.alice, { update: { [id]: { subject: 'changed' } } })
    expect(immutable.notUpdated[id]).toMatchObject({ type: 'invalidProperties', properties: ['subject'] })
    const badValue = await set(t.alice, { update: { [id]: { 'keywords/$seen': false } } })
    expect(badValue.notUpdated[id].type).toBe('invalidProperties')
    const overlap = await set(t.alice, { update: { [id]: { keywords: {}, 'keywords/$seen': true } } })
    expect(overlap.notUpdated[id].type).toBe('invalidPatch')
    const bobUpdates = await set(t.bob, { update: { [id]: { 'keywords/$seen': true } } })
    expect(bobUpdates.notUpdated[id].type).toBe('notFound')
    const bobDestroys = await set(t.bob, { destroy: [id] })
    expect(bobDestroys.notDestroyed[id].type).toBe('notFound')
    expect(stateOf(id)).toEqual({ keywords: [], mailboxIds: [inbox] })
  })

  test('destroy removes the email; a second destroy is notFound; states move', async () => {
    const id = await fresh()
    const first = await set(t.alice, { destroy: [id] })
    expect(first.destroyed).toEqual([id])
    expect(first.newState).not.toBe(first.oldState)
    expect(stateOf(id).keywords).toBeNull()
    const again = await set(t.alice, { destroy: [id] })
    expect(again.notDestroyed[id].type).toBe('notFound')
  })

  test('ifInState: a stale state is stateMismatch and changes nothing', async () => {
    const id = await fresh()
    const responses = await api(t, t.alice, [
      ['Email/set', { accountId: t.alice.accountId, ifInState: '1', destroy: [id] }, 'x'],
    ])
    expect(responses[0]?.[0]).toBe('error')
    expect(responses[0]?.[1]).toEqual({ type: 'stateMismatch' })
    expect(stateOf(id).mailboxIds).toEqual([inbox])
    const current = (await set(t.alice, {})).newState
    const ok = await set(t.alice, { ifInState: current, destroy: [id] })
    expect(ok.destroyed).toEqual([id])
  })
})

describe('Email/import (rfc8621#section-4.8)', () => {
  const message = [
    'From: Dave <dave@example.net>',
    'To: alice@example.test',
    'Subject: imported',
    'Message-ID: <imported@example.net>',
    '',
    'Body of an imported message.',
    '',
  ].join('\r\n')

  async function importCall(who: JmapTestAccount, args: Record<string, unknown>): Promise<Json> {
    const responses = await api(t, who, [['Email/import', { accountId: who.accountId, ...args }, 'i']])
    return responses[0]
  }

  test('an uploaded message becomes an email with the given mailboxes, keywords and receivedAt', async () => {
    const blobId = await uploadText(t.alice, message, 'message/rfc822')
    const [name, r] = await importCall(t.alice, {
      emails: {
        one: {
          blobId,
          mailboxIds: { [archive]: true },
          keywords: { $seen: true },
          receivedAt: '2026-01-02T03:04:05Z',
        },
      },
    })
    expect(name).toBe('Email/import')
    expect(r.created.one).toEqual({
      id: expect.stringMatching(/^E/),
      blobId,
      threadId: expect.stringMatching(/^T/),
      size: message.length,
    })
    expect(r.notCreated).toBeNull()
    expect(r.newState).not.toBe(r.oldState)
    expect(rawOf(r.created.one.id)).toBe(message)
    expect(stateOf(r.created.one.id)).toEqual({ keywords: ['$seen'], mailboxIds: [archive] })
    const row = t.server.services.store.emails(aliceId, [
      parseObjectId('email', r.created.one.id) as number,
    ])[0]
    expect(row?.receivedAt).toBe(Date.parse('2026-01-02T03:04:05Z'))
  })

  test('an attached message/rfc822 part can be imported by its part blob id', async () => {
    const [, outer] = await importCall(t.alice, {
      emails: {
        o: {
          blobId: await uploadText(
            t.alice,
            [
              'From: x@example.net',
              'Content-Type: multipart/mixed; boundary=b',
              '',
              '--b',
              'Content-Type: text/plain',
              '',
              'see attached',
              '--b',
              'Content-Type: message/rfc822',
              '',
              message,
              '--b--',
              '',
            ].join('\r\n'),
            'message/rfc822',
          ),
          mailboxIds: { [inbox]: true },
        },
      },
    })
    const partBlob = `${outer.created.o.blobId}_2`
    const [, inner] = await importCall(t.alice, {
      emails: { i: { blobId: partBlob, mailboxIds: { [inbox]: true } } },
    })
    expect(inner.notCreated).toBeNull()
    expect(rawOf(inner.created.i.id)).toBe(message)
  })

  test('SetErrors: invalidProperties (also for a blob not found, rfc8621#section-4.8), invalidEmail; ifInState', async () => {
    // Bytes only bob holds: the same bytes as alice's would be the same (content-addressed) blob.
    const bobBlob = await uploadText(t.bob, message.replace('imported', 'bob only'), 'message/rfc822')
    const notMail = await uploadText(t.alice, 'just some words without a header', 'text/plain')
    const good = await uploadText(t.alice, message, 'message/rfc822')
    const [, r] = await importCall(t.alice, {
      emails: {
        bobs: { blobId: bobBlob, mailboxIds: { [inbox]: true } },
        missing: { blobId: 'Bzzzzzzz', mailboxIds: { [inbox]: true } },
        notMail: { blobId: notMail, mailboxIds: { [inbox]: true } },
        noBoxes: { blobId: good, mailboxIds: {} },
        extra: { blobId: good, mailboxIds: { [inbox]: true }, subject: 'x' },
      },
    })
    expect(r.created).toBeNull()
    expect(
      Object.fromEntries(Object.entries(r.notCreated as Record<string, Json>).map(([k, v]) => [k, v.type])),
    ).toEqual({
      bobs: 'invalidProperties',
      missing: 'invalidProperties',
      notMail: 'invalidEmail',
      noBoxes: 'invalidProperties',
      extra: 'invalidProperties',
    })
    const [error, mismatch] = await importCall(t.alice, {
      ifInState: '1',
      emails: { x: { blobId: good, mailboxIds: { [inbox]: true } } },
    })
    expect(error).toBe('error')
    expect(mismatch.type).toBe('stateMismatch')
    const [missingArg, noEmails] = await importCall(t.alice, {})
    expect(missingArg).toBe('error')
    expect(noEmails.type).toBe('invalidArguments')
  })
})

describe('Email/copy (rfc8621#section-4.7)', () => {
  async function copy(args: Record<string, unknown>): Promise<Json> {
    return (await api(t, t.alice, [['Email/copy', { accountId: t.alice.accountId, ...args }, 'c']]))[0]
  }
  const create = { c: { id: 'E1', mailboxIds: { M1: true } } }

  test('from another account: fromAccountNotFound (a principal reaches only its own)', async () => {
    const [name, body] = await copy({ fromAccountId: t.bob.accountId, create })
    expect(name).toBe('error')
    expect(body.type).toBe('fromAccountNotFound')
    const [, unknown] = await copy({ fromAccountId: 'Azzzzzz', create })
    expect(unknown.type).toBe('fromAccountNotFound')
  })

  test('from the same account, or without fromAccountId or create: invalidArguments', async () => {
    for (const args of [
      { fromAccountId: t.alice.accountId, create },
      { create },
      { fromAccountId: t.bob.accountId },
    ]) {
      const [name, body] = await copy(args)
      expect(name).toBe('error')
      expect(body.type).toBe('invalidArguments')
    }
  })
})

describe('Email/parse (rfc8621#section-4.9)', () => {
  const inner = [
    'From: Erin <erin@example.net>',
    'To: alice@example.test',
    'Subject: =?UTF-8?Q?Anh=C3=A4nge?=',
    'Date: Wed, 2 Sep 2026 08:00:00 +0100',
    'Message-ID: <inner@example.net>',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Innere Nachricht mit Umlauten: äöü',
    '',
  ].join('\r\n')
  const outer = [
    'From: Frank <frank@example.net>',
    'Subject: forward',
    'Content-Type: multipart/mixed; boundary=zz',
    '',
    '--zz',
    'Content-Type: text/plain',
    '',
    'see the attached message',
    '--zz',
    'Content-Type: message/rfc822',
    '',
    inner,
    '--zz--',
    '',
  ].join('\r\n')

  async function parse(args: Record<string, unknown>): Promise<Json> {
    return (await api(t, t.alice, [['Email/parse', { accountId: t.alice.accountId, ...args }, 'p']]))[0]
  }

  test('an uploaded message and its attached message part, without storing either', async () => {
    const blobId = await uploadText(t.alice, outer, 'message/rfc822')
    const before = t.server.services.store.modseq(aliceId)
    const [name, r] = await parse({ blobIds: [blobId], fetchTextBodyValues: true })
    expect(name).toBe('Email/parse')
    const email = r.parsed[blobId]
    expect(email).toMatchObject({
      from: [{ name: 'Frank', email: 'frank@example.net' }],
      subject: 'forward',
      hasAttachment: true,
      preview: 'see the attached message',
      textBody: [{ partId: '1', blobId: `${blobId}_1`, type: 'text/plain', charset: 'us-ascii', size: 24 }],
      attachments: [{ partId: '2', blobId: `${blobId}_2`, type: 'message/rfc822' }],
      bodyValues: { 1: { value: 'see the attached message', isEncodingProblem: false, isTruncated: false } },
    })
    expect(Object.keys(email).sort()).toEqual(
      [
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
    const [, attached] = await parse({
      blobIds: [`${blobId}_2`],
      properties: ['id', 'blobId', 'size', 'subject', 'sentAt', 'messageId', 'textBody', 'bodyValues'],
      fetchAllBodyValues: true,
      maxBodyValueBytes: 33,
    })
    expect(attached.parsed[`${blobId}_2`]).toEqual({
      id: null,
      blobId: `${blobId}_2`,
      size: new TextEncoder().encode(inner).length,
      subject: 'Anhänge',
      sentAt: '2026-09-02T08:00:00+01:00',
      messageId: ['inner@example.net'],
      textBody: [
        {
          partId: '1',
          blobId: `${blobId}_2-1`,
          size: new TextEncoder().encode('Innere Nachricht mit Umlauten: äöü\r\n').length,
          name: null,
          type: 'text/plain',
          charset: 'utf-8',
          disposition: null,
          cid: null,
          language: null,
          location: null,
        },
      ],
      bodyValues: {
        1: { value: 'Innere Nachricht mit Umlauten: ä', isEncodingProblem: false, isTruncated: true },
      },
    })
    // The inner part's blob id downloads that part's content.
    const res = await fetch(`${t.base}/jmap/download/${t.alice.accountId}/${blobId}_2-1/x.txt`, {
      headers: { authorization: t.alice.authorization },
    })
    expect(await res.text()).toBe('Innere Nachricht mit Umlauten: äöü\r\n')
    expect(t.server.services.store.modseq(aliceId)).toBe(before)
  })

  test('notFound for blobs the account cannot read, notParsable for non-messages, invalidArguments', async () => {
    const words = await uploadText(t.alice, 'plain words, no header', 'text/plain')
    const bobs = await uploadText(t.bob, `${inner}bob`, 'message/rfc822')
    const [, r] = await parse({ blobIds: [words, bobs, 'Bzzzzzzz'] })
    expect(r.parsed).toBeNull()
    expect(r.notParsable).toEqual([words])
    expect(r.notFound).toEqual([bobs, 'Bzzzzzzz'])
    const [error, body] = await parse({ blobIds: [words], properties: ['colour'] })
    expect(error).toBe('error')
    expect(body.type).toBe('invalidArguments')
  })
})
