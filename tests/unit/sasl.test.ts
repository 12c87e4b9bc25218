import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { createAuthThrottle } from '../../src/directory/auth-throttle.ts'
import { createAuthenticator } from '../../src/directory/sasl/authenticator.ts'
import {
  decodeSaslBase64,
  encodeSaslBase64,
  parsePlain,
  SaslError,
  startSasl,
} from '../../src/directory/sasl/mechanisms.ts'
import { manualClock } from '../../src/lib/clock.ts'
import { createLogger, memorySink } from '../../src/lib/log.ts'

const b64 = (s: string) => Buffer.from(s).toString('base64')

function saslError(fn: () => unknown): SaslError {
  try {
    fn()
  } catch (err) {
    if (err instanceof SaslError) return err
    throw err
  }
  throw new Error('expected a SaslError')
}

describe('base64', () => {
  test('decodes strictly', () => {
    expect(decodeSaslBase64(b64('hello'))).toBe('hello')
    expect(decodeSaslBase64('=')).toBe('')
    expect(decodeSaslBase64('')).toBe('')
    expect(saslError(() => decodeSaslBase64('*')).kind).toBe('cancelled')
    for (const bad of ['abc', 'ab$=', '====', 'YQ=Q', 'Y Q==', '@@@@']) {
      expect(saslError(() => decodeSaslBase64(bad)).kind).toBe('malformed')
    }
    expect(
      saslError(() => decodeSaslBase64(Buffer.from([0xff, 0xfe, 0x41]).toString('base64'))).message,
    ).toMatch(/UTF-8/)
  })

  test('round-trips any UTF-8 text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => decodeSaslBase64(encodeSaslBase64(s) || '=') === s),
    )
  })

  test('never throws anything but SaslError on random input', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          decodeSaslBase64(s)
        } catch (err) {
          return err instanceof SaslError
        }
        return true
      }),
    )
  })
})

describe('PLAIN (rfc4616)', () => {
  test('with and without authzid', () => {
    expect(parsePlain('\0alice@example.org\0secret')).toEqual({
      kind: 'password',
      authzid: '',
      authcid: 'alice@example.org',
      password: 'secret',
    })
    expect(parsePlain('alice\0alice\0pw').authzid).toBe('alice')
  })
  test('malformed messages', () => {
    for (const bad of ['alice\0secret', '\0\0secret', '\0alice\0', 'a\0b\0c\0d', '']) {
      expect(saslError(() => parsePlain(bad)).kind).toBe('malformed')
    }
  })
  test('initial response completes at once; without it one empty challenge', () => {
    const ir = startSasl('plain', b64('\0u@x.org\0pw')).start()
    expect(ir).toEqual({
      type: 'done',
      credentials: { kind: 'password', authzid: '', authcid: 'u@x.org', password: 'pw' },
    })
    const ex = startSasl('PLAIN')
    expect(ex.start()).toEqual({ type: 'challenge', data: '' })
    expect(ex.next(b64('\0u@x.org\0pw'))).toMatchObject({ type: 'done' })
    expect(saslError(() => startSasl('PLAIN').next('not base64!')).kind).toBe('malformed')
  })
})

describe('LOGIN', () => {
  test('username then password challenges', () => {
    const ex = startSasl('LOGIN')
    expect(ex.start()).toEqual({ type: 'challenge', data: 'Username:' })
    expect(ex.next(b64('u@x.org'))).toEqual({ type: 'challenge', data: 'Password:' })
    expect(ex.next(b64('pw'))).toEqual({
      type: 'done',
      credentials: { kind: 'password', authzid: '', authcid: 'u@x.org', password: 'pw' },
    })
  })
  test('initial response carries the user name', () => {
    const ex = startSasl('LOGIN', b64('u@x.org'))
    expect(ex.start()).toEqual({ type: 'challenge', data: 'Password:' })
    expect(ex.next(b64('pw'))).toMatchObject({ type: 'done' })
  })
  test('cancel and empty values', () => {
    const ex = startSasl('LOGIN')
    ex.start()
    expect(saslError(() => ex.next('*')).kind).toBe('cancelled')
    expect(saslError(() => startSasl('LOGIN').next('=')).kind).toBe('malformed')
  })
})

test('unknown mechanisms are refused', () => {
  expect(saslError(() => startSasl('CRAM-MD5')).kind).toBe('unsupported')
})

