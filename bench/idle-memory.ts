// Idle memory benchmark: `bun bench/idle-memory.ts` (Linux: reads /proc; see bench/README.md).
// Starts Postern as a user would (`bun src/main.ts serve`, every listener on a free loopback port,
// a fresh temp data dir), then Dovecot (imap) and Postfix (smtpd) idle on loopback with the configs
// in ./reference/ (needs root and `apt-get install dovecot-imapd postfix`), and prints each server's
// RSS summed over its process tree, and of that RssAnon (allocated memory, not mapped code), with
// the target. Exit 0 whether or not the target is met; non-zero if a server fails to start.
import * as fs from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { serviceNames } from '../src/config/config.ts'

const TARGET_MB = 70
const SETTLE_MS = 5000
const SAMPLES = 8
const SAMPLE_GAP_MS = 500
const ADMIN_PASSWORD = 'bench-admin-password-1'
const repoRoot = resolve(import.meta.dir, '..')

/** Undo steps (stop a server, remove the temp dir), run last-first by cleanup(); synchronous. */
const cleanups: Array<() => void> = []
const cleanup = () => {
  for (const step of cleanups.splice(0).reverse()) step()
}

/** A file's text, or '' if it is gone: processes come and go while we look. */
function read(path: string): string {
  try {
    return fs.readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}
function procStat(pid: number) {
  const stat = read(`/proc/${pid}/stat`) // "pid (name) state ppid …"
  const [state = '', ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { state, ppid: Number(ppid), name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) }
}
const alive = (pid: number) => /^[^ZX]/.test(procStat(pid).state) // zombies count as gone
const statusKb = (pid: number, field: string) =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(read(`/proc/${pid}/status`))?.[1] ?? 0)

/** The pid and all its live descendants. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>()
  for (const pid of fs.readdirSync('/proc').map(Number).filter(Number.isInteger)) {
    const { ppid } = procStat(pid)
    if (alive(pid)) children.set(ppid, [...(children.get(ppid) ?? []), pid])
  }
  const out = [root]
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i] as number) ?? []))
  return out.filter(alive)
}

/** SIGTERM the root of a process tree, wait up to `graceMs`, then SIGKILL whatever is left. */
function stopTree(root: number, graceMs = 5000): void {
  const pids = processTree(root)
  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig)
    } catch {} // already gone
  }
  signal(root, 'SIGTERM')
  const deadline = Date.now() + graceMs
  while (pids.some(alive) && Date.now() < deadline) Bun.sleepSync(50)
  for (const pid of pids.filter(alive)) signal(pid, 'SIGKILL')
}

type Figure = { name: string; procs: string[]; rssMedian: number; rssMax: number; anon: number }
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0

/** Samples the memory of a process tree several times; figures in MB. */
async function measure(name: string, root: number): Promise<Figure> {
  const [rss, anon]: [number[], number[]] = [[], []]
  let procs: string[] = []
  for (let i = 0; i < SAMPLES; i++) {
    if (i > 0) await Bun.sleep(SAMPLE_GAP_MS)
    if (!alive(root)) throw new Error(`${name} (pid ${root}) exited while being measured`)
    const pids = processTree(root)
    const total = (field: string) => pids.reduce((sum, pid) => sum + statusKb(pid, field), 0) / 1024
    procs = pids.map((pid) => procStat(pid).name)
    rss.push(total('VmRSS'))
    anon.push(total('RssAnon'))
  }
  return { name, procs, rssMedian: median(rss), rssMax: Math.max(...rss), anon: median(anon) }
}

const usedPorts = new Set<number>()
/** A free loopback port, never the same one twice. */
function freePort(): number {
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  probe.stop(true)
  if (usedPorts.has(probe.port)) return freePort()
  usedPorts.add(probe.port)
  return probe.port
}

