// Inbound SMTP throughput benchmark: `bun bench/smtp-inbound.ts [messages] [--cpu-prof DIR]`
// (Linux: reads /proc; see bench/README.md). One small SMTP client (node:net, one command at a
// time) sends 10 KB messages to user@bench.test over 8 concurrent connections, each connection
// sending its share back to back (MAIL, RCPT, DATA per message on the same connection), to
// Postern (`bun src/main.ts serve`, fresh temp data dir, MX and HTTP listeners on free loopback
// ports) and to Postfix delivering to Dovecot over LMTP (throw-away configs in
// ./reference/smtp-*; needs root and `apt-get install postfix dovecot-lmtpd`), in rounds that
// alternate between the two. A round ends when every acknowledged message is found in the
// mailbox: Postern's SQLite file (opened read-only) or Dovecot's Maildir. Prints messages/s
// acknowledged and stored, latency, CPU and memory for both, and whether Postern meets its
// targets (stored messages/s ≥ the reference's, RSS < 150 MB throughout). Exit 0 whether or not
// the targets are met; non-zero if a server fails to start or a message answered 250 is not
// found stored. `--cpu-prof DIR` runs Postern under `bun --cpu-prof --cpu-prof-md`.
import { Database } from 'bun:sqlite'
import * as dgram from 'node:dgram'
import * as fs from 'node:fs'
import * as net from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { zstdDecompressSync } from 'node:zlib'
import { serviceNames } from '../src/config/config.ts'
import {
  alive,
  freePort,
  listening,
  read,
  render,
  run,
  sampleRss,
  stopTree,
  tail,
  treeCpuSeconds,
  waitFor,
  which,
} from './lib/proc.ts'

const CONNECTIONS = 8
const MESSAGE_BYTES = 10 * 1024
const DEFAULT_MESSAGES = 4000
/** Sent (and delivered) before the timed run, so that neither server is measured cold. */
const WARMUP_PER_CONNECTION = 10
/** Timed rounds per server, alternating between the servers. */
const ROUNDS = 2
const RSS_TARGET_MB = 150
const SAMPLE_MS = 100
/** No reply within this long fails the connection (and so bounds the run). */
const REPLY_TIMEOUT_MS = 30_000
/** Acknowledged messages must all be found stored within this long after the last 250. */
const DELIVERY_TIMEOUT_MS = 180_000
const ADMIN_PASSWORD = 'bench-admin-password-1'
const DOMAIN = 'bench.test'
const USER = `user@${DOMAIN}`
const USER_PASSWORD = 'bench-user-password-1'
const SENDER = 'bench@client.test'
const repoRoot = resolve(import.meta.dir, '..')

/** Undo steps (stop a server, remove the temp dir), run last-first by cleanup(); synchronous. */
const cleanups: Array<() => void> = []
const cleanup = () => {
  for (const step of cleanups.splice(0).reverse()) step()
}

// ---------------------------------------------------------------------------------------------
// The messages: a 10 KB text/plain message, body generated once; each message gets its own
// Message-ID (fixed width, so every message has exactly MESSAGE_BYTES bytes).

const runId = Date.now().toString(36)
const date = new Date().toUTCString().replace('GMT', '+0000')
const header = (conn: number, seq: number) =>
  'From: Bench Client <bench@client.test>\r\n' +
  `To: <${USER}>\r\n` +
  `Subject: Postern inbound SMTP benchmark, message ${conn}.${String(seq).padStart(6, '0')}\r\n` +
  `Date: ${date}\r\n` +
  `Message-ID: <${runId}.${conn}.${String(seq).padStart(6, '0')}@client.test>\r\n` +
  'MIME-Version: 1.0\r\n' +
  'Content-Type: text/plain; charset=us-ascii\r\n' +
  '\r\n'

