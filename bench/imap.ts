// IMAP server benchmark: `bun bench/imap.ts [messages] [--seconds N] [--idle N] [--dovecot-maildir]
// [--cpu-prof DIR]` (Linux: reads /proc; see bench/README.md). Puts the same corpus mailbox (10,000
// SpamAssassin messages, cycled, each with an `X-Bench-N` header on top) in a Postern started as a
// user would (`bun src/main.ts serve`, mail imported with `import mbox`) and in a throw-away
// Dovecot (dovecot-imapd; sdbox filled from a Maildir by `doveadm import`, or the Maildir itself),
// and drives both, in the same run, with the same raw IMAP client over
// plain TCP on loopback: UID FETCH 1:* (UID FLAGS ENVELOPE), SEARCH TEXT, SELECT + the newest 50
// headers, 50 sessions with a mixed workload for N seconds (operations/s, p50, p99), and the memory
// of 1,000 connections idling in IDLE. The mixed workload runs twice per server in the order
// A B B A, its latencies pooled: this machine's speed drifts by ±15 % within minutes, and one
// round each would hand whichever server ran in a slow phase a result that is not its own.
// Exit 0 whether or not the targets are met; non-zero if a server fails or answers wrongly.
import * as fs from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { prng } from '../tests/helpers/prng.ts'
import { corpusMessages } from './lib/corpus-mailbox.ts'
import { startBenchDovecot } from './lib/dovecot.ts'
import { expectOk, Imap } from './lib/imap-client.ts'
import { startBenchPostern } from './lib/postern.ts'
import { processTree, read, statusKb, stopTree } from './lib/proc.ts'

const USER = 'bench@bench.test'
const PASSWORD = 'bench-password-1'
const SESSIONS = 50
const RUNS = 5 // timed runs of each single-session measurement; the median is reported
const NEWEST_WARMUP = 20
const SEARCH_WORD = 'mortgage'

const args = parseArgs(process.argv.slice(2))

function parseArgs(argv: string[]) {
  const out = {
    count: 10_000,
    seconds: 20,
    idle: 1000,
    cpuProfDir: undefined as string | undefined,
    dovecotFormat: 'sdbox' as 'sdbox' | 'maildir',
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (a === '--seconds') out.seconds = Number(argv[++i])
    else if (a === '--idle') out.idle = Number(argv[++i])
    else if (a === '--cpu-prof') out.cpuProfDir = resolve(argv[++i] ?? '.')
    else if (a === '--dovecot-maildir') out.dovecotFormat = 'maildir'
    else if (/^\d+$/.test(a)) out.count = Number(a)
    else {
      console.error(
        'usage: bun bench/imap.ts [messages] [--seconds N] [--idle N] [--dovecot-maildir] [--cpu-prof DIR]',
      )
      process.exit(2)
    }
  }
  return out
}

const login = (port: number) => Imap.login(port, USER, PASSWORD)

/** Undo steps (stop servers, remove the temp dir), run last-first; synchronous. */
const cleanups: Array<() => void> = []
const cleanup = () => {
  for (const step of cleanups.splice(0).reverse()) {
    try {
      step()
    } catch {}
  }
}

// ---------------------------------------------------------------------------------------------
// /proc

const pssKb = (pid: number) => Number(/^Pss:\s+(\d+) kB/m.exec(read(`/proc/${pid}/smaps_rollup`))?.[1] ?? 0)

/** Memory of a process tree in kB: VmRSS summed (shared pages counted in each) and PSS summed. */
function memory(root: number): { rss: number; pss: number; procs: number } {
  const pids = processTree(root)
  return {
    rss: pids.reduce((n, p) => n + statusKb(p, 'VmRSS'), 0),
    pss: pids.reduce((n, p) => n + pssKb(p), 0),
    procs: pids.length,
  }
}

// ---------------------------------------------------------------------------------------------
// The mailbox

interface Target {
  name: string
  port: number
  /** The process whose tree holds the server. */
  pid: number
}

