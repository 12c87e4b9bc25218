// Push to URLs (rfc8620#section-7.2), next to EventSource and WebSocket: each verified, unexpired
// push subscription follows its account's changes (coalesced by state-change.ts) and gets them
// POSTed; a new one first gets a PushVerification. Resumes every subscription at server start.
import type { EventBus } from '../../events/bus.ts'
import type { Clock } from '../../lib/clock.ts'
import type { Logger } from '../../lib/log.ts'
import type { MailStore } from '../../store/index.ts'
import type { StoredPushSubscription } from '../../store/push-subscriptions.ts'
import { formatRowId, parseRowId } from '../core/ids.ts'
import { deliverPush, type PushDeliveryOptions } from './push-delivery.ts'
import { type StateChange, selectTypes, subscribeStateChanges } from './state-change.ts'

export interface PushSubscriptionServiceDeps {
  store: MailStore
  events: EventBus
  clock: Clock
  log: Logger
  /** Extra CAs trusted for push URLs: the outbound TLS setting the SMTP queue uses. */
  ca?: string[]
  /** Whether a URL reaches this server's own HTTP listeners (its admin API): never POSTed to. */
  isOwnEndpoint?: (url: URL) => boolean
  /**
   * Whether the credential a subscription was made with still works (directory
   * accounts.isCredentialCurrent): rfc8620#section-7.2 destroys the subscription once it does not.
   */
  isCredentialCurrent?: (accountId: number, credential: string) => boolean
  timeoutMs?: number
  retryDelaysMs?: readonly number[]
  /** How often expired subscriptions are removed. */
  sweepMs?: number
  coalesceMs?: number
}

/** The id JMAP shows for a stored subscription. */
export const formatPushSubscriptionId = (id: number): string => formatRowId('P', id)
export const parsePushSubscriptionId = (text: string): number | undefined => parseRowId('P', text)

/** A StateChange's TTL at the push service: a device offline longer re-syncs anyway. */
const stateChangeTtlSeconds = 24 * 60 * 60

interface Watcher {
  stop(): void
}

export type PushSubscriptionService = ReturnType<typeof createPushSubscriptionService>

