// POP3 transcripts against a whole server on ephemeral ports: every command and response code,
// STLS and pop3s, SASL, the fixed numbering of a session, IN-USE, concurrent IMAP-style changes
// through the store, QUIT's one transaction, dropped connections, and the error limits.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { seenBit } from '../../src/store/keywords.ts'
import { b64, plainAuth } from '../helpers/line-client.ts'
import { Pop3Client } from '../helpers/pop3-client.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

let server: TestServer
let other: TestServer
const domainsMade = new WeakSet<TestServer>()

beforeAll(async () => {
  ;[server, other] = await Promise.all([
    startTestServer(),
    startTestServer({
      env: {
        POSTERN_POP3_ALLOW_PLAINTEXT_LOGIN: 'true',
        POSTERN_POP3_ON_DELETE: 'trash',
        POSTERN_POP3_MARK_SEEN: 'false',
        POSTERN_POP3_LOGIN_DELAY_SECONDS: '60',
        POSTERN_AUTH_THROTTLE_AFTER: '100',
        POSTERN_AUTH_BAN_AFTER: '5',
        POSTERN_LIMITS_IDLE_TIMEOUT_SECONDS: '2',
      },
    }),
  ])
})
afterAll(async () => {
  await Promise.all([server.close(), other.close()])
})

const password = 'pop-password-1'

/** A new account with these messages in its Inbox, oldest first. */
async function account(name: string, messages: string[] = [], on = server) {
  const { directory, store } = on.services
  if (!domainsMade.has(on)) {
    directory.domains.add('example.test')
    domainsMade.add(on)
  }
  const email = `${name}@example.test`
  const { id } = await directory.accounts.add({ email, password })
  await store.ensureAccount(id)
  const inbox = store.findMailboxByRole(id, 'inbox')
  if (!inbox) throw new Error('no inbox')
  for (const m of messages) await deliver(on, id, inbox.id, m)
  return { id, email, inbox: inbox.id }
}

function deliver(on: TestServer, accountId: number, mailboxId: number, message: string) {
  return on.services.store.appendRaw(accountId, {
    mailboxIds: [mailboxId],
    bytes: Buffer.from(message),
    keywords: { flags: 0, keywords: [] },
    receivedAt: Date.now(),
  })
}

const msg = (subject: string, body = 'hello') => `Subject: ${subject}\r\n\r\n${body}\r\n`

/** Logged in over pop3s with USER/PASS. */
async function login(email: string, on = server) {
  const { client, greeting } = await Pop3Client.connect(on.port('pop3s'), { tls: true })
  expect(greeting).toBe('+OK mail.example.test POP3 server ready')
  expect(await client.command(`USER ${email}`)).toBe('+OK send PASS')
  const answer = await client.command(`PASS ${password}`)
  expect(answer).toStartWith('+OK ')
  return client
}

