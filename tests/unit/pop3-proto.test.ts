// The pure POP3 layer: command parsing per state, status lines and response codes, byte-stuffed
// multi-line responses, TOP, the session's maildrop view, CAPA, and UIDL values.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { capabilities } from '../../src/pop3/proto/capabilities.ts'
import { Pop3CommandError, type Pop3State, parseCommand } from '../../src/pop3/proto/commands.ts'
import { MaildropView, uniqueId } from '../../src/pop3/proto/maildrop.ts'
import {
  dotStuffMessage,
  dotStuffParts,
  err,
  multiline,
  ok,
  topOfMessage,
} from '../../src/pop3/proto/responses.ts'

const bytes = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array) => new TextDecoder().decode(b)

function commandError(line: string, state: Pop3State): string {
  try {
    parseCommand(line, state)
  } catch (e) {
    if (e instanceof Pop3CommandError) return e.message
    throw e
  }
  throw new Error(`${line} parsed`)
}

describe('parseCommand', () => {
  test.each([
    ['USER alice@example.test', 'authorization', { verb: 'USER', name: 'alice@example.test' }],
    ['user  Bob ', 'authorization', { verb: 'USER', name: 'Bob' }],
    ['PASS  two words ', 'authorization', { verb: 'PASS', password: ' two words ' }],
    ['AUTH', 'authorization', { verb: 'AUTH', mechanism: undefined, initialResponse: undefined }],
    [
      'auth plain AGEAYg==',
      'authorization',
      { verb: 'AUTH', mechanism: 'PLAIN', initialResponse: 'AGEAYg==' },
    ],
    ['STLS', 'authorization', { verb: 'STLS' }],
    ['utf8', 'authorization', { verb: 'UTF8' }],
    ['CAPA', 'transaction', { verb: 'CAPA' }],
    ['QUIT', 'authorization', { verb: 'QUIT' }],
    ['STAT', 'transaction', { verb: 'STAT' }],
    ['LIST', 'transaction', { verb: 'LIST', message: undefined }],
    ['list 2', 'transaction', { verb: 'LIST', message: 2 }],
    ['UIDL 10', 'transaction', { verb: 'UIDL', message: 10 }],
    ['RETR 1', 'transaction', { verb: 'RETR', message: 1 }],
    ['DELE 007', 'transaction', { verb: 'DELE', message: 7 }],
    ['TOP 1 0', 'transaction', { verb: 'TOP', message: 1, lines: 0 }],
    ['NOOP', 'transaction', { verb: 'NOOP' }],
    ['RSET ', 'transaction', { verb: 'RSET' }],
  ] as const)('%s', (line, state, expected) => {
    expect(parseCommand(line, state)).toEqual(expected as never)
  })

  test.each([
    ['', 'authorization', 'empty command'],
    ['HELO x', 'authorization', 'unknown command'],
    ['APOP a b', 'authorization', 'unknown command'],
    ['STAT', 'authorization', 'STAT is not valid before login'],
    ['USER a', 'transaction', 'USER is not valid after login'],
    ['STLS', 'transaction', 'STLS is not valid after login'],
    ['RETR', 'transaction', 'RETR needs one message number'],
    ['RETR 1 2', 'transaction', 'RETR needs one message number'],
    ['RETR 0', 'transaction', 'invalid message number'],
    ['RETR -1', 'transaction', 'invalid message number'],
    ['RETR x', 'transaction', 'invalid message number'],
    ['DELE 1.0', 'transaction', 'invalid message number'],
    ['LIST 1 2', 'transaction', 'LIST takes at most one message number'],
    ['TOP 1', 'transaction', 'TOP needs a message number and a number of lines'],
    ['TOP 1 -1', 'transaction', 'invalid number of lines'],
    ['STAT 1', 'transaction', 'STAT takes no arguments'],
    ['USER', 'authorization', 'USER needs a user name'],
    ['PASS', 'authorization', 'PASS needs a password'],
    ['AUTH a b c', 'authorization', 'AUTH takes a mechanism and an optional initial response'],
    ['__proto__', 'authorization', 'unknown command'],
  ] as const)('%s → -ERR %s', (line, state, message) => {
    expect(commandError(line, state)).toBe(message)
  })

  test('never throws anything but Pop3CommandError', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom<Pop3State>('authorization', 'transaction'), (line, state) => {
        try {
          parseCommand(line, state)
        } catch (e) {
          if (!(e instanceof Pop3CommandError)) throw e
        }
      }),
    )
  })
})