async function startPostern(tmp: string, raws: Uint8Array[]): Promise<Target> {
  const postern = await startBenchPostern({
    tmp,
    service: 'IMAP',
    user: USER,
    password: PASSWORD,
    raws,
    // Plain TCP on both sides, as Dovecot runs with ssl = no here.
    env: {
      POSTERN_IMAP_ALLOW_PLAINTEXT_LOGIN: 'true',
      POSTERN_LIMITS_MAX_CONNECTIONS: '10000',
      POSTERN_LIMITS_MAX_CONNECTIONS_PER_IP: '10000',
    },
    cpuProfDir: args.cpuProfDir,
    cleanups,
    stop: (pid) => stopTree(pid),
  })
  console.log(`postern: imported ${raws.length} messages in ${postern.importSeconds.toFixed(1)} s`)
  return { name: 'postern', port: postern.port, pid: postern.pid }
}

/** Limits high enough for the mixed and IDLE runs' connection counts. */
const IMAP_BENCH_SETTINGS = `default_process_limit = 5000
default_client_limit = 20000
default_vsz_limit = 1G
protocol imap {
  mail_max_userip_connections = 5000
}
# With more IDLE sessions than inotify instances (fs.inotify.max_user_instances, 128 by default)
# Dovecot falls back to polling; poll every second so that the wake-up check is fair to it.
mailbox_idle_check_interval = 1 secs
service imap {
  process_limit = 5000
}`

async function startDovecot(tmp: string, raws: Uint8Array[]): Promise<Target | undefined> {
  const dovecot = await startBenchDovecot({
    tmp,
    user: USER,
    password: PASSWORD,
    raws,
    format: args.dovecotFormat,
    writtenBy: 'bench/imap.ts',
    settings: IMAP_BENCH_SETTINGS,
    loginService: '  process_limit = 5000',
    cleanups,
  })
  return dovecot && { name: 'dovecot', port: dovecot.port, pid: dovecot.pid }
}

// ---------------------------------------------------------------------------------------------
// Measurements

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0

/** Runs `fn` once untimed and RUNS times timed; median ms and the last result. */
async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  let result = await fn()
  const ms: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now()
    result = await fn()
    ms.push(performance.now() - start)
  }
  return { ms: median(ms), result }
}

interface Single {
  fetchAll: number
  fetchAllCount: number
  search: number
  searchHits: number
  newest: number
  newestBytes: number
}

async function singleSession(t: Target, count: number): Promise<Single> {
  const c = await login(t.port)
  try {
    expectOk('SELECT', await c.command('SELECT INBOX'))
    const fetchAll = await timed(async () =>
      expectOk('UID FETCH', await c.command('UID FETCH 1:* (UID FLAGS ENVELOPE)')),
    )
    if (fetchAll.result.fetches !== count) {
      throw new Error(`${t.name}: UID FETCH 1:* answered ${fetchAll.result.fetches} messages, not ${count}`)
    }
    const search = await timed(async () => expectOk('SEARCH', await c.command(`SEARCH TEXT ${SEARCH_WORD}`)))
    // A fresh session each time: SELECT, then the newest 50 messages' headers, as a client opening
    // a mailbox does. The time from SELECT to the last header (login is not part of it), median of
    // RUNS after NEWEST_WARMUP rounds: a short path, measured as a server in service runs it (a
    // JIT-compiled server is otherwise timed on code it has run only once).
    const newestRuns: number[] = []
    let newestBytes = 0
    for (let i = 0; i < NEWEST_WARMUP + RUNS; i++) {
      const r = await newestHeaders(t, count)
      if (i >= NEWEST_WARMUP) newestRuns.push(r.ms)
      newestBytes = r.bytes
    }
    return {
      fetchAll: fetchAll.ms,
      fetchAllCount: fetchAll.result.fetches,
      search: search.ms,
      searchHits: search.result.search.length,
      newest: median(newestRuns),
      newestBytes,
    }
  } finally {
    c.close()
  }
}

