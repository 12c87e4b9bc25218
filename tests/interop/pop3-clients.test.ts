// Real POP3 clients against `serve` started as the README says: python3 poplib, curl, fetchmail
// and getmail6 retrieve (and delete) all mail of an account over STLS on the pop3 port and over
// implicit TLS on pop3s, with the server's self-signed certificate. The mail is put in with the
// CLI's `import mbox`. `.ci/run` installs the clients; a missing client fails its test.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/client.ts'
import { tempDir } from '../helpers/db.ts'
import { bunPath, freePorts, ProcessOutput, repoRoot, run, runAsync } from '../helpers/process.ts'

const work = tempDir()
let env: Record<string, string>
let ports: { pop3: number; pop3s: number }
let proc: ReturnType<typeof Bun.spawn>
const password = 'pop-password-1'
const count = 5
const accounts = [
  'poplib-stls',
  'poplib-tls',
  'curl-stls',
  'curl-tls',
  'fetchmail-stls',
  'fetchmail-tls',
  'getmail-tls',
]

const cli = (...args: string[]) =>
  runAsync([bunPath, join(repoRoot, 'src/main.ts'), ...args], { cwd: work.path, env })

/** An mbox of `count` messages for one account; one line starts with "." to exercise byte-stuffing. */
function mbox(user: string): string {
  const messages = Array.from(
    { length: count },
    (_, i) =>
      `From sender@remote.test Mon Jan  1 00:00:0${i} 2024\nFrom: sender@remote.test\nTo: ${user}@example.test\n` +
      `Subject: ${user} message ${i + 1}\nMessage-ID: <${user}.${i}@remote.test>\n\nbody of ${i + 1}\n.dot line\nend\n`,
  )
  return `${messages.join('\n')}\n`
}

