// Real IMAP clients against `serve` started as a user would: python3 imaplib (STARTTLS and imaps),
// mbsync (isync) two-way sync to a Maildir, curl, mutt (driven through a pty by `script`) and the
// npm client imapflow. Mail is put in with the CLI's `import mbox`; the server's own state is
// checked over a raw IMAP connection. `.ci/run` installs the clients; a missing client fails.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { ImapFlow } from 'imapflow'
import { tempDir } from '../helpers/db.ts'
import { ImapClient, quote } from '../helpers/imap-client.ts'
import { bunPath, freePorts, ProcessOutput, repoRoot, run, runAsync } from '../helpers/process.ts'

const work = tempDir()
let env: Record<string, string>
let ports: { imap: number; imaps: number }
let proc: ReturnType<typeof Bun.spawn>
let certFile: string
const password = 'imap-password-1'
const count = 60
const accounts = ['py-starttls', 'py-imaps', 'copy-flags', 'mbsync', 'curl', 'mutt', 'imapflow']
const email = (user: string) => `${user}@example.test`

const cli = (...args: string[]) =>
  runAsync([bunPath, join(repoRoot, 'src/main.ts'), ...args], { cwd: work.path, env })

/** An mbox of `count` messages; subjects "<user> <folder> n". */
function mbox(user: string, folder: string): string {
  return Array.from(
    { length: count },
    (_, i) =>
      `From sender@remote.test Mon Jan  1 00:00:00 2024\nFrom: Sender ${i + 1} <sender@remote.test>\n` +
      `To: ${email(user)}\nSubject: ${user} ${folder} ${i + 1}\nMessage-ID: <${user}.${folder}.${i}@remote.test>\n` +
      `Date: Mon, 1 Jan 2024 00:${String(i).padStart(2, '0')}:00 +0000\n\nbody of ${folder} ${i + 1}\n\n`,
  ).join('')
}

