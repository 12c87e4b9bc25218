// rfc8620#section-6 upload and download over real HTTP, and rfc9404 Blob/upload, Blob/get,
// Blob/lookup: what an account can reach, the limits, and the headers of a download.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { parseAccountId } from '../../src/jmap/core/ids.ts'
import { toKeywordSet } from '../../src/store/keywords.ts'
import {
  api,
  type JmapTestAccount,
  type JmapTestServer,
  type Json,
  startJmapServer,
} from '../helpers/jmap.ts'

let t: JmapTestServer
beforeAll(async () => {
  t = await startJmapServer()
})
afterAll(() => t?.close())

function upload(who: JmapTestAccount, body: string | Uint8Array, type?: string, accountId = who.accountId) {
  return fetch(`${t.base}/jmap/upload/${accountId}/`, {
    method: 'POST',
    headers: { authorization: who.authorization, ...(type ? { 'content-type': type } : {}) },
    body,
  })
}

function download(
  who: JmapTestAccount,
  blobId: string,
  name = 'file.bin',
  type?: string,
  accountId = who.accountId,
) {
  const query = type === undefined ? '' : `?type=${encodeURIComponent(type)}`
  return fetch(`${t.base}/jmap/download/${accountId}/${blobId}/${encodeURIComponent(name)}${query}`, {
    headers: { authorization: who.authorization },
  })
}

const multipartMessage = [
  'From: Carol <carol@example.net>',
  'To: alice@example.test',
  'Subject: with attachment',
  'Date: Tue, 1 Sep 2026 10:00:00 +0000',
  'Message-ID: <m1@example.net>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="xx"',
  '',
  '--xx',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Gr=C3=BC=C3=9Fe',
  '--xx',
  'Content-Type: application/pdf; name="r\u00e9sum\u00e9.pdf"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('%PDF-1.4 fake').toString('base64'),
  '--xx--',
  '',
].join('\r\n')

/** Stores a message for `who` in the inbox through the store, as delivery would. */
async function deliver(who: JmapTestAccount, raw: string) {
  const accountId = parseAccountId(who.accountId) as number
  const store = t.server.services.store
  const inbox = store.findMailboxByRole(accountId, 'inbox')
  if (!inbox) throw new Error('no inbox')
  const result = await store.appendRaw(accountId, {
    mailboxIds: [inbox.id],
    bytes: new TextEncoder().encode(raw),
    keywords: toKeywordSet([]),
    receivedAt: Date.now(),
  })
  return { ...result, blobIdText: `B${result.blobId.toString(36)}` }
}

describe('upload (rfc8620#section-6.1)', () => {
  test('201 with accountId, blobId, type and size; the same bytes give the same blobId', async () => {
    const res = await upload(t.alice, 'hello upload', 'text/plain; charset=utf-8')
    expect(res.status).toBe(201)
    const body = (await res.json()) as Json
    expect(body).toEqual({
      accountId: t.alice.accountId,
      blobId: expect.stringMatching(/^B[0-9a-z]+$/),
      type: 'text/plain; charset=utf-8',
      size: 12,
    })
    const again = (await (await upload(t.alice, 'hello upload', 'text/plain')).json()) as Json
    expect(again.blobId).toBe(body.blobId)
    const untyped = (await (await upload(t.alice, new Uint8Array([1, 2, 3]))).json()) as Json
    expect(untyped.type).toBe('application/octet-stream')
    expect(untyped.size).toBe(3)
  })

  test('another account in the URL: 404, nothing stored for it', async () => {
    const res = await upload(t.alice, 'x', 'text/plain', t.bob.accountId)
    expect(res.status).toBe(404)
    const bad = await upload(t.alice, 'x', 'text/plain', 'nonsense')
    expect(bad.status).toBe(404)
  })

  test('without credentials: 401', async () => {
    const res = await fetch(`${t.base}/jmap/upload/${t.alice.accountId}/`, { method: 'POST', body: 'x' })
    expect(res.status).toBe(401)
  })

  test('more uploads at once than maxConcurrentUpload: 429 with the limit named', async () => {
    const session = (await (
      await fetch(`${t.base}/jmap/session`, { headers: { authorization: t.alice.authorization } })
    ).json()) as Json
    const max = session.capabilities['urn:ietf:params:jmap:core'].maxConcurrentUpload as number
    // Uploads whose bodies stay open until released keep their slots taken.
    const releases: (() => void)[] = []
    const pending = Array.from({ length: max }, () => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('slow '))
          releases.push(() => controller.close())
        },
      })
      return fetch(`${t.base}/jmap/upload/${t.alice.accountId}/`, {
        method: 'POST',
        headers: { authorization: t.alice.authorization, 'content-type': 'text/plain' },
        body,
        duplex: 'half',
      } as RequestInit)
    })
    await Bun.sleep(200)
    const refused = await upload(t.alice, 'one too many', 'text/plain')
    expect(refused.status).toBe(429)
    expect(await refused.json()).toMatchObject({ limit: 'maxConcurrentUpload' })
    for (const release of releases) release()
    for (const res of await Promise.all(pending)) expect(res.status).toBe(201)
    // With the slots free again an upload goes through.
    expect((await upload(t.alice, 'now it fits', 'text/plain')).status).toBe(201)
  })

  test('larger than maxSizeUpload: 413', async () => {
    const session = (await (
      await fetch(`${t.base}/jmap/session`, { headers: { authorization: t.alice.authorization } })
    ).json()) as Json
    const max = session.capabilities['urn:ietf:params:jmap:core'].maxSizeUpload as number
    const res = await upload(t.alice, new Uint8Array(max + 1), 'application/octet-stream')
    expect(res.status).toBe(413)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(await res.json()).toMatchObject({
      type: 'urn:ietf:params:jmap:error:limit',
      limit: 'maxSizeUpload',
    })
  })
})