/** True when something listens on 127.0.0.1:port (read from /proc: no connection is made). */
function listening(port: number): boolean {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`
  const rows = read('/proc/net/tcp').split('\n')
  return rows.map((row) => row.trim().split(/\s+/)).some((cols) => cols[1] === local && cols[3] === '0A')
}

/** Polls `ok` until true; after 30 s, fails with the tail of the server's log. */
async function waitFor(what: string, log: string, ok: () => boolean | Promise<boolean>) {
  const start = performance.now()
  while (!(await ok())) {
    if (performance.now() - start > 30_000) throw new Error(`${what}: not ready in 30 s; log:\n${tail(log)}`)
    await Bun.sleep(100)
  }
  return performance.now() - start
}

/** Writes bench/reference/<template> to `dest` with its @KEY@ placeholders filled in. */
function render(template: string, dest: string, vars: Record<string, string | number>): void {
  const text = fs.readFileSync(join(import.meta.dir, 'reference', template), 'utf8')
  const filled = text.replaceAll(/@(\w+)@/g, (_, key: string) => `${vars[key]}`)
  fs.writeFileSync(dest, filled)
}

const tail = (path: string) => read(path).trimEnd().split('\n').slice(-15).join('\n')
const which = (bin: string) => Bun.which(bin, { PATH: `${process.env.PATH}:/usr/sbin:/sbin` })
const run = (cmd: string[]) => Bun.spawnSync(cmd, { stderr: 'pipe' })
const mb = (x: number) => `${x.toFixed(1)} MB`
const row = (name: string, ...cells: string[]) =>
  console.log(name.padEnd(18) + cells.map((c) => c.padStart(12)).join(''))

async function startPostern(tmp: string): Promise<{ pid: number; log: string }> {
  const log = join(tmp, 'postern.log')
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('POSTERN_')))
  env.POSTERN_DATA_DIR = join(tmp, 'postern-data')
  env.POSTERN_HOSTNAME = 'mail.bench.test'
  env.POSTERN_ADMIN_PASSWORD = ADMIN_PASSWORD
  for (const name of serviceNames) env[`POSTERN_LISTEN_${name.toUpperCase()}`] = `127.0.0.1:${freePort()}`
  const base = `http://${env.POSTERN_LISTEN_HTTP}`
  // process.execPath is the bun binary: the child is the server itself, with no npm or shell wrapper.
  const [cwd, out] = [repoRoot, Bun.file(log)]
  const child = Bun.spawn([process.execPath, 'src/main.ts', 'serve'], { cwd, env, stdout: out, stderr: out })
  cleanups.push(() => stopTree(child.pid))
  const ms = await waitFor('postern /healthz', log, async () => {
    if (!alive(child.pid)) throw new Error(`postern exited during start-up; its log:\n${tail(log)}`)
    return (await fetch(`${base}/healthz`).catch(() => undefined))?.status === 200
  })
  const exe = basename(fs.readlinkSync(`/proc/${child.pid}/exe`))
  if (!exe.startsWith('bun')) throw new Error(`postern: pid ${child.pid} runs ${exe}, not bun`)
  console.log(`postern: /healthz answered 200 after ${(ms / 1000).toFixed(2)} s (pid ${child.pid}, ${exe})`)
  // Warm it the way an admin would on day one: health checks and a few admin API calls.
  const headers = { Authorization: `Basic ${btoa(`admin:${ADMIN_PASSWORD}`)}` }
  for (const name of ['a.bench.test', 'b.bench.test', 'c.bench.test']) {
    await fetch(`${base}/healthz`).then((r) => r.text())
    const r = await fetch(`${base}/api/domains`, { method: 'POST', headers, body: JSON.stringify({ name }) })
    if (r.status !== 201) console.log(`postern: warning: POST /api/domains: ${r.status} ${await r.text()}`)
    await fetch(`${base}/api/domains`, { headers }).then((r) => r.text())
  }
  return { pid: child.pid, log }
}

async function startDovecot(dir: string, bin: string): Promise<number> {
  fs.mkdirSync(dir)
  fs.writeFileSync(join(dir, 'passwd'), '') // no users
  const port = freePort()
  render('dovecot.conf', join(dir, 'dovecot.conf'), { DIR: dir, PORT: port })
  const out = Bun.file(join(dir, 'stderr.log'))
  const child = Bun.spawn([bin, '-F', '-c', join(dir, 'dovecot.conf')], { stdout: out, stderr: out })
  cleanups.push(() => stopTree(child.pid))
  await waitFor('dovecot imap', join(dir, 'dovecot.log'), () => {
    if (alive(child.pid)) return listening(port)
    throw new Error(`dovecot exited:\n${tail(join(dir, 'stderr.log'))}\n${tail(join(dir, 'dovecot.log'))}`)
  })
  return child.pid
}

