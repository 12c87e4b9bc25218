// SMTP over real sockets: MX, submission (STARTTLS and implicit TLS) and LMTP, with the exact
// replies a client sees, and what ends up in the store.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { runCli } from '../../src/cli/index.ts'
import { createMockResolver } from '../../src/dns/index.ts'
import { LineClient, plainAuth } from '../helpers/line-client.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

let server: TestServer
let aliceId = 0
let tinyId = 0

beforeAll(async () => {
  // Remote mail stays queued: remote.test's MX host has no address, a temporary failure.
  const resolver = createMockResolver({
    'remote.test': { MX: [{ exchange: 'mx.remote.test', priority: 10 }] },
  })
  server = await startTestServer({
    resolver,
    env: {
      POSTERN_SMTP_MAX_RECIPIENTS: '3',
      POSTERN_SMTP_MAX_MESSAGE_SIZE: '20000',
    },
  })
  const { directory } = server.services
  directory.domains.add('example.test')
  aliceId = (await directory.accounts.add({ email: 'alice@example.test', password: 'alice-password' })).id
  await directory.accounts.add({ email: 'bob@example.test', password: 'bob-password' })
  tinyId = (
    await directory.accounts.add({ email: 'tiny@example.test', password: 'tiny-password', quotaBytes: 3000 })
  ).id
  directory.aliases.add('team@example.test', 'alice@example.test')
  directory.aliases.add('team@example.test', 'bob@example.test')
  for (const a of directory.accounts.list()) await server.services.store.ensureAccount(a.id)
})
afterAll(() => server.close())

async function connect(service: 'smtp' | 'submission' | 'submissions' | 'lmtp'): Promise<LineClient> {
  const c = await LineClient.connect(server.port(service), { tls: service === 'submissions' })
  const greeting = await c.reply()
  expect(greeting[0]).toMatch(
    new RegExp(`^220 mail\\.example\\.test ${service === 'lmtp' ? 'LMTP' : 'ESMTP'} Postern$`),
  )
  return c
}

function inbox(accountId: number) {
  const box = server.services.store.findMailboxByRole(accountId, 'inbox')
  if (!box) throw new Error('no inbox')
  const list = server.services.store.mailboxMessages(box.id)
  return list.map((m) => Buffer.from(server.services.store.raw(accountId, m.emailId)).toString())
}

async function send(c: LineClient, from: string, to: string[], body: string): Promise<string[]> {
  const replies: string[] = []
  replies.push(...(await c.command(`MAIL FROM:<${from}>`)))
  for (const r of to) replies.push(...(await c.command(`RCPT TO:<${r}>`)))
  const data = await c.command('DATA')
  replies.push(...data)
  if (!data[0]?.startsWith('354')) return replies
  c.send(`${body.replaceAll('\n', '\r\n')}\r\n.`)
  replies.push(...(await c.reply()))
  return replies
}

