// Outbound delivery throughput benchmark: `bun bench/outbound.ts [messages per round]
// [--concurrency N] [--cpu-prof DIR]` (Linux: reads /proc; see bench/README.md). Each round
// starts a server whose queue already holds N messages (10 KB, From: sender@bench.test, one
// distinct recipient each at rcpt.test) and times how fast it hands them to a relay: a trivial
// SMTP sink in this process (node:net; PIPELINING, one reply write per read), the same sink for
// both servers, which counts each message fully received, by Message-ID, and its DKIM-Signature
// fields. Postern: a fresh data dir filled through the library in process (domain bench.test with
// its RSA-2048 and Ed25519 DKIM keys, the queue written as SMTP would), then `bun src/main.ts
// serve` with [delivery].relay pointing at the sink; it signs every message on the way out (one
// signature is verified per round). Postfix (throw-away configs ./reference/outbound-*, needs root
// and `apt-get install postfix`): a fresh instance relaying to the sink, filled over SMTP on its
// own loopback listener while the smtp transport is deferred, then released (defer_transports
// cleared, `postfix reload`, `postqueue -f`); it has no DKIM signer, so it does less work. A
// round is timed from the sink's first connection to its Nth distinct message, so neither
// server's start-up counts; both get the same connections to the relay (--concurrency, default
// Postfix's default_destination_concurrency_limit, 20). Rounds alternate between the servers.
// Exit 0 whether or not Postern meets its target (≥ 300 messages/s); non-zero if a server fails
// to start, a message is missing, or Postern sends one unsigned or with a signature that does not
// verify. `--cpu-prof DIR` runs Postern under `bun --cpu-prof --cpu-prof-md`.
import { Database } from 'bun:sqlite'
import * as dgram from 'node:dgram'
import * as fs from 'node:fs'
import * as net from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { dkimVerify } from 'mailauth/lib/dkim/verify'
import { serviceNames } from '../src/config/config.ts'
import { openDatabase } from '../src/db/client.ts'
import { migrate } from '../src/db/migrate.ts'
import { createWriter } from '../src/db/writer.ts'
import { createDirectory } from '../src/directory/index.ts'
import { createEventBus } from '../src/events/bus.ts'
import { createQueueStore } from '../src/queue/queue-store.ts'
import { prepareBlob } from '../src/store/blobs.ts'
import { createMailStore } from '../src/store/index.ts'
import {
  alive,
  freePort,
  listening,
  read,
  render,
  run,
  runOrThrow,
  sampleRss,
  statusKb,
  stopTree,
  tail,
  treeCpuSeconds,
  waitFor,
  which,
} from './lib/proc.ts'

const MESSAGE_BYTES = 10 * 1024
const DEFAULT_MESSAGES = 3000
const DEFAULT_CONCURRENCY = 20
/** Timed rounds per server, alternating between the servers. */
const ROUNDS = 2
const TARGET_PER_SECOND = 300
const SAMPLE_MS = 100
const rssSampling = { tree: true, everyMs: SAMPLE_MS }
/** Waits for a queue to fill or drain: longer and finer than the library's default. */
const settling = { timeoutMs: 60_000, pollMs: 50 }
/** A server with a full queue may take a while to stop. */
const STOP_GRACE_MS = 15_000
/** A round fails when the sink gets no new message for this long. */
const STALL_MS = 30_000
/** Connections that fill Postfix's queue over SMTP. */
const FILL_CONNECTIONS = 4
const DOMAIN = 'bench.test'
const SENDER = `sender@${DOMAIN}`
const RCPT_DOMAIN = 'rcpt.test'
const repoRoot = resolve(import.meta.dir, '..')

/** Undo steps (stop a server, remove the temp dir), run last-first by cleanup(); synchronous. */
const cleanups: Array<() => void> = []
const cleanup = () => {
  for (const step of cleanups.splice(0).reverse()) step()
}

// ---------------------------------------------------------------------------------------------
// The messages: 10 KB of text/plain from sender@bench.test, generated once; each message gets its
// own recipient and Message-ID (fixed width, so every message has exactly MESSAGE_BYTES bytes).

