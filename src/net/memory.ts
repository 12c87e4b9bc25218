// In-memory transport: a server-side Connection wired to a test client, so protocol sessions
// can be driven from unit tests without sockets. STARTTLS is simulated (no real TLS): it
// discards pipelined input exactly as the socket transport does and then reports isTls.

import { createLogger, type Logger } from '../lib/log.ts'
import { BaseConnection } from './base-connection.ts'
import type { Connection } from './connection.ts'
import { CompressionError, StartTlsError, type TlsInfo } from './connection.ts'
import { InputBuffer } from './input-buffer.ts'

/** Options for {@link createMemoryConnectionPair}. */
export interface MemoryPairOptions {
  service?: string
  log?: Logger
  remoteAddress?: string
  remotePort?: number
  localPort?: number
  /** Default 64 KiB. */
  maxLineLength?: number
  /** Default 0 (no idle timeout). */
  idleTimeoutMs?: number
  /** Offer (simulated) STARTTLS. */
  allowStartTls?: boolean
  /** Start as if on an implicit-TLS port. */
  implicitTls?: boolean
  /** The SNI name reported by tlsInfo() once TLS is on. */
  servername?: string
  id?: string
}

/** The test's end of an in-memory connection. */
export interface MemoryClient {
  /** Sends raw data to the server. */
  write(data: string | Uint8Array): void
  /** Sends `line` followed by CRLF. */
  writeLine(line: string): void
  /** The next line the server wrote, without CRLF; null once the server closed and all was read. */
  readLine(): Promise<string | null>
  /** Exactly `n` bytes the server wrote, or null if it closed first. */
  readBytes(n: number): Promise<Uint8Array | null>
  /** Closes the client's side: the server reads EOF but may still write. */
  end(): void
  /** Drops the connection: the server's reads resolve null and its writes are ignored. */
  destroy(): void
  /** True once the server has switched to (simulated) TLS. */
  readonly isTls: boolean
  /** True once either side closed. */
  readonly isClosed: boolean
  /** Resolves when the connection is closed by either side. */
  readonly closed: Promise<void>
}

const utf8 = new TextDecoder('utf-8')
const utf8Encoder = new TextEncoder()

class MemoryConnection extends BaseConnection {
  #tls: boolean
  readonly #allowStartTls: boolean
  readonly #servername: string | undefined
  readonly #toClient: InputBuffer
  readonly #onClosed: () => void

  constructor(options: MemoryPairOptions, toClient: InputBuffer, onClosed: () => void) {
    super({
      service: options.service ?? 'test',
      log: options.log ?? createLogger({ level: 'error' }),
      remoteAddress: options.remoteAddress ?? '127.0.0.1',
      remotePort: options.remotePort ?? 50000,
      localPort: options.localPort ?? 0,
      maxLineLength: options.maxLineLength ?? 64 * 1024,
      idleTimeoutMs: options.idleTimeoutMs ?? 0,
      ...(options.id === undefined ? {} : { id: options.id }),
    })
    this.#tls = options.implicitTls ?? false
    this.#allowStartTls = options.allowStartTls ?? false
    this.#servername = options.servername
    this.#toClient = toClient
    this.#onClosed = onClosed
  }

  get isTls(): boolean {
    return this.#tls
  }

  get canStartTls(): boolean {
    return !this.#tls && this.#allowStartTls && !this.isClosed
  }

  tlsInfo(): TlsInfo | undefined {
    return this.#tls ? { protocol: 'memory', cipher: 'none', servername: this.#servername } : undefined
  }

  write(data: string | Uint8Array): void {
    if (this.isClosed) return
    this.#toClient.push(typeof data === 'string' ? utf8Encoder.encode(data) : data.slice())
  }

  flush(): Promise<void> {
    return Promise.resolve()
  }

  // Synchronous on purpose: the client sees isTls as soon as it reads the go-ahead.
  startTls(goAhead?: string | Uint8Array): Promise<void> {
    if (this.#tls) return Promise.reject(new StartTlsError('already using TLS'))
    if (this.isClosed) return Promise.reject(new StartTlsError('connection closed'))
    if (!this.#allowStartTls) return Promise.reject(new StartTlsError('STARTTLS is not available'))
    const dropped = this.input.discardBuffered()
    if (dropped > 0) this.log.info('discarded plaintext sent after STARTTLS', { bytes: dropped })
    this.#tls = true
    if (goAhead !== undefined) this.write(goAhead)
    return Promise.resolve()
  }

  get isCompressed(): boolean {
    return false
  }

  startCompression(): Promise<void> {
    return Promise.reject(new CompressionError('compression is not available on an in-memory connection'))
  }

  /** Input from the client. */
  receive(data: Uint8Array): void {
    if (this.isClosed) return
    this.touch()
    this.input.push(data)
  }

  /** The client closed its side. */
  receiveEnd(): void {
    this.input.end()
  }

  /** The client went away entirely. */
  gone(): void {
    this.markClosed()
  }

  protected closeTransport(): Promise<void> {
    this.#onClosed()
    return Promise.resolve()
  }

  protected pauseInput(): void {}
  protected resumeInput(): void {}
}

/**
 * A connected pair: `server` is what a protocol session gets, `client` is driven by the test.
 * Client writes reach the server synchronously; the client end has no line-length limit.
 */
export function createMemoryConnectionPair(options: MemoryPairOptions = {}): {
  server: Connection
  client: MemoryClient
} {
  const toClient = new InputBuffer({ maxLineLength: Number.MAX_SAFE_INTEGER, highWaterMark: Infinity })
  let closed = false
  let resolveClosed: () => void = () => {}
  const closedPromise = new Promise<void>((resolve) => {
    resolveClosed = resolve
  })
  const markClosed = () => {
    if (closed) return
    closed = true
    toClient.end()
    resolveClosed()
  }
  const server = new MemoryConnection(options, toClient, markClosed)
  const client: MemoryClient = {
    write(data) {
      if (closed) return
      server.receive(typeof data === 'string' ? utf8Encoder.encode(data) : data.slice())
    },
    writeLine(line) {
      client.write(`${line}\r\n`)
    },
    async readLine() {
      const bytes = await toClient.readLine()
      return bytes === null ? null : utf8.decode(bytes)
    },
    readBytes: (n) => toClient.readBytes(n),
    end() {
      server.receiveEnd()
    },
    destroy() {
      server.gone()
      markClosed()
    },
    get isTls() {
      return server.isTls
    },
    get isClosed() {
      return closed
    },
    closed: closedPromise,
  }
  return { server, client }
}