describe('authorization', () => {
  test('plain connection: CAPA offers STLS and no login; USER, PASS and AUTH are refused', async () => {
    const { client, greeting } = await Pop3Client.connect(server.port('pop3'))
    expect(greeting).toBe('+OK mail.example.test POP3 server ready')
    expect(await client.multi('CAPA')).toEqual([
      '+OK capability list follows',
      'TOP',
      'UIDL',
      'RESP-CODES',
      'AUTH-RESP-CODE',
      'PIPELINING',
      'STLS',
      'UTF8',
      'EXPIRE NEVER',
      'IMPLEMENTATION Postern',
    ])
    const refused = '-ERR [AUTH] plaintext authentication is not allowed without TLS; use STLS first'
    expect(await client.command('USER someone@example.test')).toBe(refused)
    expect(await client.command('PASS secret')).toBe(refused)
    expect(await client.command(`AUTH PLAIN ${plainAuth('a@example.test', 'x')}`)).toBe(refused)
    expect(await client.multi('AUTH')).toEqual(['+OK supported mechanisms follow'])
    expect(await client.command('STAT')).toBe('-ERR STAT is not valid before login')
    expect(await client.command('QUIT')).toBe('+OK mail.example.test POP3 server signing off')
    expect(await client.closed()).toBe(true)
  })

  test('STLS, then CAPA offers USER and SASL, and USER/PASS logs in', async () => {
    const a = await account('stls', [msg('one')])
    const { client } = await Pop3Client.connect(server.port('pop3'))
    expect(await client.command('USER stls@example.test')).toStartWith('-ERR [AUTH]')
    expect(await client.command('STLS')).toBe('+OK begin TLS negotiation')
    await client.startTls()
    expect(await client.multi('CAPA')).toEqual([
      '+OK capability list follows',
      'TOP',
      'UIDL',
      'RESP-CODES',
      'AUTH-RESP-CODE',
      'PIPELINING',
      'USER',
      'SASL PLAIN LOGIN',
      'UTF8 USER',
      'EXPIRE NEVER',
      'IMPLEMENTATION Postern',
    ])
    expect(await client.command('STLS')).toBe('-ERR already using TLS')
    expect(await client.command(`USER ${a.email}`)).toBe('+OK send PASS')
    expect(await client.command(`PASS ${password}`)).toBe('+OK stls@example.test has 1 messages (23 octets)')
    expect(await client.command('QUIT')).toBe(
      '+OK mail.example.test POP3 server signing off (1 messages left)',
    )
    client.close()
  })

  test('pop3s offers no STLS', async () => {
    const { client } = await Pop3Client.connect(server.port('pop3s'), { tls: true })
    expect((await client.multi('CAPA')).includes('STLS')).toBe(false)
    expect(await client.command('STLS')).toBe('-ERR already using TLS')
    client.close()
  })

  test('AUTH PLAIN with and without an initial response, AUTH LOGIN, cancel, bad input', async () => {
    const a = await account('sasl')
    const { client } = await Pop3Client.connect(server.port('pop3s'), { tls: true })
    expect(await client.multi('AUTH')).toEqual(['+OK supported mechanisms follow', 'PLAIN', 'LOGIN'])
    expect(await client.command('AUTH CRAM-MD5')).toBe('-ERR unsupported mechanism CRAM-MD5')
    expect(await client.command('AUTH PLAIN')).toBe('+ ')
    expect(await client.command('*')).toBe('-ERR authentication cancelled')
    expect(await client.command('AUTH PLAIN !!!')).toBe(
      '-ERR malformed authentication response: invalid base64',
    )
    expect(await client.command('AUTH LOGIN')).toBe(`+ ${b64('Username:')}`)
    expect(await client.command(b64(a.email))).toBe(`+ ${b64('Password:')}`)
    expect(await client.command(b64('wrong'))).toBe('-ERR [AUTH] authentication failed')
    expect(await client.command('AUTH PLAIN')).toBe('+ ')
    expect(await client.command(plainAuth(a.email, password))).toBe(
      '+OK sasl@example.test has 0 messages (0 octets)',
    )
    expect(await client.command('QUIT')).toStartWith('+OK')
    client.close()
    const again = await Pop3Client.connect(server.port('pop3s'), { tls: true })
    expect(await again.client.command(`AUTH PLAIN ${plainAuth(a.email, password)}`)).toStartWith('+OK sasl@')
    again.client.close()
  })

  test('PASS without USER; three failed logins close the connection', async () => {
    const a = await account('fails')
    const { client } = await Pop3Client.connect(server.port('pop3s'), { tls: true })
    expect(await client.command('PASS x')).toBe('-ERR send USER first')
    for (const n of [1, 2]) {
      expect(await client.command(`USER ${a.email}`)).toBe('+OK send PASS')
      expect(await client.command(`PASS wrong-${n}`)).toBe('-ERR [AUTH] authentication failed')
    }
    expect(await client.command('USER nobody@example.test')).toBe('+OK send PASS')
    expect(await client.command('PASS wrong')).toBe(
      '-ERR [AUTH] authentication failed; too many failures, closing the connection',
    )
    expect(await client.closed()).toBe(true)
  })

  test('UTF8 and a UTF-8 password', async () => {
    const { directory } = server.services
    const a = await account('utf8')
    await directory.accounts.setPassword(a.email, 'pässwörd-ü1')
    const { client } = await Pop3Client.connect(server.port('pop3s'), { tls: true })
    expect(await client.command('UTF8')).toBe('+OK UTF-8 mode enabled')
    expect(await client.command(`USER ${a.email}`)).toBe('+OK send PASS')
    expect(await client.command('PASS pässwörd-ü1')).toStartWith('+OK utf8@example.test')
    expect(await client.command('UTF8')).toBe('-ERR UTF8 is not valid after login')
    client.close()
  })
})