const runId = Date.now().toString(36)
const date = new Date().toUTCString().replace('GMT', '+0000')
const seqText = (seq: number) => String(seq).padStart(6, '0')
const recipient = (seq: number) => `r${seqText(seq)}@${RCPT_DOMAIN}`
/** `tag` names the round; the sink tells rounds apart by it. */
const header = (tag: string, seq: number) =>
  `From: Bench Sender <${SENDER}>\r\n` +
  `To: <${recipient(seq)}>\r\n` +
  `Subject: Postern outbound benchmark, message ${seqText(seq)}\r\n` +
  `Date: ${date}\r\n` +
  `Message-ID: <${tag}.${seqText(seq)}@${DOMAIN}>\r\n` +
  'MIME-Version: 1.0\r\n' +
  'Content-Type: text/plain; charset=us-ascii\r\n' +
  '\r\n'

/** Text-like lines (words from a fixed list, a seeded generator): compresses as prose does. */
function makeBody(bytes: number): Buffer {
  const words = 'the queue keeps every message until the relay has taken it and signs each one on its way'
    .concat(' out so that receivers can tell it comes from us while the runner keeps connections busy')
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
/** `server` is one letter (p, f), so that every tag, and so every message, has the same length. */
const roundTag = (server: 'p' | 'f', round: number) => `${runId}-${server}${round}`
const body = makeBody(MESSAGE_BYTES - header(roundTag('p', 0), 0).length)
const message = (tag: string, seq: number) => Buffer.concat([Buffer.from(header(tag, seq), 'latin1'), body])
if (message(roundTag('f', 1), 999_999).length !== MESSAGE_BYTES) throw new Error('message size is off')

// ---------------------------------------------------------------------------------------------
// The sink: an SMTP server that accepts everything (rfc5321 section 4.1 verbs, rfc2920
// PIPELINING: replies to the commands of one read go out in one write) and keeps only counts and
// the first message of each round.

interface Reception {
  tag: string
  want: number
  ids: Set<string>
  received: number
  /** Messages with at least one DKIM-Signature field, and the fields in all. */
  signed: number
  signatures: number
  connections: number
  /** performance.now() of the first connection and of the `want`th distinct message. */
  firstAt: number | undefined
  doneAt: number | undefined
  lastAt: number
  /** The first message, dot-stuffing undone: its signatures are verified. */
  sample: Buffer | undefined
  /** This process's CPU (the sink's, mostly) at the first connection, then seconds to the last message. */
  sinkCpuAtFirst: NodeJS.CpuUsage | undefined
  sinkCpuSeconds: number
  onFirstConnection: () => void
}

const TERMINATOR = Buffer.from('\r\n.\r\n', 'latin1')

function startSink(): Promise<{
  port: number
  expect: (tag: string, want: number) => Reception
  strays: () => number
}> {
  let current: Reception | undefined
  let strays = 0
  const record = (data: Buffer) => {
    const end = data.indexOf('\r\n\r\n')
    const head = data.toString('latin1', 0, end < 0 ? data.length : end)
    const id = /^Message-ID:\s*<([^>]*)>/im.exec(head)?.[1] ?? ''
    const r = current
    if (!r || !id.startsWith(`${r.tag}.`)) {
      strays++
      return
    }
    r.received++
    r.lastAt = performance.now()
    const signatures = head.match(/^DKIM-Signature:/gim)?.length ?? 0
    r.signatures += signatures
    if (signatures > 0) r.signed++
    r.sample ??= Buffer.from(data.toString('latin1').replaceAll('\r\n..', '\r\n.'), 'latin1')
    r.ids.add(id)
    if (r.ids.size === r.want) {
      r.doneAt = r.lastAt
      const cpu = process.cpuUsage(r.sinkCpuAtFirst)
      r.sinkCpuSeconds = (cpu.user + cpu.system) / 1e6
    }
  }
  const server = net.createServer({ noDelay: true }, (socket) => {
    const r = current
    if (r) {
      r.connections++
      if (r.firstAt === undefined) {
        r.firstAt = performance.now()
        r.sinkCpuAtFirst = process.cpuUsage()
        r.onFirstConnection()
      }
    }
    let pending: Buffer = Buffer.alloc(0)
    let inData = false
    /** Bytes of the message in `pending` already searched for the terminator. */
    let scanned = 0
    socket.on('error', () => {})
    socket.write('220 sink.bench.test ESMTP\r\n')
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk
      const out: string[] = []
      let pos = 0
      let quit = false
      while (pos < pending.length && !quit) {
        if (inData) {
          // rfc5321 section 4.1.1.4: the data ends with CRLF . CRLF (or is empty: "." first).
          const empty = pending[pos] === 0x2e && pending[pos + 1] === 0x0d && pending[pos + 2] === 0x0a
          const at = empty ? pos - 2 : pending.indexOf(TERMINATOR, pos + scanned) // at: the CRLF ending the data
          if (!empty && at < 0) {
            scanned = Math.max(0, pending.length - pos - TERMINATOR.length)
            break
          }
          record(pending.subarray(pos, at + 2))
          pos = at + TERMINATOR.length
          inData = false
          scanned = 0
          out.push('250 2.0.0 Ok: queued')
          continue
        }
        const eol = pending.indexOf('\r\n', pos)
        if (eol < 0) break
        const verb = pending.toString('latin1', pos, Math.min(eol, pos + 4)).toUpperCase()
        pos = eol + 2
        if (verb === 'EHLO')
          out.push(
            '250-sink.bench.test',
            '250-PIPELINING',
            '250-8BITMIME',
            '250-SIZE 52428800',
            '250 SMTPUTF8',
          )
        else if (verb === 'HELO') out.push('250 sink.bench.test')
        else if (verb === 'MAIL') out.push('250 2.1.0 Ok')
        else if (verb === 'RCPT') out.push('250 2.1.5 Ok')
        else if (verb === 'RSET' || verb === 'NOOP') out.push('250 2.0.0 Ok')
        else if (verb === 'DATA') {
          out.push('354 End data with <CR><LF>.<CR><LF>')
          inData = true
        } else if (verb === 'QUIT') {
          out.push('221 2.0.0 Bye')
          quit = true
        } else out.push('502 5.5.2 Not implemented')
      }
      pending = pending.subarray(pos)
      if (out.length > 0) socket.write(`${out.join('\r\n')}\r\n`)
      if (quit) socket.end()
    })
  })
  cleanups.push(() => server.close())
  return new Promise((resolveSink, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo
      resolveSink({
        port: address.port,
        strays: () => strays,
        expect(tag, want) {
          current = {
            tag,
            want,
            ids: new Set(),
            received: 0,
            signed: 0,
            signatures: 0,
            connections: 0,
            firstAt: undefined,
            doneAt: undefined,
            lastAt: performance.now(),
            sample: undefined,
            sinkCpuAtFirst: undefined,
            sinkCpuSeconds: 0,
            onFirstConnection: () => {},
          }
          return current
        },
      })
    })
  })
}

