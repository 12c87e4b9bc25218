// Helpers for tests that run Postern (or a client) as a separate process, as a user would.
import net from 'node:net'

export const repoRoot = new URL('../..', import.meta.url).pathname
export const bunPath = process.execPath

/** Ports the OS says are free right now (bound to 127.0.0.1:0 and released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Server>((resolve) => {
          const s = net.createServer()
          s.listen(0, '127.0.0.1', () => resolve(s))
        }),
    ),
  )
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port)
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))))
  return ports
}

/** Resolves once a TCP connection to 127.0.0.1:port succeeds; throws after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, pollMs = 100): Promise<void> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1')
      s.once('connect', () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > end) throw new Error(`nothing listens on 127.0.0.1:${port}`)
    await Bun.sleep(pollMs)
  }
}

/** Collects a process's stderr and stdout and lets a test wait for a line matching a pattern. */
export class ProcessOutput {
  text = ''
  private waiters: (() => void)[] = []

  constructor(proc: { stdout: ReadableStream<Uint8Array>; stderr: ReadableStream<Uint8Array> }) {
    for (const stream of [proc.stdout, proc.stderr]) void this.pump(stream)
  }

  private async pump(stream: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder()
    for await (const chunk of stream) {
      this.text += decoder.decode(chunk, { stream: true })
      for (const w of this.waiters.splice(0)) w()
    }
  }

  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    const end = Date.now() + timeoutMs
    for (;;) {
      const m = this.text.match(pattern)
      if (m) return m
      const left = end - Date.now()
      if (left <= 0) throw new Error(`timed out waiting for ${pattern}; output so far:\n${this.text}`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }
}

/** Runs a command to completion and returns its exit code and output. */
export function run(
  cmd: string[],
  options: { cwd?: string; env?: Record<string, string>; stdin?: string } = {},
) {
  const result = Bun.spawnSync(cmd, {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    stdin: options.stdin === undefined ? 'ignore' : Buffer.from(options.stdin),
  })
  return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() }
}

/** Like run(), without blocking this process's event loop (servers in this process keep answering). */
export async function runAsync(cmd: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const proc = Bun.spawn(cmd, {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  return { code, stdout, stderr }
}
