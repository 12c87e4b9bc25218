// Connection limits, address grouping and the bind error line.

import { describe, expect, test } from 'bun:test'
import { addressKey, ConnectionLimiter, describeBindError } from '../../src/net/index.ts'

describe('addressKey', () => {
  test.each([
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ])('%s → %s', (address, key) => {
    expect(addressKey(address)).toBe(key)
  })
})

describe('ConnectionLimiter', () => {
  test('per-address and total caps', () => {
    const limiter = new ConnectionLimiter(3, 2)
    expect(limiter.tryAcquire('192.0.2.1')).toBeUndefined()
    expect(limiter.tryAcquire('::ffff:192.0.2.1')).toBeUndefined()
    expect(limiter.tryAcquire('192.0.2.1')).toBe('too-many-from-address')
    expect(limiter.tryAcquire('2001:db8::1')).toBeUndefined()
    expect(limiter.tryAcquire('2001:db8::2')).toBe('too-many-connections')
    expect(limiter.total).toBe(3)
    limiter.release('192.0.2.1')
    expect(limiter.countFor('192.0.2.1')).toBe(1)
    expect(limiter.tryAcquire('2001:db8::2')).toBeUndefined()
    expect(limiter.tryAcquire('2001:db8::3')).toBe('too-many-connections')
    limiter.release('198.51.100.1') // never counted: no effect
    expect(limiter.total).toBe(3)
  })
})

describe('describeBindError', () => {
  const err = (code: string) => Object.assign(new Error(code), { code })
  test.each([
    [
      'imap',
      { host: '0.0.0.0', port: 143 },
      err('EACCES'),
      'cannot listen for imap on 0.0.0.0:143: permission denied (ports below 1024 need root or ' +
        'CAP_NET_BIND_SERVICE); change listen.imap in the config or set POSTERN_LISTEN_IMAP',
    ],
    [
      'imap',
      { host: '0.0.0.0', port: 1143 },
      err('EACCES'),
      'cannot listen for imap on 0.0.0.0:1143: permission denied; change listen.imap in the config or set ' +
        'POSTERN_LISTEN_IMAP',
    ],
    [
      'smtp',
      { host: '::', port: 25 },
      err('EADDRINUSE'),
      'cannot listen for smtp on [::]:25: address already in use (another program is listening there); ' +
        'change listen.smtp in the config or set POSTERN_LISTEN_SMTP',
    ],
    [
      'https',
      { host: '0.0.0.0', port: 443 },
      new Error('Failed to start server. Is port 443 in use?'),
      'cannot listen for https on 0.0.0.0:443: address already in use (another program is listening there); ' +
        'change listen.https in the config or set POSTERN_LISTEN_HTTPS',
    ],
    [
      'managesieve',
      { host: '10.9.9.9', port: 4190 },
      err('EADDRNOTAVAIL'),
      'cannot listen for managesieve on 10.9.9.9:4190: address not available on this machine; ' +
        'change listen.managesieve in the config or set POSTERN_LISTEN_MANAGESIEVE',
    ],
  ])('%s %o %s', (service, address, error, line) => {
    expect(describeBindError(service, address, error)).toBe(line)
  })

  test('a custom config key names its own environment variable', () => {
    expect(
      describeBindError('lmtp', { host: '127.0.0.1', port: 24 }, err('EADDRINUSE'), 'listen.lmtp'),
    ).toEndWith('change listen.lmtp in the config or set POSTERN_LISTEN_LMTP')
  })
})
