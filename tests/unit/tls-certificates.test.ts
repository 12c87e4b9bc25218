// The certificate store: bootstrap, `cert set` validation and storage, SNI selection over real
// TLS handshakes on 127.0.0.1, and pick-up of changes made by another process.
import { afterEach, describe, expect, test } from 'bun:test'
import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import { manualClock } from '../../src/lib/clock.ts'
import { createLogger, memorySink } from '../../src/lib/log.ts'
import { fileStemFor, matchName } from '../../src/tls/names.ts'
import { createSelfSigned } from '../../src/tls/self-signed.ts'
import { setCertificate } from '../../src/tls/set-certificate.ts'
import { createCertificateStore, sniCallback } from '../../src/tls/store.ts'
import type { TlsContexts } from '../../src/tls/types.ts'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'postern-tls-'))
  dirs.push(dir)
  return dir
}

function testLog() {
  const sink = memorySink()
  return { sink, log: createLogger({ sink, level: 'debug' }) }
}

interface OpensslOptions {
  days?: number
  /** More arguments, e.g. `-CA` to have a CA sign it. */
  extra?: string[]
  rsa?: boolean
}

/** Runs `openssl req -x509` in a temp dir; returns the PEMs (EC P-256 unless `rsa`). */
function opensslCert(
  subject: string,
  sans: string[],
  options: OpensslOptions = {},
): { cert: string; key: string } {
  const { days = 90, extra = [], rsa = false } = options
  const dir = tempDir()
  const keyArgs = rsa ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']
  const args = ['req', '-x509', ...keyArgs, '-nodes']
  args.push(
    '-keyout',
    join(dir, 'k.pem'),
    '-out',
    join(dir, 'c.pem'),
    '-subj',
    subject,
    '-days',
    String(days),
  )
  if (sans.length > 0) args.push('-addext', `subjectAltName=${sans.map((n) => `DNS:${n}`).join(',')}`)
  execFileSync('openssl', [...args, ...extra], { stdio: 'pipe' })
  return { cert: readFileSync(join(dir, 'c.pem'), 'utf8'), key: readFileSync(join(dir, 'k.pem'), 'utf8') }
}

/** Does a real TLS handshake against a node:tls server using the store's contexts; returns the peer's chain. */
async function handshake(store: TlsContexts, servername: string): Promise<tls.DetailedPeerCertificate> {
  const server = tls.createServer({ SNICallback: sniCallback(store) }, (socket) => socket.end())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  try {
    return await new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
        const peer = socket.getPeerCertificate(true)
        socket.end()
        resolve(peer)
      })
      socket.on('error', reject)
    })
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
}

describe('bootstrap certificate', () => {
  test('is created with safe modes, names the hostname and works in a handshake', async () => {
    const dataDir = tempDir()
    const { sink, log } = testLog()
    const store = await createCertificateStore({ dataDir, hostname: 'Mail.Postern.Test', log })
    const crt = join(dataDir, 'tls', 'mail.postern.test.crt')
    const key = join(dataDir, 'tls', 'mail.postern.test.key')
    expect(statSync(join(dataDir, 'tls')).mode & 0o777).toBe(0o700)
    expect(statSync(key).mode & 0o777).toBe(0o600)
    const x = new X509Certificate(readFileSync(crt, 'utf8'))
    expect(x.subjectAltName).toBe('DNS:mail.postern.test')
    expect(x.ca).toBe(false)
    expect(x.keyUsage).toContain('1.3.6.1.5.5.7.3.1') // serverAuth
    const days = (Date.parse(x.validTo) - Date.now()) / 86_400_000
    expect(days).toBeGreaterThan(824)
    expect(days).toBeLessThan(826)

    const peer = await handshake(store, 'mail.postern.test')
    expect(peer.subject.CN).toBe('mail.postern.test')
    expect(peer.subjectaltname).toBe('DNS:mail.postern.test')
    expect(peer.fingerprint256).toBe(x.fingerprint256)

    expect(sink.lines.some((l) => l.includes('created self-signed certificate for mail.postern.test'))).toBe(
      true,
    )
    expect(sink.lines.join('\n')).not.toContain('PRIVATE KEY')
    const [info] = store.describe()
    expect(info).toMatchObject({
      names: ['mail.postern.test'],
      selfSigned: true,
      bootstrap: true,
      file: 'mail.postern.test',
    })
    expect(info?.fingerprint).toBe(x.fingerprint256)
  })

  test('is loaded, not recreated, on the next start', async () => {
    const dataDir = tempDir()
    const first = await createCertificateStore({ dataDir, hostname: 'mail.postern.test', log: testLog().log })
    const { sink, log } = testLog()
    const second = await createCertificateStore({ dataDir, hostname: 'mail.postern.test', log })
    expect(second.describe()[0]?.fingerprint).toBe(first.describe()[0]?.fingerprint as string)
    expect(sink.lines.some((l) => l.includes('created self-signed'))).toBe(false)
    expect(second.defaultPem()).toEqual(first.defaultPem())
  })

  test('a new hostname gets its own certificate and the old one stays', async () => {
    const dataDir = tempDir()
    await createCertificateStore({ dataDir, hostname: 'old.postern.test', log: testLog().log })
    const store = await createCertificateStore({ dataDir, hostname: 'new.postern.test', log: testLog().log })
    expect(existsSync(join(dataDir, 'tls', 'old.postern.test.crt'))).toBe(true)
    expect(existsSync(join(dataDir, 'tls', 'new.postern.test.crt'))).toBe(true)
    expect((await handshake(store, 'unknown.test')).subject.CN).toBe('new.postern.test')
    expect((await handshake(store, 'old.postern.test')).subject.CN).toBe('old.postern.test')
  })

  test('an expiring bootstrap certificate is replaced at start-up', async () => {
    const dataDir = tempDir()
    const clock = manualClock(Date.now())
    const first = await createCertificateStore({
      dataDir,
      hostname: 'mail.postern.test',
      log: testLog().log,
      clock,
    })
    clock.advance(820 * 86_400_000)
    const second = await createCertificateStore({
      dataDir,
      hostname: 'mail.postern.test',
      log: testLog().log,
      clock,
    })
    expect(second.describe()[0]?.fingerprint).not.toBe(first.describe()[0]?.fingerprint as string)
  })

  test('an invalid hostname is refused', async () => {
    const promise = createCertificateStore({ dataDir: tempDir(), hostname: '../etc', log: testLog().log })
    await expect(promise).rejects.toThrow('not a valid host name')
  })
})