/** Text-like lines (words from a fixed list, a seeded generator): compresses as prose does. */
function makeBody(bytes: number): Buffer {
  const words = 'the mail server stores every message once and answers only after the commit so that'
    .concat(' nothing acknowledged is lost when power fails while clients keep sending more of it')
    .split(' ')
  let seed = 42
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed
  }
  const line = (length: number) => {
    let text = ''
    while (text.length < length) text += `${text ? ' ' : ''}${words[next() % words.length]}`
    return `${text.slice(0, length - 1)}x\r\n` // never ends in a space, never starts with a dot
  }
  const lines: string[] = []
  let left = bytes
  while (left > 160) {
    lines.push(line(60 + (next() % 16)))
    left -= (lines.at(-1) as string).length
  }
  const half = Math.floor(left / 2) // the last two lines take exactly what is left
  lines.push(line(half - 2), line(left - half - 2))
  return Buffer.from(lines.join(''), 'latin1')
}
const body = makeBody(MESSAGE_BYTES - header(0, 0).length)
if (header(0, 0).length + body.length !== MESSAGE_BYTES) throw new Error('message size is off')
const END_OF_DATA = Buffer.from('.\r\n', 'latin1')

// ---------------------------------------------------------------------------------------------
// The client: one command, one reply, on each of CONNECTIONS connections.

type Reply = { code: number; text: string }

class SmtpConnection {
  private socket: net.Socket
  private partial = ''
  private lines: string[] = []
  private waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined
  private replies: Reply[] = []
  private failure: Error | undefined

  constructor(port: number) {
    this.socket = net.connect({ host: '127.0.0.1', port, noDelay: true })
    this.socket.setTimeout(REPLY_TIMEOUT_MS, () => this.fail(new Error('no reply in time')))
    this.socket.on('error', (err) => this.fail(err))
    this.socket.on('close', () => this.fail(new Error('connection closed')))
    this.socket.on('data', (data: Buffer) => this.onData(data.toString('latin1')))
  }

  private onData(chunk: string) {
    const text = this.partial + chunk
    const parts = text.split('\r\n')
    this.partial = parts.pop() ?? ''
    for (const line of parts) {
      this.lines.push(line)
      if (line.length > 3 && line[3] === '-') continue // multi-line reply goes on
      const reply = { code: Number(line.slice(0, 3)), text: this.lines.join('\n') }
      this.lines = []
      const w = this.waiting
      this.waiting = undefined
      if (w) w.resolve(reply)
      else this.replies.push(reply)
    }
  }

  private fail(err: Error) {
    this.failure ??= err
    const w = this.waiting
    this.waiting = undefined
    w?.reject(err)
  }

  /** The next reply. */
  reply(): Promise<Reply> {
    const queued = this.replies.shift()
    if (queued) return Promise.resolve(queued)
    if (this.failure) return Promise.reject(this.failure)
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject }
    })
  }

  command(line: string): Promise<Reply> {
    this.socket.write(`${line}\r\n`)
    return this.reply()
  }

  /** Message bytes (already dot-safe, ending CRLF) then the end-of-data line, in one write. */
  data(head: string, rest: Buffer): Promise<Reply> {
    this.socket.cork()
    this.socket.write(head, 'latin1')
    this.socket.write(rest)
    this.socket.write(END_OF_DATA)
    this.socket.uncork()
    return this.reply()
  }

  async close() {
    if (!this.failure) await this.command('QUIT').catch(() => undefined)
    this.socket.destroy()
  }
}

async function expect(what: string, reply: Promise<Reply>, code: number): Promise<Reply> {
  const r = await reply
  if (r.code !== code) throw new Error(`${what}: ${r.text}`)
  return r
}

interface LoadResult {
  sent: number
  acknowledged: number
  /** Replies other than 250 at the end of DATA (or refusals earlier), with the first few texts. */
  refused: number
  refusals: string[]
  errors: string[]
  /** performance.now() at the first MAIL (after every connection's greeting and EHLO). */
  startedAt: number
  /** From the first MAIL to the last 250, ms. */
  ackMs: number
  /** Per message, MAIL to 250, ms. */
  latencies: number[]
}

/**
 * Opens CONNECTIONS connections (greeting and EHLO on each), then, from one start time, sends
 * `perConnection` messages on each, back to back; `seqBase` keeps Message-IDs unique across runs.
 */
