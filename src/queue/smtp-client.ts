// One SMTP transaction to one server address, on nodemailer's SMTPConnection (pipelining,
// STARTTLS, AUTH): connect, negotiate TLS as the policy says, send the envelope and the
// message, and report per recipient. Addresses are resolved by the caller through src/dns, so
// the connection never asks the system resolver.
import type { TLSSocket } from 'node:tls'
import SMTPConnection from 'nodemailer/lib/smtp-connection'

/**
 * opportunistic: STARTTLS when offered, certificate not checked, plaintext when the handshake
 * fails (rfc3207 section 4.1, as MTAs do without a policy).
 * verified: STARTTLS required and the certificate must be valid for the host name (MTA-STS
 * enforce, a smarthost). implicit: TLS from the first byte, verified (port 465).
 * none: never TLS (a relay on the same machine).
 */
export type TlsRequirement = 'opportunistic' | 'verified' | 'implicit' | 'none'

export interface SendTarget {
  /** IP address to connect to. */
  address: string
  port: number
  /** The server's host name: SNI and certificate verification. */
  hostname: string
  tls: TlsRequirement
  /** Extra trusted CA certificates (PEM), for tests and private relays. */
  ca?: string[]
  auth?: { user: string; pass: string }
  /** Our name in EHLO. */
  helo: string
  timeoutMs: number
}

export interface RecipientReply {
  address: string
  /** SMTP reply code (250, 550 …); 0 when the server gave none. */
  code: number
  reply: string
}

export interface SendResult {
  accepted: string[]
  rejected: RecipientReply[]
  /** The reply to the end of DATA. */
  reply: string
  tls: TlsOutcome
}

export interface TlsOutcome {
  used: boolean
  /** The certificate chain and host name checked out (only known when TLS was used). */
  verified: boolean
  verifyError?: string
}

/** The transaction failed as a whole (connection, TLS, MAIL FROM, DATA). */
export class SendError extends Error {
  constructor(
    message: string,
    /** SMTP reply code when the server gave one, else 0 (connection or TLS failure). */
    readonly replyCode: number,
    /** connect | tls | envelope | data */
    readonly stage: string,
    /** For TLS failures: the rfc8460 result type. */
    readonly tlsResult?: string,
  ) {
    super(message)
    this.name = 'SendError'
  }
  get permanent(): boolean {
    return this.replyCode >= 500 && this.replyCode < 600
  }
}

interface NodemailerError extends Error {
  code?: string
  responseCode?: number
  response?: string
  command?: string
  rejectedErrors?: NodemailerError[]
  recipient?: string
}

function tlsResultOf(err: NodemailerError): string {
  const text = `${err.code ?? ''} ${err.message}`
  if (/altname|hostname|Host:/i.test(text)) return 'certificate-host-mismatch'
  if (/expired/i.test(text)) return 'certificate-expired'
  if (/self.signed|unable to (get|verify)|CERT|certificate/i.test(text)) return 'certificate-not-trusted'
  if (/STARTTLS/i.test(text)) return 'starttls-not-supported'
  return 'validation-failure'
}

function connectOnce(target: SendTarget, plaintextOnly: boolean): Promise<SMTPConnection> {
  const verify = target.tls === 'verified' || target.tls === 'implicit'
  const connection = new SMTPConnection({
    host: target.address,
    port: target.port,
    secure: target.tls === 'implicit',
    servername: target.hostname,
    name: target.helo,
    requireTLS: target.tls === 'verified',
    ignoreTLS: plaintextOnly || target.tls === 'none',
    opportunisticTLS: target.tls === 'opportunistic',
    connectionTimeout: target.timeoutMs,
    greetingTimeout: target.timeoutMs,
    socketTimeout: target.timeoutMs,
    logger: false,
    tls: {
      servername: target.hostname,
      rejectUnauthorized: verify,
      minVersion: 'TLSv1.2',
      ...(target.ca ? { ca: target.ca } : {}),
    },
  })
  return new Promise((resolve, reject) => {
    connection.once('error', reject)
    connection.connect((err) => {
      if (err) reject(err)
      else resolve(connection)
    })
  })
}