/** Waits until the sink has every message of the round; fails after STALL_MS without progress. */
async function waitReceived(r: Reception, check: () => void): Promise<void> {
  while (r.doneAt === undefined) {
    check()
    if (performance.now() - r.lastAt > STALL_MS)
      throw new Error(
        `stalled: ${r.ids.size} of ${r.want} messages received (${r.received} in all, ${r.connections} connections), none in ${STALL_MS / 1000} s`,
      )
    await Bun.sleep(20)
  }
}

// ---------------------------------------------------------------------------------------------
// DNS on loopback: Postern should ask nothing when it relays to an address; this answers
// NXDOMAIN to anything and counts, so no query leaves the machine and any shows in the output.

async function startDns(): Promise<{ port: number; queries: () => number }> {
  const socket = dgram.createSocket('udp4')
  let queries = 0
  socket.on('message', (query: Buffer, peer) => {
    let end = 12 // the question: labels, then QTYPE and QCLASS (rfc1035 section 4.1.2)
    while (end < query.length && query[end] !== 0) end += 1 + (query[end] as number)
    end += 5
    if (end > query.length) return
    queries++
    const reply = Buffer.from(query.subarray(0, end))
    const rd = (query[2] as number) & 0x01
    reply.writeUInt16BE(0x8000 | 0x0400 | (rd << 8) | 0x0080 | 3, 2) // QR AA RD RA NXDOMAIN
    reply.writeUInt32BE(0, 6) // no answer, authority or additional records
    reply.writeUInt16BE(0, 10)
    socket.send(reply, peer.port, peer.address)
  })
  await new Promise<void>((resolveBind) => socket.bind(0, '127.0.0.1', resolveBind))
  cleanups.push(() => socket.close())
  return { port: socket.address().port, queries: () => queries }
}

