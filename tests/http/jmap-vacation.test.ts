// rfc8621#section-8 over real HTTP, and the replies local delivery sends (rfc3834): once per
// sender, from the null sender, to local senders (stored) and remote ones (through the queue to
// an SMTP server on loopback), never to lists, bulk or automatic mail, or mail not addressed to
// the account.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import SMTPConnection from 'nodemailer/lib/smtp-connection'
import { SMTPServer } from 'smtp-server'
import { createMockResolver } from '../../src/dns/index.ts'
import { api, type JmapTestServer, type Json, resultOf, startJmapServer } from '../helpers/jmap.ts'
import { mailbox, waitFor } from '../helpers/outbound.ts'

const sunk: { from: string; to: string[]; data: string }[] = []
let sink: SMTPServer
let t: JmapTestServer
const using = ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:vacationresponse']

beforeAll(async () => {
  sink = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
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
  t = await startJmapServer(
    { POSTERN_DELIVERY_MX_PORT: String(port), POSTERN_DELIVERY_RETRY_INTERVALS: '1h' },
    {
      resolver: createMockResolver({
        'far.example': { MX: [{ exchange: 'mx.far.example', priority: 10 }] },
        'mx.far.example': { A: ['127.0.0.1'] },
      }),
    },
  )
  t.server.services.directory.aliases.add('robert@example.test', 'bob@example.test')
})
afterAll(async () => {
  await t?.close()
  await new Promise<void>((resolve) => (sink ? sink.close(() => resolve()) : resolve()))
})

/** Delivers a message to the MX as another server would. */
async function inbound(from: string, to: string[], message: string): Promise<void> {
  const connection = new SMTPConnection({
    host: '127.0.0.1',
    port: t.server.port('smtp'),
    logger: false,
    ignoreTLS: true,
  })
  await new Promise<void>((resolve, reject) => {
    connection.once('error', reject)
    connection.connect((err) => (err ? reject(err) : resolve()))
  })
  try {
    await new Promise((resolve, reject) =>
      connection.send({ from, to }, message.replaceAll(/\r?\n/g, '\r\n'), (err, info) =>
        err ? reject(err) : resolve(info),
      ),
    )
  } finally {
    connection.quit()
  }
}

const setBob = (update: Json) =>
  api(
    t,
    t.bob,
    [['VacationResponse/set', { accountId: t.bob.accountId, update: { singleton: update } }, 's']],
    using,
  )

describe('VacationResponse/get and /set', () => {
  test('the singleton, its defaults, updates and every error', async () => {
    const session = (await (
      await fetch(`${t.base}/jmap/session`, { headers: { authorization: t.alice.authorization } })
    ).json()) as Json
    expect(session.capabilities['urn:ietf:params:jmap:vacationresponse']).toEqual({})
    expect(
      session.accounts[t.alice.accountId].accountCapabilities['urn:ietf:params:jmap:vacationresponse'],
    ).toEqual({})

    const r = await api(
      t,
      t.alice,
      [
        ['VacationResponse/get', { accountId: t.alice.accountId }, 'g'],
        [
          'VacationResponse/get',
          { accountId: t.alice.accountId, ids: ['singleton', 'other'], properties: ['isEnabled'] },
          'g2',
        ],
      ],
      using,
    )
    const g = resultOf(r, 'g') as Json
    expect(g.list).toEqual([
      {
        id: 'singleton',
        isEnabled: false,
        fromDate: null,
        toDate: null,
        subject: null,
        textBody: null,
        htmlBody: null,
      },
    ])
    expect(resultOf(r, 'g2')).toMatchObject({
      list: [{ id: 'singleton', isEnabled: false }],
      notFound: ['other'],
    })

    const s = await api(
      t,
      t.alice,
      [
        [
          'VacationResponse/set',
          {
            accountId: t.alice.accountId,
            ifInState: g.state,
            create: { x: { isEnabled: true } },
            destroy: ['singleton'],
            update: {
              singleton: {
                isEnabled: true,
                fromDate: '2026-01-01T00:00:00Z',
                subject: 'Away',
                textBody: 'Back soon',
              },
              other: { isEnabled: true },
            },
          },
          's',
        ],
        [
          'VacationResponse/set',
          { accountId: t.alice.accountId, update: { singleton: { fromDate: 'tomorrow' } } },
          'bad1',
        ],
        [
          'VacationResponse/set',
          { accountId: t.alice.accountId, update: { singleton: { isEnabled: 'yes' } } },
          'bad2',
        ],
        [
          'VacationResponse/set',
          { accountId: t.alice.accountId, update: { singleton: { color: 'red' } } },
          'bad3',
        ],
        ['VacationResponse/set', { accountId: t.alice.accountId, ifInState: g.state, update: {} }, 'stale'],
        ['VacationResponse/get', { accountId: t.alice.accountId }, 'after'],
      ],
      using,
    )
    const set = resultOf(s, 's') as Json
    expect(set.oldState).toBe(g.state)
    expect(set.newState).not.toBe(g.state)
    expect(set.updated).toEqual({ singleton: null })
    expect(set.notCreated.x.type).toBe('singleton')
    expect(set.notDestroyed.singleton.type).toBe('singleton')
    expect(set.notUpdated.other.type).toBe('notFound')
    expect((resultOf(s, 'bad1') as Json).notUpdated.singleton).toMatchObject({
      type: 'invalidProperties',
      properties: ['fromDate'],
    })
    expect((resultOf(s, 'bad2') as Json).notUpdated.singleton).toMatchObject({
      type: 'invalidProperties',
      properties: ['isEnabled'],
    })
    expect((resultOf(s, 'bad3') as Json).notUpdated.singleton).toMatchObject({
      type: 'invalidProperties',
      properties: ['color'],
    })
    expect(s.find((x) => x[2] === 'stale')?.[1].type).toBe('stateMismatch')
    expect((resultOf(s, 'after') as Json).list[0]).toEqual({
      id: 'singleton',
      isEnabled: true,
      fromDate: '2026-01-01T00:00:00Z',
      toDate: null,
      subject: 'Away',
      textBody: 'Back soon',
      htmlBody: null,
    })
    // Off again, so alice does not answer the mail of the next tests.
    const off = await api(
      t,
      t.alice,
      [
        [
          'VacationResponse/set',
          { accountId: t.alice.accountId, update: { singleton: { isEnabled: false } } },
          'o',
        ],
      ],
      using,
    )
    expect((resultOf(off, 'o') as Json).updated).toEqual({ singleton: null })
  })
})

