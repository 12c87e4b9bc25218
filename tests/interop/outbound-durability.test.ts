// A message being handed to the next hop when the server dies (SIGKILL) is not lost: after the
// restart it is still queued and is delivered, and the queue then empties.
import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { SMTPServer } from 'smtp-server'
import { tempDir } from '../helpers/db.ts'
import { submit } from '../helpers/outbound.ts'
import { bunPath, freePorts, ProcessOutput, repoRoot, runAsync } from '../helpers/process.ts'

test('a delivery cut short by SIGKILL is retried after the restart', async () => {
  const work = tempDir()
  let hold = true
  let dataSeen = 0
  const accepted: string[] = []
  const sink = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, cb) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        dataSeen++
        // The first time, never answer the end of DATA: the sender is killed while it waits.
        if (hold) return
        accepted.push(Buffer.concat(chunks).toString('latin1'))
        cb()
      })
    },
  })
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()))
  const sinkPort = (sink.server.address() as { port: number }).port
  const [submission = 0, http = 0] = await freePorts(2)
  const env: Record<string, string> = {
    POSTERN_DATA_DIR: join(work.path, 'data'),
    POSTERN_HOSTNAME: 'mail.example.test',
    POSTERN_ADMIN_PASSWORD: 'admin-password',
    POSTERN_DNS_SERVERS: '127.0.0.1:9',
    POSTERN_DELIVERY_RELAY: `127.0.0.1:${sinkPort}`,
    POSTERN_DELIVERY_RELAY_TLS: 'none',
    POSTERN_DELIVERY_RETRY_INTERVALS: '1s',
    POSTERN_DELIVERY_TIMEOUT_SECONDS: '60',
    POSTERN_LISTEN_SUBMISSION: `127.0.0.1:${submission}`,
    POSTERN_LISTEN_HTTP: `127.0.0.1:${http}`,
    ...Object.fromEntries(
      ['SMTP', 'SUBMISSIONS', 'IMAP', 'IMAPS', 'POP3', 'POP3S', 'MANAGESIEVE', 'LMTP', 'HTTPS'].map((s) => [
        `POSTERN_LISTEN_${s}`,
        'off',
      ]),
    ),
  }
  const cli = async (...args: string[]) =>
    runAsync([bunPath, join(repoRoot, 'src/main.ts'), ...args], { cwd: work.path, env })
  const serve = async () => {
    const proc = Bun.spawn([bunPath, join(repoRoot, 'src/main.ts'), 'serve'], {
      cwd: work.path,
      env: { ...process.env, ...env },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    const output = new ProcessOutput(proc)
    await output.waitFor(/postern started/)
    return { proc, output }
  }
  let server: Awaited<ReturnType<typeof serve>> | undefined
  try {
    expect((await cli('domain', 'add', 'example.test')).code).toBe(0)
    expect((await cli('account', 'add', 'alice@example.test', '--password', 'alice-password')).code).toBe(0)
    server = await serve()
    await submit(
      submission,
      { user: 'alice@example.test', pass: 'alice-password' },
      { from: 'alice@example.test', to: ['friend@remote.test'] },
      'From: alice@example.test\nTo: friend@remote.test\nSubject: survives\n\nhello\n',
    )
    while (dataSeen === 0) await Bun.sleep(20)
    server.proc.kill('SIGKILL')
    await server.proc.exited
    server = undefined

    const queued = JSON.parse((await cli('queue', 'list', '--json')).stdout) as {
      recipients: { status: string }[]
    }[]
    expect(queued.length).toBe(1)
    expect(queued[0]?.recipients[0]?.status).toBe('queued')

    hold = false
    server = await serve()
    const deadline = Date.now() + 20_000
    while (accepted.length === 0 && Date.now() < deadline) await Bun.sleep(50)
    expect(accepted.length).toBe(1)
    expect(accepted[0]).toMatch(/Subject: survives\r\n/)
    expect(accepted[0]).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256;/)
    await server.output.waitFor(/\[queue\] delivered queueId=1 rcpt=friend@remote\.test/)
    await Bun.sleep(200)
    expect(JSON.parse((await cli('queue', 'list', '--json')).stdout)).toEqual([])
  } finally {
    server?.proc.kill('SIGKILL')
    await new Promise<void>((r) => sink.close(() => r()))
    work.remove()
  }
}, 60_000)