// ---------------------------------------------------------------------------------------------
// The servers: each round starts one with N messages queued and returns what it took to send them.

interface RoundResult {
  /** Distinct messages the sink got, and from its first connection to the last of them, ms. */
  received: number
  ms: number
  /** Server CPU seconds over the same span, and this process's (the sink's). */
  cpuSeconds: number
  sinkCpuSeconds: number
  /** MB: the largest VmRSS sample, summed over the server's processes (Postern: or its VmHWM). */
  rssMax: number
  connections: number
  signed: number
  signatures: number
  /** Server started (Postern: spawned; Postfix: `postqueue -f`) to the sink's first connection, ms. */
  startMs: number
  /** The sink's last message to the server's queue found empty, ms. */
  drainMs: number
  fillMs: number
  /** What the DKIM signatures of the round's first message verified as. */
  dkim: string
  problems: string[]
}

interface Context {
  tmp: string
  sink: Awaited<ReturnType<typeof startSink>>
  dnsPort: number
  concurrency: number
  cpuProfDir: string | undefined
}

/**
 * Postern's data dir with domain bench.test, its DKIM keys and `n` queued messages, written with
 * the library as the server and the CLI do; returns the DKIM records (to verify signatures with).
 */
async function fillPosternQueue(dataDir: string, tag: string, n: number) {
  const handle = openDatabase(join(dataDir, 'postern.sqlite'))
  try {
    migrate(handle.sqlite)
    const directory = createDirectory(handle.db)
    directory.domains.add(DOMAIN)
    await directory.dkim.ensure(DOMAIN)
    const writer = createWriter(handle.sqlite)
    const store = createMailStore({ db: handle.db, writer, bus: createEventBus() })
    const queue = createQueueStore(handle.db, store.blobs, { expireAfterMs: 86_400_000 })
    const now = Date.now()
    for (let start = 0; start < n; start += 500) {
      const jobs = []
      for (let seq = start; seq < Math.min(n, start + 500); seq++) {
        const blob = prepareBlob(message(tag, seq))
        const enqueue = () =>
          queue.enqueue({ accountId: null, mailFrom: SENDER, recipients: [recipient(seq)], blob, now })
        jobs.push(writer.write(enqueue))
      }
      await Promise.all(jobs)
    }
    return directory.dkim.records(DOMAIN)
  } finally {
    handle.close()
  }
}

/** Verifies a message's DKIM signatures against `records`: "rsa-sha256=pass ed25519-sha256=pass". */
async function verifyDkim(
  sample: Buffer | undefined,
  records: { name: string; value: string }[],
): Promise<string> {
  if (!sample) return 'no message'
  const txt = new Map(records.map((r) => [r.name.toLowerCase(), r.value]))
  const result = await dkimVerify(sample, {
    resolver: async (name: string, type: string) => {
      const value = txt.get(name.toLowerCase())
      if (type === 'TXT' && value) return [[value]]
      throw Object.assign(new Error(`${name} ${type}: not found`), { code: 'ENOTFOUND' })
    },
  })
  const rows = result.results.filter((r) => r.signingDomain)
  return rows.length === 0 ? 'unsigned' : rows.map((r) => `${r.algo}=${r.status.result}`).join(' ')
}