function tlsOutcome(connection: SMTPConnection): TlsOutcome {
  const socket = connection._socket as TLSSocket | null | false
  if (!connection.secure || !socket) return { used: false, verified: false }
  const verified = socket.authorized === true
  return {
    used: true,
    verified,
    ...(verified ? {} : { verifyError: String(socket.authorizationError ?? 'not verified') }),
  }
}

async function open(target: SendTarget): Promise<SMTPConnection> {
  try {
    return await connectOnce(target, false)
  } catch (err) {
    const e = err as NodemailerError
    // Opportunistic TLS that fails the handshake falls back to plaintext, as MTAs do.
    // The handshake failed or the certificate was refused (node reports those as socket errors).
    const tlsFailure =
      e.code === 'ETLS' ||
      /certificate|altnames|self.signed|unable to (get|verify)|handshake|SSL|TLS/i.test(e.message) ||
      (target.tls === 'verified' && /STARTTLS/i.test(e.message))
    if (target.tls === 'opportunistic' && tlsFailure) return connectOnce(target, true)
    if (tlsFailure) {
      throw new SendError(`TLS with ${target.hostname} failed: ${e.message}`, 0, 'tls', tlsResultOf(e))
    }
    throw new SendError(
      `cannot talk to ${target.hostname} [${target.address}]: ${e.response ?? e.message}`,
      e.responseCode ?? 0,
      'connect',
    )
  }
}

/** An open session waiting for the next message to the same server. */
interface IdleConnection {
  connection: SMTPConnection
  tls: TlsOutcome
  timer: ReturnType<typeof setTimeout>
}

/**
 * Open connections kept for a few seconds after a transaction, so the next message to the same
 * server (a busy relay, a big provider's MX) skips the TCP and TLS set-up, as MTAs' connection
 * caches do. A connection the server closes meanwhile is dropped.
 */
export class ConnectionCache {
  readonly #idle = new Map<string, IdleConnection[]>()

  constructor(
    private readonly idleMs = 5000,
    /** At most this many idle connections per server (the per-destination connection limit). */
    private readonly maxPerKey = 16,
  ) {}

  static key(target: SendTarget): string {
    return `${target.address}|${target.port}|${target.hostname}|${target.tls}|${target.auth?.user ?? ''}`
  }

  take(key: string): IdleConnection | undefined {
    const list = this.#idle.get(key)
    const entry = list?.pop()
    if (list && list.length === 0) this.#idle.delete(key)
    if (entry) clearTimeout(entry.timer)
    return entry
  }

  give(key: string, connection: SMTPConnection, tls: TlsOutcome): void {
    const list = this.#idle.get(key) ?? []
    if (list.length >= this.maxPerKey) {
      connection.quit()
      return
    }
    const entry: IdleConnection = {
      connection,
      tls,
      timer: setTimeout(() => this.#drop(key, entry, true), this.idleMs),
    }
    entry.timer.unref?.()
    const gone = () => this.#drop(key, entry, false)
    connection.once('end', gone)
    connection.once('error', gone)
    list.push(entry)
    this.#idle.set(key, list)
  }

  #drop(key: string, entry: IdleConnection, quit: boolean): void {
    clearTimeout(entry.timer)
    const list = this.#idle.get(key)
    const at = list?.indexOf(entry) ?? -1
    if (!list || at < 0) return
    list.splice(at, 1)
    if (list.length === 0) this.#idle.delete(key)
    if (quit) entry.connection.quit()
    else entry.connection.close()
  }

