// Outbound delivery, assembled: the queue runner with its attempts (MX or smarthost, TLS
// policy, DKIM signing) and DSNs. server.ts gives it the pieces it must not import itself (the
// local delivery for bounces to local senders, the directory's DKIM keys, the signing Worker).
// The SMTP client, MTA-STS and DKIM code load on the first delivery, not at start-up: an idle
// server with an empty queue keeps none of it in memory.
import type { Config } from '../config/config.ts'
import type { Db } from '../db/client.ts'
import type { Writer } from '../db/writer.ts'
import type { Resolver } from '../dns/index.ts'
import type { Clock } from '../lib/clock.ts'
import type { Logger } from '../lib/log.ts'
import type { Attempt } from './attempt.ts'
import type { BounceSink } from './bounces.ts'
import type { QueueStore } from './queue-store.ts'
import { createQueueRunner } from './runner.ts'
import { createSigner, type SignFunction, type SigningKeysFor } from './signing.ts'
import type { ConnectionCache } from './smtp-client.ts'

export type { BounceSink } from './bounces.ts'
export type { QueueRunner } from './runner.ts'
export type { SignFunction } from './signing.ts'

export interface OutboundDeps {
  config: Pick<Config, 'hostname' | 'delivery'>
  db: Db
  writer: Writer
  queue: QueueStore
  readBlob: (blobId: number) => Uint8Array
  resolver: Resolver
  signingKeys: SigningKeysFor
  /** DKIM signing; default mailauth on this thread. */
  sign?: SignFunction
  bounces: BounceSink
  log: Logger
  clock: Clock
  /** Extra trusted CAs for verified TLS and MTA-STS policy hosts; the policy host's port (tests). */
  tls?: { ca?: string[]; mtaStsPort?: number }
}

export function createOutbound(deps: OutboundDeps) {
  const { delivery } = deps.config
  const log = deps.log.child('queue')
  let connections: ConnectionCache | undefined
  let real: Promise<Attempt> | undefined
  const load = async (): Promise<Attempt> => {
    const [{ createAttempt }, { createTlsPolicy }, { ConnectionCache: Cache }] = await Promise.all([
      import('./attempt.ts'),
      import('./tls-policy.ts'),
      import('./smtp-client.ts'),
    ])
    connections = new Cache(5000, delivery.max_connections_per_domain)
    const tlsPolicy = createTlsPolicy({
      db: deps.db,
      writer: deps.writer,
      resolver: deps.resolver,
      log,
      enabled: delivery.mta_sts,
      fetch: {
        ...(deps.tls?.mtaStsPort ? { port: deps.tls.mtaStsPort } : {}),
        ...(deps.tls?.ca ? { ca: deps.tls.ca } : {}),
      },
    })
    return createAttempt({
      resolver: deps.resolver,
      tlsPolicy,
      log,
      helo: deps.config.hostname,
      mxPort: delivery.mx_port,
      timeoutMs: delivery.timeout_seconds * 1000,
      relay: delivery.relay
        ? {
            address: delivery.relay,
            username: delivery.relay_username,
            password: delivery.relay_password,
            tls: delivery.relay_tls,
          }
        : null,
      connections,
      ...(deps.tls?.ca ? { ca: deps.tls.ca } : {}),
    })
  }
  const attempt: Attempt = async (input) => {
    real ??= load()
    return (await real)(input)
  }
  const sign: SignFunction =
    deps.sign ?? (async (raw, keys) => (await import('../mailauth/dkim-sign.ts')).signDkim(raw, keys))
  const runner = createQueueRunner({
    queue: deps.queue,
    writer: deps.writer,
    readBlob: deps.readBlob,
    attempt,
    signer: createSigner({ keysFor: deps.signingKeys, sign, now: () => deps.clock.now() }),
    bounces: deps.bounces,
    log,
    clock: deps.clock,
    hostname: deps.config.hostname,
    relayed: delivery.relay !== null,
    retryIntervals: delivery.retry_intervals,
    delayNoticeAfter: delivery.delay_notice_after,
    maxConnections: delivery.max_connections,
    maxConnectionsPerDomain: delivery.max_connections_per_domain,
  })
  return {
    runner,
    /** Stops the runner and closes the connections kept open for reuse. */
    async stop(graceMs: number): Promise<void> {
      await runner.stop(graceMs)
      connections?.closeAll()
    },
  }
}
