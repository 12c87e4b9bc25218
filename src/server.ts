// Builds a whole server from a config: database → migrations → directory → TLS → listeners.
// main.ts calls it for `serve`; tests call it to run a complete server in a temp directory.
import { join } from 'node:path'
import pkg from '../package.json' with { type: 'json' }
import { createNetworkSettingsLoader } from './admin/network-settings.ts'
import type { Config, ServiceName } from './config/config.ts'
import type { HostPort } from './config/values.ts'
import { startCheckpoints } from './db/checkpoints.ts'
import { openDatabase } from './db/client.ts'
import { migrate } from './db/migrate.ts'
import { createWriter } from './db/writer.ts'
import { createDeliveryPipeline } from './delivery/pipeline.ts'
import { createVacationResponder } from './delivery/vacation.ts'
import { createAuthThrottle } from './directory/auth-throttle.ts'
import { createDirectory, type Directory } from './directory/index.ts'
import type { PasswordHasher } from './directory/passwords.ts'
import type { ResolvedAccount } from './directory/resolve.ts'
import { type Authenticator, createAuthenticator } from './directory/sasl/authenticator.ts'
import { createCachingResolver, createSystemResolver, type Resolver } from './dns/index.ts'
import { createEventBus, type EventBus } from './events/bus.ts'
import { createHttpApp } from './http/app.ts'
import { createCertificateAdmin } from './http/certificates.ts'
import { createServerInfo } from './http/server-info.ts'
import { imapProtocol } from './imap/server/index.ts'
import { defaultLimits } from './jmap/core/capabilities.ts'
import { createPushSubscriptionService, ownEndpointCheck } from './jmap/push/push-subscriptions.ts'
import { type Clock, systemClock } from './lib/clock.ts'
import { createLogRing, type Logger, recordingLogger } from './lib/log.ts'
import { createWorkerPool, workerEntry } from './lib/workers.ts'
import type { SignRequest } from './mailauth/sign-worker.ts'
import { type HttpListener, serveHttp } from './net/http-server.ts'
import {
  type Connection,
  type ListenerHandle,
  type ListenerSpec,
  type RefusalReason,
  startListeners,
  type TlsMode,
} from './net/index.ts'
import { watchBindFailures } from './net/listener-status.ts'
import { pop3Protocol } from './pop3/server/index.ts'
import { type BounceSink, createOutbound } from './queue/index.ts'
import { createQueueStore, type QueueStore } from './queue/queue-store.ts'
import { submissionStatuses } from './queue/submission-status.ts'
import { createSearch, type Search } from './search/index.ts'
import { smtpServiceNames, startSmtpServices } from './smtp/server/index.ts'
import { createMailStore, type MailStore, prepareHere } from './store/index.ts'
import type { PreparedMessage } from './store/prepare-message.ts'
import { createCertificateStore } from './tls/store.ts'
import type { CertificateStore } from './tls/types.ts'

export const version: string = pkg.version

/** What protocol sessions are given. */
export interface Services {
  config: Config
  log: Logger
  directory: Directory
  authenticator: Authenticator
  store: MailStore
  queue: QueueStore
  events: EventBus
  search: Search
  tls: CertificateStore
  clock: Clock
}

/** A line protocol plugged into a listener. */
export interface ProtocolBinding {
  handler: (conn: Connection) => Promise<void>
  onRefused?: (reason: RefusalReason) => string | undefined
  /** Overrides the service's usual TLS mode. */
  tls?: TlsMode
}

export type TcpService = Exclude<ServiceName, 'http' | 'https'>
export type ProtocolRegistry = Partial<Record<TcpService, (services: Services) => ProtocolBinding>>

