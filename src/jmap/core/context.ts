// What a JMAP method is given: the signed-in account, the capabilities the request uses, the
// creation ids made so far in the request, and the services of the server.
import type { DeliveryPipeline } from '../../delivery/pipeline.ts'
import type { Directory } from '../../directory/index.ts'
import type { EventBus } from '../../events/bus.ts'
import type { Clock } from '../../lib/clock.ts'
import type { Logger } from '../../lib/log.ts'
import type { QueueStore } from '../../queue/queue-store.ts'
import type { Search } from '../../search/index.ts'
import type { MailStore } from '../../store/index.ts'
import type { PushSubscriptionService } from '../push/push-subscriptions.ts'
import type { CoreLimits } from './capabilities.ts'

export interface JmapServices {
  store: MailStore
  search: Search
  directory: Directory
  events: EventBus
  clock: Clock
  log: Logger
  limits: CoreLimits
  /** EmailSubmission and vacation: delivery as SMTP submission does it, with its limits. */
  submission: SubmissionServices
  /** Push to URLs (rfc8620#section-7.2); PushSubscription/* are served only when it runs. */
  pushSubscriptions?: PushSubscriptionService
}

export interface SubmissionServices {
  /** Local delivery and, in the same transaction, the outbound queue for remote recipients. */
  pipeline: DeliveryPipeline
  queue: QueueStore
  /** The server's name, for Message-ID and trace fields on submitted mail. */
  hostname: string
  /** SMTP submission's limits ([smtp] max_message_size, max_recipients), the same for JMAP. */
  maxMessageSize: number
  maxRecipients: number
}

/** The account a request is signed in as. Postern has no shared accounts yet: it is the only one. */
export interface JmapPrincipal {
  id: number
  email: string
  /** The credential the request authenticated with (directory AuthenticatedAccount.credential). */
  credential: string
}

export interface MethodContext {
  principal: JmapPrincipal
  /** The account the call works on (checked against the principal), as a directory id. */
  accountId: number
  using: ReadonlySet<string>
  /** Creation id → id of the object created, across the whole request (rfc8620#section-5.3). */
  createdIds: Map<string, string>
  services: JmapServices
  /** Adds a response after this call's own (an implicit Email/set, rfc8620#section-5.4). */
  followUp(name: string, args: Record<string, unknown>): void
}

/**
 * An id argument that may be a creation reference ("#k1", rfc8620#section-5.3): the id created
 * for it earlier in the request, or undefined when no such creation happened.
 */
export function resolveCreationRef(ctx: MethodContext, id: string): string | undefined {
  return id.startsWith('#') ? ctx.createdIds.get(id.slice(1)) : id
}
