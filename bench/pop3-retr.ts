// POP3 retrieval benchmark: `bun bench/pop3-retr.ts [messages]` (see bench/README.md). Puts
// 5,000 SpamAssassin corpus messages in one account's Inbox on a Postern started as a user would
// (`bun src/main.ts serve`, mail imported with `import mbox`) and in a throw-away Dovecot's Maildir
// (dovecot-pop3d), then times RETR 1..N over one POP3 session against each: one command at a time,
// then all pipelined. Prints messages/s and MB/s for both. Exit 0 whether or not the target is
// met; non-zero if a server fails or a response is wrong.
import * as fs from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadSpamAssassinCorpus } from '../tests/fixtures/mail/corpus.ts'
import { dovecotConfig } from '../tests/helpers/dovecot.ts'
import { freePorts, run, waitForPort } from '../tests/helpers/process.ts'
import { startBenchPostern } from './lib/postern.ts'

const COUNT = Number(process.argv[2] ?? 5000)
const ROUNDS = 3 // timed sessions per server and mode; the median is reported
const USER = 'bench@bench.test'
const PASSWORD = 'bench-password-1'
const dovecotBin = '/usr/sbin/dovecot'
const pop3Bin = '/usr/lib/dovecot/pop3'

/** Undo steps (stop servers, remove the temp dir), run last-first; synchronous. */
const cleanups: Array<() => void> = []
const cleanup = () => {
  for (const step of cleanups.splice(0).reverse()) {
    try {
      step()
    } catch {}
  }
}

/** The first COUNT corpus messages (the corpus has 6,046). */
function messages(): Uint8Array[] {
  const corpus = loadSpamAssassinCorpus()
  if (corpus.length < COUNT) throw new Error(`the corpus has only ${corpus.length} messages`)
  return corpus.slice(0, COUNT).map((m) => m.raw)
}

/** A raw POP3 client that reads responses as bytes. */
class Pop3 {
  private buf: Buffer = Buffer.alloc(0)
  private wake: (() => void) | undefined
  private closed = false
  private constructor(private socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d])
      this.wake?.()
    })
    socket.on('close', () => {
      this.closed = true
      this.wake?.()
    })
  }

  static connect(port: number): Promise<Pop3> {
    return new Promise((ok, fail) => {
      const s = net.connect(port, '127.0.0.1', () => ok(new Pop3(s)))
      s.once('error', fail)
    })
  }

  private async more(): Promise<void> {
    if (this.closed) throw new Error('connection closed')
    await new Promise<void>((r) => {
      this.wake = r
    })
    this.wake = undefined
  }

  /** The next status line. */
  async status(): Promise<string> {
    for (;;) {
      const i = this.buf.indexOf('\r\n')
      if (i >= 0) {
        const line = this.buf.toString('latin1', 0, i)
        this.buf = this.buf.subarray(i + 2)
        return line
      }
      await this.more()
    }
  }

  /** The body of a multi-line response, up to ".\r\n" on a line of its own; its length in octets. */
  async body(): Promise<number> {
    let from = 0
    for (;;) {
      if (this.buf.length >= 3 && this.buf[0] === 0x2e && this.buf[1] === 0x0d && this.buf[2] === 0x0a) {
        this.buf = this.buf.subarray(3)
        return 0
      }
      const i = this.buf.indexOf('\r\n.\r\n', from)
      if (i >= 0) {
        this.buf = this.buf.subarray(i + 5)
        return i + 2
      }
      from = Math.max(0, this.buf.length - 4)
      await this.more()
    }
  }

  send(line: string): void {
    this.socket.write(`${line}\r\n`)
  }

  async command(line: string): Promise<string> {
    this.send(line)
    const s = await this.status()
    if (!s.startsWith('+OK')) throw new Error(`${line}: ${s}`)
    return s
  }

  close(): void {
    this.socket.destroy()
  }
}

interface Timing {
  seconds: number
  octets: number
}

/** Logs in, checks the count, and RETRs every message: one at a time, or all sent at once. */
async function retrieveAll(port: number, pipelined: boolean): Promise<Timing> {
  const c = await Pop3.connect(port)
  await c.status()
  await c.command(`USER ${USER}`)
  await c.command(`PASS ${PASSWORD}`)
  const stat = await c.command('STAT')
  if (Number(stat.split(' ')[1]) !== COUNT) throw new Error(`expected ${COUNT} messages: ${stat}`)
  let octets = 0
  const start = performance.now()
  if (pipelined) {
    const batch: string[] = []
    for (let n = 1; n <= COUNT; n++) batch.push(`RETR ${n}\r\n`)
    c.send(batch.join('').slice(0, -2))
  }
  for (let n = 1; n <= COUNT; n++) {
    if (!pipelined) c.send(`RETR ${n}`)
    const s = await c.status()
    if (!s.startsWith('+OK')) throw new Error(`RETR ${n}: ${s}`)
    octets += await c.body()
  }
  const seconds = (performance.now() - start) / 1000
  // Leave the maildrop as it was: RSET-free QUIT (nothing was deleted).
  await c.command('QUIT')
  c.close()
  return { seconds, octets }
}