describe('transaction', () => {
  test('STAT, LIST, UIDL, RETR, TOP, DELE, RSET, NOOP, QUIT', async () => {
    const a = await account('trans', [
      msg('first', '.leading dot\r\n..two dots\r\nplain'),
      msg('second', 'line 1\r\nline 2\r\nline 3'),
      msg('third'),
    ])
    const ids = server.services.store
      .mailboxMessages(a.inbox)
      .map((m) => `${a.id.toString(36)}.${m.emailId.toString(36)}`)
    const c = await login(a.email)
    expect(await c.command('STAT')).toBe('+OK 3 119')
    expect(await c.multi('LIST')).toEqual(['+OK 3 messages (119 octets)', '1 51', '2 43', '3 25'])
    expect(await c.command('LIST 2')).toBe('+OK 2 43')
    expect(await c.command('LIST 4')).toBe('-ERR no such message, only 3 messages in maildrop')
    expect(await c.multi('UIDL')).toEqual([
      '+OK 3 messages (119 octets)',
      ...ids.map((id, i) => `${i + 1} ${id}`),
    ])
    expect(await c.command('UIDL 3')).toBe(`+OK 3 ${ids[2]}`)
    expect(await c.command('RETR 1')).toBe('+OK 51 octets')
    expect(await c.rawBody()).toEqual(['Subject: first', '', '..leading dot', '...two dots', 'plain', '.'])
    expect(await c.command('TOP 2 0')).toBe('+OK top of message follows')
    expect(await c.rawBody()).toEqual(['Subject: second', '', '.'])
    expect(await c.multi('TOP 2 2')).toEqual([
      '+OK top of message follows',
      'Subject: second',
      '',
      'line 1',
      'line 2',
    ])
    expect(await c.command('DELE 2')).toBe('+OK message 2 deleted')
    expect(await c.command('DELE 2')).toBe('-ERR message 2 already deleted')
    expect(await c.command('RETR 2')).toBe('-ERR message 2 already deleted')
    expect(await c.command('LIST 2')).toBe('-ERR message 2 already deleted')
    expect(await c.command('STAT')).toBe('+OK 2 76')
    expect(await c.multi('LIST')).toEqual(['+OK 2 messages (76 octets)', '1 51', '3 25'])
    expect(await c.command('RSET')).toBe('+OK maildrop has 3 messages (119 octets)')
    expect(await c.command('NOOP')).toBe('+OK')
    expect(await c.command('USER x')).toBe('-ERR USER is not valid after login')
    expect(await c.command('RETR 0')).toBe('-ERR invalid message number')
    expect((await c.multi('CAPA')).slice(0, 3)).toEqual(['+OK capability list follows', 'TOP', 'UIDL'])
    expect(await c.command('DELE 3')).toBe('+OK message 3 deleted')
    expect(await c.command('QUIT')).toBe('+OK mail.example.test POP3 server signing off (2 messages left)')
    expect(await c.closed()).toBe(true)
    expect(server.services.store.mailboxMessages(a.inbox).map((m) => m.size)).toEqual([51, 43])
  })

  test('a large message goes out whole, byte-stuffed, and TOP cuts it', async () => {
    const body = Array.from({ length: 4000 }, (_, i) =>
      i % 100 === 0 ? `.line ${i}` : `line ${i} ${'x'.repeat(40)}`,
    )
    const message = `Subject: big\r\n\r\n${body.join('\r\n')}\r\n`
    const a = await account('big', [message, msg('small')])
    const c = await login(a.email)
    expect(await c.multi('RETR 1')).toEqual([`+OK ${message.length} octets`, 'Subject: big', '', ...body])
    expect(await c.multi('TOP 1 2')).toEqual([
      '+OK top of message follows',
      'Subject: big',
      '',
      ...body.slice(0, 2),
    ])
    expect(await c.multi('RETR 2')).toEqual(['+OK 25 octets', 'Subject: small', '', 'hello'])
    c.close()
  })

  test('QUIT removes every deleted message in one transaction and marks retrieved ones \\Seen', async () => {
    const { store } = server.services
    const a = await account('quit', [msg('a'), msg('b'), msg('c'), msg('d')])
    const before = store.modseq(a.id)
    const c = await login(a.email)
    expect(await c.command('RETR 2')).toStartWith('+OK')
    await c.body()
    expect(await c.command('TOP 3 0')).toStartWith('+OK')
    await c.body()
    expect(await c.command('DELE 1')).toStartWith('+OK')
    expect(await c.command('DELE 4')).toStartWith('+OK')
    expect(store.mailboxMessages(a.inbox)).toHaveLength(4)
    expect(await c.command('QUIT')).toBe('+OK mail.example.test POP3 server signing off (2 messages left)')
    const left = store.mailboxMessages(a.inbox)
    expect(left.map((m) => [m.size, m.flags & seenBit])).toEqual([
      [21, seenBit],
      [21, 0],
    ])
    // One store operation: one modseq step for the seen flag and both removals.
    expect(store.modseq(a.id)).toBe(before + 1)
  })

  test('a dropped connection deletes nothing and releases the maildrop', async () => {
    const { store } = server.services
    const a = await account('drop', [msg('a'), msg('b')])
    const c = await login(a.email)
    expect(await c.command('DELE 1')).toStartWith('+OK')
    expect(await c.command('RETR 2')).toStartWith('+OK')
    await c.body()
    c.close()
    await Bun.sleep(100)
    expect(store.mailboxMessages(a.inbox).map((m) => m.flags)).toEqual([0, 0])
    const again = await login(a.email)
    expect(await again.command('STAT')).toBe('+OK 2 42')
    again.close()
  })

  test('UIDL values stay the same across sessions, flag changes and a move out and back', async () => {
    const { store } = server.services
    const a = await account('uidl', [msg('a'), msg('b')])
    const first = await login(a.email)
    const before = await first.multi('UIDL')
    expect(await first.command('QUIT')).toStartWith('+OK')
    const [m1, m2] = store.mailboxMessages(a.inbox)
    if (!m1 || !m2) throw new Error('messages missing')
    await store.setKeywordsByUid(a.id, a.inbox, [m1.uid], 'add', { flags: seenBit | 2, keywords: ['$label'] })
    const archive = store.findMailboxByRole(a.id, 'archive')
    if (!archive) throw new Error('no archive')
    const moved = await store.move(a.id, a.inbox, [m1.uid], archive.id)
    await store.move(a.id, archive.id, [moved.mapping[0]?.[1] ?? 0], a.inbox)
    expect(store.mailboxMessages(a.inbox).map((m) => m.uid)).not.toEqual([m1.uid, m2.uid])
    const second = await login(a.email)
    const after = await second.multi('UIDL')
    // The moved message is now the newest, so numbers swap; its unique-id does not change.
    expect(new Set(after.slice(1).map((l) => l.split(' ')[1]))).toEqual(
      new Set(before.slice(1).map((l) => l.split(' ')[1])),
    )
    expect(after.slice(1).map((l) => l.split(' ')[1])).toEqual([
      before[2]?.split(' ')[1],
      before[1]?.split(' ')[1],
    ])
    second.close()
  })
})

