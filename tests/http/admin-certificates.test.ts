// The web admin's certificate upload: checked before it is saved (key matches, chain in order,
// valid now), then listed with subject, names and issuer.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkChainOrder, createCertificateAdmin } from '../../src/http/certificates.ts'
import type { Clock } from '../../src/lib/clock.ts'
import { createLogger, memorySink } from '../../src/lib/log.ts'
import { createCertificateStore } from '../../src/tls/store.ts'
import type { CertificateStore } from '../../src/tls/types.ts'
import { tempDir } from '../helpers/db.ts'

const work = tempDir()
const file = (name: string) => join(work.path, name)
const pem = (name: string) => readFileSync(file(name), 'utf8')
let store: CertificateStore
/** Real time, moved ahead to see a certificate expire. */
let ahead = 0
const clock: Clock = { now: () => Date.now() + ahead }

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore', cwd: work.path })
}

beforeAll(async () => {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
  openssl(
    'req',
    '-x509',
    ...ec,
    '-days',
    '365',
    '-subj',
    '/CN=Test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  )
  openssl('req', ...ec, '-subj', '/CN=web.example.test', '-keyout', 'leaf.key', '-out', 'leaf.csr')
  execFileSync(
    'bash',
    [
      '-c',
      'printf "subjectAltName=DNS:web.example.test,DNS:www.example.test" > ext && ' +
        'openssl x509 -req -in leaf.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile ext -out leaf.crt',
    ],
    { stdio: 'ignore', cwd: work.path },
  )
  openssl(
    'req',
    '-x509',
    ...ec,
    '-days',
    '365',
    '-subj',
    '/CN=Other CA',
    '-keyout',
    'other.key',
    '-out',
    'other.crt',
  )
  store = await createCertificateStore({
    dataDir: file('data'),
    hostname: 'mail.example.test',
    log: createLogger({ sink: memorySink() }),
    clock,
  })
})
afterAll(() => work.remove())

test('the chain must run leaf → issuer', () => {
  expect(() => checkChainOrder(pem('leaf.crt') + pem('ca.crt'))).not.toThrow()
  expect(() => checkChainOrder(pem('leaf.crt') + pem('other.crt'))).toThrow(
    'the chain is out of order: certificate 1 (CN=web.example.test) is not issued by certificate 2 (CN=Other CA); give the leaf first, then each issuer',
  )
})

test('install refuses a wrong key, a chain out of order and an expired certificate', () => {
  const admin = createCertificateAdmin(file('data'), store, clock)
  expect(() => admin.install(pem('leaf.crt'), pem('other.key'))).toThrow(
    'the key does not match the certificate',
  )
  expect(() => admin.install(pem('leaf.crt') + pem('other.crt'), pem('leaf.key'))).toThrow(
    /^the chain is out of order/,
  )
  ahead = 60 * 86_400_000
  try {
    expect(() => admin.install(pem('leaf.crt') + pem('ca.crt'), pem('leaf.key'))).toThrow(
      /^the certificate expired on /,
    )
  } finally {
    ahead = 0
  }
})

test('install stores a good chain, and the list shows subject, names, issuer and expiry', () => {
  const admin = createCertificateAdmin(file('data'), store, clock)
  const installed = admin.install(pem('leaf.crt') + pem('ca.crt'), pem('leaf.key'))
  expect(installed.names).toEqual(['web.example.test', 'www.example.test'])
  const listed = admin.list().find((c) => c.names.includes('web.example.test'))
  expect(listed).toMatchObject({
    subject: 'CN=web.example.test',
    issuer: 'CN=Test CA',
    selfSigned: false,
    chainLength: 2,
  })
  expect(new Date(listed?.notAfter ?? 0).getTime()).toBeGreaterThan(clock.now())
  expect(admin.list().find((c) => c.bootstrap)?.names).toEqual(['mail.example.test'])
})
