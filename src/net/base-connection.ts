// What every Connection implementation shares: identity, logging, the input buffer and its
// reads, the idle timer and the close/shutdown hooks. Transports add writing, TLS and closing.

import { commandBoundary } from '../lib/command-boundary.ts'
import { randomId } from '../lib/ids.ts'
import type { Logger } from '../lib/log.ts'
import type { Connection, TlsInfo } from './connection.ts'
import { InputBuffer } from './input-buffer.ts'

/** Identity and limits common to every transport. */
export interface BaseConnectionOptions {
  service: string
  /** Parent logger; the connection logs through `log.child(service, { conn: id })`. */
  log: Logger
  remoteAddress: string
  remotePort: number
  localPort: number
  maxLineLength: number
  /** Inactivity timeout in ms; 0 or absent = none. */
  idleTimeoutMs?: number
  /** Fixed id (tests); default random. */
  id?: string
}

const utf8 = new TextDecoder('utf-8')

/** Base class for transports; subclasses feed `input` and implement the abstract members. */
export abstract class BaseConnection implements Connection {
  readonly id: string
  readonly service: string
  readonly remoteAddress: string
  readonly remotePort: number
  readonly localPort: number
  readonly log: Logger
  onIdleTimeout: (() => void) | undefined = undefined
  onShutdown: (() => void) | undefined = undefined
  protected readonly input: InputBuffer
  #idleMs = 0
  #idleTimer: ReturnType<typeof setTimeout> | undefined
  #closing: Promise<void> | undefined
  #closed = false

  constructor(options: BaseConnectionOptions) {
    this.id = options.id ?? randomId(8)
    this.service = options.service
    this.remoteAddress = options.remoteAddress
    this.remotePort = options.remotePort
    this.localPort = options.localPort
    this.log = options.log.child(options.service, { conn: this.id })
    this.input = new InputBuffer({
      maxLineLength: options.maxLineLength,
      onPause: () => this.pauseInput(),
      onResume: () => this.resumeInput(),
    })
    this.setIdleTimeout(options.idleTimeoutMs ?? 0)
  }

  abstract get isTls(): boolean
  abstract get canStartTls(): boolean
  abstract tlsInfo(): TlsInfo | undefined
  abstract write(data: string | Uint8Array): void
  abstract flush(): Promise<void>
  abstract startTls(goAhead?: string | Uint8Array): Promise<void>
  abstract get isCompressed(): boolean
  abstract startCompression(goAhead: string): Promise<void>
  /** Flush and shut the transport down; called once, after input has been destroyed. */
  protected abstract closeTransport(): Promise<void>
  /** Stop reading from the transport (input is piling up unread). */
  protected abstract pauseInput(): void
  /** Start reading again. */
  protected abstract resumeInput(): void

  get isClosed(): boolean {
    return this.#closed || this.#closing !== undefined
  }

  readLineBytes(): Promise<Uint8Array | null> {
    this.#beforeRead()
    return this.input.readLine()
  }

  async readLine(): Promise<string | null> {
    this.#beforeRead()
    const bytes = await this.input.readLine()
    return bytes === null ? null : utf8.decode(bytes)
  }

  readBytes(n: number): Promise<Uint8Array | null> {
    this.#beforeRead()
    return this.input.readBytes(n)
  }

  /** Nothing to read yet: the peer is waiting for our answer, so held-back output goes now. */
  #beforeRead(): void {
    commandBoundary()
    if (this.input.bufferedLength === 0) this.sendPendingOutput()
  }

  /** Sends output a transport holds back to combine writes (see SocketConnection). */
  protected sendPendingOutput(): void {}

  close(): Promise<void> {
    if (this.#closing === undefined) {
      this.#stopIdleTimer()
      this.input.destroy()
      this.#closing = this.#closed
        ? Promise.resolve()
        : this.closeTransport().catch((err: unknown) => this.log.debug('error while closing', { error: err }))
    }
    return this.#closing
  }

  setIdleTimeout(ms: number): void {
    // setTimeout fires at once for delays above 2^31-1 ms, so cap them.
    this.#idleMs = Math.min(Math.max(ms || 0, 0), 2 ** 31 - 1)
    this.touch()
  }

  /** Restarts the idle timer; transports call this when client input arrives. */
  protected touch(): void {
    this.#stopIdleTimer()
    if (this.#idleMs === 0 || this.isClosed) return
    this.#idleTimer = setTimeout(() => this.#idleExpired(), this.#idleMs)
  }

  /** The transport is gone (reset, or fully closed): unread input is dropped, reads resolve null, writes are ignored. */
  protected markClosed(): void {
    this.#closed = true
    this.#stopIdleTimer()
    this.input.destroy()
  }

  /** Called by the listener when the server begins shutting down. */
  requestShutdown(): void {
    if (this.isClosed || this.onShutdown === undefined) return
    try {
      this.onShutdown()
    } catch (err) {
      this.log.error('shutdown hook failed', { error: err })
    }
  }

  #idleExpired(): void {
    this.#idleTimer = undefined
    if (this.isClosed) return
    this.log.info('idle timeout, closing', { idle_ms: this.#idleMs })
    try {
      this.onIdleTimeout?.()
    } catch (err) {
      this.log.error('idle timeout hook failed', { error: err })
    }
    void this.close()
  }

  #stopIdleTimer(): void {
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer)
    this.#idleTimer = undefined
  }
}