export function createPushSubscriptionService(deps: PushSubscriptionServiceDeps) {
  const { store, events, clock, log } = deps
  const watchers = new Map<number, Watcher>()
  let sweepTimer: ReturnType<typeof setInterval> | undefined
  let running = true

  const deliveryOptions = (isWanted: () => boolean, ttlSeconds: number): PushDeliveryOptions => ({
    ...(deps.ca ? { ca: deps.ca } : {}),
    timeoutMs: deps.timeoutMs ?? 10_000,
    retryDelaysMs: deps.retryDelaysMs ?? [2_000, 15_000, 60_000],
    ttlSeconds,
    isWanted,
  })

  const isOwn = (url: string) => {
    try {
      return deps.isOwnEndpoint?.(new URL(url)) ?? false
    } catch {
      return true
    }
  }

  /** The push service said the subscription is gone (rfc8030#section-7.3): so is ours. */
  const forget = async (sub: StoredPushSubscription) => {
    unwatch(sub.id)
    await store.pushSubscriptions.destroy(sub.accountId, sub.id).catch(() => false)
    log.info('push subscription gone at its push service', { id: sub.id, account: sub.accountId })
  }

  /** Made with a credential since revoked or changed (rfc8620#section-7.2)? Then it is destroyed. */
  const credentialRevoked = (sub: StoredPushSubscription) =>
    sub.credential !== '' &&
    deps.isCredentialCurrent !== undefined &&
    !deps.isCredentialCurrent(sub.accountId, sub.credential)

  const destroyRevoked = async (sub: StoredPushSubscription) => {
    unwatch(sub.id)
    await store.pushSubscriptions.destroy(sub.accountId, sub.id).catch(() => false)
    log.info('push subscription destroyed: its credential was revoked', {
      id: sub.id,
      account: sub.accountId,
    })
  }

  /** Serial POSTs for one subscription; changes that pile up behind a slow one merge into one. */
  function outbox(sub: StoredPushSubscription, isWanted: () => boolean) {
    let pending: StateChange | undefined
    let sending = false
    const drain = async () => {
      sending = true
      while (pending && isWanted()) {
        // Gone from the database (its account was deleted): stop, rather than push to it.
        if (!store.pushSubscriptions.get(sub.id)) {
          unwatch(sub.id)
          return
        }
        if (credentialRevoked(sub)) return destroyRevoked(sub)
        const message = pending
        pending = undefined
        const outcome = await deliverPush(sub, message, deliveryOptions(isWanted, stateChangeTtlSeconds))
        if (outcome === 'gone') return forget(sub)
        if (outcome === 'failed') log.warn('push to subscription failed; dropped', { id: sub.id })
      }
      sending = false
    }
    return (change: StateChange) => {
      pending = pending ? mergeStateChanges(pending, change) : change
      if (!sending) void drain()
    }
  }

  function unwatch(id: number) {
    watchers.get(id)?.stop()
    watchers.delete(id)
  }

  /** Starts (or restarts, after an update) following the account's changes for `sub`. */
  function watch(sub: StoredPushSubscription) {
    unwatch(sub.id)
    if (!running || !sub.isVerified || sub.expiresAt <= clock.now() || isOwn(sub.url)) return
    let stopped = false
    // rfc8620#section-7.2: no request to the URL after `expires`.
    const isWanted = () => !stopped && running && clock.now() < sub.expiresAt
    const subscription = subscribeStateChanges({
      events,
      store,
      accountId: sub.accountId,
      types: selectTypes(sub.types),
      push: outbox(sub, isWanted),
      withPushState: false,
      ...(deps.coalesceMs !== undefined ? { coalesceMs: deps.coalesceMs } : {}),
    })
    // setTimeout holds at most 2^31-1 ms; the sweep removes anything that lives longer.
    const expiry = setTimeout(() => unwatch(sub.id), Math.min(sub.expiresAt - clock.now(), 2 ** 31 - 1))
    expiry.unref?.()
    watchers.set(sub.id, {
      stop() {
        stopped = true
        clearTimeout(expiry)
        subscription.stop()
      },
    })
  }

  const sweep = async () => {
    const removed = await store.pushSubscriptions.removeExpired()
    for (const id of removed) unwatch(id)
    for (const sub of store.pushSubscriptions.listAll()) if (credentialRevoked(sub)) await destroyRevoked(sub)
  }

  return {
    /** Removes expired subscriptions and resumes pushing to the verified rest. */
    async start(): Promise<void> {
      await sweep()
      for (const sub of store.pushSubscriptions.listVerified()) watch(sub)
      sweepTimer = setInterval(() => void sweep().catch(() => undefined), deps.sweepMs ?? 60_000)
      sweepTimer.unref?.()
    },

    stop(): void {
      running = false
      if (sweepTimer) clearInterval(sweepTimer)
      for (const id of [...watchers.keys()]) unwatch(id)
    },

    /** Whether the URL reaches this server itself: refused at creation. */
    isOwnEndpoint: isOwn,

    /** rfc8620#section-7.2.2: a new subscription gets a PushVerification at its URL (not awaited). */
    created(sub: StoredPushSubscription): void {
      if (isOwn(sub.url)) return
      const message = {
        '@type': 'PushVerification',
        pushSubscriptionId: formatPushSubscriptionId(sub.id),
        verificationCode: sub.verificationCode,
      }
      const isWanted = () =>
        running && clock.now() < sub.expiresAt && store.pushSubscriptions.get(sub.id) !== undefined
      void deliverPush(sub, message, deliveryOptions(isWanted, stateChangeTtlSeconds)).then((outcome) => {
        if (outcome === 'gone') return forget(sub)
        if (outcome !== 'delivered') log.warn('push verification not delivered', { id: sub.id, outcome })
      })
    },

    /** After an update: pushes follow the new verification, expiry and types. */
    updated(sub: StoredPushSubscription): void {
      watch(sub)
    },

    destroyed(id: number): void {
      unwatch(id)
    },
  }
}

/** Two StateChanges as one: per account and type, the later state wins. */
function mergeStateChanges(a: StateChange, b: StateChange): StateChange {
  const changed: Record<string, Record<string, string>> = structuredClone(a.changed)
  for (const [account, types] of Object.entries(b.changed))
    changed[account] = { ...changed[account], ...types }
  return { '@type': 'StateChange', changed }
}

/**
 * Whether a URL names this server: one of its own names (or a loopback or unspecified address)
 * and the port of one of its HTTP listeners. Its admin API must never be a push target.
 */
export function ownEndpointCheck(hostname: string, httpPorts: () => number[]): (url: URL) => boolean {
  const own = new Set([hostname.toLowerCase(), 'localhost', '[::1]', '[::]', '0.0.0.0'])
  return (url) => {
    const host = url.hostname.toLowerCase().replace(/\.$/, '')
    const isSelf =
      own.has(host) || host.endsWith('.localhost') || /^127\./.test(host) || host.startsWith('[::ffff:127.')
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80))
    return isSelf && httpPorts().includes(port)
  }
}