describe('setCertificate', () => {
  test('stores an operator certificate that SNI then picks by exact and wildcard name', async () => {
    const dataDir = tempDir()
    const { cert, key } = opensslCert('/CN=mail.example.test', ['mail.example.test', '*.example.test'])
    const result = setCertificate(dataDir, cert, key)
    expect(result.names).toEqual(['mail.example.test', '*.example.test'])
    expect(result.fingerprint).toBe(new X509Certificate(cert).fingerprint256)
    expect(result.warning).toBeUndefined()
    expect(result.files.cert).toBe(join(dataDir, 'tls', 'mail.example.test.crt'))
    expect(statSync(result.files.key).mode & 0o777).toBe(0o600)

    const store = await createCertificateStore({ dataDir, hostname: 'postern.test', log: testLog().log })
    expect((await handshake(store, 'mail.example.test')).fingerprint256).toBe(result.fingerprint)
    expect((await handshake(store, 'foo.example.test')).fingerprint256).toBe(result.fingerprint)
    expect((await handshake(store, 'other.test')).subject.CN).toBe('postern.test')
    expect((await handshake(store, 'a.b.example.test')).subject.CN).toBe('postern.test') // one label only
    expect(store.allPem().map((p) => p.serverName)).toEqual([
      '*.example.test',
      'mail.example.test',
      'postern.test',
    ])
  })

  test('a running store picks up a certificate set by another process', async () => {
    const dataDir = tempDir()
    const clock = manualClock(Date.now())
    const store = await createCertificateStore({
      dataDir,
      hostname: 'postern.test',
      log: testLog().log,
      clock,
    })
    expect((await handshake(store, 'mail.example.test')).subject.CN).toBe('postern.test')
    const { cert, key } = opensslCert('/CN=mail.example.test', ['mail.example.test'])
    setCertificate(dataDir, cert, key)
    expect((await handshake(store, 'mail.example.test')).subject.CN).toBe('postern.test') // not checked yet
    clock.advance(5000)
    expect((await handshake(store, 'mail.example.test')).subject.CN).toBe('mail.example.test')
    expect(store.refresh()).toBe(false)
  })

  test('an operator certificate covering the hostname wins over the bootstrap one', async () => {
    const dataDir = tempDir()
    const store = await createCertificateStore({ dataDir, hostname: 'mx.example.test', log: testLog().log })
    const { cert, key } = opensslCert('/CN=*.example.test', ['*.example.test'])
    const result = setCertificate(dataDir, cert, key)
    expect(result.files.cert).toBe(join(dataDir, 'tls', '_wildcard.example.test.crt'))
    store.reload()
    expect((await handshake(store, 'mx.example.test')).fingerprint256).toBe(result.fingerprint)
    expect((await handshake(store, 'elsewhere.test')).fingerprint256).toBe(result.fingerprint)
    expect(store.defaultPem().cert).toBe(readFileSync(result.files.cert, 'utf8'))
    expect(store.describe().map((c) => c.file)).toEqual(['_wildcard.example.test', 'mx.example.test'])
  })

  test('keeps a chain whole, leaf first', async () => {
    const dataDir = tempDir()
    const ca = opensslCert('/CN=Test CA', [], { extra: ['-addext', 'basicConstraints=critical,CA:TRUE'] })
    const dir = tempDir()
    writeFileSync(join(dir, 'ca.crt'), ca.cert)
    writeFileSync(join(dir, 'ca.key'), ca.key)
    const leaf = opensslCert('/CN=mail.example.test', ['mail.example.test'], {
      extra: ['-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key')],
    })
    const result = setCertificate(dataDir, `${ca.cert}${leaf.cert}`, leaf.key) // given in the wrong order
    const stored = readFileSync(result.files.cert, 'utf8')
    expect(stored.match(/BEGIN CERTIFICATE/g)?.length).toBe(2)
    expect(new X509Certificate(stored).fingerprint256).toBe(new X509Certificate(leaf.cert).fingerprint256)
    const store = await createCertificateStore({ dataDir, hostname: 'postern.test', log: testLog().log })
    const peer = await handshake(store, 'mail.example.test')
    expect(peer.subject.CN).toBe('mail.example.test')
    expect(peer.issuerCertificate.subject.CN).toBe('Test CA')
    expect(store.describe().find((c) => c.file === 'mail.example.test')?.selfSigned).toBe(false)
  })

  test('accepts an RSA key in the traditional format, and one file holding both', () => {
    const { cert, key } = opensslCert('/CN=rsa.example.test', ['rsa.example.test'], { rsa: true })
    const dir = tempDir()
    writeFileSync(join(dir, 'k.pem'), key)
    const traditional = execFileSync('openssl', ['rsa', '-in', join(dir, 'k.pem'), '-traditional'], {
      stdio: 'pipe',
    })
    expect(traditional.toString()).toContain('BEGIN RSA PRIVATE KEY')
    const dataDir = tempDir()
    const result = setCertificate(dataDir, cert, traditional.toString())
    expect(readFileSync(result.files.key, 'utf8')).toStartWith('-----BEGIN PRIVATE KEY-----')
    expect(setCertificate(dataDir, cert + key, cert + key).fingerprint).toBe(result.fingerprint)
  })

  test('rejects a key that does not match', () => {
    const a = opensslCert('/CN=a.example.test', ['a.example.test'])
    const b = opensslCert('/CN=b.example.test', ['b.example.test'])
    expect(() => setCertificate(tempDir(), a.cert, b.key)).toThrow('the key does not match the certificate')
  })

  test('rejects garbage', () => {
    const { cert, key } = opensslCert('/CN=a.example.test', ['a.example.test'])
    const dataDir = tempDir()
    expect(() => setCertificate(dataDir, 'hello', key)).toThrow('no certificate found')
    const broken = '-----BEGIN CERTIFICATE-----\nTUlJQm9zdGVybg==\n-----END CERTIFICATE-----\n'
    expect(() => setCertificate(dataDir, broken, key)).toThrow('could not be parsed')
    expect(() => setCertificate(dataDir, cert, 'not a key')).toThrow('no private key found')
    expect(existsSync(join(dataDir, 'tls', 'a.example.test.crt'))).toBe(false)
  })

  test('rejects an expired certificate', async () => {
    const old = await createSelfSigned('old.example.test', Date.now() - 900 * 86_400_000) // @peculiar/x509
    expect(() => setCertificate(tempDir(), old.certPem, old.keyPem)).toThrow('the certificate expired on')
  })

  test('warns about a certificate that expires within 14 days', () => {
    const { cert, key } = opensslCert('/CN=soon.example.test', [], { days: 5 })
    const result = setCertificate(tempDir(), cert, key)
    expect(result.names).toEqual(['soon.example.test'])
    expect(result.warning).toContain('expires in 4 days')
  })
})

describe('name rules', () => {
  test.each([
    ['mail.example.org', 'mail.example.org', 'exact'],
    ['*.example.org', 'mail.example.org', 'wildcard'],
    ['*.example.org', 'example.org', 'none'],
    ['*.example.org', 'a.b.example.org', 'none'],
    ['mail.example.org', 'other.example.org', 'none'],
  ] as const)('%s covers %s: %s', (certName, serverName, kind) => {
    expect(matchName(certName, serverName) ?? 'none').toBe(kind)
  })

  test('file names', () => {
    expect(fileStemFor('mail.example.org')).toBe('mail.example.org')
    expect(fileStemFor('*.example.org')).toBe('_wildcard.example.org')
    expect(() => fileStemFor('../x')).toThrow('not a host name')
  })
})