/** rfc8314: implicit TLS on the "s" ports; STARTTLS on the others (LMTP is local delivery, plain). */
export const serviceTlsMode: Record<TcpService, TlsMode> = {
  smtp: 'starttls',
  submission: 'starttls',
  submissions: 'implicit',
  imap: 'starttls',
  imaps: 'implicit',
  pop3: 'starttls',
  pop3s: 'implicit',
  managesieve: 'starttls',
  lmtp: 'none',
}

const smtpServices = new Set(smtpServiceNames)

/** Workers per pool: the cores beside the event loop's, at most four. */
const workerPoolSize = Math.max(1, Math.min(4, navigator.hardwareConcurrency - 1))

/** Messages larger than this are parsed in a Worker. */
const inlinePrepareLimit = 256 * 1024

/** The protocols this version implements; each later issue adds its own. */
export const builtinProtocols: ProtocolRegistry = {
  // One binding per port; both share the services' maildrop locks. The session code loads on first use.
  imap: imapProtocol,
  imaps: imapProtocol,
  pop3: pop3Protocol,
  pop3s: pop3Protocol,
}

export interface StartOptions {
  config: Config
  log: Logger
  env?: Record<string, string | undefined>
  protocols?: ProtocolRegistry
  hasher?: PasswordHasher
  clock?: Clock
  /** DNS for mail (SPF/DKIM/DMARC, MX); default: the servers of [dns], else the system's. */
  resolver?: Resolver
  /** Outbound TLS: extra trusted CAs and the MTA-STS policy host's port (tests use local servers). */
  outboundTls?: { ca?: string[]; mtaStsPort?: number }
}

export interface RunningServer {
  services: Services
  /** The bound address of a service (the real port when 0 was asked), or undefined. */
  address(service: ServiceName): HostPort | undefined
  /** The admin password made on this first start, if one was made (also logged once). */
  generatedAdminPassword?: string
  stop(): Promise<void>
}