async function sendLoad(port: number, perConnection: number, seqBase: number): Promise<LoadResult> {
  const result: LoadResult = {
    sent: 0,
    acknowledged: 0,
    refused: 0,
    refusals: [],
    errors: [],
    startedAt: 0,
    ackMs: 0,
    latencies: [],
  }
  const conns = await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      const c = new SmtpConnection(port)
      await expect('greeting', c.reply(), 220)
      await expect('EHLO', c.command('EHLO client.bench.test'), 250)
      return c
    }),
  )
  const refuse = (text: string) => {
    result.refused++
    if (result.refusals.length < 5) result.refusals.push(text)
  }
  const start = performance.now()
  result.startedAt = start
  let lastAck = start
  await Promise.all(
    conns.map(async (c, conn) => {
      try {
        for (let i = 0; i < perConnection; i++) {
          const seq = seqBase + i
          const t0 = performance.now()
          result.sent++
          const mail = await c.command(`MAIL FROM:<${SENDER}> SIZE=${MESSAGE_BYTES}`)
          if (mail.code !== 250) {
            refuse(mail.text)
            await c.command('RSET')
            continue
          }
          const rcpt = await c.command(`RCPT TO:<${USER}>`)
          if (rcpt.code !== 250) {
            refuse(rcpt.text)
            await c.command('RSET')
            continue
          }
          await expect('DATA', c.command('DATA'), 354)
          const done = await c.data(header(conn, seq), body)
          const t1 = performance.now()
          if (done.code === 250) {
            result.acknowledged++
            result.latencies.push(t1 - t0)
            lastAck = Math.max(lastAck, t1)
          } else refuse(done.text)
        }
      } catch (err) {
        result.errors.push(`connection ${conn}: ${(err as Error).message}`)
      }
    }),
  )
  result.ackMs = lastAck - start
  await Promise.all(conns.map((c) => c.close()))
  return result
}

// ---------------------------------------------------------------------------------------------
// DNS on loopback for Postern's SPF/DKIM/DMARC checks (no query leaves the machine): the sender
// domain publishes SPF for 127.0.0.1 and a DMARC p=none policy, so messages pass as ordinary
// mail from a legitimate domain does; any other name is NXDOMAIN (RFC 1035 wire format).

const DNS_RECORDS: Record<string, string> = {
  'client.test': 'v=spf1 ip4:127.0.0.1 -all',
  '_dmarc.client.test': 'v=DMARC1; p=none',
}
const TXT = 16