describe('throttle', () => {
  const policy = {
    throttle_after: 2,
    throttle_delay_ms: 100,
    throttle_max_delay_ms: 350,
    ban_after: 5,
    ban_seconds: 60,
    window_seconds: 600,
  }
  test('delays grow, then a ban, which ends', () => {
    const clock = manualClock()
    const sink = memorySink()
    const throttle = createAuthThrottle(policy, clock, createLogger({ sink }))
    const ip = '192.0.2.1'
    const delays: number[] = []
    for (let i = 0; i < 4; i++) {
      const v = throttle.check(ip)
      expect(v.banned).toBe(false)
      delays.push(v.banned ? -1 : v.delayMs)
      throttle.recordFailure(ip, { service: 'imap', user: 'x' })
    }
    expect(delays).toEqual([0, 0, 100, 200])
    expect(throttle.check(ip)).toEqual({ banned: false, delayMs: 350 })
    throttle.recordFailure(ip, { service: 'imap' })
    expect(throttle.check(ip)).toEqual({ banned: true, retryAfterMs: 60_000 })
    expect(throttle.check('192.0.2.2')).toEqual({ banned: false, delayMs: 0 })
    expect(sink.lines.some((l) => l.includes('authentication ban') && l.includes('ip=192.0.2.1'))).toBe(true)
    clock.advance(60_001)
    expect(throttle.check(ip)).toEqual({ banned: false, delayMs: 0 })
  })

  test('success clears failures; the window forgets old ones', () => {
    const clock = manualClock()
    const throttle = createAuthThrottle(policy, clock, createLogger({ sink: memorySink() }))
    throttle.recordFailure('ip', { service: 'smtp' })
    throttle.recordFailure('ip', { service: 'smtp' })
    expect(throttle.check('ip')).toEqual({ banned: false, delayMs: 100 })
    throttle.recordSuccess('ip')
    expect(throttle.check('ip')).toEqual({ banned: false, delayMs: 0 })
    throttle.recordFailure('ip', { service: 'smtp' })
    throttle.recordFailure('ip', { service: 'smtp' })
    clock.advance(601_000)
    expect(throttle.check('ip')).toEqual({ banned: false, delayMs: 0 })
  })
})

describe('authenticator', () => {
  const make = () => {
    const clock = manualClock()
    const sink = memorySink()
    const log = createLogger({ sink })
    const throttle = createAuthThrottle(
      {
        throttle_after: 1,
        throttle_delay_ms: 10,
        throttle_max_delay_ms: 10,
        ban_after: 3,
        ban_seconds: 60,
        window_seconds: 600,
      },
      clock,
      log,
    )
    const slept: number[] = []
    const auth = createAuthenticator({
      accounts: {
        authenticate: async (login, password) =>
          login === 'u@x.org' && password === 'right'
            ? { id: 1, email: 'u@x.org', credential: 'pw:x' }
            : undefined,
        authenticateToken: async (token) =>
          token === 'right-token'
            ? { id: 1, email: 'u@x.org', appPassword: 'phone', credential: 'app:1' }
            : undefined,
      },
      throttle,
      log,
      sleep: async (ms) => void slept.push(ms),
    })
    return { auth, slept, sink }
  }
  const creds = (authcid: string, password: string, authzid = '') => ({
    kind: 'password' as const,
    authzid,
    authcid,
    password,
  })
  const ctx = { service: 'imap', remoteAddress: '198.51.100.7', conn: 'c1' }

  test('success, failure, delay, ban; passwords never logged', async () => {
    const { auth, slept, sink } = make()
    expect(await auth.authenticate(creds('u@x.org', 'right'), ctx)).toEqual({
      ok: true,
      account: { id: 1, email: 'u@x.org', credential: 'pw:x' },
    })
    expect(await auth.authenticate(creds('u@x.org', 'wrong'), ctx)).toEqual({ ok: false, reason: 'invalid' })
    expect(await auth.authenticate(creds('u@x.org', 'wrong'), ctx)).toEqual({ ok: false, reason: 'invalid' })
    expect(slept).toEqual([10])
    expect(await auth.authenticate(creds('u@x.org', 'wrong'), ctx)).toEqual({ ok: false, reason: 'invalid' })
    const banned = await auth.authenticate(creds('u@x.org', 'right'), ctx)
    expect(banned).toMatchObject({ ok: false, reason: 'banned' })
    expect(sink.lines.join('\n')).not.toContain('wrong')
    expect(sink.lines.join('\n')).not.toContain('right')
    expect(sink.lines.some((l) => l.includes('authentication failed') && l.includes('conn=c1'))).toBe(true)
  })

  test('authzid must be the same user', async () => {
    const { auth } = make()
    expect(await auth.authenticate(creds('u@x.org', 'right', 'other@x.org'), ctx)).toEqual({
      ok: false,
      reason: 'authzid',
    })
    expect(await auth.authenticate(creds('u@x.org', 'right', 'U@x.org'), ctx)).toMatchObject({ ok: true })
  })

  test('bearer tokens: checked by the accounts, failures count toward the ban, tokens never logged', async () => {
    const { auth, sink } = make()
    const token = (value: string) => ({ kind: 'token' as const, authzid: '', token: value })
    expect(await auth.authenticate(token('right-token'), ctx)).toEqual({
      ok: true,
      account: { id: 1, email: 'u@x.org', appPassword: 'phone', credential: 'app:1' },
    })
    for (let i = 0; i < 3; i++)
      expect(await auth.authenticate(token('wrong-token'), ctx)).toEqual({ ok: false, reason: 'invalid' })
    expect(await auth.authenticate(token('right-token'), ctx)).toMatchObject({ ok: false, reason: 'banned' })
    expect(sink.lines.join('\n')).not.toContain('-token')
  })
})
