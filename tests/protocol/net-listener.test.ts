// The listener framework over real sockets on 127.0.0.1: a tiny line protocol built on it,
// STARTTLS and implicit TLS with a throw-away certificate, limits, idle timeout, bind errors
// and graceful stop.

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import { createLogger, memorySink } from '../../src/lib/log.ts'
import {
  type Connection,
  LineTooLongError,
  type ListenerHandle,
  type ListenerSpec,
  type NetLimits,
  StartTlsError,
  startListeners,
} from '../../src/net/index.ts'
import type { TlsContexts } from '../../src/tls/types.ts'

// --- a throw-away certificate per name ---------------------------------------------------
let certDir = ''
let contexts: TlsContexts
beforeAll(() => {
  certDir = mkdtempSync(join(tmpdir(), 'postern-net-'))
  const pem: Record<string, { cert: string; key: string }> = {}
  for (const name of ['localhost', 'other.test']) {
    const keyFile = join(certDir, `${name}.key`)
    const certFile = join(certDir, `${name}.crt`)
    const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`]
    const r = Bun.spawnSync(['openssl', ...args, '-keyout', keyFile, '-out', certFile], { stderr: 'pipe' })
    if (r.exitCode !== 0) throw new Error(`openssl failed: ${r.stderr.toString()}`)
    pem[name] = { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') }
  }
  const ctx = (name: string) => tls.createSecureContext(pem[name])
  const byName = { localhost: ctx('localhost'), 'other.test': ctx('other.test') }
  contexts = {
    contextFor: (name) => (name === 'other.test' ? byName['other.test'] : byName.localhost),
    defaultPem: () => pem.localhost as { cert: string; key: string },
    allPem: () => Object.entries(pem).map(([serverName, p]) => ({ serverName, ...p })),
  }
})
afterAll(() => rmSync(certDir, { recursive: true, force: true }))

// --- the test protocol: greeting, ECHO, STARTTLS, TLSINFO, LITERAL n, SLOW ms, BIG n, QUIT --
async function testProtocol(conn: Connection): Promise<void> {
  let busy = false
  let quitAfterCommand = false
  conn.onIdleTimeout = () => conn.write('* BYE idle\r\n')
  conn.onShutdown = () => {
    if (busy) quitAfterCommand = true
    else {
      conn.write('* BYE shutting down\r\n')
      void conn.close()
    }
  }
  conn.write(`* hello ${conn.isTls ? 'tls' : 'plain'}\r\n`)
  for (;;) {
    let line: string | null
    try {
      line = await conn.readLine()
    } catch (err) {
      if (!(err instanceof LineTooLongError)) throw err
      conn.write('BAD line too long\r\n')
      continue
    }
    if (line === null) return
    busy = true
    const [verb = '', arg = ''] = line.split(/ (.*)/s)
    switch (verb.toUpperCase()) {
      case 'ECHO':
        conn.write(`OK ${arg}\r\n`)
        break
      case 'STARTTLS':
        if (conn.canStartTls) await conn.startTls('OK begin TLS\r\n')
        else conn.write('NO TLS not available\r\n')
        break
      case 'STLS': // the reply written first, then startTls() without one
        conn.write('+OK begin TLS\r\n')
        await conn.startTls()
        break
      case 'TLSINFO': {
        const info = conn.tlsInfo()
        conn.write(info ? `OK ${info.protocol} ${info.servername ?? '-'}\r\n` : 'OK none\r\n')
        break
      }
      case 'LITERAL': {
        conn.write('+ go ahead\r\n')
        const data = await conn.readBytes(Number(arg))
        conn.write(`OK ${data === null ? 'eof' : new TextDecoder().decode(data)}\r\n`)
        break
      }
      case 'SLOW':
        await Bun.sleep(Number(arg))
        conn.write('OK slow\r\n')
        break
      case 'BIG':
        for (let i = 0; i < Number(arg); i++) conn.write(new Uint8Array(64 * 1024).fill(0x61))
        conn.write('\r\n')
        await conn.flush()
        conn.write('OK big\r\n')
        break
      case 'CRASH':
        throw new Error('handler bug')
      case 'QUIT':
        conn.write('BYE\r\n')
        return
      default:
        conn.write('BAD unknown command\r\n')
    }
    busy = false
    if (quitAfterCommand) {
      conn.write('* BYE shutting down\r\n')
      return
    }
  }
}

// --- a line client over a plain or TLS socket ---------------------------------------------
class Client {
  #text = ''
  #ended = false
  #wake: (() => void) | undefined
  socket: net.Socket

  constructor(socket: net.Socket) {
    this.socket = socket
    this.#listen(socket)
  }

  #listen(socket: net.Socket) {
    socket.on('data', this.#onData)
    socket.on('end', this.#onEnd)
    socket.on('close', this.#onEnd)
    socket.on('error', () => {})
  }

  #onData = (chunk: Buffer) => {
    this.#text += chunk.toString('latin1')
    this.#wake?.()
  }

  #onEnd = () => {
    this.#ended = true
    this.#wake?.()
  }

  /** The next CRLF line, or null when the server closed. */
  async line(): Promise<string | null> {
    for (;;) {
      const i = this.#text.indexOf('\r\n')
      if (i >= 0) {
        const line = this.#text.slice(0, i)
        this.#text = this.#text.slice(i + 2)
        return line
      }
      if (this.#ended) return null
      await new Promise<void>((resolve) => {
        this.#wake = resolve
      })
    }
  }

  send(data: string) {
    this.socket.write(data)
  }

  async command(line: string): Promise<string | null> {
    this.send(`${line}\r\n`)
    return this.line()
  }

  /** Switches to TLS on the same socket (after the server's go-ahead). */
  async startTls(servername = 'localhost'): Promise<tls.TLSSocket> {
    const plain = this.socket
    plain.off('data', this.#onData)
    plain.off('end', this.#onEnd)
    const secure = tls.connect({ socket: plain, servername, rejectUnauthorized: false })
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve)
      secure.once('error', reject)
    })
    this.socket = secure
    this.#listen(secure)
    return secure
  }

  close() {
    this.socket.destroy()
  }
}

function connect(port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(new Client(s)))
    s.once('error', reject)
  })
}

function connectTls(port: number, servername = 'localhost'): Promise<Client> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ port, host: '127.0.0.1', servername, rejectUnauthorized: false }, () =>
      resolve(new Client(s)),
    )
    s.once('error', reject)
  })
}

// --- server set-up ---------------------------------------------------------------------------
const limits: NetLimits = {
  max_connections: 100,
  max_connections_per_ip: 10,
  idle_timeout_seconds: 60,
  max_line_length: 1000,
}
const running: ListenerHandle[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((h) => h.stop(0)))
})

async function serve(specs: Partial<ListenerSpec>[], limitOverrides: Partial<NetLimits> = {}) {
  const sink = memorySink()
  const log = createLogger({ level: 'debug', sink })
  const full = specs.map((s, i) => ({
    service: `svc${i}`,
    address: { host: '127.0.0.1', port: 0 },
    tls: 'starttls' as const,
    handler: testProtocol,
    ...s,
  }))
  const handle = await startListeners(full, { log, tls: contexts, limits: { ...limits, ...limitOverrides } })
  running.push(handle)
  const port = (service = 'svc0') => handle.address(service)?.port ?? -1
  return { handle, port, lines: sink.lines }
}

async function until(check: () => boolean, ms = 2000) {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await Bun.sleep(5)
  }
}

// --- tests ------------------------------------------------------------------------------------
describe('plain sessions', () => {
  test('greeting, commands and QUIT; the server closes after the handler returns', async () => {
    const { port, lines } = await serve([{}])
    const c = await connect(port())
    expect(await c.line()).toBe('* hello plain')
    expect(await c.command('ECHO hello world')).toBe('OK hello world')
    expect(await c.command('NOPE')).toBe('BAD unknown command')
    expect(await c.command('TLSINFO')).toBe('OK none')
    expect(await c.command('QUIT')).toBe('BYE')
    expect(await c.line()).toBeNull()
    expect(lines.some((l) => / INFO +\[svc0\] conn=\w+ connected remote=127\.0\.0\.1/.test(l))).toBe(true)
    await until(() => lines.some((l) => /disconnected/.test(l)))
  })

  test('pipelined commands followed by a half-close are all answered', async () => {
    const { port } = await serve([{}])
    const c = await connect(port())
    c.send('ECHO a\r\nECHO b\r\n')
    c.socket.end()
    expect([await c.line(), await c.line(), await c.line(), await c.line()]).toEqual([
      '* hello plain',
      'OK a',
      'OK b',
      null,
    ])
  })

  test('a line over the limit gets an answer and the session goes on', async () => {
    const { port } = await serve([{ maxLineLength: 600 }])
    const c = await connect(port())
    await c.line()
    expect(await c.command(`ECHO ${'x'.repeat(2000)}`)).toBe('BAD line too long')
    expect(await c.command(`ECHO ${'y'.repeat(595)}`)).toBe(`OK ${'y'.repeat(595)}`)
  })

  test('readBytes across chunk boundaries', async () => {
    const { port } = await serve([{}])
    const c = await connect(port())
    await c.line()
    expect(await c.command('LITERAL 10')).toBe('+ go ahead')
    c.send('0123')
    await Bun.sleep(20)
    c.send('456')
    await Bun.sleep(20)
    c.send('789ECHO next\r\n')
    expect(await c.line()).toBe('OK 0123456789')
    expect(await c.line()).toBe('OK next')
  })

  test('large output respects backpressure and flush waits for it', async () => {
    const { port } = await serve([{}])
    const c = await connect(port())
    await c.line()
    expect(await c.command('BIG 256')).toBe('a'.repeat(256 * 64 * 1024))
    expect(await c.line()).toBe('OK big')
  })

  test('a handler that throws is logged with its connection id and the server keeps serving', async () => {
    const { port, lines } = await serve([{}])
    const c = await connect(port())
    await c.line()
    expect(await c.command('CRASH')).toBeNull()
    await until(() => lines.some((l) => l.includes('ERROR [svc0] conn=') && l.includes('session failed')))
    expect(lines.find((l) => l.includes('session failed'))).toContain('handler bug')
    const d = await connect(port())
    expect(await d.line()).toBe('* hello plain')
  })
})

describe('TLS', () => {
  test('STARTTLS upgrades the connection and the session continues over TLS', async () => {
    const { port } = await serve([{}])
    const c = await connect(port())
    expect(await c.line()).toBe('* hello plain')
    expect(await c.command('STARTTLS')).toBe('OK begin TLS')
    const secure = await c.startTls('localhost')
    expect(secure.getPeerCertificate().subject?.CN).toBe('localhost')
    expect(await c.command('ECHO secret')).toBe('OK secret')
    expect(await c.command('TLSINFO')).toBe('OK TLSv1.3 localhost')
    expect(await c.command('STARTTLS')).toBe('NO TLS not available')
  })

  test('STARTTLS with the go-ahead written before startTls()', async () => {
    const { port } = await serve([{}])
    const c = await connect(port())
    await c.line()
    expect(await c.command('STLS')).toBe('+OK begin TLS')
    await c.startTls()
    expect(await c.command('TLSINFO')).toBe('OK TLSv1.3 localhost')
  })

  test('SNI picks the certificate and reaches tlsInfo', async () => {
    const { port } = await serve([{}])
    const c = await connect(port())
    await c.line()
    await c.command('STARTTLS')
    const secure = await c.startTls('other.test')
    expect(secure.getPeerCertificate().subject?.CN).toBe('other.test')
    expect(await c.command('TLSINFO')).toBe('OK TLSv1.3 other.test')
  })

  test('plaintext pipelined after STARTTLS is discarded, not run over TLS (CVE-2011-0411)', async () => {
    const { port, lines } = await serve([{}])
    const c = await connect(port())
    await c.line()
    c.send('STARTTLS\r\nECHO injected\r\n')
    expect(await c.line()).toBe('OK begin TLS')
    await c.startTls()
    expect(await c.command('ECHO after')).toBe('OK after')
    expect(lines.some((l) => l.includes('discarded plaintext sent after STARTTLS bytes=15'))).toBe(true)
  })

  test('STARTTLS is refused on a plain-only listener', async () => {
    const { port } = await serve([{ tls: 'none' }])
    const c = await connect(port())
    await c.line()
    expect(await c.command('STARTTLS')).toBe('NO TLS not available')
    expect(await c.command('ECHO still plain')).toBe('OK still plain')
  })

  test('implicit TLS: the session starts after the handshake', async () => {
    const { port, lines } = await serve([{ tls: 'implicit' }])
    const c = await connectTls(port(), 'other.test')
    expect(await c.line()).toBe('* hello tls')
    expect(await c.command('TLSINFO')).toBe('OK TLSv1.3 other.test')
    expect(await c.command('STARTTLS')).toBe('NO TLS not available')
    c.socket.end()
    expect(await c.line()).toBeNull()
    await until(() => lines.some((l) => l.includes('disconnected')))
  })

  test('a failed handshake is logged at debug and does not disturb the listener', async () => {
    const { port, lines } = await serve([{ tls: 'implicit' }])
    const bad = await connect(port())
    bad.send('EHLO not tls\r\n\r\n')
    expect(await bad.line()).toBeNull()
    await until(() => lines.some((l) => / DEBUG .*TLS handshake failed/.test(l)))
    expect(lines.filter((l) => / (ERROR|WARN) /.test(l))).toEqual([])
    const good = await connectTls(port())
    expect(await good.line()).toBe('* hello tls')
  })
})

describe('limits and timeouts', () => {
  test('per-IP limit: refused with the protocol line, admitted again after one closes', async () => {
    const onRefused = (reason: string) => `NO too many connections (${reason})`
    const { port, handle } = await serve([{ onRefused }], { max_connections_per_ip: 2 })
    const a = await connect(port())
    const b = await connect(port())
    expect([await a.line(), await b.line()]).toEqual(['* hello plain', '* hello plain'])
    const c = await connect(port())
    expect(await c.line()).toBe('NO too many connections (too-many-from-address)')
    expect(await c.line()).toBeNull()
    expect(await a.command('QUIT')).toBe('BYE')
    await until(() => handle.connectionCount === 1)
    const d = await connect(port())
    expect(await d.line()).toBe('* hello plain')
  })

  test('total limit across listeners', async () => {
    const { port } = await serve([{}, { onRefused: () => '421 busy' }], { max_connections: 1 })
    const a = await connect(port('svc0'))
    expect(await a.line()).toBe('* hello plain')
    const b = await connect(port('svc1'))
    expect(await b.line()).toBe('421 busy')
    expect(await b.line()).toBeNull()
  })

  test('idle timeout: goodbye line, then close', async () => {
    const { port } = await serve([{ idleTimeoutMs: 150 }])
    const c = await connect(port())
    await c.line()
    await Bun.sleep(100)
    expect(await c.command('ECHO still here')).toBe('OK still here')
    const started = Date.now()
    expect(await c.line()).toBe('* BYE idle')
    expect(Date.now() - started).toBeGreaterThanOrEqual(120)
    expect(await c.line()).toBeNull()
  })
})

describe('binding and stopping', () => {
  test('an occupied port logs one clear line and the other listener still works', async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const busyPort = (blocker.address() as net.AddressInfo).port
    try {
      const { handle, lines } = await serve([
        { service: 'imap', address: { host: '127.0.0.1', port: busyPort } },
        { service: 'pop3' },
      ])
      const errors = lines.filter((l) => l.includes(' ERROR '))
      expect(errors).toHaveLength(1)
      expect(errors[0]).toEndWith(
        `[imap] cannot listen for imap on 127.0.0.1:${busyPort}: address already in use (another program is listening there); ` +
          'change listen.imap in the config or set POSTERN_LISTEN_IMAP',
      )
      expect(handle.failed).toEqual(['imap'])
      expect(handle.address('imap')).toBeUndefined()
      const c = await connect(handle.address('pop3')?.port ?? -1)
      expect(await c.line()).toBe('* hello plain')
    } finally {
      blocker.close()
    }
  })

  test('stop() lets a busy session finish, says goodbye to idle ones, then refuses new ones', async () => {
    const { port, handle } = await serve([{}])
    const busy = await connect(port())
    const idle = await connect(port())
    await busy.line()
    await idle.line()
    busy.send('SLOW 300\r\n')
    await Bun.sleep(50)
    const started = Date.now()
    await handle.stop(5000)
    expect(Date.now() - started).toBeGreaterThanOrEqual(200)
    expect(Date.now() - started).toBeLessThan(3000)
    expect([await idle.line(), await idle.line()]).toEqual(['* BYE shutting down', null])
    expect([await busy.line(), await busy.line(), await busy.line()]).toEqual([
      'OK slow',
      '* BYE shutting down',
      null,
    ])
    await expect(connect(port())).rejects.toThrow()
  })

  test('stop() cuts sessions that outlast the grace period', async () => {
    const stuck = async (conn: Connection) => {
      conn.write('* hello\r\n')
      while ((await conn.readLine()) !== null) {}
    }
    const { port, handle } = await serve([{ handler: stuck }])
    const c = await connect(port())
    expect(await c.line()).toBe('* hello')
    const started = Date.now()
    await handle.stop(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
    expect(await c.line()).toBeNull()
    expect(handle.connectionCount).toBe(0)
  })
})

test('startTls rejects with StartTlsError when TLS is already on', async () => {
  let failure: unknown
  const { port } = await serve([
    {
      tls: 'implicit',
      handler: async (conn) => {
        failure = await conn.startTls().catch((err: unknown) => err)
        conn.write('done\r\n')
      },
    },
  ])
  const c = await connectTls(port())
  expect(await c.line()).toBe('done')
  expect(failure).toBeInstanceOf(StartTlsError)
})