async function posternRound(ctx: Context, round: number, n: number): Promise<RoundResult> {
  const dir = join(ctx.tmp, `postern-${round}`)
  const dataDir = join(dir, 'data')
  fs.mkdirSync(dataDir, { recursive: true })
  const tag = roundTag('p', round)
  const fill0 = performance.now()
  const records = await fillPosternQueue(dataDir, tag, n)
  const fillMs = performance.now() - fill0

  const env: Record<string, string | undefined> = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('POSTERN_')),
  )
  env.POSTERN_DATA_DIR = dataDir
  env.POSTERN_HOSTNAME = 'mail.bench.test'
  env.POSTERN_ADMIN_PASSWORD = 'bench-admin-password-1'
  env.POSTERN_DNS_SERVERS = `127.0.0.1:${ctx.dnsPort}`
  for (const name of serviceNames) env[`POSTERN_LISTEN_${name.toUpperCase()}`] = 'off'
  // One listener, as any deployment has: the queue runner's timer alone does not keep bun alive.
  env.POSTERN_LISTEN_HTTP = `127.0.0.1:${freePort()}`
  env.POSTERN_DELIVERY_RELAY = `127.0.0.1:${ctx.sink.port}`
  env.POSTERN_DELIVERY_RELAY_TLS = 'none'
  env.POSTERN_DELIVERY_MAX_CONNECTIONS = String(Math.max(50, ctx.concurrency))
  env.POSTERN_DELIVERY_MAX_CONNECTIONS_PER_DOMAIN = String(ctx.concurrency)
  const log = join(dir, 'postern.log')
  const profile = ctx.cpuProfDir ? ['--cpu-prof', '--cpu-prof-md', `--cpu-prof-dir=${ctx.cpuProfDir}`] : []
  const reception = ctx.sink.expect(tag, n)
  const spawnedAt = performance.now()
  const out = Bun.file(log)
  const child = Bun.spawn([process.execPath, ...profile, 'src/main.ts', 'serve'], {
    cwd: repoRoot,
    env,
    stdout: out,
    stderr: out,
  })
  let running = true
  const stop = () => {
    if (running) stopTree(child.pid, STOP_GRACE_MS)
    running = false
  }
  cleanups.push(stop)
  let cpuAtFirst = 0
  reception.onFirstConnection = () => {
    cpuAtFirst = treeCpuSeconds([child.pid])
  }
  const rss = sampleRss(() => [child.pid], rssSampling)
  try {
    await waitReceived(reception, () => {
      if (!alive(child.pid)) throw new Error(`postern exited; its log:\n${tail(log)}`)
    })
    const cpuSeconds = treeCpuSeconds([child.pid]) - cpuAtFirst
    const hwm = statusKb(child.pid, 'VmHWM') / 1024
    const db = new Database(join(dataDir, 'postern.sqlite'), { readonly: true })
    const left = db.query('SELECT count(*) AS n FROM queued_messages')
    await waitFor('postern: queue empty', log, () => (left.get() as { n: number }).n === 0, settling)
    db.close()
    const drainMs = performance.now() - (reception.doneAt as number)
    const problems = read(log)
      .split('\n')
      .filter((line) => / (WARN|ERROR) |"(deferred|failed)"|\b(deferred|failed)\b.*queueId/.test(line))
      .slice(0, 5)
      .map((line) => `log: ${line.slice(0, 300)}`)
    if (reception.signed !== reception.ids.size)
      problems.push(`${reception.ids.size - reception.signed} unsigned`)
    const dkim = await verifyDkim(reception.sample, records)
    if (!/pass/.test(dkim) || /=(?!pass)/.test(dkim)) problems.push(`DKIM verification: ${dkim}`)
    return {
      received: reception.ids.size,
      ms: (reception.doneAt as number) - (reception.firstAt as number),
      cpuSeconds,
      sinkCpuSeconds: reception.sinkCpuSeconds,
      rssMax: Math.max(rss.stop().max, hwm),
      connections: reception.connections,
      signed: reception.signed,
      signatures: reception.signatures,
      startMs: (reception.firstAt as number) - spawnedAt,
      drainMs,
      fillMs,
      dkim,
      problems,
    }
  } finally {
    rss.stop()
    stop()
  }
}

