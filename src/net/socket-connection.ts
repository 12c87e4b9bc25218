// A Connection over a node:net socket, with server-side STARTTLS and implicit TLS done by
// wrapping the socket in a node:tls TLSSocket (Bun 1.4's own socket.upgradeTLS cannot act as
// a TLS server). rfc3207#section-4 (SMTP), rfc2595 (IMAP/POP3), rfc8314 (implicit TLS).

import type { Socket } from 'node:net'
import { TLSSocket } from 'node:tls'
import {
  createDeflateRaw,
  createInflateRaw,
  type DeflateRaw,
  type InflateRaw,
  constants as zlibConstants,
} from 'node:zlib'
import { joinParts } from '../lib/join-parts.ts'
import type { TlsContexts } from '../tls/types.ts'
import { BaseConnection, type BaseConnectionOptions } from './base-connection.ts'
import { CompressionError, StartTlsError, TlsHandshakeError, type TlsInfo } from './connection.ts'
import { within } from './wait.ts'

/** Options for {@link SocketConnection}; address and ports are read from the socket. */
export interface SocketConnectionOptions
  extends Omit<BaseConnectionOptions, 'remoteAddress' | 'remotePort' | 'localPort'> {
  socket: Socket
  /** Certificates; undefined = no TLS possible. */
  tls: TlsContexts | undefined
  /** Whether the listener offers STARTTLS. */
  allowStartTls: boolean
  /** Implicit TLS: input stays paused until {@link SocketConnection.acceptImplicitTls}. */
  implicitTls?: boolean
  /** Limit for a TLS handshake (default 30 s). */
  handshakeTimeoutMs?: number
  /** How long close() waits for unsent output before cutting the connection (default 10 s). */
  closeTimeoutMs?: number
}

/** Time allowed for the peer to close its side after we did, before the socket is destroyed. */
const lingerMs = 2000
/** Small writes made in one turn of the event loop go out as one socket write up to this size. */
const coalesceBytes = 64 * 1024

/** A socket-backed {@link Connection}. The listener creates these; protocols see only the interface. */
export class SocketConnection extends BaseConnection {
  readonly #raw: Socket
  /** The socket that carries application data: the raw one, or the TLS wrapper. */
  #socket: Socket
  #tls: TLSSocket | undefined
  #servername: string | undefined
  readonly #contexts: TlsContexts | undefined
  readonly #allowStartTls: boolean
  readonly #handshakeTimeoutMs: number
  readonly #closeTimeoutMs: number
  #upgrading = false
  #inputAttached = false
  /** Output waits here while the socket is above its high-water mark or TLS is being negotiated. */
  readonly #queue: Uint8Array[] = []
  #blocked = false
  #holdOutput = false
  /**
   * Writes of this turn of the event loop, sent together at its end, or as soon as the protocol
   * waits for input that has not come: a command's untagged responses and completion cost one
   * socket write (and one TLS record), not one each, and pipelined commands' answers share one.
   * Text stays text until then: one encoding for the lot instead of a buffer per line.
   */
  #coalesced: (string | Uint8Array)[] = []
  #coalescedBytes = 0
  #coalesceScheduled = false
  #inFlight = 0
  readonly #flushWaiters: (() => void)[] = []
  #gone = false
  /** rfc4978: raw DEFLATE both ways once COMPRESS is accepted. */
  #inflate: InflateRaw | undefined
  #deflate: DeflateRaw | undefined
  /** A sync flush of the compressor is scheduled or under way; output is not idle until it is done. */
  #deflating = 0
  #deflateFlushScheduled = false
  #inputEnded = false
  readonly #whenGone: Promise<void>
  #resolveGone: () => void = () => {}

