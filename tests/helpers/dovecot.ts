// Runs a throw-away Dovecot IMAP server (Debian's dovecot-imapd) on loopback for interop tests:
// installs it when missing, writes a config into a temp dir, starts it on a free port, stops it.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePorts, run, waitForPort } from './process.ts'

/** A running Dovecot with one user whose Maildir a test may fill before logging in. */
export interface Dovecot {
  port: number
  user: string
  password: string
  /** `<tmp>/Maildir`: put messages in `cur/` before the first login. */
  maildir: string
  /** The temp dir that holds config, state, log and mail. */
  dir: string
  /** The log file, for failure messages. */
  logFile: string
  stop(): Promise<void>
}

const dovecotBinary = '/usr/sbin/dovecot'
const imapBinary = '/usr/lib/dovecot/imap'

/** Installs Debian's dovecot-imapd when Dovecot or its IMAP server is missing (tests run as root). */
export function ensureDovecotInstalled(): void {
  if (existsSync(dovecotBinary) && existsSync(imapBinary)) return
  const env = { DEBIAN_FRONTEND: 'noninteractive' }
  let result = run(['apt-get', 'install', '-y', '--no-install-recommends', 'dovecot-imapd'], { env })
  if (result.code !== 0) {
    run(['apt-get', 'update'], { env })
    result = run(['apt-get', 'install', '-y', '--no-install-recommends', 'dovecot-imapd'], { env })
  }
  if (result.code !== 0 || !existsSync(dovecotBinary) || !existsSync(imapBinary)) {
    throw new Error(`could not install dovecot-imapd:\n${result.stdout}\n${result.stderr}`)
  }
}

/** Uid/gid that the mail processes run as: the package's `dovecot` user when present. */
function mailUser(): MailUser {
  for (const name of ['dovecot', 'nobody']) {
    const uid = run(['id', '-u', name])
    const gid = run(['id', '-g', name])
    if (uid.code === 0 && gid.code === 0) {
      return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
    }
  }
  throw new Error('no unprivileged user for Dovecot mail processes')
}

/** The user Dovecot's processes run as. */
export interface MailUser {
  name: string
  uid: number
  gid: number
}

/**
 * A throw-away Dovecot config: one service (`protocol`) on 127.0.0.1:port without TLS, plain
 * passwords from `<dir>/passwd`, everything else under `dir`. `settings` is added at the top level
 * and `loginService` inside the login service's block.
 */
export function dovecotConfig(o: {
  writtenBy: string
  dir: string
  port: number
  owner: MailUser
  protocol: 'imap' | 'pop3'
  mailLocation?: string
  settings?: string
  loginService?: string
}): string {
  const { dir, owner, protocol } = o
  return `# throw-away config written by ${o.writtenBy}
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
info_log_path = ${dir}/dovecot.log
protocols = ${protocol}
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_internal_user = ${owner.name}
default_internal_group = ${owner.name}
default_login_user = ${owner.name}
first_valid_uid = 1
first_valid_gid = 1
mail_location = ${o.mailLocation ?? `maildir:${dir}/Maildir`}
mail_uid = ${owner.uid}
mail_gid = ${owner.gid}
${o.settings ?? ''}
service ${protocol}-login {
  inet_listener ${protocol} {
    address = 127.0.0.1
    port = ${o.port}
  }
  inet_listener ${protocol}s {
    port = 0
  }
  chroot =
${o.loginService ?? ''}
}
service anvil {
  chroot =
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${owner.uid} gid=${owner.gid} home=${dir}/home
}
`
}

/**
 * Starts Dovecot on 127.0.0.1 with a fresh temp dir. `fill` runs before the server starts, with
 * the Maildir path, so a test can drop messages into `cur/`; ownership is fixed up afterwards.
 */
