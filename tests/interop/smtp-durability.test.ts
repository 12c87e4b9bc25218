// Nothing acknowledged is lost: deliveries stream in over several connections, the server is
// killed with SIGKILL mid-stream, and every message that got its 250 is in the store afterwards.
import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/client.ts'
import { createMockResolver } from '../../src/dns/index.ts'
import { startDnsResponder } from '../fixtures/mailauth/dns-responder.ts'
import { tempDir } from '../helpers/db.ts'
import { LineClient } from '../helpers/line-client.ts'
import { bunPath, freePorts, ProcessOutput, repoRoot, run } from '../helpers/process.ts'

test('every message answered 250 survives a SIGKILL', async () => {
  const work = tempDir()
  const dns = await startDnsResponder(createMockResolver({}))
  const [smtp = 0, http = 0] = await freePorts(2)
  const env: Record<string, string> = {
    POSTERN_DATA_DIR: join(work.path, 'data'),
    POSTERN_DNS_SERVERS: `127.0.0.1:${dns.port}`,
    POSTERN_HOSTNAME: 'mail.example.test',
    POSTERN_ADMIN_PASSWORD: 'admin-password',
    POSTERN_SMTP_MESSAGES_PER_MINUTE_PER_IP: '100000',
    POSTERN_LISTEN_SMTP: `127.0.0.1:${smtp}`,
    POSTERN_LISTEN_HTTP: `127.0.0.1:${http}`,
    ...Object.fromEntries(
      ['SUBMISSION', 'SUBMISSIONS', 'IMAP', 'IMAPS', 'POP3', 'POP3S', 'MANAGESIEVE', 'LMTP', 'HTTPS'].map(
        (s) => [`POSTERN_LISTEN_${s}`, 'off'],
      ),
    ),
  }
  const cli = (...args: string[]) =>
    run([bunPath, join(repoRoot, 'src/main.ts'), ...args], { cwd: work.path, env })
  expect(cli('domain', 'add', 'example.test').code).toBe(0)
  expect(cli('account', 'add', 'alice@example.test', '--password', 'alice-password').code).toBe(0)
  const proc = Bun.spawn([bunPath, join(repoRoot, 'src/main.ts'), 'serve'], {
    cwd: work.path,
    env: { ...process.env, ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  try {
    await new ProcessOutput(proc).waitFor(/postern started/)
    const acknowledged: string[] = []
    let stop = false
    const sender = async (n: number) => {
      const c = await LineClient.connect(smtp)
      try {
        await c.reply()
        await c.command('EHLO stream.example')
        for (let i = 0; !stop; i++) {
          const subject = `durable-${n}-${i}`
          if (!(await c.command('MAIL FROM:<s@remote.test>'))[0]?.startsWith('250')) break
          await c.command('RCPT TO:<alice@example.test>')
          if (!(await c.command('DATA'))[0]?.startsWith('354')) break
          c.send(
            `Subject: ${subject}\r\nMessage-ID: <${subject}@remote.test>\r\n\r\n${'body line\r\n'.repeat(50)}.`,
          )
          const reply = await c.reply()
          if (reply[0]?.startsWith('250')) acknowledged.push(subject)
          else break
        }
      } catch {
        // the connection dies with the server
      } finally {
        c.close()
      }
    }
    const senders = Array.from({ length: 4 }, (_, n) => sender(n))
    while (acknowledged.length < 40) await Bun.sleep(20)
    proc.kill('SIGKILL')
    stop = true
    await Promise.all(senders)
    await proc.exited
    expect(acknowledged.length).toBeGreaterThanOrEqual(40)
    const db = openDatabase(join(work.path, 'data/postern.sqlite'))
    try {
      const stored = new Set(
        (db.sqlite.query('SELECT subject FROM emails').all() as { subject: string }[]).map((r) => r.subject),
      )
      expect(acknowledged.filter((s) => !stored.has(s))).toEqual([])
    } finally {
      db.close()
    }
  } finally {
    proc.kill('SIGKILL')
    await dns.close()
    work.remove()
  }
}, 60_000)