/** Starts the responder on a free loopback port; counts the questions it answers. */
async function startDns(): Promise<{ port: number; queries: () => number }> {
  const socket = dgram.createSocket('udp4')
  let queries = 0
  socket.on('message', (query: Buffer, peer) => {
    if (query.length < 17) return
    let end = 12 // the question: labels, then QTYPE and QCLASS
    const labels: string[] = []
    while (end < query.length && query[end] !== 0) {
      labels.push(query.toString('latin1', end + 1, end + 1 + (query[end] as number)))
      end += 1 + (query[end] as number)
    }
    end += 5
    if (end > query.length) return
    queries++
    const type = query.readUInt16BE(end - 4)
    const name = labels.join('.').toLowerCase()
    const text = type === TXT ? DNS_RECORDS[name] : undefined
    const rcode = name in DNS_RECORDS ? 0 : 3 // a known name without that type: NODATA, else NXDOMAIN
    const head = Buffer.alloc(12)
    query.copy(head, 0, 0, 2) // ID
    const rd = (query[2] as number) & 0x01
    head.writeUInt16BE(0x8000 | 0x0400 | (rd << 8) | 0x0080 | rcode, 2) // QR AA RD RA RCODE
    head.writeUInt16BE(1, 4) // QDCOUNT
    head.writeUInt16BE(text === undefined ? 0 : 1, 6) // ANCOUNT
    const parts = [head, query.subarray(12, end)]
    if (text !== undefined) {
      const data = Buffer.from(text, 'latin1')
      const rr = Buffer.alloc(12)
      rr.writeUInt16BE(0xc00c, 0) // the name: a pointer to the question's
      rr.writeUInt16BE(TXT, 2)
      rr.writeUInt16BE(1, 4) // IN
      rr.writeUInt32BE(300, 6) // TTL
      rr.writeUInt16BE(data.length + 1, 10)
      parts.push(rr, Buffer.from([data.length]), data)
    }
    socket.send(Buffer.concat(parts), peer.port, peer.address)
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  cleanups.push(() => socket.close())
  return { port: socket.address().port, queries: () => queries }
}

// ---------------------------------------------------------------------------------------------
// The servers. Each returns its SMTP port, the pids whose trees are measured, and a way to count
// the messages stored in user@bench.test's mailbox.

interface Target {
  name: string
  port: number
  pids: () => number[]
  /** Messages in the user's mailbox now. */
  stored: () => number
  /** A second, independent look at the end (or undefined when the count is the only check). */
  finalCheck: () => string | undefined
  log: string
}

async function startPostern(tmp: string, dnsPort: number, cpuProfDir: string | undefined): Promise<Target> {
  const log = join(tmp, 'postern.log')
  const dataDir = join(tmp, 'postern-data')
  const env: Record<string, string | undefined> = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('POSTERN_')),
  )
  env.POSTERN_DATA_DIR = dataDir
  env.POSTERN_HOSTNAME = 'mail.bench.test'
  env.POSTERN_ADMIN_PASSWORD = ADMIN_PASSWORD
  env.POSTERN_SMTP_MESSAGES_PER_MINUTE_PER_IP = '1000000'
  env.POSTERN_LIMITS_MAX_CONNECTIONS_PER_IP = '100'
  env.POSTERN_DNS_SERVERS = `127.0.0.1:${dnsPort}`
  for (const name of serviceNames) env[`POSTERN_LISTEN_${name.toUpperCase()}`] = 'off'
  const port = freePort()
  env.POSTERN_LISTEN_SMTP = `127.0.0.1:${port}`
  env.POSTERN_LISTEN_HTTP = `127.0.0.1:${freePort()}`
  // The domain and the account, with the CLI as an admin would, before the server starts.
  for (const args of [
    ['domain', 'add', DOMAIN],
    ['account', 'add', USER, '--password', USER_PASSWORD],
  ]) {
    const r = run([process.execPath, 'src/main.ts', ...args], { cwd: repoRoot, env })
    if (!r.success) throw new Error(`postern ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`)
  }
  const profile = cpuProfDir ? ['--cpu-prof', '--cpu-prof-md', `--cpu-prof-dir=${cpuProfDir}`] : []
  const out = Bun.file(log)
  const child = Bun.spawn([process.execPath, ...profile, 'src/main.ts', 'serve'], {
    cwd: repoRoot,
    env,
    stdout: out,
    stderr: out,
  })
  cleanups.push(() => stopTree(child.pid))
  const base = `http://${env.POSTERN_LISTEN_HTTP}`
  await waitFor('postern /healthz', log, async () => {
    if (!alive(child.pid)) throw new Error(`postern exited during start-up; its log:\n${tail(log)}`)
    return (await fetch(`${base}/healthz`).catch(() => undefined))?.status === 200
  })
  await waitFor('postern smtp', log, () => listening(port))
  // The server's own file, read-only, as a second process would: WAL lets it read while the
  // server writes.
  const db = new Database(join(dataDir, 'postern.sqlite'), { readonly: true })
  cleanups.push(() => db.close())
  const account = db.query('SELECT id FROM accounts WHERE email = ?').get(USER) as { id: number } | null
  if (!account) throw new Error(`postern: account ${USER} not found in the database`)
  const count = db.query(
    'SELECT count(*) AS n, count(DISTINCT message_id) AS ids FROM emails WHERE account_id = ?',
  )
  const counts = () => count.get(account.id) as { n: number; ids: number }
  const last = db.query(
    'SELECT b.data, b.encoding FROM emails e JOIN blobs b ON b.id = e.blob_id WHERE e.account_id = ? ORDER BY e.id DESC LIMIT 1',
  )
  /** What the last stored message's Authentication-Results says (spf=…, dmarc=…). */
  const authResults = () => {
    const row = last.get(account.id) as { data: Uint8Array; encoding: number } | null
    if (!row) return 'none stored'
    const raw = row.encoding === 1 ? zstdDecompressSync(row.data) : Buffer.from(row.data)
    const head = raw.toString('latin1', 0, raw.indexOf('\r\n\r\n'))
    const field = /^Authentication-Results:.*(?:\r\n[ \t].*)*/im.exec(head)?.[0] ?? ''
    const results = [...field.matchAll(/(?:^|;)\s*((?:spf|dkim|dmarc|arc)=\w+)/g)].map((m) => m[1])
    return results.length > 0 ? results.join(' ') : 'no Authentication-Results'
  }
  return {
    name: 'postern',
    port,
    pids: () => [child.pid],
    stored: () => counts().n,
    finalCheck: () => `${counts().ids} distinct Message-IDs; last one's checks: ${authResults()}`,
    log,
  }
}