describe('concurrency', () => {
  test('a second session on the same maildrop gets IN-USE, and may log in once the first quits', async () => {
    const a = await account('inuse', [msg('a')])
    const first = await login(a.email)
    const { client: second } = await Pop3Client.connect(server.port('pop3'))
    expect(await second.command('STLS')).toStartWith('+OK')
    await second.startTls()
    expect(await second.command(`USER ${a.email}`)).toBe('+OK send PASS')
    expect(await second.command(`PASS ${password}`)).toBe(
      '-ERR [IN-USE] maildrop is in use by another POP3 session',
    )
    expect(await second.command('STAT')).toBe('-ERR STAT is not valid before login')
    expect(await first.command('QUIT')).toStartWith('+OK')
    expect(await second.command(`AUTH PLAIN ${plainAuth(a.email, password)}`)).toBe(
      '+OK inuse@example.test has 1 messages (21 octets)',
    )
    second.close()
  })

  test('mail arriving during a session does not change its listing', async () => {
    const a = await account('arrive', [msg('a')])
    const c = await login(a.email)
    expect(await c.command('STAT')).toBe('+OK 1 21')
    await deliver(server, a.id, a.inbox, msg('new'))
    expect(await c.command('STAT')).toBe('+OK 1 21')
    expect(await c.multi('LIST')).toEqual(['+OK 1 messages (21 octets)', '1 21'])
    expect(await c.command('RETR 2')).toBe('-ERR no such message, only 1 messages in maildrop')
    expect(await c.command('DELE 1')).toStartWith('+OK')
    expect(await c.command('QUIT')).toBe('+OK mail.example.test POP3 server signing off (maildrop empty)')
    const next = await login(a.email)
    expect(await next.command('STAT')).toBe('+OK 1 23')
    next.close()
  })

  test('messages expunged or moved by another client meanwhile are handled without errors', async () => {
    const { store } = server.services
    const a = await account('expunged', [msg('gone'), msg('moved'), msg('kept')])
    const c = await login(a.email)
    const [gone, moved] = store.mailboxMessages(a.inbox)
    if (!gone || !moved) throw new Error('messages missing')
    await store.removeFromMailbox(a.id, a.inbox, [gone.uid])
    const archive = store.findMailboxByRole(a.id, 'archive')
    if (!archive) throw new Error('no archive')
    await store.move(a.id, a.inbox, [moved.uid], archive.id)
    expect(await c.multi('LIST')).toEqual(['+OK 3 messages (73 octets)', '1 24', '2 25', '3 24'])
    expect(await c.command('RETR 1')).toBe('-ERR message 1 was removed by another client')
    expect(await c.multi('RETR 2')).toEqual(['+OK 25 octets', 'Subject: moved', '', 'hello'])
    expect(await c.command('DELE 1')).toStartWith('+OK')
    expect(await c.command('DELE 2')).toStartWith('+OK')
    expect(await c.command('QUIT')).toBe('+OK mail.example.test POP3 server signing off (1 messages left)')
    expect(store.mailboxMessages(a.inbox).map((m) => m.size)).toEqual([24])
    // The message IMAP moved away is not in the Inbox, so POP3's DELE does not reach it.
    expect(store.mailboxMessages(archive.id)).toHaveLength(1)
  })

  test('pipelined commands are answered in order', async () => {
    const a = await account('pipe', [msg('a'), msg('b')])
    const c = await login(a.email)
    c.lines.send('STAT\r\nLIST 1\r\nRETR 2\r\nBOGUS\r\nNOOP')
    expect(await c.status()).toBe('+OK 2 42')
    expect(await c.status()).toBe('+OK 1 21')
    expect(await c.status()).toBe('+OK 21 octets')
    expect(await c.body()).toEqual(['Subject: b', '', 'hello'])
    expect(await c.status()).toBe('-ERR unknown command')
    expect(await c.status()).toBe('+OK')
    c.close()
  })
})

