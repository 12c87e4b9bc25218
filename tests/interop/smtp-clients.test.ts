// Real SMTP clients (swaks, python3 smtplib) against `serve` started as a user would: the MX
// delivers, submission sends as the user over STARTTLS (587) and implicit TLS (465), relay and
// unknown users are refused, and oversize is refused at the advertised SIZE.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/client.ts'
import { createMockResolver } from '../../src/dns/index.ts'
import { type DnsResponder, startDnsResponder } from '../fixtures/mailauth/dns-responder.ts'
import { tempDir } from '../helpers/db.ts'
import { bunPath, freePorts, ProcessOutput, repoRoot, run, runAsync } from '../helpers/process.ts'

const work = tempDir()
let env: Record<string, string>
let ports: Record<string, number>
let proc: ReturnType<typeof Bun.spawn>
// The server's DNS (SPF/DKIM/DMARC on inbound mail) is a local responder: tests never touch real DNS.
let dns: DnsResponder

beforeAll(async () => {
  dns = await startDnsResponder(
    createMockResolver({ 'remote.test': { TXT: [['v=spf1 ip4:127.0.0.1 -all']] } }),
  )
  const [smtp = 0, submission = 0, submissions = 0, http = 0] = await freePorts(4)
  ports = { smtp, submission, submissions, http }
  env = {
    POSTERN_DATA_DIR: join(work.path, 'data'),
    POSTERN_DNS_SERVERS: `127.0.0.1:${dns.port}`,
    POSTERN_HOSTNAME: 'mail.example.test',
    POSTERN_ADMIN_PASSWORD: 'admin-password',
    POSTERN_SMTP_MAX_MESSAGE_SIZE: '100000',
    POSTERN_LISTEN_SMTP: `127.0.0.1:${smtp}`,
    POSTERN_LISTEN_SUBMISSION: `127.0.0.1:${submission}`,
    POSTERN_LISTEN_SUBMISSIONS: `127.0.0.1:${submissions}`,
    POSTERN_LISTEN_HTTP: `127.0.0.1:${http}`,
    ...Object.fromEntries(
      ['IMAP', 'IMAPS', 'POP3', 'POP3S', 'MANAGESIEVE', 'LMTP', 'HTTPS'].map((s) => [
        `POSTERN_LISTEN_${s}`,
        'off',
      ]),
    ),
  }
  const cli = (...args: string[]) =>
    run([bunPath, join(repoRoot, 'src/main.ts'), ...args], { cwd: work.path, env })
  expect(cli('domain', 'add', 'example.test').code).toBe(0)
  expect(cli('account', 'add', 'alice@example.test', '--password', 'alice-password').code).toBe(0)
  expect(cli('alias', 'add', 'hello@example.test', 'alice@example.test').code).toBe(0)
  proc = Bun.spawn([bunPath, join(repoRoot, 'src/main.ts'), 'serve'], {
    cwd: work.path,
    env: { ...process.env, ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  await new ProcessOutput(
    proc as { stdout: ReadableStream<Uint8Array>; stderr: ReadableStream<Uint8Array> },
  ).waitFor(/postern started/)
})
afterAll(async () => {
  proc.kill('SIGKILL')
  await dns.close()
  work.remove()
})

// Clients run without blocking: this process also answers the server's DNS queries.
function swaks(...args: string[]) {
  return runAsync(['swaks', '--timeout', '10', ...args])
}

function subjects(): string[] {
  const db = openDatabase(join(work.path, 'data/postern.sqlite'))
  try {
    return (db.sqlite.query('SELECT subject FROM emails ORDER BY id').all() as { subject: string }[]).map(
      (r) => r.subject,
    )
  } finally {
    db.close()
  }
}

test('swaks: MX delivery, unknown user, relay, oversize', async () => {
  const ok = await swaks(
    '--server',
    `127.0.0.1:${ports.smtp}`,
    '--to',
    'hello+tag@example.test',
    '--from',
    'sender@remote.test',
    '--h-Subject',
    'via swaks MX',
  )
  expect(ok.code).toBe(0)
  expect(ok.stdout).toMatch(/<- {2}250 2\.0\.0 OK queued as /)
  expect(subjects()).toContain('via swaks MX')
  const unknown = await swaks(
    '--server',
    `127.0.0.1:${ports.smtp}`,
    '--to',
    'nobody@example.test',
    '--from',
    'sender@remote.test',
  )
  expect(unknown.stdout).toContain('<** 550 5.1.1 no such user here')
  const relay = await swaks(
    '--server',
    `127.0.0.1:${ports.smtp}`,
    '--to',
    'someone@elsewhere.test',
    '--from',
    'sender@remote.test',
  )
  expect(relay.stdout).toContain('<** 550 5.7.1 relaying denied')
  const bodyFile = join(work.path, 'big-body.txt')
  writeFileSync(bodyFile, `${'x'.repeat(998)}\r\n`.repeat(150))
  const big = await swaks(
    '--server',
    `127.0.0.1:${ports.smtp}`,
    '--to',
    'alice@example.test',
    '--from',
    'sender@remote.test',
    '--body',
    bodyFile,
  )
  expect(big.stdout).toContain('250 SIZE 100000')
  expect(big.stdout).toMatch(/<\*\* 552 5\.3\.4 /)
})

test('swaks: submission as the user over STARTTLS (587) and implicit TLS (465)', async () => {
  const starttls = await swaks(
    '--server',
    `127.0.0.1:${ports.submission}`,
    '--tls',
    '--auth',
    'PLAIN',
    '--auth-user',
    'alice@example.test',
    '--auth-password',
    'alice-password',
    '--from',
    'alice@example.test',
    '--to',
    'alice@example.test',
    '--h-Subject',
    'via swaks 587',
  )
  expect(starttls.stdout).toContain('<~  235 2.7.0 Authentication successful')
  expect(starttls.stdout).toMatch(/<~ {2}250 2\.0\.0 OK queued as /)
  const implicit = await swaks(
    '--server',
    `127.0.0.1:${ports.submissions}`,
    '--tlsc',
    '--auth',
    'LOGIN',
    '--auth-user',
    'alice@example.test',
    '--auth-password',
    'alice-password',
    '--from',
    'hello@example.test',
    '--to',
    'alice@example.test',
    '--h-Subject',
    'via swaks 465',
  )
  expect(implicit.stdout).toMatch(/<~ {2}250 2\.0\.0 OK queued as /)
  const spoof = await swaks(
    '--server',
    `127.0.0.1:${ports.submissions}`,
    '--tlsc',
    '--auth',
    'PLAIN',
    '--auth-user',
    'alice@example.test',
    '--auth-password',
    'alice-password',
    '--from',
    'ceo@other.test',
    '--to',
    'alice@example.test',
  )
  expect(spoof.stdout).toContain('<~* 553 5.7.1 sender address is not one of yours')
  expect(subjects()).toEqual(expect.arrayContaining(['via swaks 587', 'via swaks 465']))
})

test('python3 smtplib: STARTTLS, login, send; relay refused without login', async () => {
  const script = `
import smtplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP('127.0.0.1', ${ports.submission}, timeout=10)
s.starttls(context=ctx)
s.login('alice@example.test', 'alice-password')
s.sendmail('alice@example.test', ['alice@example.test'], 'Subject: via smtplib\\r\\n\\r\\nhello\\r\\n')
s.quit()
mx = smtplib.SMTP('127.0.0.1', ${ports.smtp}, timeout=10)
mx.ehlo('client.example')
try:
    mx.sendmail('a@remote.test', ['x@elsewhere.test'], 'Subject: relay\\r\\n\\r\\nno\\r\\n')
    print('relayed!')
except smtplib.SMTPRecipientsRefused as e:
    code, msg = e.recipients['x@elsewhere.test']
    print(code, msg.decode())
mx.quit()
`
  const r = await runAsync(['python3', '-c', script])
  expect(r.stderr).toBe('')
  expect(r.stdout.trim()).toBe('550 5.7.1 relaying denied')
  expect(subjects()).toContain('via smtplib')
})