/** Logs in, then SELECT and FETCH of the newest 50 messages' headers: the time of those two. */
async function newestHeaders(t: Target, count: number): Promise<{ ms: number; bytes: number }> {
  const s = await login(t.port)
  try {
    const start = performance.now()
    expectOk('SELECT', await s.command('SELECT INBOX'))
    const r = expectOk('FETCH', await s.command(`FETCH ${count - 49}:${count} (BODY.PEEK[HEADER])`))
    if (r.fetches !== 50) throw new Error(`${t.name}: FETCH of the newest 50 answered ${r.fetches}`)
    return { ms: performance.now() - start, bytes: r.literalBytes }
  } finally {
    s.close()
  }
}

/** One operation of the mixed workload, as a mail client's background session would send it. */
function operation(rnd: () => number, count: number, flagged: Set<number>): string {
  const r = rnd()
  const uid = 1 + Math.floor(rnd() * count)
  if (r < 0.3) {
    const from = 1 + Math.floor(rnd() * (count - 20))
    return `UID FETCH ${from}:${from + 19} (UID FLAGS ENVELOPE)`
  }
  if (r < 0.5) return `UID FETCH ${uid} (BODY.PEEK[])`
  if (r < 0.6) return `UID FETCH ${uid} (BODYSTRUCTURE RFC822.SIZE INTERNALDATE)`
  if (r < 0.75) {
    const op = flagged.has(uid) ? '-' : '+'
    if (op === '+') flagged.add(uid)
    else flagged.delete(uid)
    return `UID STORE ${uid} ${op}FLAGS.SILENT (\\Flagged)`
  }
  if (r < 0.85) return 'NOOP'
  if (r < 0.95) return 'STATUS INBOX (MESSAGES UNSEEN UIDNEXT)'
  return 'UID SEARCH FLAGGED'
}

/** One round of the mixed workload: every operation's latency (ms). */
interface Round {
  latencies: number[]
  seconds: number
  errors: number
}

interface Mixed {
  ops: number
  seconds: number
  p50: number
  p99: number
  errors: number
}

/** A server's rounds as one: their operations and time added, latencies pooled. */
function pooled(rounds: Round[]): Mixed {
  const latencies = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b)
  return {
    ops: latencies.length,
    seconds: rounds.reduce((n, r) => n + r.seconds, 0),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
  }
}

async function mixed(t: Target, count: number, seconds: number): Promise<Round> {
  const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => login(t.port)))
  const latencies: number[] = []
  let errors = 0
  const flagged = new Set<number>()
  try {
    await Promise.all(sessions.map((c) => c.command('SELECT INBOX').then((r) => expectOk('SELECT', r))))
    const start = performance.now()
    const end = start + seconds * 1000
    await Promise.all(
      sessions.map(async (c, i) => {
        const rnd = prng(1000 + i)
        while (performance.now() < end) {
          const op = operation(rnd, count, flagged)
          const t0 = performance.now()
          const r = await c.command(op)
          latencies.push(performance.now() - t0)
          if (!r.status.startsWith('OK')) errors++
        }
      }),
    )
    const elapsed = (performance.now() - start) / 1000
    // Leave no \Flagged behind: every round starts from the same state (untimed).
    expectOk('unflag', await (sessions[0] as Imap).command('UID STORE 1:* -FLAGS.SILENT (\\Flagged)'))
    return { latencies, seconds: elapsed, errors }
  } finally {
    for (const c of sessions) c.close()
  }
}

interface Idle {
  connections: number
  /** After the IDLE sessions were closed again. */
  rssClosed: number
  rssBefore: number
  rssAfter: number
  pssBefore: number
  pssAfter: number
  procs: number
  woke: boolean
}