export async function startDovecot(fill?: (maildir: string) => void | Promise<void>): Promise<Dovecot> {
  ensureDovecotInstalled()
  const dir = mkdtempSync(join(tmpdir(), 'postern-dovecot-'))
  chmodSync(dir, 0o755) // the auth and mail processes run unprivileged and must reach their files
  const owner = mailUser()
  const maildir = join(dir, 'Maildir')
  for (const sub of ['run', 'state', 'home', 'Maildir/cur', 'Maildir/new', 'Maildir/tmp']) {
    mkdirSync(join(dir, sub), { recursive: true })
  }
  const user = 'tester'
  const password = 'secret-password'
  writeFileSync(join(dir, 'passwd'), `${user}:${password}::::::\n`)
  const [port] = await freePorts(1)
  if (port === undefined) throw new Error('no free port')
  const configFile = join(dir, 'dovecot.conf')
  const settings = 'protocol imap {\n  mail_max_userip_connections = 50\n}'
  writeFileSync(
    configFile,
    dovecotConfig({ writtenBy: 'tests/helpers/dovecot.ts', dir, port, owner, protocol: 'imap', settings }),
  )
  if (fill) await fill(maildir)
  for (const sub of ['Maildir', 'home', 'state']) {
    run(['chown', '-R', `${owner.uid}:${owner.gid}`, join(dir, sub)])
  }
  const proc = Bun.spawn([dovecotBinary, '-F', '-c', configFile], { stdout: 'pipe', stderr: 'pipe' })
  const logFile = join(dir, 'dovecot.log')
  try {
    await waitForPort(port, 15_000, 50)
  } catch (e) {
    proc.kill()
    const log = existsSync(logFile) ? await Bun.file(logFile).text() : ''
    const err = await new Response(proc.stderr).text()
    throw new Error(`${(e as Error).message}\n${err}\n${log}`)
  }
  return {
    port,
    user,
    password,
    maildir,
    dir,
    logFile,
    async stop() {
      proc.kill('SIGTERM')
      await proc.exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Reads one IMAP value starting at `i` (atom, number, quoted, literal or list); returns its end. */
function skipValue(buf: Buffer, i: number): number {
  const c = buf[i]
  if (c === 0x22) {
    // quoted string
    for (let j = i + 1; j < buf.length; j++) {
      if (buf[j] === 0x5c) j++
      else if (buf[j] === 0x22) return j + 1
    }
    throw new Error('unterminated quoted string')
  }
  if (c === 0x7b) {
    const close = buf.indexOf(0x7d, i)
    const n = Number(buf.toString('latin1', i + 1, close).replace('+', ''))
    return close + 3 + n // "}\r\n" then n bytes
  }
  if (c === 0x28) {
    let j = i + 1
    for (;;) {
      while (buf[j] === 0x20) j++
      if (buf[j] === 0x29) return j + 1
      j = skipValue(buf, j)
    }
  }
  let j = i
  while (j < buf.length && ![0x20, 0x29, 0x0d].includes(buf[j] as number)) {
    // an atom may carry a section like BODY[HEADER.FIELDS (A B)]
    if (buf[j] === 0x5b) j = buf.indexOf(0x5d, j)
    j++
  }
  return j
}

/** Splits a FETCH response's item list `(NAME value NAME value ...)` into a map name → raw value. */
function fetchItems(buf: Buffer, open: number): { items: Map<string, string>; end: number } {
  const items = new Map<string, string>()
  let i = open + 1
  for (;;) {
    while (buf[i] === 0x20) i++
    if (buf[i] === 0x29) return { items, end: i + 1 }
    const nameEnd = skipValue(buf, i)
    const name = buf.toString('latin1', i, nameEnd)
    const valueEnd = skipValue(buf, nameEnd + 1)
    items.set(name, buf.toString('latin1', nameEnd + 1, valueEnd))
    i = valueEnd
  }
}

/**
 * Logs in, selects INBOX and runs `UID FETCH 1:* (<items>)`. Returns, per UID, each item's value
 * exactly as Dovecot sent it, as a byte string (latin1: one char per byte).
 */
export async function fetchAll(d: Dovecot, items: string): Promise<Map<number, Map<string, string>>> {
  const chunks: Buffer[] = []
  const tagged = /\r\nf (OK|NO|BAD)[^\r]*\r\n$/
  const socket = net.connect(d.port, '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    let step = 0
    let tail = ''
    socket.on('error', reject)
    socket.on('data', (data: Buffer) => {
      if (step === 3) {
        chunks.push(data)
        tail = (tail + data.toString('latin1')).slice(-200)
        if (tagged.test(tail)) resolve()
        return
      }
      tail += data.toString('latin1')
      if (step === 0 && tail.includes('\r\n')) {
        socket.write(`l LOGIN ${d.user} ${d.password}\r\n`)
        step = 1
        tail = ''
      } else if (step === 1 && /\r\nl OK|^l OK/.test(tail)) {
        socket.write('s SELECT INBOX\r\n')
        step = 2
        tail = ''
      } else if (step === 2 && /(^|\r\n)s OK/.test(tail)) {
        socket.write(`f UID FETCH 1:* (${items})\r\n`)
        step = 3
        tail = ''
      } else if (/(^|\r\n)[ls] (NO|BAD)/.test(tail)) reject(new Error(tail))
    })
  })
  socket.end()
  const buf = Buffer.concat(chunks)
  const out = new Map<number, Map<string, string>>()
  let i = 0
  while (i < buf.length) {
    if (buf[i] === 0x2a && buf.toString('latin1', i, i + 40).match(/^\* \d+ FETCH \(/)) {
      const open = buf.indexOf(0x28, i)
      const { items: got, end } = fetchItems(buf, open)
      out.set(Number(got.get('UID')), got)
      i = buf.indexOf(0x0a, end) + 1
    } else {
      const nl = buf.indexOf(0x0a, i)
      i = nl < 0 ? buf.length : nl + 1
    }
  }
  return out
}

/**
 * Writes messages into `<maildir>/cur` so that Dovecot gives message i the UID i + 1: new maildir
 * files get UIDs in the order of the timestamp that starts their names.
 */
export function fillMaildir(maildir: string, messages: Uint8Array[]): void {
  messages.forEach((raw, i) => {
    writeFileSync(join(maildir, 'cur', `${1_000_000_000 + i}.P${i}.postern:2,S`), raw)
  })
}

/**
 * The FETCH items that tests compare, in the order that makes Dovecot's answers stable: RFC822.SIZE
 * first makes Dovecot parse the message before it writes BODY and BODYSTRUCTURE, so a plain 7-bit
 * message comes out in the canonical form that Dovecot serves on every later fetch.
 */
export const COMPARED_ITEMS = ['RFC822.SIZE', 'ENVELOPE', 'BODYSTRUCTURE', 'BODY'] as const