/** Postfix, filled over SMTP: one command at a time, `n` messages over FILL_CONNECTIONS connections. */
async function fillOverSmtp(port: number, tag: string, n: number): Promise<void> {
  const fillOne = async (first: number) => {
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true })
    let text = ''
    let waiting: ((line: string) => void) | undefined
    const lines: string[] = []
    socket.on('data', (data: Buffer) => {
      text += data.toString('latin1')
      const parts = text.split('\r\n')
      text = parts.pop() ?? ''
      for (const line of parts) if (line[3] !== '-') lines.push(line)
      while (waiting && lines.length > 0) {
        const w = waiting
        waiting = undefined
        w(lines.shift() as string)
      }
    })
    const failed = new Promise<never>((_, reject) => {
      socket.on('error', reject)
      socket.on('close', () => reject(new Error('postfix closed the connection')))
    })
    const reply = (): Promise<string> =>
      Promise.race([
        lines.length > 0
          ? Promise.resolve(lines.shift() as string)
          : new Promise<string>((r) => (waiting = r)),
        failed,
      ])
    const expect = async (send: string | Buffer | undefined, code: string) => {
      if (send !== undefined) socket.write(send)
      const line = await reply()
      if (!line.startsWith(code)) throw new Error(`filling postfix: ${line}`)
    }
    await expect(undefined, '220')
    await expect('EHLO fill.bench.test\r\n', '250')
    for (let seq = first; seq < n; seq += FILL_CONNECTIONS) {
      await expect(`MAIL FROM:<${SENDER}>\r\n`, '250')
      await expect(`RCPT TO:<${recipient(seq)}>\r\n`, '250')
      await expect('DATA\r\n', '354')
      await expect(Buffer.concat([message(tag, seq), Buffer.from('.\r\n')]), '250')
    }
    await expect('QUIT\r\n', '221').catch(() => {})
    socket.destroy()
  }
  await Promise.all(Array.from({ length: FILL_CONNECTIONS }, (_, i) => fillOne(i)))
}

/** Files in a Postfix queue directory (hashed subdirectories included). */
function queueFiles(dir: string): number {
  if (!fs.existsSync(dir)) return 0
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length
}

async function postfixRound(ctx: Context, round: number, n: number): Promise<RoundResult> {
  const postfixBin = which('postfix')
  const [postconf, postqueue] = [which('postconf'), which('postqueue')]
  if (!postfixBin || !postconf || !postqueue)
    throw new Error('not installed; to compare: apt-get install postfix')
  const pf = join(ctx.tmp, `postfix-${round}`)
  const conf = join(pf, 'conf')
  for (const sub of [conf, join(pf, 'queue'), join(pf, 'data')]) fs.mkdirSync(sub, { recursive: true })
  run(['chown', 'postfix', join(pf, 'data')])
  const port = freePort()
  render('outbound-postfix-main.cf', join(conf, 'main.cf'), {
    DIR: pf,
    SINK_PORT: ctx.sink.port,
    CONCURRENCY: ctx.concurrency,
  })
  render('outbound-postfix-master.cf', join(conf, 'master.cf'), { PORT: port })
  const log = join(pf, 'maillog')
  // `postfix start` daemonizes (the master is not our child) and writes its pid here.
  const masterPid = () => Number(read(join(pf, 'queue/pid/master.pid')).trim())
  let running = true
  const stop = () => {
    if (running && masterPid() > 0) stopTree(masterPid(), STOP_GRACE_MS)
    running = false
  }
  cleanups.push(stop)
  runOrThrow([postfixBin, '-c', conf, 'check'])
  runOrThrow([postfixBin, '-c', conf, 'start'])
  const rss = sampleRss(() => [masterPid()], rssSampling)
  try {
    await waitFor('postfix smtpd', log, () => listening(port), settling)
    const tag = roundTag('f', round)
    const fill0 = performance.now()
    await fillOverSmtp(port, tag, n)
    // With the smtp transport deferred, qmgr moves every message to the deferred queue.
    const queue = (name: string) => queueFiles(join(pf, 'queue', name))
    await waitFor(
      'postfix: all deferred',
      log,
      () => queue('deferred') === n && queue('active') === 0,
      settling,
    )
    const fillMs = performance.now() - fill0
    const reception = ctx.sink.expect(tag, n)
    let cpuAtFirst = 0
    reception.onFirstConnection = () => {
      cpuAtFirst = treeCpuSeconds([masterPid()])
    }
    runOrThrow([postconf, '-c', conf, '-e', 'defer_transports ='])
    runOrThrow([postfixBin, '-c', conf, 'reload'])
    const flushedAt = performance.now()
    runOrThrow([postqueue, '-c', conf, '-f'])
    await waitReceived(reception, () => {
      if (!alive(masterPid())) throw new Error(`postfix exited; its log:\n${tail(log)}`)
    })
    const cpuSeconds = treeCpuSeconds([masterPid()]) - cpuAtFirst
    const empty = () => ['incoming', 'active', 'deferred', 'hold'].every((q) => queue(q) === 0)
    await waitFor('postfix: queue empty', log, empty, settling)
    const drainMs = performance.now() - (reception.doneAt as number)
    const problems = read(log)
      .split('\n')
      .filter((line) => /status=(deferred|bounced)|warning:|fatal:|panic:/.test(line))
      .filter((line) => !/deferred transport/.test(line))
      .slice(0, 5)
      .map((line) => `log: ${line.slice(0, 300)}`)
    if (reception.signed > 0) problems.push(`${reception.signed} messages carry a DKIM-Signature`)
    return {
      received: reception.ids.size,
      ms: (reception.doneAt as number) - (reception.firstAt as number),
      cpuSeconds,
      sinkCpuSeconds: reception.sinkCpuSeconds,
      rssMax: rss.stop().max,
      connections: reception.connections,
      signed: reception.signed,
      signatures: reception.signatures,
      startMs: (reception.firstAt as number) - flushedAt,
      drainMs,
      fillMs,
      dkim: 'not signed (no DKIM signer in Postfix)',
      problems,
    }
  } finally {
    rss.stop()
    stop()
  }
}