describe('status lines', () => {
  test('with and without response codes', () => {
    expect(ok()).toBe('+OK\r\n')
    expect(ok('2 320')).toBe('+OK 2 320\r\n')
    expect(err('no such message')).toBe('-ERR no such message\r\n')
    expect(err('maildrop locked', 'IN-USE')).toBe('-ERR [IN-USE] maildrop locked\r\n')
    expect(err('wait', 'LOGIN-DELAY')).toBe('-ERR [LOGIN-DELAY] wait\r\n')
    expect(err('later', 'SYS/TEMP')).toBe('-ERR [SYS/TEMP] later\r\n')
    expect(err('bad password', 'AUTH')).toBe('-ERR [AUTH] bad password\r\n')
  })

  test('one line of at most 512 octets', () => {
    const line = err(`a\r\nb${'x'.repeat(1000)}`)
    expect(line.startsWith('-ERR a b')).toBe(true)
    expect(bytes(line).length).toBe(512)
    expect(line.indexOf('\r\n')).toBe(510)
  })

  test('multi-line text responses are byte-stuffed and terminated', () => {
    expect(multiline(ok('list'), ['1 120', '.hidden'])).toBe('+OK list\r\n1 120\r\n..hidden\r\n.\r\n')
    expect(multiline(ok(), [])).toBe('+OK\r\n.\r\n')
  })
})

describe('dotStuffMessage', () => {
  test.each([
    ['Subject: a\r\n\r\nbody\r\n', 'Subject: a\r\n\r\nbody\r\n.\r\n'],
    ['.starts\r\n\r\n.\r\n..two\r\nend', '..starts\r\n\r\n..\r\n...two\r\nend\r\n.\r\n'],
    ['no newline', 'no newline\r\n.\r\n'],
    ['', '.\r\n'],
    ['a\r\n.', 'a\r\n..\r\n.\r\n'],
    ['bare\n.lf\n', 'bare\n..lf\n.\r\n'],
  ])('%j', (input, expected) => {
    expect(text(dotStuffMessage(bytes(input)))).toBe(expected)
  })

  test('puts the status line first', () => {
    expect(text(dotStuffMessage(bytes('.x\r\n'), '+OK 4 octets\r\n'))).toBe('+OK 4 octets\r\n..x\r\n.\r\n')
  })

  test('a client that undoes the stuffing gets the message back', () => {
    const line = fc.stringMatching(/^[.a-z ]{0,6}$/)
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), (lines) => {
        const message = lines.map((l) => `${l}\r\n`).join('')
        const wire = text(dotStuffMessage(bytes(message)))
        expect(wire.endsWith('\r\n.\r\n') || wire === '.\r\n').toBe(true)
        const received = wire.split('\r\n').slice(0, -2)
        expect(received.every((l) => l !== '.')).toBe(true)
        const unstuffed = received.map((l) => (l.startsWith('.') ? l.slice(1) : l))
        expect(unstuffed.map((l) => `${l}\r\n`).join('')).toBe(message)
      }),
    )
  })
})

describe('dotStuffParts', () => {
  const join = (parts: Uint8Array[]) => text(new Uint8Array(Buffer.concat(parts)))
  test('the same bytes as dotStuffMessage, as views', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[.a-z\r\n]{0,40}$/),
        fc.constantFrom('', '+OK x\r\n'),
        (message, status) => {
          const raw = bytes(message)
          const parts = dotStuffParts(raw, status)
          expect(join(parts)).toBe(text(dotStuffMessage(raw, status)))
          expect(parts.every((p) => p.length > 0)).toBe(true)
        },
      ),
    )
  })
  test('no copy of the message when it needs no stuffing', () => {
    const raw = bytes('A: b\r\n\r\nbody\r\n')
    const parts = dotStuffParts(raw, '+OK\r\n')
    expect(parts).toHaveLength(3)
    expect(parts[1]?.buffer).toBe(raw.buffer)
  })
})

