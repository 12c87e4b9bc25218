// The SMTP services on smtp-server: MX (port 25), submission (587 STARTTLS, 465 implicit TLS)
// and LMTP, all delivering through the one local delivery pipeline.
// rfc5321 (SMTP), rfc6409 (submission), rfc8314 (implicit TLS), rfc3207 (STARTTLS),
// rfc4954 (AUTH), rfc2033 (LMTP), rfc1870 (SIZE), rfc3463/rfc2034 (enhanced status codes).
import type { SMTPServerAuthentication, SMTPServerDataStream, SMTPServerSession } from 'smtp-server'
import { SMTPServer } from 'smtp-server'
import type { Config } from '../../config/config.ts'
import type { HostPort } from '../../config/values.ts'
import type { Resolution } from '../../directory/resolve.ts'
import type { Logger } from '../../lib/log.ts'
import { describeBindError, formatHostPort } from '../../net/bind-error.ts'
import type { TlsContexts } from '../../tls/types.ts'
import { Reply, smtpError } from '../proto/replies.ts'
import { type DataDeps, handleData } from './data.ts'
import { RateLimiter } from './rate-limit.ts'
import { installSmtpServerPatches } from './smtp-server-patches.ts'
import { type RcptAddress, resolutionKey, type SmtpKind } from './types.ts'

export type { SmtpKind } from './types.ts'

/** What the SMTP services need from the rest of the server. */
export interface SmtpDeps extends DataDeps {
  config: Config
  log: Logger
  tls: TlsContexts
  resolve(address: string): Resolution | undefined
  isLocalDomain(domain: string): boolean
  authenticate(
    user: string,
    password: string,
    ctx: { remoteAddress: string; service: string; conn: string },
  ): Promise<{ ok: true; account: { id: number; email: string } } | { ok: false; reason: string }>
}

export interface SmtpListener {
  kind: SmtpKind
  address: HostPort
  stop(): Promise<void>
}

const serviceOf: Record<SmtpKind, 'smtp' | 'submission' | 'submissions' | 'lmtp'> = {
  mx: 'smtp',
  submission: 'submission',
  submissions: 'submissions',
  lmtp: 'lmtp',
}

/** Starts one SMTP service; resolves undefined (after the one clear log line) when it cannot bind. */
export async function startSmtpService(
  kind: SmtpKind,
  address: HostPort,
  deps: SmtpDeps,
): Promise<SmtpListener | undefined> {
  installSmtpServerPatches()
  const service = serviceOf[kind]
  const log = deps.log.child(service)
  const limits = deps.config.smtp
  const rate = new RateLimiter(limits.messages_per_minute_per_ip, 60_000)
  const isSubmission = kind === 'submission' || kind === 'submissions'
  const perIp = new Map<string, number>()
  const counted = new Set<string>()
  const fallback = deps.tls.defaultPem()
  const server = new SMTPServer({
    name: deps.config.hostname,
    banner: 'Postern',
    lmtp: kind === 'lmtp',
    secure: kind === 'submissions',
    key: fallback.key,
    cert: fallback.cert,
    SNICallback: (servername, cb) => cb(null, deps.tls.contextFor(servername)),
    size: limits.max_message_size,
    rejectOversized: true,
    maxRecipients: limits.max_recipients,
    // rfc5321#section-4.5.3.1.4 sets 512 octets, raised by extensions (AUTH initial responses,
    // rfc4954#section-4); a longer line ends the session with 421.
    maxCommandLength: 8192,
    maxClients: deps.config.limits.max_connections,
    socketTimeout: 5 * 60_000,
    // On shutdown, sessions get the configured grace period to finish, then are cut.
    closeTimeout: deps.config.limits.shutdown_grace_seconds * 1000,
    disableReverseLookup: true,
    hideENHANCEDSTATUSCODES: false,
    hideDSN: true,
    hideSTARTTLS: kind === 'submissions' || kind === 'lmtp',
    disabledCommands: kind === 'lmtp' ? ['AUTH', 'STARTTLS'] : kind === 'mx' ? ['AUTH'] : [],
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: !isSubmission,
    allowInsecureAuth: false,
    maxAllowedUnauthenticatedCommands: isSubmission ? 10 : false,
    logger: false,

    onConnect(session, cb) {
      // smtp-server counts all connections (maxClients); this counts them per client address.
      const ip = session.remoteAddress
      const open = perIp.get(ip) ?? 0
      if (open >= deps.config.limits.max_connections_per_ip) {
        log.info('connection refused: too many from this address', { conn: session.id, ip })
        return cb(smtpError(Reply.C421TooManyConnections))
      }
      perIp.set(ip, open + 1)
      counted.add(session.id)
      log.info('connect', { conn: session.id, ip })
      cb()
    },

    onAuth(auth: SMTPServerAuthentication, session: SMTPServerSession, cb) {
      const ctx = { remoteAddress: session.remoteAddress, service, conn: session.id }
      deps.authenticate(auth.username ?? '', auth.password ?? '', ctx).then(
        (outcome) => {
          if (outcome.ok) return cb(null, { user: outcome.account })
          cb(smtpError(outcome.reason === 'banned' ? Reply.C454TempAuthFailure : Reply.C535BadCredentials))
        },
        (err) => cb(err),
      )
    },

    onMailFrom(address, session, cb) {
      if (kind === 'mx' && !rate.take(session.remoteAddress)) return cb(smtpError(Reply.C450RateLimited))
      if (isSubmission) {
        const user = session.user as { id: number; email: string } | undefined
        const owner = address.address === '' ? undefined : deps.resolve(address.address)
        if (!user || !owner?.accounts.some((a) => a.id === user.id))
          return cb(smtpError(Reply.C553SenderNotOwned))
      }
      cb()
    },

    onRcptTo(address: RcptAddress, session, cb) {
      const resolution = deps.resolve(address.address)
      if (resolution) {
        address[resolutionKey] = resolution
        return cb()
      }
      const domain = address.address.slice(address.address.lastIndexOf('@') + 1)
      if (deps.isLocalDomain(domain)) return cb(smtpError(Reply.C550NoSuchUser))
      if (session.user) return cb() // authenticated: relay through the outbound queue
      cb(smtpError(Reply.C550RelayDenied))
    },

    onData(stream: SMTPServerDataStream, session, cb) {
      handleData(kind, stream, session, deps, log).then(
        (reply) => cb(reply.error ?? null, reply.message),
        (err) => cb(err),
      )
    },

    onClose(session) {
      if (counted.delete(session.id)) {
        const left = (perIp.get(session.remoteAddress) ?? 1) - 1
        if (left <= 0) perIp.delete(session.remoteAddress)
        else perIp.set(session.remoteAddress, left)
      }
      log.debug('disconnect', { conn: session.id })
    },
  })
  server.on('error', (err) => log.warn('smtp error', { err: String(err) }))
  try {
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject)
      server.listen(address.port, address.host, () => {
        server.server.off('error', reject)
        resolve()
      })
    })
  } catch (err) {
    log.error(describeBindError(service, address, err))
    return undefined
  }
  const bound = server.server.address()
  const actual = typeof bound === 'object' && bound ? { host: address.host, port: bound.port } : address
  log.info(`listening for ${service} on ${formatHostPort(actual)}`)
  return {
    kind,
    address: actual,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