beforeAll(async () => {
  const [imap = 0, imaps = 0, http = 0] = await freePorts(3)
  ports = { imap, imaps }
  env = {
    POSTERN_DATA_DIR: join(work.path, 'data'),
    POSTERN_HOSTNAME: 'mail.example.test',
    POSTERN_ADMIN_PASSWORD: 'admin-password',
    POSTERN_LISTEN_IMAP: `127.0.0.1:${imap}`,
    POSTERN_LISTEN_IMAPS: `127.0.0.1:${imaps}`,
    POSTERN_LISTEN_HTTP: `127.0.0.1:${http}`,
    ...Object.fromEntries(
      ['SMTP', 'SUBMISSION', 'SUBMISSIONS', 'POP3', 'POP3S', 'MANAGESIEVE', 'LMTP', 'HTTPS'].map((s) => [
        `POSTERN_LISTEN_${s}`,
        'off',
      ]),
    ),
  }
  expect((await cli('domain', 'add', 'example.test')).code).toBe(0)
  for (const user of accounts) {
    expect((await cli('account', 'add', email(user), '--password', password)).code).toBe(0)
    for (const folder of ['INBOX', 'Projects/2024']) {
      const file = join(work.path, `${user}-${folder.replace('/', '-')}.mbox`)
      writeFileSync(file, mbox(user, folder))
      const args = folder === 'INBOX' ? [] : ['--mailbox', folder]
      const imported = await cli('import', 'mbox', file, '--account', email(user), ...args)
      expect(imported.code, imported.stderr).toBe(0)
    }
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
  const tls = join(work.path, 'data/tls')
  const crt = readdirSync(tls).find((f) => f.endsWith('.crt'))
  expect(crt).toBeDefined()
  certFile = join(tls, crt as string)
}, 120_000)
afterAll(() => {
  proc.kill('SIGKILL')
  work.remove()
})

function requireClient(name: string): void {
  expect(run(['sh', '-c', `command -v ${name}`]).code, `${name} is not installed (.ci/run installs it)`).toBe(
    0,
  )
}

/** A raw imaps session as `user`, for checking the server's state independently of the client. */
async function raw(user: string): Promise<ImapClient> {
  const c = await ImapClient.connect(ports.imaps, { tls: true })
  await c.line()
  const r = await c.command(`LOGIN ${quote(email(user))} ${quote(password)}`)
  expect(r.done).toStartWith('OK')
  return c
}

/** Subject and flags (sorted) of every message in a mailbox, in UID order, as the server holds them. */
async function serverState(user: string, mailbox: string): Promise<{ subject: string; flags: string }[]> {
  const c = await raw(user)
  try {
    expect((await c.command(`EXAMINE ${quote(mailbox)}`)).done).toStartWith('OK')
    const r = await c.command('UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
    expect(r.done).toStartWith('OK')
    return r.untagged
      .filter((l) => / FETCH \(/.test(l))
      .map((l) => ({
        subject: /Subject: ([^\r\n]*)/.exec(l)?.[1] ?? '',
        flags: (/FLAGS \(([^)]*)\)/.exec(l)?.[1] ?? '').split(' ').sort().join(' '),
      }))
  } finally {
    c.close()
  }
}

const imaplibScript = `
import imaplib, json, ssl, sys
mode, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
def connect():
    if mode == 'starttls':
        c = imaplib.IMAP4('127.0.0.1', port)
        pre = list(c.capabilities)
        c.starttls(ssl_context=ctx)
        return c, pre
    return imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=ctx), []
def s(x):
    if isinstance(x, bytes): return x.decode('latin1')
    if isinstance(x, (tuple, list)): return [s(y) for y in x]
    return x
out = {}
c, out['pre_caps'] = connect()
out['caps'] = list(c.capabilities)
out['login'] = s(c.login(user, password))
out['list'] = s(c.list())
out['select'] = s(c.select('INBOX'))
out['uidvalidity'] = s(c.response('UIDVALIDITY'))
out['fetch_flags'] = s(c.fetch('1:3', '(UID FLAGS)'))
out['fetch_subject'] = s(c.fetch('2', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])'))
out['fetch_text'] = s(c.uid('FETCH', '5', '(BODY.PEEK[TEXT])'))
out['store'] = s(c.store('1:2', '+FLAGS', '(\\\\Flagged)'))
out['store_silent'] = s(c.store('3', '+FLAGS.SILENT', '(\\\\Seen)'))
out['fetch_after_store'] = s(c.fetch('1:3', '(FLAGS)'))
out['copy'] = s(c.copy('1:4', 'Projects/2024'))
msg = b'From: a@remote.test\\r\\nTo: ' + user.encode() + b'\\r\\nSubject: appended by imaplib\\r\\n\\r\\nhello\\r\\n'
out['append'] = s(c.append('INBOX', '(\\\\Seen)', imaplib.Time2Internaldate(1700000000), msg))
out['store_deleted'] = s(c.store('2', '+FLAGS', '(\\\\Deleted)'))
out['expunge'] = s(c.expunge())
out['status'] = s(c.status('Projects/2024', '(MESSAGES UIDNEXT)'))
out['search_flagged'] = s(c.search(None, 'FLAGGED'))
out['search_subject'] = s(c.uid('SEARCH', 'SUBJECT', '"' + user.split('@')[0] + ' INBOX 7"'))
out['search_text'] = s(c.search(None, 'TEXT', 'appended'))
out['sort'] = s(c.sort('(SUBJECT)', 'UTF-8', 'ALL'))
# IMAP4.idle() only exists from Python 3.14: IDLE by hand, woken by an APPEND from a second session.
tag = c._new_tag()
c.send(tag + b' IDLE\\r\\n')
out['idle_cont'] = s(c.readline().rstrip())
c2, _ = connect()
c2.login(user, password)
c2.append('INBOX', None, None, b'Subject: wake up\\r\\n\\r\\nwake\\r\\n')
c2.logout()
c.sock.settimeout(10)
lines = []
while True:
    l = s(c.readline().rstrip())
    lines.append(l)
    if l.endswith('EXISTS'): break
c.send(b'DONE\\r\\n')
while True:
    l = s(c.readline().rstrip())
    lines.append(l)
    if l.startswith(tag.decode()): break
out['idle'] = lines
out['after_idle'] = s(c.fetch('60', '(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])'))
out['close'] = s(c.close())
out['logout'] = s(c.logout())
print(json.dumps(out))
`

for (const mode of ['starttls', 'imaps'] as const) {
  test(`python3 imaplib over ${mode === 'starttls' ? 'STARTTLS' : 'imaps'}: LIST, SELECT, FETCH, STORE, COPY, APPEND, EXPUNGE, SEARCH, SORT, IDLE, LOGOUT`, async () => {
    requireClient('python3')
    const user = `py-${mode}`
    const port = mode === 'starttls' ? ports.imap : ports.imaps
    const r = await runAsync([
      '/usr/bin/python3',
      '-c',
      imaplibScript,
      mode,
      String(port),
      email(user),
      password,
    ])
    expect(r.stderr).toBe('')
    const out = JSON.parse(r.stdout)
    if (mode === 'starttls') {
      expect(out.pre_caps).toEqual(expect.arrayContaining(['STARTTLS', 'LOGINDISABLED']))
      expect(out.pre_caps).not.toContain('AUTH=PLAIN')
    }
    expect(out.caps).toContain('AUTH=PLAIN')
    expect(out.caps).not.toContain('LOGINDISABLED')
    expect(out.login[0]).toBe('OK')
    expect(out.login[1][0]).toMatch(/^\[CAPABILITY IMAP4rev1 .*\bIDLE\b.*\bUIDPLUS\b.*\] Logged in$/)
    expect(out.list).toEqual([
      'OK',
      [
        '(\\HasNoChildren) "/" INBOX',
        '(\\HasNoChildren \\Archive) "/" "Archive"',
        '(\\HasNoChildren \\Drafts) "/" "Drafts"',
        '(\\HasNoChildren \\Junk) "/" "Junk"',
        '(\\HasChildren) "/" "Projects"',
        '(\\HasNoChildren) "/" "Projects/2024"',
        '(\\HasNoChildren \\Sent) "/" "Sent"',
        '(\\HasNoChildren \\Trash) "/" "Trash"',
      ],
    ])
    expect(out.select).toEqual(['OK', ['60']])
    const uidvalidity = out.uidvalidity[1][0]
    expect(uidvalidity).toMatch(/^\d+$/)
    expect(out.fetch_flags).toEqual([
      'OK',
      ['1 (UID 1 FLAGS ())', '2 (UID 2 FLAGS ())', '3 (UID 3 FLAGS ())'],
    ])
    expect(out.fetch_subject).toEqual([
      'OK',
      [
        [
          `2 (BODY[HEADER.FIELDS (SUBJECT)] {${`Subject: ${user} INBOX 2\r\n\r\n`.length}}`,
          `Subject: ${user} INBOX 2\r\n\r\n`,
        ],
        ')',
      ],
    ])
    expect(out.fetch_text).toEqual(['OK', [['5 (UID 5 BODY[TEXT] {17}', 'body of INBOX 5\r\n'], ')']])
    expect(out.store).toEqual(['OK', ['1 (FLAGS (\\Flagged))', '2 (FLAGS (\\Flagged))']])
    expect(out.store_silent).toEqual(['OK', [null]])
    expect(out.fetch_after_store).toEqual([
      'OK',
      ['1 (FLAGS (\\Flagged))', '2 (FLAGS (\\Flagged))', '3 (FLAGS (\\Seen))'],
    ])
    expect(out.copy[0]).toBe('OK')
    expect(out.copy[1][0]).toMatch(/^\[COPYUID \d+ 1:4 61:64\] /)
    expect(out.append).toEqual(['OK', [`[APPENDUID ${uidvalidity} 61] APPEND completed`]])
    expect(out.store_deleted).toEqual(['OK', ['2 (FLAGS (\\Flagged \\Deleted))']])
    expect(out.expunge).toEqual(['OK', ['2']])
    expect(out.status).toEqual(['OK', ['"Projects/2024" (MESSAGES 64 UIDNEXT 65)']])
    expect(out.search_flagged).toEqual(['OK', ['1']])
    expect(out.search_subject).toEqual(['OK', ['7']])
    expect(out.search_text).toEqual(['OK', ['60']])
    expect(out.sort[0]).toBe('OK')
    expect(out.sort[1][0].split(' ').slice(0, 3)).toEqual(['60', '1', '9'])
    expect(out.idle_cont).toStartWith('+')
    expect(out.idle).toContain('* 61 EXISTS')
    expect(out.idle.at(-1)).toMatch(/^[A-Z]+\d+ OK /)
    expect(out.after_idle).toEqual([
      'OK',
      [
        [
          '60 (FLAGS (\\Seen \\Recent) BODY[HEADER.FIELDS (SUBJECT)] {32}',
          'Subject: appended by imaplib\r\n\r\n',
        ],
        ')',
      ],
    ])
    expect(out.close[0]).toBe('OK')
    expect(out.logout[0]).toBe('BYE')
    const projects = await serverState(user, 'Projects/2024')
    expect(projects.length).toBe(64)
    expect(projects.slice(60).map((m) => m.subject)).toEqual([1, 2, 3, 4].map((n) => `${user} INBOX ${n}`))
  })
}

// rfc3501#section-6.4.7: COPY makes a new message in the target; its flags start as the
// original's and change independently after. (Postern shares keywords between the mailboxes of one
// email on purpose, the JMAP model; \Deleted is IMAP's per-mailbox mark.) A \Deleted set on the original (then expunged there)
// must not show up on the copy, or the next EXPUNGE in the target (mbsync's `Expunge Both`) loses it.
test('COPY: flags of the copy are independent of the original (\\Deleted does not follow it)', async () => {
  const c = await raw('copy-flags')
  try {
    expect((await c.command('SELECT INBOX')).done).toStartWith('OK')
    expect((await c.command('UID COPY 1 "Projects/2024"')).done).toMatch(/^OK \[COPYUID \d+ 1 61\]/)
    expect((await c.command('UID STORE 1 +FLAGS.SILENT (\\Deleted)')).done).toStartWith('OK')
    expect((await c.command('UID EXPUNGE 1')).done).toStartWith('OK')
  } finally {
    c.close()
  }
  const projects = await serverState('copy-flags', 'Projects/2024')
  expect(projects.slice(60)).toEqual([{ subject: 'copy-flags INBOX 1', flags: '' }])
})

/** The messages of one Maildir folder: file path, maildir flags and subject. */
function maildir(dir: string): { path: string; flags: string; subject: string }[] {
  const out: { path: string; flags: string; subject: string }[] = []
  for (const sub of ['cur', 'new']) {
    for (const name of readdirSync(join(dir, sub))) {
      const path = join(dir, sub, name)
      const subject = /^Subject: (.*)$/m.exec(readFileSync(path, 'latin1'))?.[1]?.trim() ?? ''
      out.push({ path, flags: /:2,([A-Z]*)$/.exec(name)?.[1] ?? '', subject })
    }
  }
  return out.sort((a, b) => a.subject.localeCompare(b.subject, 'en', { numeric: true }))
}

test('mbsync: two-way sync of INBOX and a subfolder with a Maildir, both directions', async () => {
  requireClient('mbsync')
  const user = 'mbsync'
  const home = join(work.path, user)
  const local = join(home, 'mail')
  mkdirSync(local, { recursive: true })
  const rc = join(home, 'mbsyncrc')
  // isync 1.4 spells it SSLType; 1.5 renamed it TLSType and still reads the old name.
  writeFileSync(
    rc,
    `IMAPAccount postern\nHost 127.0.0.1\nPort ${ports.imaps}\nUser ${email(user)}\nPass ${password}\n` +
      `SSLType IMAPS\nCertificateFile ${certFile}\n\n` +
      `IMAPStore remote\nAccount postern\n\n` +
      `MaildirStore local\nPath ${local}/\nInbox ${local}/INBOX\nSubFolders Verbatim\n\n` +
      `Channel sync\nFar :remote:\nNear :local:\nPatterns INBOX Projects/2024\nCreate Both\nExpunge Both\nSyncState *\n`,
  )
  const sync = async () => {
    const r = await runAsync(['mbsync', '-c', rc, '-V', 'sync'], { env: { HOME: home } })
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
    return r
  }
  await sync()
  const inbox = join(local, 'INBOX')
  const projects = join(local, 'Projects/2024')
  const pulled = maildir(inbox)
  expect(pulled.map((m) => m.subject)).toEqual(
    Array.from({ length: count }, (_, i) => `${user} INBOX ${i + 1}`),
  )
  expect(maildir(projects).length).toBe(count)
  expect(readFileSync(pulled[0]?.path as string, 'latin1')).toContain('body of INBOX 1')

  // Local changes: flag and read message 1, delete message 2, add a new one; sync them up.
  const first = pulled[0] as { path: string }
  renameSync(first.path, join(inbox, 'cur', `${first.path.split('/').pop()?.split(':')[0]}:2,FS`))
  unlinkSync((pulled[1] as { path: string }).path)
  writeFileSync(
    join(inbox, 'new', `1700000000.local1.host`),
    `From: me@example.test\nTo: ${email(user)}\nSubject: ${user} written locally\nMessage-ID: <local1@example.test>\n\nlocal body\n`,
  )
  await sync()
  const up = await serverState(user, 'INBOX')
  expect(up.length).toBe(count)
  expect(up[0]).toEqual({ subject: `${user} INBOX 1`, flags: '\\Flagged \\Seen' })
  expect(up.map((m) => m.subject)).not.toContain(`${user} INBOX 2`)
  expect(up.at(-1)?.subject).toBe(`${user} written locally`)

  // Server changes: answer a message, add one and expunge one in the subfolder; sync them down.
  const c = await raw(user)
  expect((await c.command('SELECT "Projects/2024"')).done).toStartWith('OK')
  expect((await c.command('UID STORE 3 +FLAGS.SILENT (\\Answered)')).done).toStartWith('OK')
  expect((await c.command('UID STORE 4 +FLAGS.SILENT (\\Deleted)')).done).toStartWith('OK')
  expect((await c.command('UID EXPUNGE 4')).done).toStartWith('OK')
  const added = `Subject: ${user} added on the server\r\n\r\nserver body\r\n`
  c.send(`a APPEND "Projects/2024" (\\Seen) {${added.length}+}\r\n${added}\r\n`)
  expect((await c.until('a')).done).toStartWith('OK')
  c.close()
  await sync()
  const down = maildir(projects)
  expect(down.length).toBe(count)
  expect(down.find((m) => m.subject === `${user} Projects/2024 3`)?.flags).toBe('R')
  expect(down.map((m) => m.subject)).not.toContain(`${user} Projects/2024 4`)
  expect(down.find((m) => m.subject === `${user} added on the server`)?.flags).toBe('S')
  // A third sync changes nothing.
  const again = await sync()
  expect(again.stdout + again.stderr).not.toMatch(/error/i)
  expect(maildir(projects).length).toBe(count)
  expect((await serverState(user, 'INBOX')).length).toBe(count)
}, 60_000)

test('curl: lists mailboxes and a mailbox, fetches by UID, runs a custom EXAMINE', async () => {
  requireClient('curl')
  const base = `imaps://127.0.0.1:${ports.imaps}/`
  const curl = (...args: string[]) =>
    runAsync(['curl', '-sS', '-k', '--max-time', '20', '-u', `${email('curl')}:${password}`, ...args])
  const list = await curl(base)
  expect(list.stderr).toBe('')
  expect(list.stdout.trim().split(/\r?\n/)).toEqual([
    '* LIST (\\HasNoChildren) "/" INBOX',
    '* LIST (\\HasNoChildren \\Archive) "/" "Archive"',
    '* LIST (\\HasNoChildren \\Drafts) "/" "Drafts"',
    '* LIST (\\HasNoChildren \\Junk) "/" "Junk"',
    '* LIST (\\HasChildren) "/" "Projects"',
    '* LIST (\\HasNoChildren) "/" "Projects/2024"',
    '* LIST (\\HasNoChildren \\Sent) "/" "Sent"',
    '* LIST (\\HasNoChildren \\Trash) "/" "Trash"',
  ])
  const message = await curl(`${base}INBOX;UID=7`)
  expect(message.stderr).toBe('')
  expect(message.stdout).toContain('Subject: curl INBOX 7\r\n')
  expect(message.stdout).toEndWith('\r\n\r\nbody of INBOX 7\r\n')
  const sub = await curl(`${base}Projects%2F2024;UID=60`)
  expect(sub.stdout).toContain('Subject: curl Projects/2024 60\r\n')
  const examine = await curl('-X', 'EXAMINE INBOX', base)
  expect(examine.stderr).toBe('')
  expect(examine.stdout).toContain(`* ${count} EXISTS`)
  expect(examine.stdout).toMatch(/\* OK \[UIDVALIDITY \d+\]/)
  expect(examine.stdout).toContain('* OK [UIDNEXT 61]')
  expect(examine.stdout).toContain('* OK [PERMANENTFLAGS ()]')
  // curl fetches with BODY[] (not PEEK), so UID 7 is now \Seen.
  expect((await serverState('curl', 'INBOX'))[6]?.flags).toBe('\\Seen')
})

test('mutt (through a pty): opens the imaps Inbox, pipes every message out, deletes one', async () => {
  requireClient('mutt')
  requireClient('script')
  const home = join(work.path, 'mutt')
  mkdirSync(home, { recursive: true })
  const certs = join(home, 'certificates')
  copyFileSync(certFile, certs)
  const out = join(home, 'out.txt')
  const rc = join(home, 'muttrc')
  writeFileSync(
    rc,
    [
      `set imap_user = "${email('mutt')}"`,
      `set imap_pass = "${password}"`,
      `set folder = "imaps://127.0.0.1:${ports.imaps}/"`,
      'set spoolfile = "+INBOX"',
      `set certificate_file = "${certs}"`,
      'set ssl_verify_host = no',
      'set header_cache = ""',
      'set message_cachedir = ""',
      'set sort = mailbox-order',
      'set pipe_split = yes',
      'set wait_key = no',
      'set delete = yes',
      'set quit = yes',
      'set move = no',
      '',
    ].join('\n'),
  )
  const keys =
    `<tag-pattern>~A<enter><tag-prefix><pipe-message>cat >> ${out}<enter>` +
    '<tag-prefix><untag-pattern>~A<enter><first-entry><delete-message><sync-mailbox><quit>'
  const mutt = `mutt -n -F ${rc} -f imaps://127.0.0.1:${ports.imaps}/INBOX -e 'push "${keys}"'`
  // mutt needs a terminal: `script` gives it a pty, the keys come from `push`.
  const r = await runAsync(['timeout', '30', 'script', '-qec', mutt, '/dev/null'], {
    env: { HOME: home, TERM: 'vt100' },
  })
  expect(r.code, r.stdout.slice(-2000)).toBe(0)
  const piped = readFileSync(out, 'latin1')
  expect([...piped.matchAll(/^Subject: (.*)$/gm)].map((m) => m[1])).toEqual(
    Array.from({ length: count }, (_, i) => `mutt INBOX ${i + 1}`),
  )
  const left = await serverState('mutt', 'INBOX')
  expect(left.length).toBe(count - 1)
  expect(left[0]?.subject).toBe('mutt INBOX 2')
}, 60_000)

/** imapflow answers `false` where a result is missing: fail the test there. */
function present<T>(value: T | false | undefined | null): T {
  if (value === false || value === undefined || value === null) throw new Error('imapflow returned no result')
  return value
}

test('imapflow: TLS, list, lock, fetch, flags, move, append, IDLE woken by another client, logout', async () => {
  const user = email('imapflow')
  const connect = () =>
    new ImapFlow({
      host: '127.0.0.1',
      port: ports.imaps,
      secure: true,
      tls: { rejectUnauthorized: false },
      auth: { user, pass: password },
      logger: false,
    })
  const client = connect()
  await client.connect()
  const list = await client.list()
  expect(list.map((m) => m.path).sort()).toEqual(
    ['Archive', 'Drafts', 'INBOX', 'Junk', 'Projects', 'Projects/2024', 'Sent', 'Trash'].sort(),
  )
  expect(list.find((m) => m.path === 'Trash')?.specialUse).toBe('\\Trash')
  const lock = await client.getMailboxLock('INBOX')
  try {
    const mailbox = client.mailbox
    expect(present(mailbox).exists).toBe(count)
    const all = []
    for await (const m of client.fetch('1:*', { uid: true, flags: true, envelope: true })) all.push(m)
    expect(all.length).toBe(count)
    expect(all.map((m) => m.envelope?.subject)).toEqual(
      Array.from({ length: count }, (_, i) => `imapflow INBOX ${i + 1}`),
    )
    expect(all[0]?.envelope?.from?.[0]).toEqual({ name: 'Sender 1', address: 'sender@remote.test' })
    expect(all[0]?.envelope?.messageId).toBe('<imapflow.INBOX.0@remote.test>')
    expect(all.every((m) => m.flags?.size === 0)).toBe(true)

    expect(await client.messageFlagsAdd('1:3', ['\\Flagged', '\\Seen'])).toBe(true)
    const flagged = await client.fetchOne('2', { flags: true })
    expect([...(present(flagged).flags ?? [])].sort()).toEqual(['\\Flagged', '\\Seen'])

    const moved = await client.messageMove('4:5', 'Archive')
    expect(present(moved).destination).toBe('Archive')
    expect([...(present(moved).uidMap?.entries() ?? [])]).toEqual([
      [4, 1],
      [5, 2],
    ])
    expect(present(client.mailbox).exists).toBe(count - 2)

    const appended = await client.append('INBOX', 'Subject: from imapflow\r\n\r\nhi\r\n', ['\\Draft'])
    expect(present(appended).uid).toBe(count + 1)

    // IDLE: this client idles on INBOX, another one appends, the EXISTS wakes it.
    const woke = new Promise<number>((resolve) => client.once('exists', (e) => resolve(e.count)))
    const idling = client.idle()
    await Bun.sleep(200)
    const other = connect()
    await other.connect()
    await other.append('INBOX', 'Subject: wake up\r\n\r\nwake\r\n')
    await other.logout()
    const exists = await Promise.race([woke, Bun.sleep(10_000).then(() => -1)])
    expect(exists).toBe(count)
    const last = await client.fetchOne('*', { envelope: true, uid: true })
    expect(present(last).envelope?.subject).toBe('wake up')
    await idling.catch(() => undefined)
  } finally {
    lock.release()
  }
  const archive = await client.status('Archive', { messages: true })
  expect(present(archive).messages).toBe(2)
  await client.logout()
  expect(client.usable).toBe(false)
}, 60_000)
