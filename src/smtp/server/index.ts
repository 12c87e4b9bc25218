// Starts the configured SMTP services (MX, submission, submissions, LMTP) on one delivery pipeline.
import type { Config } from '../../config/config.ts'
import type { HostPort } from '../../config/values.ts'
import type { DeliveryPipeline } from '../../delivery/pipeline.ts'
import type { Directory } from '../../directory/index.ts'
import type { Authenticator } from '../../directory/sasl/authenticator.ts'
import type { Resolver } from '../../dns/index.ts'
import type { Logger } from '../../lib/log.ts'
import type { TlsContexts } from '../../tls/types.ts'
import { createInboundCheck } from './inbound-check.ts'
import { type SmtpListener, startSmtpService } from './smtp-service.ts'
import type { SmtpKind } from './types.ts'

export interface SmtpServicesDeps {
  config: Config
  log: Logger
  tls: TlsContexts
  directory: Directory
  authenticator: Authenticator
  pipeline: DeliveryPipeline
  /** DNS for SPF/DKIM/DMARC/ARC on inbound mail; without it inbound mail is not checked. */
  resolver?: Resolver
}

export interface SmtpServices {
  address(service: string): HostPort | undefined
  stop(): Promise<void>
}

const kinds: [SmtpKind, 'smtp' | 'submission' | 'submissions' | 'lmtp'][] = [
  ['mx', 'smtp'],
  ['submission', 'submission'],
  ['submissions', 'submissions'],
  ['lmtp', 'lmtp'],
]

/** The services smtp-server serves (it needs the raw sockets, so not the line-protocol registry). */
export const smtpServiceNames: readonly string[] = kinds.map(([, service]) => service)

export async function startSmtpServices(deps: SmtpServicesDeps): Promise<SmtpServices> {
  const listeners: { service: string; listener: SmtpListener }[] = []
  for (const [kind, service] of kinds) {
    const address = deps.config.listen[service]
    if (!address) continue
    const listener = await startSmtpService(kind, address, {
      config: deps.config,
      log: deps.log,
      tls: deps.tls,
      hostname: deps.config.hostname,
      pipeline: deps.pipeline,
      ...(deps.resolver ? { checkInbound: createInboundCheck(deps.config, deps.resolver) } : {}),
      resolve: (a) => deps.directory.resolver.resolve(a),
      isLocalDomain: (d) => deps.directory.domains.isLocal(d),
      async authenticate(user, password, ctx) {
        const outcome = await deps.authenticator.authenticate(
          { kind: 'password', authzid: '', authcid: user, password },
          ctx,
        )
        return outcome.ok ? { ok: true, account: outcome.account } : { ok: false, reason: outcome.reason }
      },
    })
    if (listener) listeners.push({ service, listener })
  }
  return {
    address: (service) => listeners.find((l) => l.service === service)?.listener.address,
    stop: async () => {
      await Promise.all(listeners.map((l) => l.listener.stop()))
    },
  }
}
