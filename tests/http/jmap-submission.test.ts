// rfc8621#section-7 over real HTTP: EmailSubmission/set sends an email to a local account and,
// through the outbound queue, to an SMTP server on loopback (DKIM-signed, Bcc stripped), with
// deliveryStatus from the queue, the implicit Email/set of onSuccessUpdateEmail and
// onSuccessDestroyEmail, every SetError, and /get, /changes, /query, /queryChanges.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { SMTPServer } from 'smtp-server'
import { createMockResolver } from '../../src/dns/index.ts'
import { systemKeywords, toKeywordSet } from '../../src/store/keywords.ts'
import { formatObjectId } from '../../src/store/object-ids.ts'
import { api, type JmapTestServer, type Json, resultOf, startJmapServer } from '../helpers/jmap.ts'
import { mailbox, waitFor } from '../helpers/outbound.ts'

interface Received {
  from: string
  to: string[]
  data: string
}

const sunk: Received[] = []
let sink: SMTPServer
let t: JmapTestServer
let aliceId: number
let drafts: number
let sent: number
const using = ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:submission']
const maxSize = 20_000

beforeAll(async () => {
  sink = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, cb) {
      if (address.address === 'nobody@far.example')
        cb(Object.assign(new Error('5.1.1 no such user'), { responseCode: 550 }))
      else cb()
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        sunk.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString('latin1'),
        })
        cb()
      })
    },
  })
  const port = await new Promise<number>((resolve) =>
    sink.listen(0, '127.0.0.1', () => resolve((sink.server.address() as { port: number }).port)),
  )
  const dns = createMockResolver({
    'far.example': { MX: [{ exchange: 'mx.far.example', priority: 10 }] },
    'mx.far.example': { A: ['127.0.0.1'] },
  })
  t = await startJmapServer(
    {
      POSTERN_DELIVERY_MX_PORT: String(port),
      POSTERN_DELIVERY_RETRY_INTERVALS: '1h',
      POSTERN_DELIVERY_TIMEOUT_SECONDS: '5',
      POSTERN_SMTP_MAX_MESSAGE_SIZE: String(maxSize),
    },
    { resolver: dns },
  )
  await t.server.services.directory.dkim.ensure('example.test')
  t.server.services.directory.aliases.add('alice.smith@example.test', 'alice@example.test')
  const { directory, store } = t.server.services
  aliceId = directory.accounts.get('alice@example.test').id
  drafts = store.findMailboxByRole(aliceId, 'drafts')?.id ?? 0
  sent = store.findMailboxByRole(aliceId, 'sent')?.id ?? 0
})
afterAll(async () => {
  await t?.close()
  await new Promise<void>((resolve) => (sink ? sink.close(() => resolve()) : resolve()))
})

/** A draft in alice's Drafts, as a client would have made it with Email/set; its JMAP id. */
async function draft(headers: string, body = 'Hello.\r\n', complete = true): Promise<string> {
  const ids = complete
    ? `Message-ID: <${crypto.randomUUID()}@example.test>\r\nDate: Sun, 29 Nov 2026 08:00:00 +0000\r\n`
    : ''
  const raw = `${headers.trim().replaceAll(/\r?\n/g, '\r\n')}\r\n${ids}\r\n${body}`
  const result = await t.server.services.store.appendRaw(aliceId, {
    mailboxIds: [drafts],
    bytes: new TextEncoder().encode(raw),
    keywords: toKeywordSet(['$draft', '$seen']),
    receivedAt: Date.now(),
  })
  return formatObjectId('email', result.emailId)
}

async function identityOf(email: string): Promise<string> {
  const r = await api(t, t.alice, [['Identity/get', { accountId: t.alice.accountId }, 'g']], using)
  const found = (resultOf(r, 'g') as Json).list.find((i: Json) => i.email === email)
  if (found) return found.id
  const made = await api(
    t,
    t.alice,
    [['Identity/set', { accountId: t.alice.accountId, create: { i: { email } } }, 's']],
    using,
  )
  return (resultOf(made, 's') as Json).created.i.id
}