/** The unprivileged user that owns Dovecot's mail (as tests/helpers/dovecot.ts chooses it). */
function mailOwner(): { uid: number; gid: number } {
  for (const name of ['dovecot', 'nobody']) {
    const [uid, gid] = [run(['id', '-u', name]), run(['id', '-g', name])]
    if (uid.success && gid.success) return { uid: Number(`${uid.stdout}`), gid: Number(`${gid.stdout}`) }
  }
  throw new Error('no unprivileged user for Dovecot mail')
}

async function startReference(dir: string): Promise<Target> {
  const [dovecotBin, postfixBin, doveadm] = [which('dovecot'), which('postfix'), which('doveadm')]
  if (!dovecotBin || !postfixBin || !doveadm || !fs.existsSync('/usr/lib/dovecot/lmtp'))
    throw new Error('not installed; to compare: apt-get install postfix dovecot-lmtpd')
  // Dovecot: LMTP only, delivering to <dir>/dovecot/mail/user@bench.test/Maildir.
  const dv = join(dir, 'dovecot')
  const owner = mailOwner()
  const maildir = join(dv, 'mail', USER, 'Maildir')
  const dirs = [join(dv, 'run'), join(dv, 'state'), ...['new', 'cur', 'tmp'].map((d) => join(maildir, d))]
  for (const d of dirs) fs.mkdirSync(d, { recursive: true })
  run(['chown', '-R', `${owner.uid}:${owner.gid}`, join(dv, 'mail')])
  fs.writeFileSync(join(dv, 'users'), `${USER}:{PLAIN}${USER_PASSWORD}::::::\n`)
  const lmtpPort = freePort()
  const dovecotConf = join(dv, 'dovecot.conf')
  render('smtp-dovecot.conf', dovecotConf, { DIR: dv, PORT: lmtpPort, UID: owner.uid, GID: owner.gid })
  const dvOut = Bun.file(join(dv, 'stderr.log'))
  const dovecot = Bun.spawn([dovecotBin, '-F', '-c', dovecotConf], { stdout: dvOut, stderr: dvOut })
  cleanups.push(() => stopTree(dovecot.pid))
  await waitFor('dovecot lmtp', join(dv, 'dovecot.log'), () => {
    if (alive(dovecot.pid)) return listening(lmtpPort)
    throw new Error(`dovecot exited:\n${tail(join(dv, 'stderr.log'))}\n${tail(join(dv, 'dovecot.log'))}`)
  })

  // Postfix: smtpd on a free port, virtual_transport = lmtp:inet:127.0.0.1:<lmtpPort>.
  const pf = join(dir, 'postfix')
  const conf = join(pf, 'conf')
  for (const sub of [conf, join(pf, 'queue'), join(pf, 'data')]) fs.mkdirSync(sub, { recursive: true })
  run(['chown', 'postfix', join(pf, 'data')])
  const port = freePort()
  render('smtp-postfix-main.cf', join(conf, 'main.cf'), { DIR: pf, LMTP_PORT: lmtpPort })
  render('smtp-postfix-master.cf', join(conf, 'master.cf'), { PORT: port })
  // `postfix start` daemonizes (the master is not our child) and writes its pid here.
  const masterPid = () => Number(read(join(pf, 'queue/pid/master.pid')).trim())
  cleanups.push(() => masterPid() > 0 && stopTree(masterPid()))
  const check = run([postfixBin, '-c', conf, 'check'])
  if (!check.success) throw new Error(`postfix check failed:\n${check.stderr}`)
  const started = run([postfixBin, '-c', conf, 'start'])
  if (!started.success)
    throw new Error(`postfix start failed:\n${started.stderr}${tail(join(pf, 'maillog'))}`)
  await waitFor('postfix smtpd', join(pf, 'maillog'), () => listening(port))

  const count = (sub: string) => fs.readdirSync(join(maildir, sub)).length
  const versions = [
    `postfix ${run(['postconf', '-dh', 'mail_version']).stdout.toString().trim()}`,
    `dovecot ${run([dovecotBin, '--version']).stdout.toString().trim().split(' ')[0]}`,
  ]
  return {
    name: versions.join(' + '),
    port,
    pids: () => [masterPid(), dovecot.pid],
    stored: () => count('new') + count('cur'),
    finalCheck: () => {
      const r = run([doveadm, '-c', dovecotConf, 'mailbox', 'status', '-u', USER, 'messages', 'INBOX'])
      return r.success
        ? `doveadm mailbox status: ${r.stdout.toString().trim()}`
        : `doveadm failed: ${r.stderr}`
    },
    log: join(pf, 'maillog'),
  }
}