  closeAll(): void {
    for (const [key, list] of this.#idle) for (const entry of [...list]) this.#drop(key, entry, true)
  }
}

async function login(connection: SMTPConnection, target: SendTarget): Promise<void> {
  if (!target.auth) return
  await new Promise<void>((resolve, reject) =>
    connection.login({ user: target.auth?.user, pass: target.auth?.pass }, (err) =>
      err ? reject(err) : resolve(),
    ),
  ).catch((err: NodemailerError) => {
    throw new SendError(
      `authentication at ${target.hostname} failed: ${err.response ?? err.message}`,
      err.responseCode && err.responseCode >= 500 ? 454 : (err.responseCode ?? 0),
      'auth',
    )
  })
}

function transaction(
  connection: SMTPConnection,
  target: SendTarget,
  envelope: { from: string; to: string[] },
  message: Buffer,
): Promise<SMTPConnection.SentMessageInfo> {
  return new Promise<SMTPConnection.SentMessageInfo>((resolve, reject) =>
    connection.send(
      { from: envelope.from === '' ? false : envelope.from, to: envelope.to, size: message.length },
      message,
      (err, result) => (err ? reject(err) : resolve(result as SMTPConnection.SentMessageInfo)),
    ),
  ).catch((err: NodemailerError) => {
    const rejected = err.rejectedErrors
    if (err.code === 'EENVELOPE' && rejected && rejected.length > 0 && err.command !== 'MAIL FROM') {
      // Every recipient refused: report them one by one rather than failing the transaction.
      return {
        accepted: [],
        rejected: [],
        rejectedErrors: rejected,
        response: err.response ?? err.message,
      } as unknown as SMTPConnection.SentMessageInfo
    }
    throw Object.assign(
      new SendError(
        `${target.hostname} said: ${err.response ?? err.message}`,
        err.responseCode ?? 0,
        err.code === 'EMESSAGE' ? 'data' : err.code === 'EENVELOPE' ? 'envelope' : 'connect',
      ),
      { transportFailed: err.responseCode === undefined || err.responseCode === 421 },
    )
  })
}

/**
 * Sends one message to one server; per-recipient results, or a SendError for the whole
 * transaction. With a cache, an idle connection to the same server is used first (retried once
 * on a fresh connection if the server had closed it), and the connection is kept afterwards.
 */
export async function sendMessage(
  target: SendTarget,
  envelope: { from: string; to: string[] },
  message: Buffer,
  cache?: ConnectionCache,
): Promise<SendResult> {
  const key = ConnectionCache.key(target)
  const reused = cache?.take(key)
  if (reused) {
    try {
      const info = await transaction(reused.connection, target, envelope, message)
      release(cache, key, reused.connection, reused.tls, info)
      return result(info, reused.tls)
    } catch (err) {
      reused.connection.close()
      // A server that closed the idle connection has not seen this message: try a new one.
      if (!(err instanceof SendError) || !(err as SendError & { transportFailed?: boolean }).transportFailed)
        throw err
    }
  }
  const connection = await open(target)
  let keep = false
  try {
    const tls = tlsOutcome(connection)
    await login(connection, target)
    const info = await transaction(connection, target, envelope, message)
    keep = cache !== undefined
    if (cache) release(cache, key, connection, tls, info)
    return result(info, tls)
  } finally {
    if (!keep) connection.quit()
  }
}

/**
 * Keeps a connection for the next message. A transaction that ended before DATA (every
 * recipient refused) leaves the server in the middle of one: RSET first (rfc5321#section-4.1.1.5),
 * or the next MAIL FROM is answered "nested MAIL command".
 */
function release(
  cache: ConnectionCache | undefined,
  key: string,
  connection: SMTPConnection,
  tls: TlsOutcome,
  info: SMTPConnection.SentMessageInfo,
): void {
  if (!cache) return
  if (info.accepted.length > 0) {
    cache.give(key, connection, tls)
    return
  }
  connection.reset((err) => {
    if (err) connection.close()
    else cache.give(key, connection, tls)
  })
}

function result(info: SMTPConnection.SentMessageInfo, tls: TlsOutcome): SendResult {
  const rejectedErrors = (info.rejectedErrors ?? []) as NodemailerError[]
  return {
    accepted: info.accepted.map(String),
    rejected: rejectedErrors.map((e) => ({
      address: e.recipient ?? '',
      code: e.responseCode ?? 0,
      reply: e.response ?? e.message,
    })),
    reply: info.response,
    tls,
  }
}

/** The rfc3463 enhanced status code in a reply, else one derived from the reply code. */
export function enhancedStatus(reply: string, code: number): string {
  const m = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply)
  if (m?.[1]) return m[1]
  if (code >= 500) return '5.0.0'
  if (code >= 400) return '4.0.0'
  return '2.0.0'
}