// ---------------------------------------------------------------------------------------------
// The rounds, alternating between the servers, and the report.

const rate = (n: number, ms: number) => (ms > 0 ? (n * 1000) / ms : Number.NaN)
const row = (name: string, ...cells: string[]) =>
  console.log(name.padEnd(10) + cells.map((c) => c.padStart(12)).join(''))

function parseArgs(argv: string[]) {
  let messages = DEFAULT_MESSAGES
  let concurrency = DEFAULT_CONCURRENCY
  let cpuProfDir: string | undefined
  const usage =
    'usage: bun bench/outbound.ts [messages per round (10..100000)] [--concurrency N] [--cpu-prof DIR]'
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--cpu-prof') cpuProfDir = resolve(argv[++i] ?? '.')
    else if (arg === '--concurrency' && /^\d+$/.test(argv[i + 1] ?? '')) concurrency = Number(argv[++i])
    else if (/^\d+$/.test(arg) && Number(arg) >= 10 && Number(arg) <= 100_000) messages = Number(arg)
    else throw new Error(usage)
  }
  if (concurrency < 1 || concurrency > 1000) throw new Error(usage)
  return { messages, concurrency, cpuProfDir }
}

function report(name: string, rounds: RoundResult[]): void {
  const received = rounds.reduce((s, r) => s + r.received, 0)
  const ms = rounds.reduce((s, r) => s + r.ms, 0)
  const cpu = rounds.reduce((s, r) => s + r.cpuSeconds, 0)
  const connections = rounds.reduce((s, r) => s + r.connections, 0)
  row(
    name,
    rate(received, ms).toFixed(0),
    rounds.map((r) => rate(r.received, r.ms).toFixed(0)).join('/'),
    cpu.toFixed(1),
    ((cpu * 1000) / received).toFixed(2),
    `${Math.max(...rounds.map((r) => r.rssMax)).toFixed(1)} MB`,
    (received / connections).toFixed(1),
    `${rounds.reduce((s, r) => s + r.signed, 0)}/${received}`,
  )
}