// ---------------------------------------------------------------------------------------------
// Measurement: a warm-up per server, then ROUNDS timed rounds, alternating between the servers so
// that a change in background load weighs on both; each round ends when everything acknowledged
// is found stored.

interface Tally {
  name: string
  sent: number
  acknowledged: number
  refused: number
  refusals: string[]
  errors: string[]
  /** Summed over the rounds: first MAIL to last 250, and first MAIL to all found stored. */
  ackMs: number
  deliveredMs: number
  /** Stored messages per second, each round. */
  roundRates: number[]
  latencies: number[]
  /** Acknowledged during the warm-up (also in the mailbox). */
  warm: number
  /** Found stored after the last round, warm-up excluded. */
  stored: number
  check: string | undefined
  cpuSeconds: number
  clientCpuSeconds: number
  rss: ReturnType<typeof sampleRss>
  /** MB: before the first message, the largest sample, the last one. */
  rssFirst: number
  rssMax: number
  rssLast: number
  /** Every round's messages were found stored in time. */
  delivered: boolean
}

/** Polls `stored()` until it reaches `want`; the time (performance.now()) it did, or undefined. */
async function waitStored(target: Target, want: number): Promise<number | undefined> {
  const deadline = performance.now() + DELIVERY_TIMEOUT_MS
  while (performance.now() < deadline) {
    if (target.stored() >= want) return performance.now()
    await Bun.sleep(10)
  }
  return undefined
}

/** Starts sampling the target's memory and sends the warm-up messages. */
async function warmUp(target: Target, tree: boolean): Promise<Tally> {
  const rss = sampleRss(target.pids, { tree, everyMs: SAMPLE_MS })
  const warm = await sendLoad(target.port, WARMUP_PER_CONNECTION, 0)
  if (warm.errors.length > 0 || warm.acknowledged !== warm.sent)
    throw new Error(`${target.name}: warm-up failed: ${[...warm.errors, ...warm.refusals].join('; ')}`)
  if ((await waitStored(target, warm.acknowledged)) === undefined)
    throw new Error(`${target.name}: warm-up: ${warm.acknowledged} acknowledged, ${target.stored()} stored`)
  return {
    name: target.name,
    sent: 0,
    acknowledged: 0,
    refused: 0,
    refusals: [],
    errors: [],
    ackMs: 0,
    deliveredMs: 0,
    roundRates: [],
    latencies: [],
    warm: warm.acknowledged,
    stored: 0,
    check: undefined,
    cpuSeconds: 0,
    clientCpuSeconds: 0,
    rss,
    rssFirst: 0,
    rssMax: 0,
    rssLast: 0,
    delivered: true,
  }
}