async function startPostfix(dir: string, bin: string): Promise<number> {
  const conf = join(dir, 'conf')
  for (const sub of [conf, join(dir, 'queue'), join(dir, 'data')]) fs.mkdirSync(sub, { recursive: true })
  run(['chown', 'postfix', join(dir, 'data')])
  const port = freePort()
  render('postfix-main.cf', join(conf, 'main.cf'), { DIR: dir })
  render('postfix-master.cf', join(conf, 'master.cf'), { PORT: port })
  // `postfix start` daemonizes (the master is not our child) and writes its pid here.
  const masterPid = () => Number(read(join(dir, 'queue/pid/master.pid')).trim())
  cleanups.push(() => masterPid() > 0 && stopTree(masterPid()))
  const started = run([bin, '-c', conf, 'start'])
  if (!started.success) throw new Error(`postfix start failed:\n${started.stderr}${tail(`${dir}/maillog`)}`)
  await waitFor('postfix smtpd', join(dir, 'maillog'), () => listening(port))
  return masterPid()
}

/** Measures Postern, then each reference; a server that fails to start sets a non-zero exit code. */
async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(join(tmpdir(), 'postern-bench-'))
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }))
  fs.chmodSync(tmp, 0o755) // Dovecot and Postfix drop privileges and must reach their dirs inside
  const figures: Figure[] = []

  const postern = await startPostern(tmp)
  await Bun.sleep(SETTLE_MS)
  figures.push(await measure('postern', postern.pid))
  for (const line of read(postern.log).split('\n')) {
    if (/ (WARN|ERROR) |not yet implemented/.test(line)) console.log(`postern log: ${line}`)
  }

  const references = [
    { name: 'dovecot', start: startDovecot, version: (bin: string) => [bin, '--version'] },
    { name: 'postfix', start: startPostfix, version: () => ['postconf', '-dh', 'mail_version'] },
  ]
  for (const ref of references) {
    const bin = which(ref.name)
    if (!bin) console.log(`${ref.name}: not installed; to compare: apt-get install dovecot-imapd postfix`)
    else if (process.getuid?.() !== 0) console.log(`${ref.name}: not measured, starting it needs root`)
    else {
      try {
        const pid = await ref.start(join(tmp, ref.name), bin)
        await Bun.sleep(SETTLE_MS)
        const version = run(ref.version(bin)).stdout.toString().trim().split(' ')[0]
        figures.push(await measure(`${ref.name} ${version}`, pid))
      } catch (err) {
        console.error(`error: ${ref.name}: ${(err as Error).message}`)
        process.exitCode = 1
      }
    }
  }

  const refs = figures.slice(1)
  if (refs.length === 2) {
    const sum = (key: 'rssMedian' | 'rssMax' | 'anon') => refs.reduce((total, r) => total + r[key], 0)
    const [rssMedian, rssMax, anon] = [sum('rssMedian'), sum('rssMax'), sum('anon')]
    figures.push({ name: 'dovecot + postfix', procs: refs.flatMap((r) => r.procs), rssMedian, rssMax, anon })
  }
  console.log()
  row('server', 'processes', 'RSS median', 'RSS max', 'of it anon')
  for (const f of figures) row(f.name, String(f.procs.length), mb(f.rssMedian), mb(f.rssMax), mb(f.anon))
  for (const f of refs) console.log(`  ${f.name}: ${f.procs.join(', ')}`)
  const own = figures[0] as Figure
  const verdict = own.rssMedian <= TARGET_MB ? 'OK' : 'OVER TARGET'
  console.log(`\npostern idle RSS: ${mb(own.rssMedian)} (target ≤ ${TARGET_MB} MB): ${verdict}`)
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