describe('limits and bad input', () => {
  test('a command over 255 octets, and a line over the connection limit, get -ERR and the session goes on', async () => {
    const { client } = await Pop3Client.connect(server.port('pop3s'), { tls: true })
    expect(await client.command(`USER ${'x'.repeat(260)}`)).toBe('-ERR line too long')
    expect(await client.command(`NOOP ${'y'.repeat(70_000)}`)).toBe('-ERR line too long')
    expect(await client.command(`USER ${'x'.repeat(240)}`)).toBe('+OK send PASS')
    expect(await client.command('QUIT')).toStartWith('+OK')
    client.close()
  })

  test('too many errors end the session', async () => {
    const { client } = await Pop3Client.connect(server.port('pop3'))
    for (let i = 1; i < 10; i++) expect(await client.command(`BAD${i}`)).toBe('-ERR unknown command')
    expect(await client.command('RETR 1')).toBe(
      '-ERR RETR is not valid before login; too many errors, closing the connection',
    )
    expect(await client.closed()).toBe(true)
  })
})

describe('options: plaintext login, on_delete = trash, mark_seen = false, LOGIN-DELAY', () => {
  test('USER/PASS without TLS; DELE moves to Trash; nothing is marked seen', async () => {
    const { store } = other.services
    const a = await account('opts', [msg('a'), msg('b')], other)
    const { client } = await Pop3Client.connect(other.port('pop3'))
    const capa = await client.multi('CAPA')
    expect(capa).toContain('USER')
    expect(capa).toContain('STLS')
    expect(capa).toContain('LOGIN-DELAY 60')
    expect(await client.command(`USER ${a.email}`)).toBe('+OK send PASS')
    expect(await client.command(`PASS ${password}`)).toStartWith('+OK opts@example.test has 2 messages')
    expect(await client.command('RETR 2')).toStartWith('+OK')
    await client.body()
    expect(await client.command('DELE 1')).toStartWith('+OK')
    expect(await client.command('QUIT')).toStartWith('+OK')
    const trash = store.findMailboxByRole(a.id, 'trash')
    if (!trash) throw new Error('no trash')
    expect(store.mailboxMessages(a.inbox).map((m) => m.flags)).toEqual([0])
    expect(store.mailboxMessages(trash.id)).toHaveLength(1)
  })

  test('a second login within the delay gets LOGIN-DELAY', async () => {
    const a = await account('delay', [], other)
    const { client } = await Pop3Client.connect(other.port('pop3'))
    expect(await client.command(`AUTH PLAIN ${plainAuth(a.email, password)}`)).toStartWith('+OK')
    expect(await client.command('QUIT')).toStartWith('+OK')
    const { client: again } = await Pop3Client.connect(other.port('pop3'))
    expect(await again.command(`AUTH PLAIN ${plainAuth(a.email, password)}`)).toMatch(
      /^-ERR \[LOGIN-DELAY\] logins to this account are limited to one per 60 seconds; try again in \d+$/,
    )
    again.close()
  })

  test('an address banned for failed logins gets LOGIN-DELAY', async () => {
    let answer = ''
    for (let i = 0; i < 3 && !answer.includes('LOGIN-DELAY'); i++) {
      const { client } = await Pop3Client.connect(other.port('pop3'))
      for (let j = 0; j < 3; j++) {
        expect(await client.command('USER nobody@example.test')).toBe('+OK send PASS')
        answer = await client.command('PASS wrong')
        if (answer.startsWith('-ERR [LOGIN-DELAY]')) break
      }
      client.close()
    }
    expect(answer).toMatch(/^-ERR \[LOGIN-DELAY\] too many failed logins; try again in \d+ seconds$/)
  })

  test('an idle session is logged out', async () => {
    const { client } = await Pop3Client.connect(other.port('pop3'))
    expect(await client.status()).toBe('-ERR autologout: idle for too long')
    expect(await client.closed()).toBe(true)
  })

  test('shutting down says so to sessions between commands', async () => {
    const { client } = await Pop3Client.connect(other.port('pop3'))
    expect(await client.command('STAT')).toStartWith('-ERR')
    const stopping = other.close()
    expect(await client.status()).toBe('-ERR [SYS/TEMP] server shutting down')
    expect(await client.closed()).toBe(true)
    await stopping
  })
})