describe('MX', () => {
  test('EHLO advertises the extensions and the size limit', async () => {
    const c = await connect('smtp')
    expect(await c.command('EHLO client.example')).toEqual([
      '250-mail.example.test Nice to meet you, [127.0.0.1]',
      '250-PIPELINING',
      '250-8BITMIME',
      '250-SMTPUTF8',
      '250-ENHANCEDSTATUSCODES',
      '250-STARTTLS',
      '250 SIZE 20000',
    ])
    c.close()
  })

  test('delivers to accounts through aliases and sub-addresses, with a Received header', async () => {
    const c = await connect('smtp')
    await c.command('EHLO client.example')
    const before = inbox(aliceId).length
    const replies = await send(
      c,
      'sender@remote.test',
      ['alice+lists@example.test', 'team@example.test'],
      'Subject: hi\nMessage-ID: <mx1@remote.test>\n\nHello',
    )
    expect(replies.slice(0, 4)).toEqual([
      '250 2.1.0 Accepted',
      '250 2.1.5 Accepted',
      '250 2.1.5 Accepted',
      '354 End data with <CR><LF>.<CR><LF>',
    ])
    expect(replies[4]).toMatch(/^250 2\.0\.0 OK queued as \w+$/)
    const mail = inbox(aliceId)
    expect(mail.length).toBe(before + 1)
    expect(mail.at(-1)).toMatch(
      /^Authentication-Results: mail\.example\.test;\r\n dkim=none \(message not signed\);\r\n spf=none /,
    )
    expect(mail.at(-1)).toMatch(
      /\r\nReceived-SPF: none [\s\S]+?\r\nReceived: from client\.example \(\[127\.0\.0\.1\]\)\r\n\tby mail\.example\.test \(Postern\) with ESMTP id \w+;\r\n\t.+\r\nSubject: hi\r\n/,
    )
    expect(inbox(aliceId).at(-1)).toEndWith('\r\n\r\nHello\r\n')
    c.close()
  })

  test('unknown users, relaying, too many recipients, oversize', async () => {
    const c = await connect('smtp')
    await c.command('EHLO client.example')
    expect(await c.command('MAIL FROM:<sender@remote.test>')).toEqual(['250 2.1.0 Accepted'])
    expect(await c.command('RCPT TO:<nobody@example.test>')).toEqual(['550 5.1.1 no such user here'])
    expect(await c.command('RCPT TO:<someone@elsewhere.test>')).toEqual(['550 5.7.1 relaying denied'])
    for (const r of ['alice@example.test', 'bob@example.test', 'team@example.test'])
      expect((await c.command(`RCPT TO:<${r}>`))[0]).toStartWith('250')
    expect((await c.command('RCPT TO:<tiny@example.test>'))[0]).toMatch(/^452 4\.5\.3 /)
    expect(await c.command('RSET')).toEqual(['250 2.0.0 Flushed'])
    expect((await c.command('MAIL FROM:<sender@remote.test> SIZE=30000'))[0]).toMatch(/^552 5\.3\.4 /)
    const big = await send(
      c,
      'sender@remote.test',
      ['alice@example.test'],
      `Subject: big\n\n${'x'.repeat(25_000)}`,
    )
    expect(big.at(-1)).toMatch(/^552 5\.3\.4 /)
    c.close()
  })

  test('SMTP smuggling: a lone LF or CR never ends DATA, and bare line ends are refused', async () => {
    const c = await connect('smtp')
    await c.command('EHLO client.example')
    const before = inbox(aliceId).length
    for (const trick of ['\n.\n', '\r.\n', '\n.\r\n', '\r\n.\n']) {
      await c.command('MAIL FROM:<a@remote.test>')
      await c.command('RCPT TO:<alice@example.test>')
      expect(await c.command('DATA')).toEqual(['354 End data with <CR><LF>.<CR><LF>'])
      c.send(
        `Subject: smuggle\r\n\r\nbody${trick}MAIL FROM:<evil@remote.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n\r\nsmuggled\r\n.`,
      )
      expect(await c.reply()).toEqual(['550 5.5.2 bare <LF> or <CR> in message (rfc5321#section-2.3.8)'])
    }
    expect(inbox(aliceId).length).toBe(before)
    c.close()
  })

  test('a line over 1000 octets is refused; 998 characters are fine', async () => {
    const c = await connect('smtp')
    await c.command('EHLO client.example')
    expect(
      (await send(c, 'a@remote.test', ['alice@example.test'], `Subject: ok\n\n${'a'.repeat(998)}`)).at(-1),
    ).toMatch(/^250 /)
    expect(
      (await send(c, 'a@remote.test', ['alice@example.test'], `Subject: long\n\n${'a'.repeat(999)}`)).at(-1),
    ).toBe('550 5.5.2 line longer than 1000 octets in message (rfc5321#section-4.5.3.1.6)')
    c.close()
  })

  test('over quota: 452 4.2.2, or 552 5.2.2 when the message can never fit', async () => {
    const c = await connect('smtp')
    await c.command('EHLO client.example')
    expect(
      (
        await send(
          c,
          'a@remote.test',
          ['tiny@example.test'],
          `Subject: fits\n\n${`${'y'.repeat(73)}\n`.repeat(20)}`,
        )
      ).at(-1),
    ).toMatch(/^250 /)
    expect(
      (
        await send(
          c,
          'a@remote.test',
          ['tiny@example.test'],
          `Subject: too much\n\n${`${'y'.repeat(73)}\n`.repeat(24)}`,
        )
      ).at(-1),
    ).toBe('452 4.2.2 mailbox full, try again later')
    expect(
      (
        await send(
          c,
          'a@remote.test',
          ['tiny@example.test'],
          `Subject: never\n\n${`${'y'.repeat(73)}\n`.repeat(67)}`,
        )
      ).at(-1),
    ).toBe('552 5.2.2 mailbox full: the message is larger than the mailbox quota')
    expect(inbox(tinyId)).toHaveLength(1)
    c.close()
  })

  test('a retried message (same Message-ID and sender) is not stored twice', async () => {
    const before = inbox(aliceId).length
    for (let i = 0; i < 2; i++) {
      const c = await connect('smtp')
      await c.command('EHLO client.example')
      expect(
        (
          await send(
            c,
            'retry@remote.test',
            ['alice@example.test'],
            'Subject: again\nMessage-ID: <retry-1@remote.test>\n\nsame',
          )
        ).at(-1),
      ).toMatch(/^250 /)
      c.close()
    }
    expect(inbox(aliceId).length).toBe(before + 1)
  })

  test('a delivery is announced on the change feed after commit', async () => {
    const seen: number[] = []
    const stop = server.services.events.subscribe(aliceId, (change) => seen.push(change.modseq))
    const c = await connect('smtp')
    await c.command('EHLO client.example')
    await send(c, 'feed@remote.test', ['alice@example.test'], 'Subject: feed\n\nx')
    stop()
    c.close()
    expect(seen).toEqual([server.services.store.modseq(aliceId)])
  })
})

