// The in-memory transport: a protocol session driven from a test without sockets.

import { describe, expect, test } from 'bun:test'
import { createLogger, memorySink } from '../../src/lib/log.ts'
import {
  type Connection,
  createMemoryConnectionPair,
  LineTooLongError,
  StartTlsError,
} from '../../src/net/index.ts'

/** Greeting, then ECHO, STARTTLS, TLSINFO, LITERAL n, QUIT. */
async function session(conn: Connection): Promise<string> {
  conn.onIdleTimeout = () => conn.write('* BYE idle\r\n')
  conn.write('* hello\r\n')
  for (;;) {
    const line = await conn.readLine().catch((err: unknown) => {
      if (err instanceof LineTooLongError) return 'TOOLONG'
      throw err
    })
    if (line === null) return 'eof'
    const [verb, arg = ''] = line.split(/ (.*)/s)
    if (verb === 'ECHO') conn.write(`OK ${arg}\r\n`)
    else if (verb === 'TOOLONG') conn.write('BAD line too long\r\n')
    else if (verb === 'STARTTLS') await conn.startTls('OK begin TLS\r\n')
    else if (verb === 'TLSINFO') conn.write(`OK ${JSON.stringify(conn.tlsInfo() ?? null)}\r\n`)
    else if (verb === 'LITERAL') {
      const data = await conn.readBytes(Number(arg))
      conn.write(data === null ? 'NO eof\r\n' : `OK ${data.length} bytes, last ${data.at(-1)}\r\n`)
    } else if (verb === 'QUIT') {
      conn.write('BYE\r\n')
      return 'quit'
    } else conn.write('BAD\r\n')
  }
}

describe('memory transport', () => {
  test('a transcript', async () => {
    const { server, client } = createMemoryConnectionPair({ maxLineLength: 20 })
    const done = session(server)
    expect(await client.readLine()).toBe('* hello')
    client.writeLine('ECHO hi')
    expect(await client.readLine()).toBe('OK hi')
    client.writeLine(`ECHO ${'x'.repeat(30)}`)
    expect(await client.readLine()).toBe('BAD line too long')
    client.write('LITERAL 4\r\nab')
    client.write(new Uint8Array([0x0a, 0xff]))
    expect(await client.readLine()).toBe('OK 4 bytes, last 255')
    client.writeLine('QUIT')
    expect(await client.readLine()).toBe('BYE')
    expect(await done).toBe('quit')
    await server.close()
    expect(await client.readLine()).toBeNull()
    expect(client.isClosed).toBe(true)
  })

  test('simulated STARTTLS discards pipelined plaintext and reports TLS', async () => {
    const sink = memorySink()
    const log = createLogger({ level: 'debug', sink })
    const { server, client } = createMemoryConnectionPair({ allowStartTls: true, servername: 'mx.test', log })
    void session(server)
    await client.readLine()
    expect(server.canStartTls).toBe(true)
    client.write('STARTTLS\r\nECHO injected\r\n')
    expect(await client.readLine()).toBe('OK begin TLS')
    expect(client.isTls).toBe(true)
    client.writeLine('ECHO after')
    expect(await client.readLine()).toBe('OK after')
    client.writeLine('TLSINFO')
    expect(await client.readLine()).toBe('OK {"protocol":"memory","cipher":"none","servername":"mx.test"}')
    expect(server.canStartTls).toBe(false)
    await expect(server.startTls()).rejects.toBeInstanceOf(StartTlsError)
    expect(sink.lines.some((l) => l.includes('discarded plaintext sent after STARTTLS bytes=15'))).toBe(true)
  })

  test('STARTTLS is refused unless offered', async () => {
    const { server } = createMemoryConnectionPair()
    expect(server.canStartTls).toBe(false)
    await expect(server.startTls()).rejects.toThrow('STARTTLS is not available')
  })

  test('client end gives the session EOF but replies to pipelined commands still arrive', async () => {
    const { server, client } = createMemoryConnectionPair()
    const done = session(server)
    client.write('ECHO a\r\nECHO b\r\n')
    client.end()
    expect(await done).toBe('eof')
    expect([await client.readLine(), await client.readLine(), await client.readLine()]).toEqual([
      '* hello',
      'OK a',
      'OK b',
    ])
  })

  test('client destroy ends reads and later writes are ignored', async () => {
    const { server, client } = createMemoryConnectionPair()
    const done = session(server)
    client.destroy()
    expect(await done).toBe('eof')
    expect(server.isClosed).toBe(true)
    server.write('ignored\r\n')
  })

  test('idle timeout writes the goodbye line and closes', async () => {
    const { server, client } = createMemoryConnectionPair({ idleTimeoutMs: 50 })
    const done = session(server)
    expect(await client.readLine()).toBe('* hello')
    expect(await client.readLine()).toBe('* BYE idle')
    expect(await client.readLine()).toBeNull()
    expect(await done).toBe('eof')
    await client.closed
  })

  test('connection identity and logging', async () => {
    const sink = memorySink()
    const { server } = createMemoryConnectionPair({
      service: 'imap',
      id: 'abcd1234',
      remoteAddress: '192.0.2.7',
      log: createLogger({ sink }),
    })
    expect([server.id, server.service, server.remoteAddress, server.isTls]).toEqual([
      'abcd1234',
      'imap',
      '192.0.2.7',
      false,
    ])
    server.log.info('hello')
    expect(sink.lines[0]).toMatch(/ INFO +\[imap\] conn=abcd1234 hello$/)
  })
})