beforeAll(async () => {
  const [pop3 = 0, pop3s = 0, http = 0] = await freePorts(3)
  ports = { pop3, pop3s }
  env = {
    POSTERN_DATA_DIR: join(work.path, 'data'),
    POSTERN_HOSTNAME: 'mail.example.test',
    POSTERN_ADMIN_PASSWORD: 'admin-password',
    POSTERN_LISTEN_POP3: `127.0.0.1:${pop3}`,
    POSTERN_LISTEN_POP3S: `127.0.0.1:${pop3s}`,
    POSTERN_LISTEN_HTTP: `127.0.0.1:${http}`,
    ...Object.fromEntries(
      ['SMTP', 'SUBMISSION', 'SUBMISSIONS', 'IMAP', 'IMAPS', 'MANAGESIEVE', 'LMTP', 'HTTPS'].map((s) => [
        `POSTERN_LISTEN_${s}`,
        'off',
      ]),
    ),
  }
  expect((await cli('domain', 'add', 'example.test')).code).toBe(0)
  for (const user of accounts) {
    expect((await cli('account', 'add', `${user}@example.test`, '--password', password)).code).toBe(0)
    const file = join(work.path, `${user}.mbox`)
    writeFileSync(file, mbox(user))
    const imported = await cli('import', 'mbox', file, '--account', `${user}@example.test`)
    expect(imported.code).toBe(0)
  }
  proc = Bun.spawn([bunPath, join(repoRoot, 'src/main.ts'), 'serve'], {
    cwd: work.path,
    env: { ...process.env, ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  await new ProcessOutput(
    proc as { stdout: ReadableStream<Uint8Array>; stderr: ReadableStream<Uint8Array> },
  ).waitFor(/postern started/)
}, 60_000)
afterAll(() => {
  proc.kill('SIGKILL')
  work.remove()
})

/** Messages left in the account's Inbox, read from the database file. */
function inboxCount(user: string): number {
  const db = openDatabase(join(work.path, 'data/postern.sqlite'))
  try {
    const row = db.sqlite
      .query(
        `SELECT count(*) AS n FROM mailbox_messages mm JOIN mailboxes m ON m.id = mm.mailbox_id
         JOIN accounts a ON a.id = m.account_id WHERE a.email = ? AND m.role = 'inbox'`,
      )
      .get(`${user}@example.test`) as { n: number }
    return row.n
  } finally {
    db.close()
  }
}

function requireClient(name: string): void {
  expect(run(['sh', '-c', `command -v ${name}`]).code, `${name} is not installed (.ci/run installs it)`).toBe(
    0,
  )
}

const subjects = (text: string, user: string) =>
  [...text.matchAll(new RegExp(`^Subject: (${user} message \\d+)\\r?$`, 'gm'))].map((m) => m[1])
const expected = (user: string) => Array.from({ length: count }, (_, i) => `${user} message ${i + 1}`)

const poplibScript = `
import json, poplib, ssl, sys
mode, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
if mode == 'stls':
    p = poplib.POP3('127.0.0.1', port)
    before = sorted(p.capa())
    p.stls(ctx)
else:
    p = poplib.POP3_SSL('127.0.0.1', port, context=ctx)
    before = []
caps = sorted(p.capa())
p.user(user)
p.pass_(password)
count, size = p.stat()
uidls = [l.decode().split(' ')[1] for l in p.uidl()[1]]
messages = []
for i in range(1, count + 1):
    resp, lines, octets = p.retr(i)
    messages.append(b'\\r\\n'.join(lines).decode())
    p.dele(i)
top = None
quit = p.quit().decode()
print(json.dumps({'before': before, 'caps': caps, 'count': count, 'size': size, 'uidls': uidls, 'messages': messages, 'quit': quit}))
`

for (const mode of ['stls', 'tls'] as const) {
  test(`python3 poplib over ${mode === 'stls' ? 'STLS' : 'pop3s'}: CAPA, login, STAT, UIDL, RETR, DELE, QUIT`, async () => {
    requireClient('python3')
    const user = `poplib-${mode}`
    const port = mode === 'stls' ? ports.pop3 : ports.pop3s
    const r = await runAsync([
      'python3',
      '-c',
      poplibScript,
      mode,
      String(port),
      `${user}@example.test`,
      password,
    ])
    expect(r.stderr).toBe('')
    const out = JSON.parse(r.stdout) as {
      before: string[]
      caps: string[]
      count: number
      uidls: string[]
      messages: string[]
      quit: string
    }
    if (mode === 'stls') {
      expect(out.before).toContain('STLS')
      expect(out.before).not.toContain('USER')
    }
    expect(out.caps).toEqual(
      expect.arrayContaining(['USER', 'UIDL', 'TOP', 'SASL', 'RESP-CODES', 'PIPELINING']),
    )
    expect(out.count).toBe(count)
    expect(new Set(out.uidls).size).toBe(count)
    expect(out.messages.map((m) => subjects(m, user)[0])).toEqual(expected(user))
    expect(out.messages[0]).toContain('\r\n.dot line\r\n')
    expect(out.quit).toBe('+OK mail.example.test POP3 server signing off (maildrop empty)')
    expect(inboxCount(user)).toBe(0)
  })
}

for (const mode of ['stls', 'tls'] as const) {
  test(`curl ${mode === 'stls' ? 'pop3:// with STLS' : 'pop3s://'}: lists, retrieves, deletes`, async () => {
    requireClient('curl')
    const user = `curl-${mode}`
    const base = mode === 'stls' ? `pop3://127.0.0.1:${ports.pop3}/` : `pop3s://127.0.0.1:${ports.pop3s}/`
    const curl = (...args: string[]) =>
      runAsync([
        'curl',
        '-sS',
        '-k',
        '--max-time',
        '20',
        ...(mode === 'stls' ? ['--ssl-reqd'] : []),
        '-u',
        `${user}@example.test:${password}`,
        ...args,
      ])
    const list = await curl(base)
    expect(list.stderr).toBe('')
    expect(
      list.stdout
        .trim()
        .split(/\r?\n/)
        .map((l) => l.split(' ')[0]),
    ).toEqual(['1', '2', '3', '4', '5'])
    const third = await curl(`${base}3`)
    expect(subjects(third.stdout, user)).toEqual([`${user} message 3`])
    expect(third.stdout).toContain('\n.dot line\r\n')
    const dele = await curl('-X', 'DELE', '-I', `${base}1`)
    expect(dele.code).toBe(0)
    expect(inboxCount(user)).toBe(count - 1)
  })
}

for (const mode of ['stls', 'tls'] as const) {
  test(`fetchmail over ${mode === 'stls' ? 'STLS' : 'pop3s'} retrieves and deletes all mail`, async () => {
    requireClient('fetchmail')
    const user = `fetchmail-${mode}`
    const home = join(work.path, user)
    mkdirSync(home, { recursive: true })
    const outFile = join(home, 'received.mbox')
    const rc = join(home, 'fetchmailrc')
    writeFileSync(
      rc,
      `set no syslog\n` +
        `poll 127.0.0.1 with proto POP3 port ${mode === 'stls' ? ports.pop3 : ports.pop3s}\n` +
        `  user "${user}@example.test" there with password "${password}" is "root" here\n` +
        `  options ${mode === 'tls' ? 'ssl ' : ''}sslproto 'TLS1.2+' no sslcertck fetchall\n` +
        `  mda "cat >> ${outFile}"\n`,
    )
    chmodSync(rc, 0o600)
    const r = await runAsync(['fetchmail', '-N', '-d0', '-v', '-f', rc, '-i', join(home, 'fetchids')], {
      env: { HOME: home },
    })
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
    expect(r.stderr + r.stdout).toContain(mode === 'stls' ? 'STLS' : 'SSL/TLS')
    expect(existsSync(outFile)).toBe(true)
    expect(subjects(readFileSync(outFile, 'utf8'), user)).toEqual(expected(user))
    expect(inboxCount(user)).toBe(0)
  })
}

test('getmail6 over pop3s retrieves and deletes all mail (getmail6 has no STLS)', async () => {
  requireClient('getmail')
  const user = 'getmail-tls'
  const home = join(work.path, user)
  mkdirSync(home, { recursive: true })
  const outFile = join(home, 'received.mbox')
  writeFileSync(outFile, '')
  writeFileSync(
    join(home, 'getmailrc'),
    `[retriever]\ntype = SimplePOP3SSLRetriever\nserver = 127.0.0.1\nport = ${ports.pop3s}\n` +
      `username = ${user}@example.test\npassword = ${password}\n\n` +
      // getmail refuses to write a mailbox as root; an external MDA may be allowed to run as root.
      `[destination]\ntype = MDA_external\npath = /bin/sh\narguments = ("-c", "cat >> ${outFile}")\nallow_root_commands = true\n\n` +
      `[options]\ndelete = true\nread_all = true\nverbose = 1\n`,
  )
  const r = await runAsync(['getmail', '--getmaildir', home, '--rcfile', 'getmailrc'], {
    env: { HOME: home },
  })
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
  expect(r.stdout).toContain(`${count} messages (`)
  expect(subjects(readFileSync(outFile, 'utf8'), user)).toEqual(expected(user))
  expect(inboxCount(user)).toBe(0)
})