async function startPostern(tmp: string, raws: Uint8Array[]): Promise<number> {
  const postern = await startBenchPostern({
    tmp,
    service: 'POP3',
    user: USER,
    password: PASSWORD,
    raws,
    // Plain TCP on both sides, as Dovecot runs with ssl = no here.
    env: { POSTERN_POP3_ALLOW_PLAINTEXT_LOGIN: 'true' },
    cleanups,
    stop: (pid) => process.kill(pid, 'SIGKILL'),
  })
  return postern.port
}

async function startDovecot(tmp: string, raws: Uint8Array[]): Promise<number | undefined> {
  if (!fs.existsSync(dovecotBin) || !fs.existsSync(pop3Bin)) {
    console.log('dovecot-pop3d is not installed (apt-get install dovecot-pop3d): reporting Postern alone')
    return undefined
  }
  const dir = join(tmp, 'dovecot')
  for (const sub of ['run', 'state', 'home', 'Maildir/cur', 'Maildir/new', 'Maildir/tmp']) {
    fs.mkdirSync(join(dir, sub), { recursive: true })
  }
  fs.chmodSync(tmp, 0o755)
  fs.chmodSync(dir, 0o755)
  const id = (flag: string) => Number(run(['id', flag, 'dovecot']).stdout.trim())
  const owner = { name: 'dovecot', uid: id('-u'), gid: id('-g') }
  if (!Number.isInteger(owner.uid)) throw new Error('no dovecot user')
  fs.writeFileSync(join(dir, 'passwd'), `${USER}:${PASSWORD}::::::\n`)
  raws.forEach((raw, i) => {
    fs.writeFileSync(join(dir, 'Maildir/cur', `${1_000_000_000 + i}.P${i}.bench:2,S`), raw)
  })
  for (const sub of ['Maildir', 'home', 'state'])
    run(['chown', '-R', `${owner.uid}:${owner.gid}`, join(dir, sub)])
  const [port = 0] = await freePorts(1)
  const conf = join(dir, 'dovecot.conf')
  const settings = 'pop3_uidl_format = %08Xu%08Xv'
  fs.writeFileSync(
    conf,
    dovecotConfig({ writtenBy: 'bench/pop3-retr.ts', dir, port, owner, protocol: 'pop3', settings }),
  )
  const child = Bun.spawn([dovecotBin, '-F', '-c', conf], { stdout: 'pipe', stderr: 'pipe' })
  cleanups.push(() => child.kill('SIGTERM'))
  await waitForPort(port, 30_000)
  return port
}

const rate = (t: Timing) => ({
  perSecond: COUNT / t.seconds,
  mbPerSecond: t.octets / t.seconds / 1e6,
})

function line(name: string, t: Timing): string {
  const r = rate(t)
  return `${name.padEnd(30)} ${t.seconds.toFixed(2).padStart(7)} s  ${r.perSecond.toFixed(0).padStart(7)} msgs/s  ${r.mbPerSecond.toFixed(1).padStart(6)} MB/s`
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(join(tmpdir(), 'postern-bench-pop3-'))
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }))
  const raws = messages()
  const octets = raws.reduce((n, r) => n + r.length, 0)
  console.log(
    `POP3 RETR of ${COUNT} corpus messages (${(octets / 1e6).toFixed(1)} MB) over one session, loopback`,
  )
  const posternPort = await startPostern(tmp, raws)
  const dovecotPort = await startDovecot(tmp, raws)
  const targets = [
    ['postern', posternPort],
    ['dovecot', dovecotPort],
  ] as const
  // One untimed session each first: Dovecot indexes the Maildir, Postern warms its caches.
  for (const [, port] of targets) if (port !== undefined) await retrieveAll(port, false)
  // Rounds alternate between the servers so that other load on the machine hits both alike.
  const runs: Record<string, Timing[]> = {}
  for (let round = 0; round < ROUNDS; round++) {
    for (const pipelined of [false, true]) {
      for (const [name, port] of targets) {
        if (port === undefined) continue
        const key = `${name} ${pipelined ? 'pipelined' : 'one at a time'}`
        const timings = runs[key] ?? []
        timings.push(await retrieveAll(port, pipelined))
        runs[key] = timings
      }
    }
  }
  const results: Record<string, Timing> = {}
  for (const [key, timings] of Object.entries(runs)) {
    results[key] = [...timings].sort((a, b) => a.seconds - b.seconds)[
      Math.floor(timings.length / 2)
    ] as Timing
  }
  console.log(`median of ${ROUNDS} rounds:`)
  for (const [name, t] of Object.entries(results)) console.log(line(name, t))
  const ours = results['postern one at a time']
  const theirs = results['dovecot one at a time']
  if (ours && theirs) {
    const ok = rate(ours).perSecond >= rate(theirs).perSecond
    console.log(
      `postern RETR: ${rate(ours).perSecond.toFixed(0)} msgs/s vs dovecot ${rate(theirs).perSecond.toFixed(0)} ` +
        `(target ≥ dovecot): ${ok ? 'OK' : 'MISSES TARGET'}`,
    )
  }
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => process.exit(130))
process.on('exit', cleanup)
try {
  await main()
} catch (e) {
  console.error(e)
  process.exitCode = 1
}
cleanup()