async function main(): Promise<void> {
  const { messages, concurrency, cpuProfDir } = parseArgs(process.argv.slice(2))
  const tmp = fs.mkdtempSync(join(tmpdir(), 'postern-bench-'))
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }))
  fs.chmodSync(tmp, 0o755) // Postfix drops privileges and must reach its dirs inside
  const describe = run(['git', 'describe', '--always', '--dirty'], { cwd: repoRoot }).stdout.toString().trim()
  console.log(
    `${messages} queued messages of ${MESSAGE_BYTES} bytes per round (one recipient each), relayed to a ` +
      `sink on loopback over at most ${concurrency} connections, ${ROUNDS} rounds per server alternating; ` +
      `${navigator.hardwareConcurrency} CPUs, load average ${read('/proc/loadavg').split(' ')[0]}, data in ${tmpdir()}; ` +
      `postern ${describe || 'unknown'}`,
  )
  const sink = await startSink()
  const dns = await startDns()
  const ctx: Context = { tmp, sink, dnsPort: dns.port, concurrency, cpuProfDir }
  const withReference = process.getuid?.() === 0 && which('postfix') !== null
  if (!withReference) console.log('postfix: not measured (needs root and `apt-get install postfix`)')
  const results: { postern: RoundResult[]; postfix: RoundResult[] } = { postern: [], postfix: [] }
  let failed = false
  for (let round = 0; round < ROUNDS; round++) {
    const p = await posternRound(ctx, round, messages)
    results.postern.push(p)
    console.log(
      `postern round ${round + 1}: ${p.received} in ${(p.ms / 1000).toFixed(2)} s, ${rate(p.received, p.ms).toFixed(0)} msg/s ` +
        `(queue filled in ${(p.fillMs / 1000).toFixed(1)} s; first connection ${p.startMs.toFixed(0)} ms after spawn; ` +
        `queue empty ${p.drainMs.toFixed(0)} ms after the last message; ${p.connections} connections; ` +
        `sink CPU ${p.sinkCpuSeconds.toFixed(1)} s; ` +
        `${p.signatures} DKIM-Signature fields; first message's DKIM: ${p.dkim})`,
    )
    if (withReference) {
      try {
        const f = await postfixRound(ctx, round, messages)
        results.postfix.push(f)
        console.log(
          `postfix round ${round + 1}: ${f.received} in ${(f.ms / 1000).toFixed(2)} s, ${rate(f.received, f.ms).toFixed(0)} msg/s ` +
            `(queue filled in ${(f.fillMs / 1000).toFixed(1)} s; first connection ${f.startMs.toFixed(0)} ms after postqueue -f; ` +
            `queue empty ${f.drainMs.toFixed(0)} ms after the last message; ${f.connections} connections; ` +
            `sink CPU ${f.sinkCpuSeconds.toFixed(1)} s)`,
        )
      } catch (err) {
        console.error(`error: postfix: ${(err as Error).message}`)
        failed = true
        break
      }
    }
  }
  if (sink.strays() > 0) console.log(`sink: ${sink.strays()} messages outside any round`)
  if (dns.queries() > 0) console.log(`dns: ${dns.queries()} questions from Postern (expected none)`)
  for (const [name, rounds] of Object.entries(results)) {
    for (const r of rounds) for (const problem of r.problems) console.log(`${name}: ${problem}`)
    if (rounds.some((r) => r.received !== messages)) failed = true
  }
  if (results.postern.some((r) => r.signed !== r.received || r.problems.some((p) => /DKIM|unsigned/.test(p))))
    failed = true

  console.log()
  row('server', 'msg/s', 'rounds', 'CPU s', 'CPU ms/msg', 'RSS max', 'msg/conn', 'signed')
  report('postern', results.postern)
  if (results.postfix.length > 0) report('postfix', results.postfix)
  console.log(
    '(msg/s: distinct messages received by the sink over the time from its first connection to the\n' +
      " last message, all rounds. CPU: the server's processes over that time. RSS: VmRSS sampled every\n" +
      " 100 ms, summed over the server's processes; Postern's also its VmHWM. msg/conn: messages per\n" +
      ' SMTP connection to the sink. signed: messages with a DKIM-Signature. Postern signs every message\n' +
      ' with an RSA-2048 and an Ed25519 key; Postfix has no DKIM signer, so its figure is without signing.)',
  )
  const p = results.postern
  const own = rate(
    p.reduce((s, r) => s + r.received, 0),
    p.reduce((s, r) => s + r.ms, 0),
  )
  const f = results.postfix
  const ref =
    f.length > 0
      ? rate(
          f.reduce((s, r) => s + r.received, 0),
          f.reduce((s, r) => s + r.ms, 0),
        )
      : undefined
  console.log(
    `\npostern outbound, DKIM-signed: ${own.toFixed(1)} msg/s` +
      `${ref === undefined ? '' : ` (postfix, unsigned: ${ref.toFixed(1)} msg/s)`}` +
      ` (target ≥ ${TARGET_PER_SECOND}): ${own >= TARGET_PER_SECOND ? 'OK' : 'BELOW TARGET'}`,
  )
  if (cpuProfDir) console.log(`postern: CPU profiles in ${cpuProfDir}`)
  if (failed) {
    console.error('error: a round failed or messages are missing (see above)')
    process.exitCode = 1
  }
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