describe('topOfMessage', () => {
  const message = 'From: a\r\nSubject: b\r\n\r\nline 1\r\nline 2\r\nline 3\r\n'
  test.each([
    [0, 'From: a\r\nSubject: b\r\n\r\n'],
    [1, 'From: a\r\nSubject: b\r\n\r\nline 1\r\n'],
    [2, 'From: a\r\nSubject: b\r\n\r\nline 1\r\nline 2\r\n'],
    [3, message],
    [99, message],
  ])('%d body lines', (n, expected) => {
    expect(text(topOfMessage(bytes(message), n))).toBe(expected)
  })

  test('a message without a body is all header', () => {
    expect(text(topOfMessage(bytes('Subject: x\r\n'), 0))).toBe('Subject: x\r\n')
    expect(text(topOfMessage(bytes('Subject: x'), 5))).toBe('Subject: x')
  })

  test('an empty header, and a last line without CRLF', () => {
    expect(text(topOfMessage(bytes('\r\nbody\r\nmore'), 0))).toBe('\r\n')
    expect(text(topOfMessage(bytes('A: b\r\n\r\nonly'), 1))).toBe('A: b\r\n\r\nonly')
  })
})

describe('MaildropView', () => {
  const view = () =>
    new MaildropView([
      { emailId: 10, size: 100 },
      { emailId: 11, size: 200 },
      { emailId: 12, size: 300 },
    ])

  test('STAT leaves deleted messages out; RSET brings them back', () => {
    const v = view()
    expect(v.stat()).toEqual({ count: 3, octets: 600 })
    v.markDeleted(2)
    expect(v.stat()).toEqual({ count: 2, octets: 400 })
    expect([...v.live()].map(([n]) => n)).toEqual([1, 3])
    expect(v.size).toBe(3)
    v.reset()
    expect(v.stat()).toEqual({ count: 3, octets: 600 })
  })

  test('bad and deleted message numbers are client errors', () => {
    const v = view()
    expect(() => v.get(4)).toThrow('no such message, only 3 messages in maildrop')
    expect(() => v.get(0)).toThrow(Pop3CommandError)
    v.markDeleted(1)
    expect(() => v.get(1)).toThrow('message 1 already deleted')
    expect(() => v.markDeleted(1)).toThrow('message 1 already deleted')
  })

  test('retrieved messages not deleted are the ones to mark seen', () => {
    const v = view()
    v.markRetrieved(3)
    v.markRetrieved(1)
    v.markDeleted(1)
    expect(v.retrievedEmails()).toEqual([12])
    expect(v.deletedEmails()).toEqual([10])
  })
})

describe('capabilities', () => {
  const base = { mechanisms: ['PLAIN', 'LOGIN'], loginDelaySeconds: 0 }
  test('plain connection before login: STLS, no USER or SASL', () => {
    expect(capabilities({ ...base, state: 'authorization', canStartTls: true, canLogin: false })).toEqual([
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
  })
  test('TLS before login: USER, SASL, UTF8 USER', () => {
    expect(capabilities({ ...base, state: 'authorization', canStartTls: false, canLogin: true })).toEqual([
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
  })
  test('after login, with a login delay', () => {
    expect(
      capabilities({
        ...base,
        loginDelaySeconds: 300,
        state: 'transaction',
        canStartTls: false,
        canLogin: true,
      }),
    ).toEqual([
      'TOP',
      'UIDL',
      'RESP-CODES',
      'AUTH-RESP-CODE',
      'PIPELINING',
      'EXPIRE NEVER',
      'LOGIN-DELAY 300',
      'IMPLEMENTATION Postern',
    ])
  })
})

describe('uniqueId', () => {
  test('printable, at most 70 characters, distinct per account and email', () => {
    expect(uniqueId(1, 1)).toBe('1.1')
    expect(uniqueId(36, 1295)).toBe('10.zz')
    expect(uniqueId(1, 12)).not.toBe(uniqueId(11, 2))
    const id = uniqueId(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
    expect(id.length).toBeLessThanOrEqual(70)
    expect(id).toMatch(/^[\x21-\x7e]+$/)
  })
})