async function timedRound(target: Target, t: Tally, perConnection: number, seqBase: number) {
  const cpu0 = treeCpuSeconds(target.pids())
  const client0 = process.cpuUsage()
  const load = await sendLoad(target.port, perConnection, seqBase)
  const deliveredAt = await waitStored(target, t.warm + t.acknowledged + load.acknowledged)
  t.cpuSeconds += treeCpuSeconds(target.pids()) - cpu0
  const client = process.cpuUsage(client0)
  t.clientCpuSeconds += (client.user + client.system) / 1e6
  t.sent += load.sent
  t.acknowledged += load.acknowledged
  t.refused += load.refused
  t.refusals.push(...load.refusals.slice(0, 5 - t.refusals.length))
  t.errors.push(...load.errors)
  t.ackMs += load.ackMs
  t.latencies.push(...load.latencies)
  if (deliveredAt === undefined) t.delivered = false
  const ms = deliveredAt === undefined ? Number.NaN : deliveredAt - load.startedAt
  t.deliveredMs += ms
  t.roundRates.push(rate(load.acknowledged, ms))
}

/** Counts what is stored, runs the target's own check and stops sampling its memory. */
function finish(target: Target, t: Tally): void {
  t.stored = target.stored() - t.warm
  t.check = target.finalCheck()
  const { first, max, last } = t.rss.stop()
  t.rssFirst = first
  t.rssMax = max
  t.rssLast = last
}

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN
}
const rate = (n: number, ms: number) => (ms > 0 ? (n * 1000) / ms : Number.NaN)
const row = (name: string, ...cells: string[]) =>
  console.log(name.padEnd(24) + cells.map((c) => c.padStart(13)).join(''))

function parseArgs(argv: string[]): { messages: number; cpuProfDir: string | undefined } {
  let messages = DEFAULT_MESSAGES
  let cpuProfDir: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--cpu-prof') cpuProfDir = resolve(argv[++i] ?? '.')
    else if (/^\d+$/.test(arg) && Number(arg) >= CONNECTIONS * ROUNDS && Number(arg) <= 1_000_000)
      messages = Number(arg)
    else
      throw new Error(
        `usage: bun bench/smtp-inbound.ts [messages (${CONNECTIONS * ROUNDS}..1000000)] [--cpu-prof DIR]`,
      )
  }
  return { messages, cpuProfDir }
}