/** Opens `n` sessions that log in, select INBOX and IDLE; memory before and after, in kB. */
async function idleMemory(t: Target, n: number): Promise<Idle> {
  await Bun.sleep(1000)
  const before = memory(t.pid)
  const sessions: Imap[] = []
  try {
    // A few at a time, as clients reconnecting after a restart would.
    for (let i = 0; i < n; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, n - i) }, async () => {
          const c = await login(t.port)
          expectOk('SELECT', await c.command('SELECT INBOX'))
          await c.idle()
          return c
        }),
      )
      sessions.push(...batch)
    }
    await Bun.sleep(2000)
    const after = memory(t.pid)
    // Every session is really idling: one APPEND wakes one of them (the last) with EXISTS.
    const last = sessions.at(-1) as Imap
    const woke = new Promise<boolean>((ok) => {
      last.onUntagged = (line) => {
        if (/^\* \d+ EXISTS/.test(line)) ok(true)
      }
      setTimeout(() => ok(false), 10_000)
    })
    const writer = await login(t.port)
    const msg = 'Subject: wake up\r\n\r\nwake\r\n'
    writer.command(`APPEND INBOX {${msg.length}+}\r\n${msg}`).catch(() => undefined)
    const ok = await woke
    writer.close()
    for (const c of sessions) c.close()
    await Bun.sleep(2000)
    const closed = memory(t.pid)
    return {
      rssClosed: closed.rss,
      connections: sessions.length,
      rssBefore: before.rss,
      rssAfter: after.rss,
      pssBefore: before.pss,
      pssAfter: after.pss,
      procs: after.procs,
      woke: ok,
    }
  } finally {
    for (const c of sessions) c.close()
  }
}

// ---------------------------------------------------------------------------------------------

