// Process, port and file helpers the benchmarks share: processes are read from /proc (Linux), so
// that a server's whole process tree can be measured and stopped without touching its sockets.
import * as fs from 'node:fs'
import { join } from 'node:path'

/** A file's text, or '' if it is gone: processes come and go while we look. */
export function read(path: string): string {
  try {
    return fs.readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

/** Fields of /proc/<pid>/stat after "pid (name)": [0] state, [1] ppid, [11..14] utime stime cutime cstime. */
function statFields(pid: number): string[] {
  const stat = read(`/proc/${pid}/stat`)
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
}
const running = (state: string) => /^[^ZX]/.test(state) // zombies count as gone
export const alive = (pid: number) => pid > 0 && running(statFields(pid)[0] ?? '')
export const statusKb = (pid: number, field: string) =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(read(`/proc/${pid}/status`))?.[1] ?? 0)

/** The pids and all their live descendants. */
export function processTree(...roots: number[]): number[] {
  const children = new Map<number, number[]>()
  for (const pid of fs.readdirSync('/proc').map(Number).filter(Number.isInteger)) {
    const [state = '', ppid] = statFields(pid)
    if (running(state)) children.set(Number(ppid), [...(children.get(Number(ppid)) ?? []), pid])
  }
  const out = roots.filter((pid) => pid > 0)
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i] as number) ?? []))
  return out.filter(alive)
}

const CLOCK_TICKS = Number(Bun.spawnSync(['getconf', 'CLK_TCK']).stdout.toString().trim()) || 100
/**
 * CPU seconds used so far by a process tree: each live process's own time plus that of the
 * children it has reaped (so Postfix's short-lived workers are still counted once they exit).
 */
export function treeCpuSeconds(roots: number[]): number {
  let ticks = 0
  for (const pid of processTree(...roots)) {
    const f = statFields(pid)
    if (f.length < 15) continue // exited meanwhile: its parent has its time once it reaps it
    ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])
  }
  return ticks / CLOCK_TICKS
}

/** SIGTERM the root of a process tree, wait up to `graceMs`, then SIGKILL whatever is left. */
export function stopTree(root: number, graceMs = 10_000): void {
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

/**
 * Samples VmRSS (MB) every `everyMs` until stopped: of the pids alone, or summed over their
 * process trees (`tree`, for a multi-process server).
 */
export function sampleRss(roots: () => number[], opts: { tree: boolean; everyMs: number }) {
  const samples: number[] = []
  const take = () => {
    const pids = opts.tree ? processTree(...roots()) : roots().filter(alive)
    const kb = pids.reduce((sum, pid) => sum + statusKb(pid, 'VmRSS'), 0)
    if (kb > 0) samples.push(kb / 1024)
  }
  take()
  const timer = setInterval(take, opts.everyMs)
  return {
    stop() {
      clearInterval(timer)
      take()
      return { first: samples[0] ?? 0, max: Math.max(0, ...samples), last: samples.at(-1) ?? 0 }
    },
  }
}

const usedPorts = new Set<number>()
/** A free loopback port, never the same one twice. */
export function freePort(): number {
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  probe.stop(true)
  if (usedPorts.has(probe.port)) return freePort()
  usedPorts.add(probe.port)
  return probe.port
}

/** True when something listens on 127.0.0.1:port (read from /proc: no connection is made). */
export function listening(port: number): boolean {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`
  const rows = read('/proc/net/tcp').split('\n')
  return rows.map((row) => row.trim().split(/\s+/)).some((cols) => cols[1] === local && cols[3] === '0A')
}

export const tail = (path: string) => read(path).trimEnd().split('\n').slice(-15).join('\n')

/** Polls `ok` every `pollMs` until true (ms waited); after `timeoutMs`, fails with the tail of `log`. */
export async function waitFor(
  what: string,
  log: string,
  ok: () => boolean | Promise<boolean>,
  { timeoutMs = 30_000, pollMs = 100 } = {},
): Promise<number> {
  const start = performance.now()
  while (!(await ok())) {
    if (performance.now() - start > timeoutMs)
      throw new Error(`${what}: not done in ${timeoutMs / 1000} s; log:\n${tail(log)}`)
    await Bun.sleep(pollMs)
  }
  return performance.now() - start
}

/** Writes bench/reference/<template> to `dest` with its @KEY@ placeholders filled in. */
export function render(template: string, dest: string, vars: Record<string, string | number>): void {
  const text = fs.readFileSync(join(import.meta.dir, '..', 'reference', template), 'utf8')
  const filled = text.replaceAll(/@(\w+)@/g, (_, key: string) => {
    if (!(key in vars)) throw new Error(`${template}: no value for @${key}@`)
    return `${vars[key]}`
  })
  fs.writeFileSync(dest, filled)
}

export const which = (bin: string) => Bun.which(bin, { PATH: `${process.env.PATH}:/usr/sbin:/sbin` })
export const run = (cmd: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}) =>
  Bun.spawnSync(cmd, { stdout: 'pipe', stderr: 'pipe', ...opts })
export function runOrThrow(cmd: string[]): void {
  const r = run(cmd)
  if (!r.success) throw new Error(`${cmd.join(' ')} failed:\n${r.stdout}${r.stderr}`)
}
