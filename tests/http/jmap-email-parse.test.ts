// rfc8621#section-4.9 Email/parse over real HTTP: every Email property of a blob built as Email/get
// builds it (header:* forms, bodyStructure with multipart sizes, part headers, body values with
// isEncodingProblem), attached message/rfc822 parts whose part blob ids download, and notFound,
// notParsable and invalidArguments.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { parseAccountId } from '../../src/jmap/core/ids.ts'
import { formatObjectId } from '../../src/store/object-ids.ts'
import {
  api,
  type JmapTestAccount,
  type JmapTestServer,
  type Json,
  jmapUsing,
  resultOf,
  startJmapServer,
} from '../helpers/jmap.ts'

let t: JmapTestServer
let inbox: string
beforeAll(async () => {
  t = await startJmapServer()
  const aliceId = parseAccountId(t.alice.accountId) as number
  inbox = formatObjectId('mailbox', t.server.services.store.findMailboxByRole(aliceId, 'inbox')?.id ?? 0)
})
afterAll(() => t?.close())

const inner = [
  'From: Erin <erin@example.net>',
  'Subject: inner',
  'Content-Type: multipart/mixed; boundary="in"',
  '',
  '--in',
  'Content-Type: text/plain',
  '',
  'inner text',
  '--in',
  'Content-Type: text/plain; name="note.txt"',
  'Content-Disposition: attachment',
  '',
  'note',
  '--in--',
  '',
].join('\r\n')

const altBody = [
  '--alt',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Caf=C3=A9 at ten.',
  '--alt',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>Caf&eacute; at <b>ten</b>.</p>',
  '--alt--',
  '',
].join('\r\n')

const outerBody = [
  '--outer',
  'Content-Type: multipart/alternative; boundary="alt"',
  '',
  altBody,
  '--outer',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Disposition: attachment; filename="broken.txt"',
  '',
  'bad \u00ff bytes',
  '--outer',
  'Content-Type: application/octet-stream',
  'Content-Disposition: attachment; filename="data.bin"',
  'Content-ID: <data@example.net>',
  'Content-Transfer-Encoding: base64',
  '',
  'AAECAwQF',
  '--outer',
  'Content-Type: message/rfc822',
  '',
  inner,
  '--outer--',
  '',
].join('\r\n')

const outerHeader = [
  'From: "Grace Hopper" <grace@example.net>',
  'To: Team: ann@example.net, bob@example.net;, carl@example.net',
  'Subject: =?UTF-8?Q?R=C3=A9sum=C3=A9?=',
  'Date: Tue, 1 Sep 2026 09:30:00 +0200',
  'Message-ID: <outer@example.net>',
  'List-Post: <mailto:list@example.net>',
  'X-Tag: one',
  'X-Tag:  two',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="outer"',
  '',
  '',
].join('\r\n')

// latin1: the one byte 0xff in the broken part stays a single, invalid UTF-8 byte
const outer = Buffer.from(outerHeader + outerBody, 'latin1')

async function upload(who: JmapTestAccount, body: Uint8Array | string, type: string): Promise<string> {
  const res = await fetch(`${t.base}/jmap/upload/${who.accountId}/`, {
    method: 'POST',
    headers: { authorization: who.authorization, 'content-type': type },
    body,
  })
  return ((await res.json()) as Json).blobId
}

async function parse(args: Record<string, unknown>, who = t.alice): Promise<[string, Json]> {
  const [response] = await api(t, who, [['Email/parse', { accountId: who.accountId, ...args }, 'p']])
  return [response?.[0] as string, response?.[1]]
}

async function download(blobId: string): Promise<{ status: number; bytes: Uint8Array }> {
  const res = await fetch(`${t.base}/jmap/download/${t.alice.accountId}/${blobId}/x`, {
    headers: { authorization: t.alice.authorization },
  })
  return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()) }
}

const ascii = (s: string) => new TextEncoder().encode(s).length