describe('limits', () => {
  test('connections per address and messages per minute', async () => {
    const limited = await startTestServer({
      env: { POSTERN_LIMITS_MAX_CONNECTIONS_PER_IP: '2', POSTERN_SMTP_MESSAGES_PER_MINUTE_PER_IP: '2' },
    })
    try {
      limited.services.directory.domains.add('example.test')
      await limited.services.directory.accounts.add({
        email: 'alice@example.test',
        password: 'alice-password',
      })
      const open = async () => {
        const c = await LineClient.connect(limited.port('smtp'))
        return { c, greeting: await c.reply() }
      }
      const a = await open()
      const b = await open()
      const third = await open()
      expect(a.greeting[0]).toMatch(/^220 /)
      expect(b.greeting[0]).toMatch(/^220 /)
      expect(third.greeting).toEqual(['421 4.7.0 too many connections from your address, try later'])
      third.c.close()
      b.c.close()
      await a.c.command('EHLO client.example')
      for (let i = 0; i < 2; i++)
        expect(
          (await send(a.c, 's@remote.test', ['alice@example.test'], `Subject: r${i}\n\nx`)).at(-1),
        ).toMatch(/^250 /)
      expect(await a.c.command('MAIL FROM:<s@remote.test>')).toEqual([
        '450 4.7.1 too many messages from your address, slow down',
      ])
      a.c.close()
      await Bun.sleep(100)
      const again = await open()
      expect(again.greeting[0]).toMatch(/^220 /)
      again.c.close()
    } finally {
      await limited.close()
    }
  })

  test('a command line over the limit ends the session', async () => {
    const c = await connect('smtp')
    await c.command('EHLO client.example')
    expect(await c.command(`MAIL FROM:<${'a'.repeat(9000)}@remote.test>`)).toEqual([
      '421 4.4.2 Error: Command line too long',
    ])
    expect(await c.line()).toBeNull()
  })

  test('ten unknown commands end the session', async () => {
    const c = await connect('smtp')
    for (let i = 0; i < 9; i++)
      expect(await c.command('FROB')).toEqual(['500 5.5.2 Error: command not recognized'])
    expect(await c.command('FROB')).toEqual(['421 4.4.2 Error: too many unrecognized commands'])
    expect(await c.line()).toBeNull()
  })
})

