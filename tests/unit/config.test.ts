import { describe, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildConfig, ConfigError, loadConfig, parseTomlText } from '../../src/config/config.ts'
import { tempDir } from '../helpers/db.ts'

describe('config defaults', () => {
  const config = buildConfig({}, {}, 'built-in defaults')
  test('listeners follow the contract', () => {
    expect(config.listen.smtp).toEqual({ host: '0.0.0.0', port: 25 })
    expect(config.listen.submission).toEqual({ host: '0.0.0.0', port: 587 })
    expect(config.listen.submissions).toEqual({ host: '0.0.0.0', port: 465 })
    expect(config.listen.imap).toEqual({ host: '0.0.0.0', port: 143 })
    expect(config.listen.imaps).toEqual({ host: '0.0.0.0', port: 993 })
    expect(config.listen.pop3).toEqual({ host: '0.0.0.0', port: 110 })
    expect(config.listen.pop3s).toEqual({ host: '0.0.0.0', port: 995 })
    expect(config.listen.managesieve).toEqual({ host: '0.0.0.0', port: 4190 })
    expect(config.listen.lmtp).toBeNull()
    expect(config.listen.https).toEqual({ host: '0.0.0.0', port: 443 })
    expect(config.listen.http).toEqual({ host: '0.0.0.0', port: 8080 })
  })
  test('other defaults', () => {
    expect(config.data_dir).toBe('./data')
    expect(config.dns.servers).toEqual([])
    expect(config.delivery.relay).toBeNull()
    expect(config.hostname.length).toBeGreaterThan(0)
  })
})

describe('config file and environment', () => {
  test('file values are read and typed', () => {
    const raw = parseTomlText(
      `hostname = "Mail.Example.org"
data_dir = "/var/lib/postern"
[listen]
imap = "127.0.0.1:1143"
smtp = "off"
submission = ""
https = "[::1]:8443"
[dns]
servers = ["127.0.0.1:5353", "[::1]:53"]
[delivery]
relay = "smarthost.example.net:587"
[limits]
http_body_limit = "2M"
`,
      'test.toml',
    )
    const c = buildConfig(raw, {}, 'test.toml')
    expect(c.hostname).toBe('mail.example.org')
    expect(c.data_dir).toBe('/var/lib/postern')
    expect(c.listen.imap).toEqual({ host: '127.0.0.1', port: 1143 })
    expect(c.listen.smtp).toBeNull()
    expect(c.listen.submission).toBeNull()
    expect(c.listen.https).toEqual({ host: '::1', port: 8443 })
    expect(c.dns.servers).toEqual([
      { host: '127.0.0.1', port: 5353 },
      { host: '::1', port: 53 },
    ])
    expect(c.delivery.relay).toEqual({ host: 'smarthost.example.net', port: 587 })
    expect(c.limits.http_body_limit).toBe(2 * 1024 * 1024)
  })

  test('environment overrides the file', () => {
    const raw = parseTomlText('[listen]\nimap = "127.0.0.1:1143"\n', 't.toml')
    const c = buildConfig(
      raw,
      {
        POSTERN_LISTEN_IMAP: '127.0.0.1:2143',
        POSTERN_HOSTNAME: 'mx.example.com',
        POSTERN_DATA_DIR: '/tmp/x',
        POSTERN_DNS_SERVERS: '127.0.0.1:53,127.0.0.2:53',
        POSTERN_AUTH_BAN_AFTER: '4',
      },
      't.toml',
    )
    expect(c.listen.imap).toEqual({ host: '127.0.0.1', port: 2143 })
    expect(c.hostname).toBe('mx.example.com')
    expect(c.data_dir).toBe('/tmp/x')
    expect(c.dns.servers).toHaveLength(2)
    expect(c.auth.ban_after).toBe(4)
  })

  const bad: [string, Record<string, unknown>, Record<string, string>, RegExp][] = [
    [
      'bad listen value',
      { listen: { imap: 'localhost' } },
      {},
      /listen\.imap = "localhost" \(from t\.toml\) is not valid; expected host:port/,
    ],
    ['port out of range', { listen: { imap: '127.0.0.1:70000' } }, {}, /listen\.imap .*port from 0 to 65535/],
    [
      'bad env value',
      {},
      { POSTERN_LISTEN_SMTP: 'nope' },
      /listen\.smtp = "nope" \(from environment variable POSTERN_LISTEN_SMTP\)/,
    ],
    ['unknown top-level key', { hostnme: 'x' }, {}, /unknown key "hostnme"/],
    [
      'unknown section key',
      { listen: { imap4: 'x:1' } },
      {},
      /unknown key "listen\.imap4".*known in \[listen\]: smtp/,
    ],
    ['section not a table', { listen: 'x' }, {}, /"listen" in t\.toml must be a \[listen\] section/],
    ['bad hostname', { hostname: 'not a host' }, {}, /hostname = "not a host" .* expected a DNS host name/],
    ['bad integer', { auth: { ban_after: 0 } }, {}, /auth\.ban_after = 0 .* whole number from 1 to/],
    [
      'bad enum',
      { log: { level: 'loud' } },
      {},
      /log\.level = "loud" .* one of "debug", "info", "warn", "error"/,
    ],
    ['bad dns list', { dns: { servers: 'x' } }, {}, /dns\.servers = "x"/],
    [
      'bad size',
      { limits: { http_body_limit: 'big' } },
      {},
      /limits\.http_body_limit = "big" .* size such as/,
    ],
  ]
  for (const [name, raw, env, message] of bad) {
    test(`rejects ${name} with one line`, () => {
      let error: unknown
      try {
        buildConfig(raw, env, 't.toml')
      } catch (err) {
        error = err
      }
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as Error).message).toMatch(message)
      expect((error as Error).message).not.toContain('\n')
    })
  }

  test('invalid TOML is one line naming the file', () => {
    expect(() => parseTomlText('[listen\nimap = ', 'broken.toml')).toThrow(/broken\.toml is not valid TOML/)
  })

  test('loadConfig: --config, POSTERN_CONFIG, ./postern.toml, missing file', () => {
    const dir = tempDir()
    try {
      writeFileSync(join(dir.path, 'a.toml'), 'hostname = "a.example"\n')
      writeFileSync(join(dir.path, 'postern.toml'), 'hostname = "default.example"\n')
      expect(loadConfig({ file: join(dir.path, 'a.toml'), env: {}, cwd: dir.path }).hostname).toBe(
        'a.example',
      )
      expect(loadConfig({ env: { POSTERN_CONFIG: 'a.toml' }, cwd: dir.path }).hostname).toBe('a.example')
      expect(loadConfig({ env: {}, cwd: dir.path }).hostname).toBe('default.example')
      expect(() => loadConfig({ file: 'missing.toml', env: {}, cwd: dir.path })).toThrow(
        /cannot read missing\.toml: ENOENT/,
      )
    } finally {
      dir.remove()
    }
  })
})