  constructor(options: SocketConnectionOptions) {
    const socket = options.socket
    super({
      ...options,
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      localPort: socket.localPort ?? 0,
    })
    this.#raw = socket
    this.#socket = socket
    this.#contexts = options.tls
    this.#allowStartTls = options.allowStartTls
    this.#handshakeTimeoutMs = options.handshakeTimeoutMs ?? 30_000
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 10_000
    this.#whenGone = new Promise((resolve) => {
      this.#resolveGone = resolve
    })
    socket.on('error', this.#onError)
    socket.on('close', this.#onClose)
    if (options.implicitTls) socket.pause()
    else this.#attach(socket)
  }

  get isTls(): boolean {
    return this.#tls !== undefined
  }

  get canStartTls(): boolean {
    return (
      !this.isTls && !this.#upgrading && !this.isClosed && this.#allowStartTls && this.#contexts !== undefined
    )
  }

  tlsInfo(): TlsInfo | undefined {
    const t = this.#tls
    if (t === undefined) return undefined
    const sni = typeof t.servername === 'string' ? t.servername : undefined
    return {
      protocol: t.getProtocol() ?? 'unknown',
      cipher: t.getCipher()?.name ?? 'unknown',
      servername: this.#servername ?? sni,
    }
  }

  /** Resolves once the underlying socket has closed. */
  whenClosed(): Promise<void> {
    return this.#whenGone
  }

  write(data: string | Uint8Array): void {
    if (this.isClosed) return
    if (typeof data === 'string' && data.length < coalesceBytes && this.#coalescing()) {
      if (data.length > 0) this.#coalesce(data, data.length)
      return
    }
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    if (bytes.length === 0) return
    if (this.#deflate) {
      this.#compress(bytes)
      return
    }
    this.#writeWire(bytes)
  }

  /** Whether output is gathered for the end of the turn now (not compressed, not held back). */
  #coalescing(): boolean {
    return !this.#deflate && !this.#blocked && !this.#holdOutput && this.#queue.length === 0
  }

  /** Bytes as they go on the wire (after compression, before TLS). */
  #writeWire(bytes: Uint8Array): void {
    if (this.#blocked || this.#holdOutput || this.#queue.length > 0) {
      this.#queue.push(bytes)
      return
    }
    if (bytes.length >= coalesceBytes) {
      this.#sendCoalesced()
      this.#send(bytes)
      return
    }
    this.#coalesce(bytes, bytes.length)
  }

  /** `size`: bytes, or for text its length (close enough to decide when to send). */
  #coalesce(part: string | Uint8Array, size: number): void {
    this.#coalesced.push(part)
    this.#coalescedBytes += size
    if (this.#coalescedBytes >= coalesceBytes) this.#sendCoalesced()
    else if (!this.#coalesceScheduled) {
      this.#coalesceScheduled = true
      setImmediate(this.#sendCoalescedLater)
    }
  }

  protected override sendPendingOutput(): void {
    this.#sendCoalesced()
  }

  readonly #sendCoalescedLater = () => {
    this.#coalesceScheduled = false
    this.#sendCoalesced()
  }

  /** Hands the writes gathered in this turn to the socket (or to the queue, in order). */
  #sendCoalesced(): void {
    const parts = this.#coalesced
    if (parts.length === 0) return
    this.#coalesced = []
    this.#coalescedBytes = 0
    const bytes = joinParts(parts, 'utf8')
    if (this.#gone) return
    if (this.#blocked || this.#holdOutput || this.#queue.length > 0) this.#queue.push(bytes)
    else this.#send(bytes)
  }

  get isCompressed(): boolean {
    return this.#deflate !== undefined
  }

  async startCompression(goAhead: string): Promise<void> {
    if (this.#deflate) throw new CompressionError('compression is already active')
    if (this.#upgrading || this.isClosed) throw new CompressionError('connection not ready')
    // The client sends nothing more until it has the go-ahead (rfc4978#section-3); anything
    // already here was sent against the protocol and cannot be told apart from compressed data.
    const dropped = this.input.discardBuffered()
    if (dropped > 0) this.log.info('discarded input sent before compression started', { bytes: dropped })
    this.write(goAhead)
    // A smaller window than the client may use costs nothing in compatibility and saves memory
    // per connection; inflate must accept the full 32 KiB window (rfc1951).
    const deflate = createDeflateRaw({ level: 6, windowBits: 13, memLevel: 7 })
    const inflate = createInflateRaw()
    deflate.on('data', (chunk: Buffer) => this.#writeWire(chunk))
    deflate.on('error', (err) => this.#fail('compression failed', err))
    inflate.on('data', (chunk: Buffer) => this.input.push(chunk))
    inflate.on('error', (err) => {
      // A peer that closes after a sync flush leaves no final block: that is a normal end.
      if (!this.#inputEnded) this.#fail('bad compressed input', err)
    })
    this.#deflate = deflate
    this.#inflate = inflate
  }

  #compress(bytes: Uint8Array): void {
    const deflate = this.#deflate as DeflateRaw
    deflate.write(bytes)
    if (this.#deflateFlushScheduled) return
    // One sync flush per turn of the event loop: many small writes make one compressed block.
    this.#deflateFlushScheduled = true
    this.#deflating++
    queueMicrotask(() => {
      this.#deflateFlushScheduled = false
      deflate.flush(zlibConstants.Z_SYNC_FLUSH, () => {
        // The flushed bytes reach 'data' listeners after this callback; only then is the
        // output really handed on (close() must not end the socket before they are written).
        setImmediate(() => {
          this.#deflating--
          this.#settleFlush()
        })
      })
    })
  }

  #fail(what: string, err: Error): void {
    this.log.info(what, { error: err.message })
    this.destroy()
  }

  flush(): Promise<void> {
    this.#sendCoalesced()
    if (this.#outputIdle() || this.#gone) return Promise.resolve()
    return new Promise((resolve) => this.#flushWaiters.push(resolve))
  }

  async startTls(goAhead?: string | Uint8Array): Promise<void> {
    if (this.isTls) throw new StartTlsError('already using TLS')
    if (this.#upgrading) throw new StartTlsError('TLS negotiation already in progress')
    if (this.isClosed) throw new StartTlsError('connection closed')
    if (!this.#allowStartTls || this.#contexts === undefined) {
      throw new StartTlsError('STARTTLS is not available on this listener')
    }
    await this.#upgrade(goAhead)
  }

  /** Implicit TLS (rfc8314): runs the handshake before the session starts. */
  async acceptImplicitTls(): Promise<void> {
    if (this.#contexts === undefined) throw new StartTlsError('no TLS certificates')
    await this.#upgrade(undefined)
  }

  /** Cuts the connection at once (shutdown grace period over). */
  destroy(): void {
    this.#socket.destroy()
    this.#raw.destroy()
    this.markClosed()
  }

  protected async closeTransport(): Promise<void> {
    if (this.#gone) return
    if (this.#upgrading) {
      this.destroy()
      return
    }
    const flushed = await within(this.flush(), this.#closeTimeoutMs)
    if (!flushed) this.log.debug('output not sent before close', { queued: this.#queue.length })
    const socket = this.#socket
    if (!socket.destroyed) socket.end()
    if (!(await within(this.#whenGone, lingerMs))) this.destroy()
  }

  protected pauseInput(): void {
    if (this.#inputAttached) this.#socket.pause()
  }

  protected resumeInput(): void {
    if (this.#inputAttached) this.#socket.resume()
  }

  // rfc3207#section-4.2: after the go-ahead the server discards any knowledge obtained from
  // the client, and must not act on plaintext sent after the command (CVE-2011-0411).
  async #upgrade(goAhead: string | Uint8Array | undefined): Promise<void> {
    this.#upgrading = true
    // Synchronously, before anything can arrive: stop reading plaintext. Bytes received from
    // here on stay in the socket for the TLS layer (they should be the ClientHello).
    this.#detachInput()
    const dropped = this.input.discardBuffered()
    if (dropped > 0) this.log.info('discarded plaintext sent after STARTTLS', { bytes: dropped })
    try {
      if (goAhead !== undefined) this.write(goAhead)
      await this.flush()
      if (this.isClosed) throw new Error('connection closed before the TLS handshake')
      this.#holdOutput = true
      this.#blocked = false
      const tlsSocket = await this.#handshake()
      this.#tls = tlsSocket
      this.#socket = tlsSocket
      this.#attach(tlsSocket)
      this.#holdOutput = false
      this.log.debug('TLS established', { ...this.tlsInfo() })
      this.touch()
      this.#drainQueue()
    } catch (err) {
      this.destroy()
      const message = err instanceof Error ? err.message : String(err)
      throw new TlsHandshakeError(`TLS handshake failed: ${message}`, { cause: err })
    } finally {
      this.#upgrading = false
    }
  }

  #handshake(): Promise<TLSSocket> {
    const contexts = this.#contexts
    if (contexts === undefined) return Promise.reject(new Error('no TLS certificates'))
    return new Promise((resolve, reject) => {
      const tlsSocket = new TLSSocket(this.#raw, {
        isServer: true,
        secureContext: contexts.contextFor(undefined),
        SNICallback: (name, cb) => {
          this.#servername = name
          try {
            cb(null, contexts.contextFor(name))
          } catch (err) {
            cb(err instanceof Error ? err : new Error(String(err)))
          }
        },
      })
      // From now on only the TLS socket says when the connection is gone: Bun reports the raw
      // socket closed as soon as the peer half-closes, while the TLS socket can still send.
      this.#raw.off('close', this.#onClose)
      tlsSocket.on('close', this.#onClose)
      tlsSocket.on('error', this.#onError)
      const fail = (err: Error) => {
        clearTimeout(timer)
        tlsSocket.off('secure', succeed)
        tlsSocket.off('close', closed)
        tlsSocket.destroy()
        reject(err)
      }
      const succeed = () => {
        clearTimeout(timer)
        tlsSocket.off('error', fail)
        tlsSocket.off('close', closed)
        resolve(tlsSocket)
      }
      const closed = () => fail(new Error('connection closed during the handshake'))
      const timer = setTimeout(() => fail(new Error('timed out')), this.#handshakeTimeoutMs)
      tlsSocket.once('secure', succeed)
      tlsSocket.once('error', fail)
      tlsSocket.once('close', closed)
    })
  }

  #attach(socket: Socket): void {
    socket.on('data', this.#onData)
    socket.on('end', this.#onEnd)
    socket.on('drain', this.#onDrain)
    this.#inputAttached = true
    socket.resume()
  }

  #detachInput(): void {
    const socket = this.#socket
    this.#inputAttached = false
    socket.off('data', this.#onData)
    socket.off('end', this.#onEnd)
    socket.off('drain', this.#onDrain)
    socket.pause()
  }

  #send(bytes: Uint8Array): void {
    this.#inFlight++
    const ok = this.#socket.write(bytes, () => {
      this.#inFlight--
      this.#settleFlush()
    })
    if (!ok) this.#blocked = true
  }

  #drainQueue(): void {
    while (!this.#blocked && !this.#holdOutput) {
      const next = this.#queue.shift()
      if (next === undefined) break
      this.#send(next)
    }
    this.#settleFlush()
  }

  #outputIdle(): boolean {
    return (
      this.#inFlight === 0 &&
      this.#queue.length === 0 &&
      this.#coalesced.length === 0 &&
      this.#deflating === 0
    )
  }

  #settleFlush(): void {
    if (!this.#outputIdle() && !this.#gone) return
    for (const resolve of this.#flushWaiters.splice(0)) resolve()
  }

  readonly #onData = (chunk: Uint8Array) => {
    this.touch()
    if (this.#inflate) this.#inflate.write(chunk)
    else this.input.push(chunk)
  }

  readonly #onEnd = () => {
    this.#inputEnded = true
    const inflate = this.#inflate
    // Compressed input still in the decompressor must reach the reader before the end does.
    if (inflate) {
      inflate.once('close', () => this.input.end())
      inflate.end()
    } else this.input.end()
  }

  readonly #onDrain = () => {
    this.#blocked = false
    this.#drainQueue()
  }

  readonly #onError = (err: Error) => {
    this.log.debug('socket error', { error: err.message })
  }

  readonly #onClose = () => {
    if (this.#gone) return
    this.#gone = true
    this.#queue.length = 0
    this.#coalesced = []
    this.#coalescedBytes = 0
    this.#deflate?.destroy()
    this.#inflate?.destroy()
    this.#deflating = 0
    this.markClosed()
    this.#settleFlush()
    this.#resolveGone()
  }
}