/** Starts everything; a service whose port cannot be bound is logged and skipped. */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const env = options.env ?? process.env
  // The web admin's log page and dashboard read recent lines (and bind failures) from memory.
  const logRing = createLogRing(1000)
  const log = recordingLogger(options.log, logRing, options.config.log.level)
  const bindFailures = watchBindFailures(logRing)
  const startedAt = Date.now()
  let config = options.config
  const clock = options.clock ?? systemClock
  const dbPath = join(config.data_dir, 'postern.sqlite')
  const database = openDatabase(dbPath)
  try {
    const { applied } = migrate(database.sqlite)
    if (applied.length > 0) log.info('database migrated', { path: dbPath, applied: applied.join(',') })
    const directory = createDirectory(database.db, { hasher: options.hasher, clock })
    config = createNetworkSettingsLoader(log).apply(config, directory.settings, env)
    const admin = await directory.admin.ensure(env.POSTERN_ADMIN_PASSWORD)
    if (admin.generated) {
      log.warn(
        `administrator created: user "admin", password "${admin.generated}" (shown only this once; ` +
          'a new one: postern admin-password reset)',
      )
    } else if (admin.changed) log.info('administrator password set from POSTERN_ADMIN_PASSWORD')
    const tls = await createCertificateStore({
      dataDir: config.data_dir,
      hostname: config.hostname,
      log,
      clock,
      rescanIntervalMs: Math.min(5000, config.tls.check_seconds * 1000),
    })
    const throttle = createAuthThrottle(config.auth, clock, log.child('auth'))
    const authenticator = createAuthenticator({ accounts: directory.accounts, throttle, log })
    const writer = createWriter(database.sqlite, (err) => log.error('after-commit hook failed', { err }))
    const checkpoints = startCheckpoints(database.sqlite, log.child('db'))
    const events = createEventBus((err) => log.error('change listener failed', { err }))
    // Small messages are parsed on this thread (the parser loads on first use); a Worker costs a
    // second JavaScript heap, worth it only for a big message that would stall other clients.
    const prepare = (bytes: Uint8Array) =>
      bytes.length > inlinePrepareLimit ? preparePool.run(bytes) : prepareHere(bytes)
    const preparePool = createWorkerPool<Uint8Array, PreparedMessage>(
      workerEntry('store/prepare-worker.ts', import.meta.url, './store/prepare-worker.ts'),
      workerPoolSize,
    )
    const store = createMailStore({
      db: database.db,
      writer,
      bus: events,
      clock,
      prepare,
    })
    const queue = createQueueStore(database.db, store.blobs, { expireAfterMs: config.delivery.expire_after })
    // JMAP EmailSubmission's deliveryStatus follows the queue's attempts (rfc8621#section-7).
    queue.onAttempt((report) =>
      store.submissions.recordDelivery(report.messageId, submissionStatuses(report)),
    )
    const search = createSearch({
      db: database.db,
      writer,
      readRaw: store.raw,
      prepare: (raw) => preparePool.run(raw),
    })
    const services: Services = {
      config,
      log,
      directory,
      authenticator,
      store,
      queue,
      events,
      search,
      tls,
      clock,
    }
    // Messages stored before the text index existed are indexed in the background, a batch at a time.
    let stopBackfill = false
    const backfill = (async () => {
      while (!stopBackfill && (await search.backfill(200)) > 0) await Bun.sleep(5)
    })().catch((err) => log.error('search backfill failed', { err }))

    const registry = options.protocols ?? builtinProtocols
    const specs: ListenerSpec[] = []
    const unavailable: string[] = []
    for (const service of Object.keys(serviceTlsMode) as TcpService[]) {
      const address = config.listen[service]
      if (!address || (smtpServices.has(service) && !registry[service])) continue
      const factory = registry[service]
      if (!factory) {
        unavailable.push(service)
        continue
      }
      const binding = factory(services)
      specs.push({
        service,
        address,
        tls: binding.tls ?? serviceTlsMode[service],
        handler: binding.handler,
        onRefused: binding.onRefused,
      })
    }
    if (unavailable.length > 0) {
      log.info(`not yet implemented in this version, so not listening: ${unavailable.join(', ')}`)
    }
    const listeners: ListenerHandle = await startListeners(specs, { log, tls, limits: config.limits })
    const pipeline = createDeliveryPipeline({
      store,
      queue,
      prepare,
      vacation: {
        responder: createVacationResponder({
          settings: store.vacation.get,
          claimReply: store.vacation.claimReply,
          resolve: (address) => directory.resolver.resolve(address),
          hostname: config.hostname,
          now: () => clock.now(),
        }),
        resolve: (address) => directory.resolver.resolve(address),
      },
      onError: (err) => log.error('vacation reply failed', { err }),
    })
    // A registered line protocol takes precedence (tests plug their own into these ports).
    const smtpListen = Object.fromEntries(
      Object.entries(config.listen).map(([k, v]) => [k, registry[k as TcpService] ? null : v]),
    ) as Config['listen']
    const resolver =
      options.resolver ?? createCachingResolver(createSystemResolver({ servers: config.dns.servers }))
    const smtp = await startSmtpServices({
      config: { ...config, listen: smtpListen },
      log,
      tls,
      directory,
      authenticator,
      pipeline,
      resolver,
    })
    // DKIM signing of outbound mail runs beside the event loop, like parsing of large messages.
    const signPool = createWorkerPool<SignRequest, string>(
      workerEntry('mailauth/sign-worker.ts', import.meta.url, './mailauth/sign-worker.ts'),
      workerPoolSize,
    )
    // Bounces to local senders go through local delivery; to remote ones, back into the queue.
    // Return-Path belongs only on final delivery (rfc5321#section-4.4), never on mail in transit.
    const bounces: BounceSink = {
      async deliver(to, message) {
        const found = directory.resolver.resolve(to)
        const local = found?.accounts ?? []
        const remote = found ? found.forwards : [to]
        const send = async (headers: string[], l: ResolvedAccount[], r: string[]) => {
          if (l.length === 0 && r.length === 0) return
          const report = await pipeline.deliver({
            raw: message,
            prependHeaders: headers,
            mailFrom: '',
            localRecipients: l.map((account) => ({ account, address: to })),
            remoteRecipients: r,
            quarantine: false,
            receivedAt: clock.now(),
          })
          const refused = report.recipients.find((x) => x.status === 'refused')
          if (refused && refused.status === 'refused')
            throw new Error(`DSN refused for ${to}: ${refused.reason}`)
        }
        await send(['Return-Path: <>\r\n'], local, [])
        await send([], [], remote)
      },
    }
    const outbound = createOutbound({
      config,
      db: database.db,
      writer,
      queue,
      readBlob: store.blobs.read,
      resolver,
      signingKeys: directory.dkim.signingKeys,
      sign: (raw, keys) => signPool.run({ raw, keys }),
      bounces,
      log,
      clock,
      ...(options.outboundTls ? { tls: options.outboundTls } : {}),
    })
    outbound.runner.start()

    const serviceAddress = (service: ServiceName): HostPort | undefined =>
      service === 'http' || service === 'https'
        ? httpListeners.find((l) => l.service === service)?.address
        : (listeners.address(service) ?? smtp.address(service))
    // rfc8620#section-7.2: POSTs to push URLs trust what outbound SMTP trusts.
    const pushSubscriptions = createPushSubscriptionService({
      store,
      events,
      clock,
      log: log.child('jmap-push'),
      ...(options.outboundTls?.ca ? { ca: options.outboundTls.ca } : {}),
      isCredentialCurrent: directory.accounts.isCredentialCurrent,
      isOwnEndpoint: ownEndpointCheck(config.hostname, () =>
        httpListeners.map((l) => l.address?.port).filter((p) => p !== undefined),
      ),
    })
    const app = createHttpApp({
      directory,
      throttle,
      log,
      bodyLimitBytes: config.limits.http_body_limit,
      version,
      queue,
      queueSummary: () => queue.summary(),
      mtaSts: { mode: config.tls.mta_sts_mode, mx: config.hostname },
      jmap: {
        store,
        search,
        directory,
        events,
        clock,
        log: log.child('jmap'),
        limits: defaultLimits,
        authenticator,
        submission: {
          pipeline,
          queue,
          hostname: config.hostname,
          maxMessageSize: config.smtp.max_message_size,
          maxRecipients: config.smtp.max_recipients,
        },
        pushSubscriptions,
      },
      resolver,
      logRing,
      certificates: createCertificateAdmin(config.data_dir, tls, clock),
      network: { running: config, env },
      server: createServerInfo({
        config,
        version,
        startedAt,
        dbPath,
        directory,
        store,
        address: serviceAddress,
        reasonFor: bindFailures.reasonFor,
      }),
    })
    const httpListeners: HttpListener[] = []
    for (const service of ['http', 'https'] as const) {
      const address = config.listen[service]
      if (!address) continue
      const listener = serveHttp(
        {
          service,
          address,
          ...(service === 'https' ? { tls } : {}),
          shutdownGraceSeconds: config.limits.shutdown_grace_seconds,
          // JMAP checks its own limits (maxSizeRequest, maxSizeUpload) to answer in its own terms:
          // the margin lets an upload just over maxSizeUpload reach it for a problem-details 413.
          maxRequestBodySize: Math.max(
            config.limits.http_body_limit,
            defaultLimits.maxSizeUpload + 64 * 1024,
            1024 * 1024,
          ),
        },
        (request, bindings) => app.fetch(request, bindings),
        log.child(service),
      )
      if (listener) httpListeners.push(listener)
    }
    // TCP listeners ask the store per handshake; HTTPS must be re-bound to see a new certificate.
    // Under a stream of deliveries the engine's lazy collector lets spent message buffers pile
    // up; collecting while mail flows keeps a small machine's memory flat (the inbound benchmark
    // peaked at 185 MB without it, ~145 MB with it).
    let lastActivity = -1
    let lastArrivals = -1
    // Collect when memory grew, or is above the ceiling while messages come in (deliveries,
    // APPEND, imports: each changes a thread), which leave large buffers behind: those turns
    // collect in full. Growth from other work (flag changes, searches, FETCH) is only asked to be
    // collected: the engine runs it concurrently, on another core where there is one, instead of
    // stopping every session (full collections four times a second cost a busy IMAP server a
    // third of its throughput and most of its p99). Above the ceiling, in full once a minute:
    // under 50 busy IMAP sessions the JavaScript heap is ~10 MB after a full collection and the
    // rest of the memory is not the collector's, so each one (25-60 ms, every session stopped)
    // bought a few MB and cost the p99.
    let rssAfterGc = 0
    let lastFullGc = 0
    const growthBeforeGc = 4 * 1024 * 1024
    /** A small machine's ceiling. */
    const alwaysCollectAbove = 110 * 1024 * 1024
    const fullGcEveryMs = 60_000
    const memoryTrim = setInterval(() => {
      const activity = events.publishedCount()
      if (activity === lastActivity) return
      lastActivity = activity
      const arrivals = events.publishedCount('thread')
      const messagesCame = arrivals !== lastArrivals
      lastArrivals = arrivals
      const rss = process.memoryUsage.rss()
      const now = Date.now()
      const aboveCeiling = rss >= alwaysCollectAbove
      const grown = rss >= rssAfterGc + growthBeforeGc
      if (!grown && !(aboveCeiling && messagesCame)) return
      const full = messagesCame || (aboveCeiling && now - lastFullGc >= fullGcEveryMs)
      if (full) lastFullGc = now
      Bun.gc(full)
      const m = process.memoryUsage()
      rssAfterGc = full ? m.rss : rss
      log.debug('memory', {
        rss: m.rss >> 20,
        heap: m.heapUsed >> 20,
        heapTotal: m.heapTotal >> 20,
        external: m.external >> 20,
        buffers: m.arrayBuffers >> 20,
      })
    }, 250)
    memoryTrim.unref()
    // A TLS handshake on a TCP listener may notice new files first (and reload the store), so the
    // HTTPS listeners follow the store's generation rather than this check's own result.
    let servedGeneration = tls.generation
    const certificateWatch = setInterval(() => {
      tls.refresh()
      if (tls.generation === servedGeneration) return
      servedGeneration = tls.generation
      for (const l of httpListeners) void l.reloadTls()
    }, config.tls.check_seconds * 1000)
    certificateWatch.unref()
    await pushSubscriptions.start()
    checkpoints.checkpointHere()
    log.info('postern started', { version, hostname: config.hostname, data_dir: config.data_dir })
    // Start-up (migrations, certificates, module loading) leaves garbage; give it back once.
    setTimeout(() => {
      Bun.gc(true)
      Bun.shrink()
    }, 1500).unref()

    let stopping: Promise<void> | undefined
    return {
      services,
      generatedAdminPassword: admin.generated,
      address: serviceAddress,
      stop: () => {
        stopping ??= (async () => {
          log.info('shutting down')
          clearInterval(certificateWatch)
          clearInterval(memoryTrim)
          pushSubscriptions.stop()
          await Promise.all([
            outbound.stop(config.limits.shutdown_grace_seconds * 1000),
            listeners.stop(config.limits.shutdown_grace_seconds * 1000),
            smtp.stop(),
            ...httpListeners.map((l) => l.stop(true)),
          ])
          stopBackfill = true
          await backfill
          await writer.drain()
          preparePool.close()
          signPool.close()
          checkpoints.stop()
          database.close()
          log.info('stopped')
        })()
        return stopping
      },
    }
  } catch (err) {
    database.close()
    throw err
  }
}