describe('Email/parse (rfc8621#section-4.9)', () => {
  let blobId: string
  beforeAll(async () => {
    blobId = await upload(t.alice, outer, 'message/rfc822')
  })

  test('header:* properties in every form, with :all, and headers', async () => {
    const [name, r] = await parse({
      blobIds: [blobId],
      properties: [
        'headers',
        'header:X-Tag',
        'header:x-tag:all',
        'header:Subject:asText',
        'header:To:asGroupedAddresses',
        'header:To:asAddresses',
        'header:List-Post:asURLs',
        'header:Date:asDate',
        'header:Message-ID:asMessageIds',
        'header:X-Missing',
        'header:X-Missing:all',
      ],
    })
    expect(name).toBe('Email/parse')
    const email = r.parsed[blobId]
    expect(email['header:X-Tag']).toBe('  two')
    expect(email['header:x-tag:all']).toEqual([' one', '  two'])
    expect(email['header:Subject:asText']).toBe('Résumé')
    expect(email['header:To:asGroupedAddresses']).toEqual([
      {
        name: 'Team',
        addresses: [
          { name: null, email: 'ann@example.net' },
          { name: null, email: 'bob@example.net' },
        ],
      },
      { name: null, addresses: [{ name: null, email: 'carl@example.net' }] },
    ])
    expect(email['header:To:asAddresses']).toEqual([
      { name: null, email: 'ann@example.net' },
      { name: null, email: 'bob@example.net' },
      { name: null, email: 'carl@example.net' },
    ])
    expect(email['header:List-Post:asURLs']).toEqual(['mailto:list@example.net'])
    expect(email['header:Date:asDate']).toBe('2026-09-01T09:30:00+02:00')
    expect(email['header:Message-ID:asMessageIds']).toEqual(['outer@example.net'])
    expect(email['header:X-Missing']).toBeNull()
    expect(email['header:X-Missing:all']).toEqual([])
    expect(email.headers).toHaveLength(10)
    expect(email.headers[6]).toEqual({ name: 'X-Tag', value: ' one' })
    // only what was asked for
    expect(Object.keys(email)).toHaveLength(11)
  })

  test('metadata is null, blobId is the one given, size is the blob size', async () => {
    const [, r] = await parse({
      blobIds: [blobId],
      properties: [
        'id',
        'blobId',
        'threadId',
        'mailboxIds',
        'keywords',
        'receivedAt',
        'size',
        'hasAttachment',
      ],
    })
    expect(r.parsed[blobId]).toEqual({
      id: null,
      blobId,
      threadId: null,
      mailboxIds: null,
      keywords: null,
      receivedAt: null,
      size: outer.length,
      hasAttachment: true,
    })
  })

  test('bodyStructure: multipart sizes, leaf part properties, part headers and header:* body properties', async () => {
    const [, r] = await parse({
      blobIds: [blobId],
      properties: ['bodyStructure'],
      bodyProperties: [
        'partId',
        'blobId',
        'size',
        'type',
        'name',
        'cid',
        'disposition',
        'header:Content-Type',
      ],
    })
    const root = r.parsed[blobId].bodyStructure
    expect(root).toMatchObject({
      partId: null,
      blobId: null,
      type: 'multipart/mixed',
      'header:Content-Type': ' multipart/mixed; boundary="outer"',
    })
    // a multipart's size is that of its body, not 0
    expect(root.size).toBe(Buffer.byteLength(outerBody, 'latin1'))
    const [alt, broken, data, message] = root.subParts
    expect(alt).toMatchObject({
      partId: null,
      blobId: null,
      type: 'multipart/alternative',
      size: ascii(altBody),
    })
    expect(alt.subParts.map((p: Json) => [p.partId, p.type, p.size])).toEqual([
      ['1.1', 'text/plain', ascii('Café at ten.')],
      ['1.2', 'text/html', ascii('<p>Caf&eacute; at <b>ten</b>.</p>')],
    ])
    expect(broken).toMatchObject({
      partId: '2',
      blobId: `${blobId}_2`,
      name: 'broken.txt',
      size: 'bad \u00ff bytes'.length,
    })
    expect(data).toEqual({
      partId: '3',
      blobId: `${blobId}_3`,
      size: 6,
      type: 'application/octet-stream',
      name: 'data.bin',
      cid: 'data@example.net',
      disposition: 'attachment',
      'header:Content-Type': ' application/octet-stream',
    })
    // an attached message is a leaf of the outer message: no subParts
    expect(message).toEqual({
      partId: '4',
      blobId: `${blobId}_4`,
      size: ascii(inner),
      type: 'message/rfc822',
      name: null,
      cid: null,
      disposition: null,
      'header:Content-Type': ' message/rfc822',
    })
    // every leaf's blob id downloads its decoded content
    expect([...(await download(`${blobId}_3`)).bytes]).toEqual([0, 1, 2, 3, 4, 5])
    expect(new TextDecoder().decode((await download(`${blobId}_4`)).bytes)).toBe(inner)

    const [, withHeaders] = await parse({
      blobIds: [blobId],
      properties: ['attachments'],
      bodyProperties: ['partId', 'headers'],
    })
    expect(withHeaders.parsed[blobId].attachments[1]).toEqual({
      partId: '3',
      headers: [
        { name: 'Content-Type', value: ' application/octet-stream' },
        { name: 'Content-Disposition', value: ' attachment; filename="data.bin"' },
        { name: 'Content-ID', value: ' <data@example.net>' },
        { name: 'Content-Transfer-Encoding', value: ' base64' },
      ],
    })
  })

  test('body lists and values: decoded, isEncodingProblem for bad UTF-8, fetch* choose the parts', async () => {
    const [, all] = await parse({
      blobIds: [blobId],
      properties: ['textBody', 'htmlBody', 'attachments', 'bodyValues', 'preview'],
      bodyProperties: ['partId'],
      fetchAllBodyValues: true,
    })
    const email = all.parsed[blobId]
    expect(email.textBody).toEqual([{ partId: '1.1' }])
    expect(email.htmlBody).toEqual([{ partId: '1.2' }])
    expect(email.attachments).toEqual([{ partId: '2' }, { partId: '3' }, { partId: '4' }])
    expect(email.preview).toBe('Café at ten.')
    expect(email.bodyValues['1.1']).toEqual({
      value: 'Café at ten.',
      isEncodingProblem: false,
      isTruncated: false,
    })
    expect(email.bodyValues['1.2']).toEqual({
      value: '<p>Caf&eacute; at <b>ten</b>.</p>',
      isEncodingProblem: false,
      isTruncated: false,
    })
    expect(email.bodyValues['2'].isEncodingProblem).toBe(true)
    expect(email.bodyValues['2'].value).toBe('bad \uFFFD bytes')
    // only text/* parts have values; the attached message is not text
    expect(Object.keys(email.bodyValues).sort()).toEqual(['1.1', '1.2', '2'])

    const [, html] = await parse({
      blobIds: [blobId],
      properties: ['bodyValues'],
      fetchHTMLBodyValues: true,
      maxBodyValueBytes: 20,
    })
    // cut before the tag that would be split (rfc8621#section-4.2 maxBodyValueBytes)
    expect(html.parsed[blobId].bodyValues).toEqual({
      '1.2': { value: '<p>Caf&eacute; at ', isEncodingProblem: false, isTruncated: true },
    })
    const [, none] = await parse({ blobIds: [blobId], properties: ['bodyValues'] })
    expect(none.parsed[blobId].bodyValues).toEqual({})
  })

  test('an attached message parses with part blob ids that download from the outer blob', async () => {
    const partBlob = `${blobId}_4`
    const [, r] = await parse({
      blobIds: [partBlob],
      properties: [
        'blobId',
        'subject',
        'from',
        'size',
        'bodyStructure',
        'textBody',
        'attachments',
        'bodyValues',
      ],
      bodyProperties: ['partId', 'blobId', 'size', 'name'],
      fetchTextBodyValues: true,
    })
    const email = r.parsed[partBlob]
    expect(email.blobId).toBe(partBlob)
    expect(email.subject).toBe('inner')
    expect(email.from).toEqual([{ name: 'Erin', email: 'erin@example.net' }])
    expect(email.size).toBe(ascii(inner))
    expect(email.textBody).toEqual([{ partId: '1', blobId: `${blobId}_4-1`, size: 10, name: null }])
    expect(email.attachments).toEqual([{ partId: '2', blobId: `${blobId}_4-2`, size: 4, name: 'note.txt' }])
    expect(email.bodyStructure.size).toBe(ascii(inner.slice(inner.indexOf('--in\r\n'))))
    expect(email.bodyStructure.subParts).toHaveLength(2)
    expect(email.bodyValues).toEqual({
      1: { value: 'inner text', isEncodingProblem: false, isTruncated: false },
    })
    expect(new TextDecoder().decode((await download(`${blobId}_4-1`)).bytes)).toBe('inner text')
    expect(new TextDecoder().decode((await download(`${blobId}_4-2`)).bytes)).toBe('note')
  })

  test('a message in a leaf of another type (a base64 .eml) parses, and its part blob ids download', async () => {
    const eml = [
      'Content-Type: application/octet-stream; name="fwd.eml"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(inner).toString('base64'),
    ].join('\r\n')
    const wrapper = `From: a@example.net\r\nContent-Type: multipart/mixed; boundary=w\r\n\r\n--w\r\n${eml}\r\n--w--\r\n`
    const wrapperId = await upload(t.alice, wrapper, 'message/rfc822')
    const partBlob = `${wrapperId}_1`
    const [, r] = await parse({
      blobIds: [partBlob],
      properties: ['subject', 'textBody', 'attachments'],
      bodyProperties: ['partId', 'blobId', 'size'],
    })
    const email = r.parsed[partBlob]
    expect(email.subject).toBe('inner')
    expect(email.textBody).toEqual([{ partId: '1', blobId: `${wrapperId}_1-1`, size: 10 }])
    expect(email.attachments).toEqual([{ partId: '2', blobId: `${wrapperId}_1-2`, size: 4 }])
    expect(new TextDecoder().decode((await download(`${wrapperId}_1-1`)).bytes)).toBe('inner text')
    expect(new TextDecoder().decode((await download(`${wrapperId}_1-2`)).bytes)).toBe('note')
    // below a leaf that is no message there is nothing
    expect((await download(`${wrapperId}_1-3`)).status).toBe(404)
    expect((await download(`${blobId}_3-1`)).status).toBe(404)
    const blobCall = await api(
      t,
      t.alice,
      [
        [
          'Blob/get',
          { accountId: t.alice.accountId, ids: [`${wrapperId}_1-2`, `${blobId}_3-1`], properties: ['size'] },
          'b',
        ],
      ],
      [...jmapUsing, 'urn:ietf:params:jmap:blob'],
    )
    const blobs = resultOf(blobCall, 'b', 'Blob/get')
    expect(blobs.list).toEqual([{ id: `${wrapperId}_1-2`, size: 4 }])
    expect(blobs.notFound).toEqual([`${blobId}_3-1`])
  })

  test('the same properties as Email/get of the message once imported', async () => {
    const imported = resultOf(
      await api(t, t.alice, [
        [
          'Email/import',
          { accountId: t.alice.accountId, emails: { m: { blobId, mailboxIds: { [inbox]: true } } } },
          'i',
        ],
      ]),
      'i',
      'Email/import',
    )
    const emailId = (imported.created as Json).m.id
    const properties = [
      'size',
      'headers',
      'header:To:asGroupedAddresses:all',
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
      'bodyStructure',
      'textBody',
      'htmlBody',
      'attachments',
      'bodyValues',
    ]
    const bodyProperties = [
      'partId',
      'size',
      'headers',
      'name',
      'type',
      'charset',
      'disposition',
      'cid',
      'language',
      'location',
      'header:Content-Type:asRaw',
    ]
    const responses = await api(t, t.alice, [
      [
        'Email/get',
        {
          accountId: t.alice.accountId,
          ids: [emailId],
          properties,
          bodyProperties,
          fetchAllBodyValues: true,
        },
        'g',
      ],
      [
        'Email/parse',
        {
          accountId: t.alice.accountId,
          blobIds: [blobId],
          properties,
          bodyProperties,
          fetchAllBodyValues: true,
        },
        'p',
      ],
    ])
    const got = (resultOf(responses, 'g', 'Email/get').list as Json[])[0]
    const parsed = (resultOf(responses, 'p', 'Email/parse').parsed as Json)[blobId]
    const { id, ...stored } = got
    expect(id).toBe(emailId)
    expect(parsed).toEqual(stored)
  })

  test('notFound for blobs the account cannot read or that do not exist, notParsable for non-messages', async () => {
    const words = await upload(t.alice, 'plain words, no header', 'text/plain')
    const bobs = await upload(t.bob, inner, 'message/rfc822')
    const ids = [blobId, words, bobs, 'Bzzzzzzz', 'not-a-blob', `${blobId}_9`, blobId]
    const [, r] = await parse({ blobIds: ids, properties: ['subject'] })
    expect(r.accountId).toBe(t.alice.accountId)
    expect(r.parsed).toEqual({ [blobId]: { subject: 'Résumé' } })
    expect(r.notParsable).toEqual([words])
    expect(r.notFound).toEqual([bobs, 'Bzzzzzzz', 'not-a-blob', `${blobId}_9`])
    const [, only] = await parse({ blobIds: [blobId], properties: ['subject'] })
    expect(only.notFound).toBeNull()
    expect(only.notParsable).toBeNull()
  })

  test('invalidArguments for a bad argument, an unknown property or a form a field may not take', async () => {
    for (const args of [
      {},
      { blobIds: 'B1' },
      { blobIds: [blobId], properties: ['colour'] },
      { blobIds: [blobId], properties: ['header:From:asDate'] },
      { blobIds: [blobId], properties: ['header:X:asNothing'] },
      { blobIds: [blobId], bodyProperties: ['subParts', 'textBody'] },
      { blobIds: [blobId], bodyProperties: ['header:Subject:asURLs'] },
      { blobIds: [blobId], fetchAllBodyValues: 'yes' },
      { blobIds: [blobId], maxBodyValueBytes: -1 },
    ]) {
      const [name, body] = await parse(args)
      expect([name, body.type, JSON.stringify(args)]).toEqual([
        'error',
        'invalidArguments',
        JSON.stringify(args),
      ])
    }
  })
})