describe('vacation replies in local delivery', () => {
  test('a remote sender gets one reply from the null sender; lists, bulk, automatic and indirect mail get none', async () => {
    const set = resultOf(
      await setBob({ isEnabled: true, subject: 'Bob is away', textBody: 'Back on Monday.' }),
      's',
    ) as Json
    expect(set.updated).toEqual({ singleton: null })
    const base = (from: string, extra = '', to = 'bob@example.test') =>
      `From: ${from}\nTo: ${to}\nSubject: hello\nMessage-ID: <${crypto.randomUUID()}@far.example>\n${extra}\nHi Bob.\n`
    await inbound(
      'list-bounces@far.example',
      ['bob@example.test'],
      base('list@far.example', 'List-Id: <news.far.example>\n'),
    )
    await inbound('bulk@far.example', ['bob@example.test'], base('bulk@far.example', 'Precedence: bulk\n'))
    await inbound(
      'robot@far.example',
      ['bob@example.test'],
      base('robot@far.example', 'Auto-Submitted: auto-generated\n'),
    )
    await inbound('', ['bob@example.test'], base('daemon@far.example'))
    await inbound('bcc@far.example', ['bob@example.test'], base('bcc@far.example', '', 'someone@far.example'))
    await inbound('mailer-daemon@far.example', ['bob@example.test'], base('mailer-daemon@far.example'))
    // Addressed by an alias of bob's: that is bob too.
    const id = `<${crypto.randomUUID()}@far.example>`
    const personal = `From: Carol <carol@far.example>\nTo: robert@example.test\nSubject: lunch?\nMessage-ID: ${id}\nReferences: <earlier@far.example>\n\nHi.\n`
    await inbound('carol@far.example', ['robert@example.test'], personal)
    await inbound(
      'carol@far.example',
      ['robert@example.test'],
      personal.replace('lunch?', 'lunch again?').replace(id, '<second@far.example>'),
    )

    const reply = await waitFor('the reply to carol', () =>
      sunk.find((m) => m.to.includes('carol@far.example')),
    )
    expect(reply.from).toBe('')
    expect(reply.data).toMatch(/^Auto-Submitted: auto-replied\r$/m)
    expect(reply.data).toMatch(/^From: <bob@example\.test>\r$/m)
    expect(reply.data).toMatch(/^Subject: Bob is away\r$/m)
    expect(reply.data).toContain(`In-Reply-To: ${id}\r\n`)
    expect(reply.data).toContain(`References: <earlier@far.example> ${id}\r\n`)
    expect(reply.data).toContain(Buffer.from('Back on Monday.').toString('base64'))
    // Everything was delivered to bob, and only carol was answered, once.
    await new Promise((r) => setTimeout(r, 500))
    expect(mailbox(t.server, 'bob@example.test').filter((m) => m.includes('Hi Bob.'))).toHaveLength(6)
    expect(sunk.map((m) => m.to)).toEqual([['carol@far.example']])
  })

  test('a local sender gets the reply in its inbox; not again within the period, nor outside the dates', async () => {
    await inbound(
      'alice@example.test',
      ['bob@example.test'],
      'From: alice@example.test\nTo: bob@example.test\nSubject: local\n\nHello.\n',
    )
    const reply = await waitFor('alice to receive the reply', () =>
      mailbox(t.server, 'alice@example.test').find((m) => m.includes('Auto-Submitted: auto-replied')),
    )
    expect(reply).toMatch(/^Return-Path: <>\r$/m)
    await inbound(
      'alice@example.test',
      ['bob@example.test'],
      'From: alice@example.test\nTo: bob@example.test\nSubject: again\n\nHello.\n',
    )
    // bob writing to himself is never answered either.
    await inbound(
      'bob@example.test',
      ['bob@example.test'],
      'From: bob@example.test\nTo: bob@example.test\nSubject: note\n\nTodo.\n',
    )
    // Outside the dates: nothing, even to a new sender.
    resultOf(await setBob({ toDate: '2020-01-01T00:00:00Z' }), 's')
    await inbound(
      'dan@far.example',
      ['bob@example.test'],
      'From: dan@far.example\nTo: bob@example.test\nSubject: hi\n\nHi.\n',
    )
    await new Promise((r) => setTimeout(r, 500))
    expect(
      mailbox(t.server, 'alice@example.test').filter((m) => m.includes('Auto-Submitted: auto-replied')),
    ).toHaveLength(1)
    expect(
      mailbox(t.server, 'bob@example.test').filter((m) => m.includes('Auto-Submitted: auto-replied')),
    ).toHaveLength(0)
    expect(sunk.some((m) => m.to.includes('dan@far.example'))).toBe(false)
  })
})
