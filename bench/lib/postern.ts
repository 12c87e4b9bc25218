// Postern as the benchmarks run it: started as a user would (`bun src/main.ts serve`, a fresh data
// directory, the domain, the account and the mail put in with the CLI), only the listeners a
// benchmark names plus HTTP, on free loopback ports.
import * as fs from 'node:fs'
import { join, resolve } from 'node:path'
import { freePorts, ProcessOutput, run } from '../../tests/helpers/process.ts'

const repoRoot = resolve(import.meta.dir, '../..')
const services = [
  'SMTP',
  'SUBMISSION',
  'SUBMISSIONS',
  'IMAP',
  'IMAPS',
  'POP3',
  'POP3S',
  'MANAGESIEVE',
  'LMTP',
]

/** mboxrd: a "From " line per message, body lines /^>*From / quoted once more. */
function writeMbox(path: string, raws: Uint8Array[]): void {
  const fd = fs.openSync(path, 'w')
  for (const raw of raws) {
    let text = Buffer.from(raw)
      .toString('latin1')
      .replace(/^(>*From )/gm, '>$1')
    if (!text.endsWith('\n')) text += '\n'
    fs.writeSync(fd, Buffer.from(`From bench@postern.test Thu Aug 22 12:36:23 2002\n${text}\n`, 'latin1'))
  }
  fs.closeSync(fd)
}

export interface BenchPostern {
  pid: number
  /** The port of the one service asked for. */
  port: number
  /** The HTTP listener's port (JMAP, admin). */
  httpPort: number
  /** Wall-clock seconds of the `import mbox` command. */
  importSeconds: number
}

/**
 * Starts Postern with one protocol listening (`service`, e.g. 'IMAP') and `raws` imported into
 * `user`'s Inbox; `stop` is registered in `cleanups`. `env` adds settings (limits, plaintext login).
 */
export async function startBenchPostern(options: {
  tmp: string
  service: string
  user: string
  password: string
  raws: Uint8Array[]
  env?: Record<string, string>
  cpuProfDir?: string
  cleanups: Array<() => void>
  stop: (pid: number) => void
}): Promise<BenchPostern> {
  const [port = 0, http = 0] = await freePorts(2)
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    POSTERN_DATA_DIR: join(options.tmp, 'postern'),
    POSTERN_HOSTNAME: 'bench.test',
    POSTERN_ADMIN_PASSWORD: 'bench-admin-password',
    POSTERN_LOG_LEVEL: 'info',
    ...Object.fromEntries(services.map((s) => [`POSTERN_LISTEN_${s}`, 'off'])),
    POSTERN_LISTEN_HTTPS: 'off',
    [`POSTERN_LISTEN_${options.service}`]: `127.0.0.1:${port}`,
    POSTERN_LISTEN_HTTP: `127.0.0.1:${http}`,
    ...options.env,
  }
  const cli = (...args: string[]) => {
    const r = run([process.execPath, 'src/main.ts', ...args], { cwd: repoRoot, env })
    if (r.code !== 0) throw new Error(`postern ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`)
  }
  cli('domain', 'add', 'bench.test')
  cli('account', 'add', options.user, '--password', options.password)
  const mbox = join(options.tmp, 'bench.mbox')
  writeMbox(mbox, options.raws)
  const started = performance.now()
  cli('import', 'mbox', mbox, '--account', options.user)
  const importSeconds = (performance.now() - started) / 1000
  fs.rmSync(mbox)
  const profile = options.cpuProfDir
    ? ['--cpu-prof', '--cpu-prof-md', `--cpu-prof-dir=${options.cpuProfDir}`]
    : []
  const child = Bun.spawn([process.execPath, ...profile, 'src/main.ts', 'serve'], {
    cwd: repoRoot,
    env,
    stdout: 'pipe',
    stderr: 'pipe',
  })
  options.cleanups.push(() => options.stop(child.pid))
  // Reading its output also keeps the pipe from filling up.
  const output = new ProcessOutput(
    child as { stdout: ReadableStream<Uint8Array>; stderr: ReadableStream<Uint8Array> },
  )
  await output.waitFor(/postern started/, 60_000)
  return { pid: child.pid, port, httpPort: http, importSeconds }
}
