// `serve` as a user runs it (a separate process, empty directory, no config file), driven with
// curl and the CLI: first start, admin password, API, CLI while running, port clash, SIGTERM;
// and the single binary from `bun run build`.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, statSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { serviceNames } from '../../src/config/config.ts'
import { tempDir } from '../helpers/db.ts'
import { bunPath, freePorts, ProcessOutput, repoRoot, run } from '../helpers/process.ts'

const tcpServices = serviceNames.filter((s) => s !== 'http' && s !== 'https')

async function serveEnv(dataDir: string) {
  const [http = 0, https = 0] = await freePorts(2)
  const env: Record<string, string> = {
    POSTERN_HOSTNAME: 'mail.example.test',
    POSTERN_DATA_DIR: dataDir,
    POSTERN_LISTEN_HTTP: `127.0.0.1:${http}`,
    POSTERN_LISTEN_HTTPS: `127.0.0.1:${https}`,
    ...Object.fromEntries(tcpServices.map((s) => [`POSTERN_LISTEN_${s.toUpperCase()}`, 'off'])),
  }
  return { env, http, https }
}

function start(cmd: string[], cwd: string, env: Record<string, string>) {
  const proc = Bun.spawn(cmd, { cwd, env: { ...process.env, ...env }, stdout: 'pipe', stderr: 'pipe' })
  return { proc, output: new ProcessOutput(proc) }
}

function curl(args: string[]) {
  const r = run(['curl', '-sS', '-k', '-w', '\n%{http_code}', ...args])
  const lines = r.stdout.trimEnd().split('\n')
  const status = Number(lines.pop())
  return { status, body: lines.join('\n') }
}

describe('bun src/main.ts serve', () => {
  const work = tempDir()
  let setup: Awaited<ReturnType<typeof serveEnv>>
  let server: ReturnType<typeof start>
  let password = ''

  beforeAll(async () => {
    setup = await serveEnv('data')
    server = start([bunPath, join(repoRoot, 'src/main.ts'), 'serve'], work.path, setup.env)
    password =
      (await server.output.waitFor(/administrator created: user "admin", password "([A-Za-z0-9]+)"/))[1] ?? ''
    await server.output.waitFor(/postern started/)
  })
  afterAll(() => {
    server.proc.kill('SIGKILL')
    work.remove()
  })

  test('first start: database, certificate and admin password in the data directory', () => {
    expect(password).toHaveLength(24)
    expect(existsSync(join(work.path, 'data/postern.sqlite'))).toBe(true)
    expect(statSync(join(work.path, 'data/tls/mail.example.test.key')).mode & 0o777).toBe(0o600)
  })

  test('healthz over http and https (curl)', () => {
    expect(curl([`http://127.0.0.1:${setup.http}/healthz`])).toEqual({
      status: 200,
      body: '{"status":"ok","version":"0.1.0","queue":{"messages":0,"recipients":{"queued":0,"deferred":0},"oldestCreatedAt":null}}',
    })
    expect(curl([`https://127.0.0.1:${setup.https}/healthz`]).status).toBe(200)
  })

  test('admin API with curl, and the CLI while the server runs', () => {
    const api = (method: string, path: string, body?: unknown) =>
      curl([
        '-u',
        `admin:${password}`,
        '-X',
        method,
        ...(body === undefined
          ? []
          : ['-H', 'content-type: application/json', '--data', JSON.stringify(body)]),
        `http://127.0.0.1:${setup.http}${path}`,
      ])
    expect(api('POST', '/api/domains', { name: 'example.test' }).status).toBe(201)
    expect(api('POST', '/api/accounts', { email: 'web@example.test', password: 'web-password' }).status).toBe(
      201,
    )
    const cli = run(
      [
        bunPath,
        join(repoRoot, 'src/main.ts'),
        'account',
        'add',
        'cli@example.test',
        '--password',
        'cli-password',
      ],
      {
        cwd: work.path,
        env: setup.env,
      },
    )
    expect(cli).toMatchObject({ code: 0, stdout: 'account cli@example.test added\n' })
    const listed = JSON.parse(api('GET', '/api/accounts').body) as { email: string }[]
    expect(listed.map((a) => a.email)).toEqual(['cli@example.test', 'web@example.test'])
    const token = JSON.parse(api('POST', '/api/token').body).token as string
    const withToken = curl([
      '-H',
      `authorization: Bearer ${token}`,
      `http://127.0.0.1:${setup.http}/api/domains`,
    ])
    expect(withToken.status).toBe(200)
    expect(curl([`http://127.0.0.1:${setup.http}/api/domains`]).status).toBe(401)
    expect(
      run([bunPath, join(repoRoot, 'src/main.ts'), 'healthcheck'], { cwd: work.path, env: setup.env }),
    ).toMatchObject({
      code: 0,
      stdout: 'ok\n',
    })
  })

  test('SIGTERM stops cleanly; a restart keeps the admin password', async () => {
    server.proc.kill('SIGTERM')
    expect(await server.proc.exited).toBe(0)
    expect(server.output.text).toMatch(/SIGTERM received[\s\S]*stopped/)
    server = start([bunPath, join(repoRoot, 'src/main.ts'), 'serve'], work.path, setup.env)
    await server.output.waitFor(/postern started/)
    expect(server.output.text).not.toContain('administrator created')
    expect(curl(['-u', `admin:${password}`, `http://127.0.0.1:${setup.http}/api/accounts`]).status).toBe(200)
  })
})

test('a port in use is one clear line and the other services keep running', async () => {
  const work = tempDir()
  const { env, http, https } = await serveEnv('data')
  const blocker = net.createServer().listen(http, '127.0.0.1')
  await new Promise((r) => blocker.once('listening', r))
  const server = start([bunPath, join(repoRoot, 'src/main.ts'), 'serve'], work.path, env)
  try {
    await server.output.waitFor(/postern started/)
    const lines = server.output.text.split('\n').filter((l) => l.includes('cannot listen'))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(
      `cannot listen for http on 127.0.0.1:${http}: address already in use (another program is listening there); change listen.http in the config or set POSTERN_LISTEN_HTTP`,
    )
    expect(curl([`https://127.0.0.1:${https}/healthz`]).status).toBe(200)
  } finally {
    server.proc.kill('SIGKILL')
    blocker.close()
    work.remove()
  }
})

test('a bad config value stops start-up with one line', () => {
  const r = run([bunPath, join(repoRoot, 'src/main.ts'), 'serve'], {
    env: { POSTERN_LISTEN_IMAP: 'everywhere' },
  })
  expect(r.code).toBe(1)
  expect(r.stderr).toBe(
    'config: listen.imap = "everywhere" (from environment variable POSTERN_LISTEN_IMAP) is not valid; expected host:port (e.g. 0.0.0.0:143), or "off" to disable the service\n',
  )
})

test('the single binary (bun run build) serves from an empty directory', async () => {
  const build = run([bunPath, 'run', 'build'])
  expect(build.code).toBe(0)
  const work = tempDir()
  const { env, http } = await serveEnv(join(work.path, 'data'))
  const server = start([join(repoRoot, 'dist/postern'), 'serve'], work.path, env)
  try {
    await server.output.waitFor(/postern started/)
    expect(server.output.text).toContain('administrator created')
    expect(server.output.text).toContain('created self-signed certificate for mail.example.test')
    expect(curl([`http://127.0.0.1:${http}/healthz`]).status).toBe(200)
    server.proc.kill('SIGTERM')
    expect(await server.proc.exited).toBe(0)
  } finally {
    server.proc.kill('SIGKILL')
    work.remove()
  }
}, 120_000)
