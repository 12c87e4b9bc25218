// The session-side view of one client connection that every line protocol (SMTP, IMAP, POP3,
// ManageSieve) is written against, independent of the transport (TCP socket or in-memory pair).

import type { Logger } from '../lib/log.ts'

export { LineTooLongError } from './input-buffer.ts'

/** What TLS negotiated, for logs and Received: headers. */
export interface TlsInfo {
  /** e.g. `TLSv1.3`. */
  protocol: string
  /** e.g. `TLS_AES_256_GCM_SHA384`. */
  cipher: string
  /** The SNI name the client asked for, if any. */
  servername: string | undefined
}

/** STARTTLS was not possible (already TLS, not offered on this listener, or the connection closed). */
export class StartTlsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StartTlsError'
  }
}

/** Compression could not be started (already on, or not supported by this transport). */
export class CompressionError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CompressionError'
  }
}

/** The TLS handshake failed or timed out; the connection is closed. Logged at debug, not as a fault. */
export class TlsHandshakeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'TlsHandshakeError'
  }
}

/**
 * One client connection. Reads are served in call order; a protocol reads one command at a
 * time. Writes are queued in order and never dropped; after the connection is closed they are
 * ignored.
 */
export interface Connection {
  /** Random short id, also on every log line of this connection. */
  readonly id: string
  /** The listener's service name (`imap`, `smtp`, …). */
  readonly service: string
  readonly remoteAddress: string
  readonly remotePort: number
  readonly localPort: number
  /** True for implicit TLS and after a successful {@link startTls}. */
  readonly isTls: boolean
  /** True when {@link startTls} would be accepted now: plain, STARTTLS offered, certificates present. */
  readonly canStartTls: boolean
  /** True once the connection is closed (by either side) or {@link close} was called; writes are then ignored. */
  readonly isClosed: boolean
  /** Logger whose lines carry the service and `conn=<id>`. */
  readonly log: Logger
  /** Negotiated TLS parameters, or undefined on a plain connection. */
  tlsInfo(): TlsInfo | undefined

  /**
   * The next line as raw bytes, without CRLF (a bare LF also ends a line); null when the peer
   * has closed. Rejects with `LineTooLongError` for a line over the maximum length, after
   * which the rest of that line is skipped so the protocol can answer and go on.
   */
  readLineBytes(): Promise<Uint8Array | null>
  /** {@link readLineBytes} decoded as UTF-8 (invalid bytes become U+FFFD). */
  readLine(): Promise<string | null>
  /** Exactly `n` raw bytes (an IMAP literal, say), or null if the peer closes first. */
  readBytes(n: number): Promise<Uint8Array | null>

  /** Queues data for sending; strings are encoded as UTF-8. Never drops data, never throws. */
  write(data: string | Uint8Array): void
  /** Resolves when everything written so far has been handed to the kernel (or the connection closed). */
  flush(): Promise<void>

  /**
   * Upgrades a plain connection to TLS (rfc3207, rfc2595, rfc9051#section-6.2.1). If `goAhead`
   * is given it is written first; call this right after reading the STARTTLS command, without
   * awaiting anything in between, so no TLS bytes can be mistaken for plaintext. Any plaintext
   * the client sent after the command is discarded (CVE-2011-0411). Rejects with
   * `StartTlsError` if not possible (connection unchanged) or `TlsHandshakeError` if the
   * handshake fails (connection closed).
   */
  startTls(goAhead?: string | Uint8Array): Promise<void>

  /** True once {@link startCompression} has switched the connection to DEFLATE. */
  readonly isCompressed: boolean
  /**
   * Compresses both directions with raw DEFLATE from now on (IMAP COMPRESS, rfc4978): `goAhead`
   * is written uncompressed first. Call right after reading the command, like {@link startTls}.
   * Rejects with `StartTlsError`-like `CompressionError` when it is not possible here.
   */
  startCompression(goAhead: string): Promise<void>

  /** Flushes pending output, then closes. Pending and later reads resolve null. Idempotent. */
  close(): Promise<void>
  /** Sets and restarts the inactivity timer (client input resets it); 0 turns it off. */
  setIdleTimeout(ms: number): void
  /**
   * Called when the client has been silent for the idle timeout, just before the framework
   * closes the connection: write a goodbye line here (`* BYE Autologout`, `421 4.4.2 …`).
   */
  onIdleTimeout: (() => void) | undefined
  /**
   * Called once when the server starts shutting down. A session that is between commands
   * can say goodbye and {@link close}; a busy one can finish its command first. Without
   * a hook the connection is cut when the shutdown grace period ends.
   */
  onShutdown: (() => void) | undefined
}