describe('download (rfc8620#section-6.2)', () => {
  test('an upload comes back byte for byte with the asked type and an attachment disposition', async () => {
    const bytes = new Uint8Array([0, 255, 1, 254, 13, 10])
    const { blobId } = (await (await upload(t.alice, bytes, 'application/x-test')).json()) as Json
    const res = await download(t.alice, blobId, 'données brutes.bin', 'image/png')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/png')
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="donn_es brutes.bin"; filename*=UTF-8''donn%C3%A9es%20brutes.bin`,
    )
    expect(res.headers.get('cache-control')).toContain('immutable')
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes)
    // Without ?type the upload's own type.
    const plain = await download(t.alice, blobId)
    expect(plain.headers.get('content-type')).toBe('application/x-test')
  })

  test('a message blob, and a MIME part decoded from its transfer encoding', async () => {
    const stored = await deliver(t.alice, multipartMessage)
    const whole = await download(t.alice, stored.blobIdText, 'message.eml', 'message/rfc822')
    expect(whole.status).toBe(200)
    expect(await whole.text()).toBe(multipartMessage)
    const text = await download(t.alice, `${stored.blobIdText}_1`, 'body.txt')
    expect(text.status).toBe(200)
    expect(text.headers.get('content-type')).toBe('text/plain')
    expect(await text.text()).toBe('Grüße')
    const pdf = await download(t.alice, `${stored.blobIdText}_2`, 'cv.pdf', 'application/pdf')
    expect(await pdf.text()).toBe('%PDF-1.4 fake')
    // No part 3; the multipart root is not a leaf part.
    expect((await download(t.alice, `${stored.blobIdText}_3`)).status).toBe(404)
  })

  test("another account's blobs are not found, and neither is a blob id that names nothing", async () => {
    const stored = await deliver(t.alice, multipartMessage.replace('m1@', 'm2@'))
    const { blobId } = (await (await upload(t.alice, 'alice only', 'text/plain')).json()) as Json
    for (const id of [stored.blobIdText, `${stored.blobIdText}_1`, blobId]) {
      const res = await download(t.bob, id)
      expect(res.status).toBe(404)
      expect(await res.text()).not.toContain('alice')
    }
    expect((await download(t.alice, 'Bzzzzzz')).status).toBe(404)
    expect((await download(t.alice, 'not-a-blob')).status).toBe(404)
    // Alice's own blob through Bob's account id in the URL: not found either.
    expect((await download(t.alice, blobId, 'x', undefined, t.bob.accountId)).status).toBe(404)
  })

  test('expired uploads are released and no longer reachable', async () => {
    const store = t.server.services.store
    const accountId = parseAccountId(t.bob.accountId) as number
    const now = Date.now()
    const stored = await store.uploadBlob(
      accountId,
      new TextEncoder().encode('short-lived'),
      'text/plain',
      now - 10_000,
      now - 1,
    )
    expect(store.reachableBlobs(accountId, [stored.blobId], now).has(stored.blobId)).toBe(false)
    expect(await store.releaseExpiredUploads(now)).toBeGreaterThanOrEqual(1)
    expect(store.blobSizes([stored.blobId]).has(stored.blobId)).toBe(false)
  })
})

const blobUsing = ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:blob']

async function blobCall(who: JmapTestAccount, name: string, args: Record<string, unknown>): Promise<Json> {
  const responses = await api(t, who, [[name, { accountId: who.accountId, ...args }, 'c']], blobUsing)
  return responses[0]
}

describe('Blob/upload, Blob/get, Blob/lookup (rfc9404)', () => {
  test('the session advertises the blob capability with its account limits', async () => {
    const session = (await (
      await fetch(`${t.base}/jmap/session`, { headers: { authorization: t.alice.authorization } })
    ).json()) as Json
    expect(session.capabilities['urn:ietf:params:jmap:blob']).toEqual({})
    const account = session.accounts[t.alice.accountId].accountCapabilities['urn:ietf:params:jmap:blob']
    expect(account).toMatchObject({
      maxDataSources: expect.any(Number),
      supportedTypeNames: ['Email', 'Mailbox', 'Thread'],
      supportedDigestAlgorithms: ['sha', 'sha-256'],
    })
  })

  test('Blob/upload joins text, base64 and a range of an earlier blob; Blob/get reads it back', async () => {
    const [name, result] = await blobCall(t.alice, 'Blob/upload', {
      create: {
        a: {
          data: [{ 'data:asText': 'Hello, ' }, { 'data:asBase64': Buffer.from('world').toString('base64') }],
          type: 'text/plain',
        },
        b: { data: [{ blobId: '#a', offset: 7, length: 5 }, { 'data:asText': '!' }] },
        bad: { data: [{ 'data:asBase64': 'not base64!' }] },
        missing: { data: [{ blobId: 'Bzzzzzzz' }] },
        pastEnd: { data: [{ blobId: '#a', offset: 10, length: 50 }] },
      },
    })
    expect(name).toBe('Blob/upload')
    expect(result.created.a).toEqual({ id: expect.stringMatching(/^B/), type: 'text/plain', size: 12 })
    expect(result.created.b).toEqual({
      id: expect.stringMatching(/^B/),
      type: 'application/octet-stream',
      size: 6,
    })
    expect(result.notCreated.bad.type).toBe('invalidProperties')
    expect(result.notCreated.missing).toMatchObject({ type: 'blobNotFound', notFound: ['Bzzzzzzz'] })
    expect(result.notCreated.pastEnd.type).toBe('invalidProperties')

    const a = result.created.a.id
    const b = result.created.b.id
    const [, got] = await blobCall(t.alice, 'Blob/get', {
      ids: [a, b, 'Bzzzzzzz'],
      properties: ['data:asText', 'data:asBase64', 'digest:sha', 'digest:sha-256', 'size'],
    })
    const { createHash } = await import('node:crypto')
    expect(got.list).toEqual([
      {
        id: a,
        'data:asText': 'Hello, world',
        'data:asBase64': Buffer.from('Hello, world').toString('base64'),
        'digest:sha': createHash('sha1').update('Hello, world').digest('base64'),
        'digest:sha-256': createHash('sha256').update('Hello, world').digest('base64'),
        size: 12,
        isEncodingProblem: false,
        isTruncated: false,
      },
      {
        id: b,
        'data:asText': 'world!',
        'data:asBase64': Buffer.from('world!').toString('base64'),
        'digest:sha': createHash('sha1').update('world!').digest('base64'),
        'digest:sha-256': createHash('sha256').update('world!').digest('base64'),
        size: 6,
        isEncodingProblem: false,
        isTruncated: false,
      },
    ])
    expect(got.notFound).toEqual(['Bzzzzzzz'])
    // offset and length select a range; past the end is truncated.
    const [, range] = await blobCall(t.alice, 'Blob/get', {
      ids: [a],
      properties: ['data:asText'],
      offset: 7,
      length: 100,
    })
    expect(range.list[0]).toEqual({
      id: a,
      'data:asText': 'world',
      isEncodingProblem: false,
      isTruncated: true,
    })
  })

  test('Blob/get "data" falls back to base64 for bytes that are not UTF-8; bob cannot read it', async () => {
    const res = await upload(t.alice, new Uint8Array([0xff, 0xfe, 0x41]), 'application/octet-stream')
    const { blobId } = (await res.json()) as Json
    const [, got] = await blobCall(t.alice, 'Blob/get', { ids: [blobId] })
    expect(got.list).toEqual([
      { id: blobId, 'data:asBase64': '//5B', size: 3, isEncodingProblem: true, isTruncated: false },
    ])
    const [, asText] = await blobCall(t.alice, 'Blob/get', { ids: [blobId], properties: ['data:asText'] })
    expect(asText.list[0]['data:asText']).toBeNull()
    expect(asText.list[0].isEncodingProblem).toBe(true)
    const [, bobs] = await blobCall(t.bob, 'Blob/get', { ids: [blobId] })
    expect(bobs.list).toEqual([])
    expect(bobs.notFound).toEqual([blobId])
    const [error, bad] = await blobCall(t.alice, 'Blob/get', { ids: [blobId], properties: ['colour'] })
    expect(error).toBe('error')
    expect(bad.type).toBe('invalidArguments')
  })

  test('Blob/lookup names the emails, threads and mailboxes that use a blob', async () => {
    const stored = await deliver(t.alice, multipartMessage.replace('m1@', 'lookup@'))
    const { blobId: unused } = (await (await upload(t.alice, 'nobody uses me', 'text/plain')).json()) as Json
    const accountId = parseAccountId(t.alice.accountId) as number
    const inbox = t.server.services.store.findMailboxByRole(accountId, 'inbox')?.id as number
    const [, result] = await blobCall(t.alice, 'Blob/lookup', {
      typeNames: ['Email', 'Thread', 'Mailbox'],
      ids: [stored.blobIdText, `${stored.blobIdText}_2`, unused, 'Bzzzzzzz'],
    })
    const expected = {
      Email: [`E${stored.emailId.toString(36)}`],
      Thread: [`T${stored.threadId.toString(36)}`],
      Mailbox: [`M${inbox.toString(36)}`],
    }
    expect(result.list).toEqual([
      { id: stored.blobIdText, matchedIds: expected },
      { id: `${stored.blobIdText}_2`, matchedIds: expected },
      { id: unused, matchedIds: { Email: [], Thread: [], Mailbox: [] } },
    ])
    expect(result.notFound).toEqual(['Bzzzzzzz'])
    const [, bobs] = await blobCall(t.bob, 'Blob/lookup', { typeNames: ['Email'], ids: [stored.blobIdText] })
    expect(bobs.notFound).toEqual([stored.blobIdText])
    const [error, unknown] = await blobCall(t.alice, 'Blob/lookup', { typeNames: ['Calendar'], ids: [] })
    expect(error).toBe('error')
    expect(unknown.type).toBe('unknownDataType')
  })

  test('without the blob capability in "using" the methods are unknown', async () => {
    const responses = await api(
      t,
      t.alice,
      [['Blob/get', { accountId: t.alice.accountId, ids: [] }, 'x']],
      ['urn:ietf:params:jmap:core'],
    )
    expect(responses[0]?.[0]).toBe('error')
    expect(responses[0]?.[1]).toMatchObject({ type: 'unknownMethod' })
  })
})

describe('Blob/copy (rfc8620#section-6.3)', () => {
  test('the same account on both sides is invalidArguments; another account is fromAccountNotFound', async () => {
    const blobId = ((await (await upload(t.alice, 'copy me', 'text/plain')).json()) as Json).blobId
    const responses = await api(
      t,
      t.alice,
      [
        [
          'Blob/copy',
          { accountId: t.alice.accountId, fromAccountId: t.alice.accountId, blobIds: [blobId] },
          'same',
        ],
        [
          'Blob/copy',
          { accountId: t.alice.accountId, fromAccountId: t.bob.accountId, blobIds: [blobId] },
          'other',
        ],
        ['Blob/copy', { accountId: t.alice.accountId, fromAccountId: t.bob.accountId }, 'noIds'],
      ],
      ['urn:ietf:params:jmap:core'],
    )
    expect(responses.map((r) => [r[0], (r[1] as Json).type, r[2]])).toEqual([
      ['error', 'invalidArguments', 'same'],
      ['error', 'fromAccountNotFound', 'other'],
      ['error', 'invalidArguments', 'noIds'],
    ])
  })
})