describe('EmailSubmission/set sends', () => {
  test('to a local account and a remote server: Bcc stripped, DKIM-signed, status from the queue, the draft filed', async () => {
    const emailId = await draft(
      'From: Alice <alice@example.test>\nTo: bob@example.test, Carol <carol@far.example>\nCc: nobody@far.example\nBcc: dave@far.example\nSubject: lunch',
    )
    const identityId = await identityOf('alice@example.test')
    const r = await api(
      t,
      t.alice,
      [
        [
          'EmailSubmission/set',
          {
            accountId: t.alice.accountId,
            create: { s: { identityId, emailId } },
            onSuccessUpdateEmail: {
              '#s': {
                'keywords/$draft': null,
                [`mailboxIds/${formatObjectId('mailbox', drafts)}`]: null,
                [`mailboxIds/${formatObjectId('mailbox', sent)}`]: true,
              },
            },
          },
          'set',
        ],
      ],
      using,
    )
    expect(r.map((x) => [x[0], x[2]])).toEqual([
      ['EmailSubmission/set', 'set'],
      ['Email/set', 'set'],
    ])
    const set = resultOf(r, 'set', 'EmailSubmission/set') as Json
    const created = set.created.s
    expect(created).toMatchObject({ undoStatus: 'final', dsnBlobIds: [], mdnBlobIds: [] })
    expect(created.id).toMatch(/^S/)
    expect(created.sendAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    // rfc8621#section-7.5: the derived envelope, Bcc included, deduplicated, no parameters.
    expect(created.envelope).toEqual({
      mailFrom: { email: 'alice@example.test', parameters: null },
      rcptTo: [
        { email: 'bob@example.test', parameters: null },
        { email: 'carol@far.example', parameters: null },
        { email: 'nobody@far.example', parameters: null },
        { email: 'dave@far.example', parameters: null },
      ],
    })
    expect(created.deliveryStatus['bob@example.test'].delivered).toBe('yes')
    expect(created.deliveryStatus['carol@far.example'].delivered).toBe('queued')
    const emailSet = resultOf(r, 'set', 'Email/set') as Json
    expect(emailSet.updated).toEqual({ [emailId]: null })
    expect(emailSet.newState).not.toBe(emailSet.oldState)

    // Bob has it, without the Bcc field.
    const atBob = mailbox(t.server, 'bob@example.test').find((m) => m.includes('Subject: lunch'))
    expect(atBob).toBeDefined()
    expect(atBob).not.toMatch(/^Bcc:/im)
    expect(atBob).toMatch(/^Received: by mail\.example\.test \(Postern\) with JMAP/m)

    // The remote server got one transaction for the accepted recipients, signed, without Bcc.
    const remote = await waitFor('the remote server to receive', () =>
      sunk.find((m) => m.data.includes('Subject: lunch')),
    )
    expect(remote.from).toBe('alice@example.test')
    expect(remote.to.sort()).toEqual(['carol@far.example', 'dave@far.example'])
    expect(remote.data).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; .*d=example\.test;/m)
    expect(remote.data).not.toMatch(/^Bcc:/im)

    // deliveryStatus follows the queue: delivered to carol and dave, refused for nobody.
    let status: Json
    for (let i = 0; ; i++) {
      const got = resultOf(
        await api(
          t,
          t.alice,
          [['EmailSubmission/get', { accountId: t.alice.accountId, ids: [created.id] }, 'g']],
          using,
        ),
        'g',
      ) as Json
      status = got.list[0].deliveryStatus
      if (status['carol@far.example'].delivered === 'yes' && status['nobody@far.example'].delivered === 'no')
        break
      if (i > 100) throw new Error(`delivery status never settled: ${JSON.stringify(status)}`)
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(status).toMatchObject({
      'bob@example.test': { delivered: 'yes', displayed: 'unknown' },
      'carol@far.example': { delivered: 'yes', displayed: 'unknown' },
      'dave@far.example': { delivered: 'yes' },
      'nobody@far.example': { delivered: 'no' },
    })
    expect(status['nobody@far.example'].smtpReply).toMatch(/^550 /)
    expect(status['carol@far.example'].smtpReply).toMatch(/^250 /)

    // The queue's reports moved the submission's state: /changes shows it updated.
    const changes = resultOf(
      await api(
        t,
        t.alice,
        [['EmailSubmission/changes', { accountId: t.alice.accountId, sinceState: set.newState }, 'c']],
        using,
      ),
      'c',
    ) as Json
    expect(changes).toMatchObject({ created: [], updated: [created.id], destroyed: [] })

    // The draft is now a sent message.
    const { store } = t.server.services
    const id = Number.parseInt(emailId.slice(1), 36)
    expect(store.mailboxIdsOf(id)).toEqual([sent])
    const flags = store.emails(aliceId, [id])[0]?.flags ?? -1
    expect(flags & systemKeywords.$draft).toBe(0)
    expect(flags & systemKeywords.$seen).toBe(systemKeywords.$seen)
  })

  test('an explicit envelope is used as given; onSuccessDestroyEmail destroys the email', async () => {
    // Without Message-ID and Date: the server adds them, as SMTP submission does.
    const emailId = await draft(
      'From: alice.smith@example.test\nTo: carol@far.example\nSubject: envelope',
      'Hi.\r\n',
      false,
    )
    const identityId = await identityOf('alice.smith@example.test')
    const r = await api(
      t,
      t.alice,
      [
        [
          'EmailSubmission/set',
          {
            accountId: t.alice.accountId,
            create: {
              s: {
                identityId,
                emailId,
                envelope: {
                  mailFrom: { email: 'alice@example.test' },
                  rcptTo: [{ email: 'bob@example.test' }],
                },
              },
            },
            onSuccessDestroyEmail: ['#s'],
          },
          'set',
        ],
      ],
      using,
    )
    const created = (resultOf(r, 'set', 'EmailSubmission/set') as Json).created.s
    expect(created.envelope).toBeUndefined()
    expect(Object.keys(created.deliveryStatus)).toEqual(['bob@example.test'])
    expect((resultOf(r, 'set', 'Email/set') as Json).destroyed).toEqual([emailId])
    const atBob = mailbox(t.server, 'bob@example.test').find((m) => m.includes('Subject: envelope'))
    expect(atBob).toMatch(/^Message-ID: <[^>]+@mail\.example\.test>\r$/m)
    expect(atBob).toMatch(/^Date: .+\+0000\r$/m)
    expect(t.server.services.store.emails(aliceId, [Number.parseInt(emailId.slice(1), 36)])).toEqual([])
    await new Promise((r) => setTimeout(r, 300))
    expect(sunk.some((m) => m.data.includes('Subject: envelope'))).toBe(false)
  })
})

describe('EmailSubmission/set refuses', () => {
  test('each SetError of rfc8621#section-7.5', async () => {
    const identityId = await identityOf('alice@example.test')
    const mk = (headers: string, body?: string) => draft(headers, body)
    const cases: [string, Json][] = [
      ['forbiddenFrom', { emailId: await mk('From: bob@example.test\nTo: carol@far.example') }],
      ['noRecipients', { emailId: await mk('From: alice@example.test\nSubject: nobody') }],
      [
        'invalidEmail',
        { emailId: await mk('From: alice@example.test\nFrom: alice@example.test\nTo: a@far.example') },
      ],
      [
        'invalidRecipients',
        { emailId: await mk('From: alice@example.test\nTo: ghost@example.test, carol@far.example') },
      ],
      [
        'forbiddenMailFrom',
        {
          emailId: await mk('From: alice@example.test\nTo: carol@far.example'),
          envelope: { mailFrom: { email: 'bob@example.test' }, rcptTo: [{ email: 'carol@far.example' }] },
        },
      ],
      [
        'tooManyRecipients',
        {
          emailId: await mk('From: alice@example.test\nTo: carol@far.example'),
          envelope: {
            mailFrom: { email: 'alice@example.test' },
            rcptTo: Array.from({ length: 101 }, (_, i) => ({ email: `r${i}@far.example` })),
          },
        },
      ],
      [
        'tooLarge',
        {
          emailId: await mk(
            'From: alice@example.test\nTo: carol@far.example',
            `${'x'.repeat(70)}\r\n`.repeat(400),
          ),
        },
      ],
      ['invalidProperties', { emailId: 'Ezzzz' }],
      [
        'invalidProperties',
        { emailId: await mk('From: alice@example.test\nTo: c@far.example'), sendAt: '2030-01-01T00:00:00Z' },
      ],
      [
        'invalidProperties',
        {
          emailId: await mk('From: alice@example.test\nTo: c@far.example'),
          envelope: { mailFrom: { email: 'alice@example.test', parameters: { HOLDFOR: '60' } }, rcptTo: [] },
        },
      ],
    ]
    const create = Object.fromEntries(cases.map(([, c], i) => [`c${i}`, { identityId, ...c }]))
    create.noIdentity = {
      identityId: 'I999',
      emailId: await mk('From: alice@example.test\nTo: c@far.example'),
    }
    const before = sunk.length
    const r = await api(
      t,
      t.alice,
      [
        [
          'EmailSubmission/set',
          { accountId: t.alice.accountId, create, onSuccessDestroyEmail: ['#c0'] },
          'set',
        ],
      ],
      using,
    )
    expect(r).toHaveLength(1) // nothing succeeded, so there is no implicit Email/set
    const set = resultOf(r, 'set') as Json
    expect(set.created).toBeNull()
    expect(cases.map((_, i) => set.notCreated[`c${i}`].type)).toEqual(cases.map(([type]) => type))
    expect(set.notCreated.c2.properties).toEqual(['from'])
    expect(set.notCreated.c3.invalidRecipients).toEqual(['ghost@example.test'])
    expect(set.notCreated.c5.maxRecipients).toBe(100)
    expect(set.notCreated.c6.maxSize).toBe(maxSize)
    expect(set.notCreated.c7.properties).toEqual(['emailId'])
    expect(set.notCreated.c8.properties).toEqual(['sendAt'])
    expect(set.notCreated.noIdentity).toMatchObject({ type: 'invalidProperties', properties: ['identityId'] })
    await new Promise((r) => setTimeout(r, 300))
    expect(sunk.length).toBe(before)
  })

  test('bad onSuccess arguments are invalidArguments, before anything is sent', async () => {
    const emailId = await draft('From: alice@example.test\nTo: bob@example.test\nSubject: never sent')
    const identityId = await identityOf('alice@example.test')
    const r = await api(
      t,
      t.alice,
      [
        [
          'EmailSubmission/set',
          {
            accountId: t.alice.accountId,
            create: { s: { identityId, emailId } },
            onSuccessDestroyEmail: 'all',
          },
          'a',
        ],
      ],
      using,
    )
    expect(r[0]?.[1].type).toBe('invalidArguments')
    expect(mailbox(t.server, 'bob@example.test').some((m) => m.includes('Subject: never sent'))).toBe(false)
  })
})

describe('EmailSubmission/get, /changes, /query, /queryChanges, update and destroy', () => {
  test('reads, filters, sorts, cannot unsend, destroys', async () => {
    const identityId = await identityOf('alice@example.test')
    const state0 = (
      resultOf(
        await api(
          t,
          t.alice,
          [['EmailSubmission/get', { accountId: t.alice.accountId, ids: [] }, 'g']],
          using,
        ),
        'g',
      ) as Json
    ).state
    const e1 = await draft('From: alice@example.test\nTo: bob@example.test\nSubject: one')
    const e2 = await draft('From: alice@example.test\nTo: bob@example.test\nSubject: two')
    const r = await api(
      t,
      t.alice,
      [
        [
          'EmailSubmission/set',
          {
            accountId: t.alice.accountId,
            create: { a: { identityId, emailId: e1 }, b: { identityId, emailId: e2 } },
          },
          's',
        ],
        [
          'EmailSubmission/get',
          { accountId: t.alice.accountId, ids: ['#a', 'Snope'], properties: ['emailId', 'undoStatus'] },
          'g',
        ],
        ['EmailSubmission/changes', { accountId: t.alice.accountId, sinceState: state0 }, 'c'],
        [
          'EmailSubmission/query',
          {
            accountId: t.alice.accountId,
            filter: { operator: 'OR', conditions: [{ emailIds: [e1] }, { emailIds: [e2] }] },
            sort: [{ property: 'emailId', isAscending: false }],
            calculateTotal: true,
          },
          'q',
        ],
        ['EmailSubmission/query', { accountId: t.alice.accountId, filter: { undoStatus: 'pending' } }, 'q2'],
        [
          'EmailSubmission/query',
          {
            accountId: t.alice.accountId,
            filter: { after: '2000-01-01T00:00:00Z', before: '2000-01-02T00:00:00Z' },
          },
          'q3',
        ],
        ['EmailSubmission/query', { accountId: t.alice.accountId, filter: { subject: 'x' } }, 'q4'],
        ['EmailSubmission/query', { accountId: t.alice.accountId, sort: [{ property: 'size' }] }, 'q5'],
        ['EmailSubmission/query', { accountId: t.alice.accountId, filter: { before: 'yesterday' } }, 'q6'],
        ['EmailSubmission/queryChanges', { accountId: t.alice.accountId, sinceQueryState: state0 }, 'qc'],
      ],
      using,
    )
    const s = resultOf(r, 's') as Json
    const a = s.created.a.id
    const b = s.created.b.id
    const g = resultOf(r, 'g') as Json
    expect(g.list).toEqual([{ id: a, emailId: e1, undoStatus: 'final' }])
    expect(g.notFound).toEqual(['Snope'])
    expect(resultOf(r, 'c')).toMatchObject({ oldState: state0, created: [a, b], updated: [], destroyed: [] })
    const q = resultOf(r, 'q') as Json
    expect(q).toMatchObject({ ids: [b, a], total: 2, position: 0, canCalculateChanges: false })
    expect((resultOf(r, 'q2') as Json).ids).toEqual([])
    expect((resultOf(r, 'q3') as Json).ids).toEqual([])
    const errors = Object.fromEntries(r.filter((x) => x[0] === 'error').map((x) => [x[2], x[1].type]))
    expect(errors).toEqual({
      q4: 'unsupportedFilter',
      q5: 'unsupportedSort',
      q6: 'invalidArguments',
      qc: 'cannotCalculateChanges',
    })

    const u = await api(
      t,
      t.alice,
      [
        [
          'EmailSubmission/set',
          {
            accountId: t.alice.accountId,
            update: { [a]: { undoStatus: 'canceled' }, [b]: { emailId: e1 } },
            destroy: [b],
          },
          'u',
        ],
        ['EmailSubmission/set', { accountId: t.alice.accountId, destroy: [b, 'S999'] }, 'd'],
        ['EmailSubmission/get', { accountId: t.alice.accountId, ids: [a, b] }, 'g'],
      ],
      using,
    )
    const upd = resultOf(u, 'u') as Json
    expect(upd.notUpdated[a].type).toBe('cannotUnsend')
    expect(upd.notUpdated[b].type).toBe('willDestroy')
    expect(upd.destroyed).toEqual([b])
    const d = resultOf(u, 'd') as Json
    expect(d.notDestroyed).toEqual({
      [b]: { type: 'notFound', description: `no submission ${b}` },
      S999: expect.anything(),
    })
    expect((resultOf(u, 'g') as Json).notFound).toEqual([b])
  })
})