describe('submission', () => {
  test('AUTH only after STARTTLS; sender must be the account; remote recipients are queued', async () => {
    const c = await connect('submission')
    const plain = await c.command('EHLO laptop')
    expect(plain).toContain('250-STARTTLS')
    expect(plain.join('\n')).not.toContain('AUTH')
    expect(await c.command(`AUTH PLAIN ${plainAuth('alice@example.test', 'alice-password')}`)).toEqual([
      '538 5.7.0 Error: Must issue a STARTTLS command first',
    ])
    expect(await c.command('STARTTLS')).toEqual(['220 2.0.0 Ready to start TLS'])
    await c.startTls()
    expect(await c.command('EHLO laptop')).toContain('250-AUTH PLAIN LOGIN')
    expect(await c.command('MAIL FROM:<alice@example.test>')).toEqual([
      '530 5.7.0 Error: authentication Required',
    ])
    expect(await c.command(`AUTH PLAIN ${plainAuth('alice@example.test', 'wrong-password')}`)).toEqual([
      '535 5.7.8 authentication credentials invalid',
    ])
    expect(await c.command(`AUTH PLAIN ${plainAuth('alice@example.test', 'alice-password')}`)).toEqual([
      '235 2.7.0 Authentication successful',
    ])
    expect(await c.command('MAIL FROM:<bob@example.test>')).toEqual([
      '553 5.7.1 sender address is not one of yours',
    ])
    const replies = await send(
      c,
      'alice+sent@example.test',
      ['friend@remote.test', 'bob@example.test'],
      'Subject: out\n\nfrom alice',
    )
    expect(replies.at(-1)).toMatch(/^250 2\.0\.0 OK queued as /)
    const queued = server.services.queue.list().at(-1)
    expect(queued).toMatchObject({
      mailFrom: 'alice+sent@example.test',
      recipients: [{ address: 'friend@remote.test', status: expect.stringMatching(/^(queued|deferred)$/) }],
    })
    const bobMail = inbox(server.services.directory.accounts.get('bob@example.test').id)
    expect(bobMail.at(-1)).toMatch(
      /\r\nMessage-ID: <\w+@mail\.example\.test>\r\nDate: .+\r\nSubject: out\r\n/,
    )
    expect(bobMail.at(-1)).toMatch(/with ESMTPSA id /)
    c.close()
  })

  test("the From header must be the account's; a missing one is added", async () => {
    const c = await connect('submissions')
    await c.command('EHLO laptop')
    await c.command(`AUTH PLAIN ${plainAuth('bob@example.test', 'bob-password')}`)
    const forged = await send(
      c,
      'bob@example.test',
      ['alice@example.test'],
      'From: "The Boss" <boss@example.test>\nSubject: x\n\ny',
    )
    expect(forged.at(-1)).toBe('553 5.7.1 the From header must be one of your addresses')
    const mixed = await send(
      c,
      'bob@example.test',
      ['alice@example.test'],
      'From: bob@example.test, alice@example.test\nSubject: x\n\ny',
    )
    expect(mixed.at(-1)).toBe('553 5.7.1 the From header must be one of your addresses')
    const own = await send(
      c,
      'bob@example.test',
      ['alice@example.test'],
      'From: "Bob (home)" <BOB+home@example.test>\nSubject: own\n\ny',
    )
    expect(own.at(-1)).toMatch(/^250 /)
    expect(
      (await send(c, 'bob@example.test', ['alice@example.test'], 'Subject: no from\n\ny')).at(-1),
    ).toMatch(/^250 /)
    expect(inbox(aliceId).at(-1)).toMatch(/\r\nFrom: <bob@example\.test>\r\n/)
    c.close()
  })

  test('the queued message through the CLI: list, show, retry, remove', async () => {
    const cli = async (...argv: string[]) => {
      const lines: string[] = []
      const code = await runCli(argv, {
        out: { line: (l) => lines.push(l), error: (l) => lines.push(l) },
        env: { POSTERN_DATA_DIR: server.dataDir, POSTERN_HOSTNAME: 'mail.example.test' },
      })
      return { code, output: lines.join('\n') }
    }
    const queued = server.services.queue
      .list()
      .find((m) => m.recipients.some((r) => r.address === 'friend@remote.test'))
    if (!queued) throw new Error('nothing queued')
    const list = await cli('queue', 'list')
    expect(list.code).toBe(0)
    expect(list.output).toMatch(
      new RegExp(
        `^${queued.id}\\s+alice\\+sent@example\\.test\\s+friend@remote\\.test \\((queued|deferred)\\)`,
        'm',
      ),
    )
    expect((await cli('queue', 'show', String(queued.id))).output).toMatch(
      /^ {2}friend@remote\.test: (queued, 0 attempt\(s\), next |deferred, 1 attempt\(s\), next .*, status 4\.4\.4, last error: no MX host of remote\.test has an address)/m,
    )
    expect(await cli('queue', 'retry', String(queued.id))).toEqual({
      code: 0,
      output: `message ${queued.id} will be tried again now`,
    })
    expect(await cli('queue', 'remove', String(queued.id))).toEqual({
      code: 0,
      output: `message ${queued.id} removed from the queue`,
    })
    expect(await cli('queue', 'show', String(queued.id))).toEqual({
      code: 1,
      output: 'error: no such message in the queue',
    })
    expect((await cli('queue', 'retry', 'x')).code).toBe(2)
  })

  test('implicit TLS on submissions', async () => {
    const c = await connect('submissions')
    expect(await c.command('EHLO laptop')).toContain('250-AUTH PLAIN LOGIN')
    expect(await c.command(`AUTH PLAIN ${plainAuth('bob@example.test', 'bob-password')}`)).toEqual([
      '235 2.7.0 Authentication successful',
    ])
    expect((await send(c, 'bob@example.test', ['alice@example.test'], 'Subject: tls\n\nhi')).at(-1)).toMatch(
      /^250 /,
    )
    c.close()
  })
})

describe('LMTP', () => {
  test('one reply per recipient', async () => {
    const c = await connect('lmtp')
    expect((await c.command('LHLO mta.local'))[0]).toBe('250-mail.example.test Nice to meet you, [127.0.0.1]')
    await c.command('MAIL FROM:<x@remote.test>')
    expect((await c.command('RCPT TO:<alice@example.test>'))[0]).toMatch(/^250 /)
    expect((await c.command('RCPT TO:<tiny@example.test>'))[0]).toMatch(/^250 /)
    expect(await c.command('DATA')).toEqual(['354 End data with <CR><LF>.<CR><LF>'])
    c.send(`Subject: lmtp\r\n\r\n${`${'z'.repeat(78)}\r\n`.repeat(26)}.`)
    const first = await c.reply()
    const second = await c.reply()
    expect(first[0]).toMatch(/^250 2\.0\.0 OK queued as /)
    expect(second).toEqual(['452 4.2.2 mailbox full, try again later'])
    c.close()
  })
})