async function main(): Promise<void> {
  const { messages, cpuProfDir } = parseArgs(process.argv.slice(2))
  const perRound = Math.floor(messages / CONNECTIONS / ROUNDS) // per connection
  const total = perRound * CONNECTIONS * ROUNDS
  const tmp = fs.mkdtempSync(join(tmpdir(), 'postern-bench-'))
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }))
  fs.chmodSync(tmp, 0o755) // Dovecot and Postfix drop privileges and must reach their dirs inside
  console.log(
    `${total} messages of ${MESSAGE_BYTES} bytes to ${USER} per server, over ${CONNECTIONS} ` +
      `connections (each sends its messages back to back, one command at a time), in ${ROUNDS} ` +
      `rounds alternating between the servers, after a warm-up of ${WARMUP_PER_CONNECTION * CONNECTIONS}; ` +
      `${navigator.hardwareConcurrency} CPUs, load average ${read('/proc/loadavg').split(' ')[0]}, data in ${tmpdir()}; ` +
      `postern ${run(['git', 'describe', '--always', '--dirty'], { cwd: repoRoot }).stdout.toString().trim() || 'unknown'}`,
  )

  const targets: { target: Target; tally: Tally }[] = []
  const dns = await startDns()
  const postern = await startPostern(tmp, dns.port, cpuProfDir)
  console.log(`postern: MX on 127.0.0.1:${postern.port} (pid ${postern.pids()[0]})`)
  targets.push({ target: postern, tally: await warmUp(postern, false) })
  if (process.getuid?.() !== 0) console.log('postfix + dovecot: not measured, starting them needs root')
  else {
    try {
      const reference = await startReference(join(tmp, 'reference'))
      console.log(`reference: ${reference.name}, smtpd on 127.0.0.1:${reference.port}`)
      targets.push({ target: reference, tally: await warmUp(reference, true) })
    } catch (err) {
      console.error(`error: postfix + dovecot: ${(err as Error).message}`)
      process.exitCode = 1
    }
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const { target, tally } of targets) {
      await timedRound(target, tally, perRound, WARMUP_PER_CONNECTION + r * perRound)
    }
  }
  for (const { target, tally } of targets) finish(target, tally)
  const sentToPostern = (targets[0]?.tally.warm ?? 0) + (targets[0]?.tally.acknowledged ?? 0)
  console.log(
    `postern: ${dns.queries()} DNS questions to the bench's loopback resolver ` +
      `(${(dns.queries() / sentToPostern).toFixed(1)} per message)`,
  )
  for (const line of read(postern.log).split('\n')) {
    if (/ (WARN|ERROR) /.test(line)) console.log(`postern log: ${line.slice(0, 300)}`)
  }
  if (cpuProfDir) {
    stopTree(postern.pids()[0] as number) // the profile is written as it exits
    console.log(`postern: CPU profile in ${cpuProfDir}`)
  }

  const figures = targets.map((t) => t.tally)
  console.log()
  row('server', 'acked msg/s', 'stored msg/s', 'p50 ms', 'p99 ms', 'CPU ms/msg', 'RSS max')
  for (const f of figures) {
    row(
      f === figures[0] ? 'postern' : 'postfix+dovecot',
      rate(f.acknowledged, f.ackMs).toFixed(0),
      rate(f.stored, f.deliveredMs).toFixed(0),
      percentile(f.latencies, 50).toFixed(1),
      percentile(f.latencies, 99).toFixed(1),
      ((f.cpuSeconds * 1000) / f.acknowledged).toFixed(2),
      `${f.rssMax.toFixed(1)} MB`,
    )
  }
  console.log()
  for (const f of figures) {
    console.log(
      `${f.name}: ${f.sent} sent, ${f.acknowledged} answered 250 in ${(f.ackMs / 1000).toFixed(2)} s, ` +
        `${f.stored} found stored ${(f.deliveredMs / 1000).toFixed(2)} s after the first MAIL ` +
        `(rounds: ${f.roundRates.map((x) => x.toFixed(0)).join(', ')} msg/s)` +
        `${f.check ? `; ${f.check}` : ''}; ${f.refused} refused; ` +
        `server CPU ${f.cpuSeconds.toFixed(1)} s, client CPU ${f.clientCpuSeconds.toFixed(1)} s`,
    )
    for (const text of f.refusals) console.log(`  refused: ${text}`)
    for (const text of f.errors) console.log(`  error: ${text}`)
    if (f.stored !== f.acknowledged || !f.delivered) {
      console.log(`  NOT VERIFIED: ${f.stored} stored of ${f.acknowledged} acknowledged`)
      process.exitCode = 1
    }
  }
  console.log(
    '(acked: 250 at the end of DATA; stored: found in the mailbox, the figure compared, as Postern\n' +
      ' answers 250 after its commit and Postfix once queued, before Dovecot has the message.\n' +
      " CPU: all the server's processes. RSS: VmRSS of the bun process; for the reference summed over\n" +
      ' its processes (shared pages counted in each). Sampled every 100 ms from the warm-up to the end.)',
  )

  const own = figures[0] as Tally
  const ref = figures[1]
  const ownRate = rate(own.stored, own.deliveredMs)
  const refRate = ref ? rate(ref.stored, ref.deliveredMs) : Number.NaN
  const speed = !ref
    ? `${ownRate.toFixed(1)} msg/s (no reference measured)`
    : `${ownRate.toFixed(1)} msg/s vs ${refRate.toFixed(1)} msg/s for postfix+dovecot (target ≥): ` +
      (ownRate >= refRate ? 'OK' : 'BELOW TARGET')
  console.log(`\npostern inbound SMTP, stored: ${speed}`)
  const small = own.rssMax < RSS_TARGET_MB
  console.log(
    `postern RSS max: ${own.rssMax.toFixed(1)} MB (${own.rssFirst.toFixed(1)} MB before the first message, ` +
      `${own.rssLast.toFixed(1)} MB at the end; target < ${RSS_TARGET_MB} MB): ${small ? 'OK' : 'OVER TARGET'}`,
  )
}

// Ctrl-C or kill: exit, and the 'exit' handler stops every server and removes the temp dir.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => process.exit(130))
process.on('exit', cleanup)
main().then(
  () => process.exit(),
  (err) => {
    console.error(`error: ${(err as Error).message}`)
    process.exit(1)
  },
)