const ms = (x: number) => `${x.toFixed(1)} ms`
const kb = (x: number) => `${x.toFixed(1)} KB`

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(join(tmpdir(), 'postern-bench-imap-'))
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }))
  const raws = corpusMessages(args.count)
  const octets = raws.reduce((n, r) => n + r.length, 0)
  console.log(
    `IMAP benchmark: ${args.count} corpus messages (${(octets / 1e6).toFixed(1)} MB) in INBOX, plain TCP on loopback, ` +
      `${SESSIONS} sessions × ${args.seconds} s mixed (2 rounds each, A B B A), ${args.idle} IDLE connections; dovecot store: ${args.dovecotFormat}`,
  )
  const postern = await startPostern(tmp, raws)
  const dovecot = await startDovecot(tmp, raws)
  const targets = [postern, dovecot].filter((t): t is Target => t !== undefined)

  // Warm-up, each timed command once: Dovecot builds its index and cache on the first
  // SELECT/FETCH; Postern warms its caches and compiles the code paths.
  for (const t of targets) {
    const c = await login(t.port)
    expectOk('SELECT', await c.command('SELECT INBOX'))
    expectOk('warm-up', await c.command('UID FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE)'))
    expectOk('warm-up', await c.command(`SEARCH TEXT ${SEARCH_WORD}`))
    expectOk('warm-up', await c.command(`FETCH ${args.count - 49}:${args.count} (BODY.PEEK[HEADER])`))
    c.close()
  }

  const progress = (what: string, t: Target) => console.error(`… ${t.name}: ${what}`)
  const single = new Map<string, Single>()
  for (const t of targets) {
    progress('single-session latencies', t)
    single.set(t.name, await singleSession(t, args.count))
  }
  const rounds = new Map<string, Round[]>()
  for (const t of [...targets, ...[...targets].reverse()]) {
    const done = rounds.get(t.name) ?? []
    progress(`mixed workload, ${SESSIONS} sessions, round ${done.length + 1} of 2`, t)
    done.push(await mixed(t, args.count, args.seconds))
    rounds.set(t.name, done)
  }
  const mix = new Map([...rounds].map(([name, r]) => [name, pooled(r)]))
  const idle = new Map<string, Idle>()
  // The server whose mixed round came last goes last here too: its memory before the IDLE
  // sessions is then not still that of 50 busy sessions a moment ago.
  for (const t of [...targets].reverse()) {
    progress(`${args.idle} connections in IDLE`, t)
    idle.set(t.name, await idleMemory(t, args.idle))
  }

  const names = targets.map((t) => t.name)
  const row = (label: string, cell: (name: string) => string) =>
    console.log(`${label.padEnd(44)}${names.map((n) => cell(n).padStart(16)).join('')}`)
  console.log('')
  row('', (n) => n)
  row('UID FETCH 1:* (UID FLAGS ENVELOPE)', (n) => ms(single.get(n)?.fetchAll ?? 0))
  row(
    `SEARCH TEXT ${SEARCH_WORD} (hits)`,
    (n) => `${ms(single.get(n)?.search ?? 0)} (${single.get(n)?.searchHits})`,
  )
  row('SELECT + FETCH newest 50 (BODY.PEEK[HEADER])', (n) => ms(single.get(n)?.newest ?? 0))
  row(`mixed, ${SESSIONS} sessions: operations/s`, (n) => {
    const m = mix.get(n) as Mixed
    return (m.ops / m.seconds).toFixed(0)
  })
  row('mixed: p50', (n) => ms(mix.get(n)?.p50 ?? 0))
  row('mixed: p99', (n) => ms(mix.get(n)?.p99 ?? 0))
  row('mixed: errors (NO/BAD)', (n) => String(mix.get(n)?.errors ?? 0))
  const perConn = (i: Idle, field: 'rss' | 'pss') =>
    (field === 'rss' ? i.rssAfter - i.rssBefore : i.pssAfter - i.pssBefore) / i.connections
  row(`IDLE ×${args.idle}: RSS delta per connection`, (n) => kb(perConn(idle.get(n) as Idle, 'rss')))
  row(`IDLE ×${args.idle}: PSS delta per connection`, (n) => kb(perConn(idle.get(n) as Idle, 'pss')))
  row('IDLE: RSS after they closed, minus before', (n) => {
    const i = idle.get(n) as Idle
    return `${((i.rssClosed - i.rssBefore) / 1024).toFixed(1)} MB`
  })
  row(
    'IDLE: server processes / woken by APPEND',
    (n) => `${idle.get(n)?.procs} / ${idle.get(n)?.woke ? 'yes' : 'NO'}`,
  )
  console.log(
    '(median of 5 runs after a warm-up; latency is one client, one command at a time. RSS/PSS: summed over the\n' +
      " server's processes, /proc VmRSS and smaps_rollup Pss; Dovecot's RSS counts shared pages once per process.)",
  )

  const ours = {
    s: single.get('postern') as Single,
    m: mix.get('postern') as Mixed,
    i: idle.get('postern') as Idle,
  }
  const ref = dovecot ? { s: single.get('dovecot') as Single, m: mix.get('dovecot') as Mixed } : undefined
  const verdict = (ok: boolean) => (ok ? 'OK' : 'MISSES TARGET')
  console.log('')
  if (ref) {
    const rate = (m: Mixed) => m.ops / m.seconds
    console.log(
      `postern mixed throughput: ${rate(ours.m).toFixed(0)} ops/s vs dovecot ${rate(ref.m).toFixed(0)} (target ≥ dovecot): ${verdict(rate(ours.m) >= rate(ref.m))}`,
    )
    console.log(
      `postern mixed p99: ${ms(ours.m.p99)} vs dovecot ${ms(ref.m.p99)} (target ≤ dovecot): ${verdict(ours.m.p99 <= ref.m.p99)}`,
    )
    for (const [label, a, b] of [
      ['UID FETCH 1:* ENVELOPE', ours.s.fetchAll, ref.s.fetchAll],
      ['SEARCH TEXT', ours.s.search, ref.s.search],
      ['SELECT + newest 50 headers', ours.s.newest, ref.s.newest],
    ] as const) {
      console.log(`postern ${label}: ${ms(a)} vs dovecot ${ms(b)} (target ≤ dovecot): ${verdict(a <= b)}`)
    }
  }
  const per = perConn(ours.i, 'rss')
  console.log(`postern memory per IDLE connection: ${kb(per)} (target < 100 KB): ${verdict(per < 100)}`)
  if (!ours.i.woke) throw new Error('postern: an IDLE session was not woken by an APPEND')
  if (args.cpuProfDir) {
    stopTree(postern.pid)
    const md = fs.readdirSync(args.cpuProfDir).filter((f) => f.endsWith('.md'))
    console.log(`postern: CPU profile in ${args.cpuProfDir} (${md.join(', ') || 'no .md written'})`)
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
