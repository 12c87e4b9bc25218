// The queue runner: picks due recipients, groups them by message and destination domain (one
// SMTP transaction per group), runs the attempts within the global and per-domain connection
// limits, then records outcomes: delivered, deferred with backoff, or failed with a DSN to the
// sender. Nothing is marked in the database while an attempt runs, so after a crash every
// unfinished attempt is simply due again (a duplicate is possible, a loss is not: rfc5321
// section 6.1 prefers the former).
import type { Writer } from '../db/writer.ts'
import type { Clock } from '../lib/clock.ts'
import type { Logger } from '../lib/log.ts'
import type { Attempt, RecipientOutcome } from './attempt.ts'
import { type BounceSink, createBounces } from './bounces.ts'
import type { AttemptOutcome, DueRecipient, QueuedMessageRow, QueueStore } from './queue-store.ts'
import { nextAttemptAt } from './schedule.ts'
import type { OutboundSigner } from './signing.ts'

export interface RunnerDeps {
  queue: QueueStore
  writer: Writer
  readBlob: (blobId: number) => Uint8Array
  attempt: Attempt
  signer: OutboundSigner
  bounces: BounceSink
  log: Logger
  clock: Clock
  hostname: string
  /** Route every message through one relay: one group per message. */
  relayed: boolean
  retryIntervals: number[]
  delayNoticeAfter: number
  maxConnections: number
  maxConnectionsPerDomain: number
}

/** How often the runner looks for work another process (the CLI) made due. */
const pollMs = 5000
/** Due recipients read per free connection: enough to group a message's recipients by domain. */
const rowsPerSlot = 8

interface Group {
  key: string
  domain: string
  messageId: number
  recipients: DueRecipient[]
}

export function createQueueRunner(deps: RunnerDeps) {
  const { queue, log } = deps
  const inFlight = new Set<number>()
  const perDomain = new Map<string, number>()
  const signing = new Map<number, { signature: Promise<string>; users: number }>()
  const running = new Set<Promise<void>>()
  const bounceMaker = createBounces({ hostname: deps.hostname, sink: deps.bounces, log })
  let active = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false
  let scheduled = false

  /**
   * The message's DKIM-Signature: made once (in a Worker) and shared by the groups of the same
   * message that run together; kept in the database only if some recipient has to wait for a
   * retry, in the same commit as the outcome.
   */
  const signatureFor = (message: QueuedMessageRow, raw: Uint8Array): Promise<string> => {
    if (message.dkimSignature !== null) return Promise.resolve(message.dkimSignature)
    const shared = signing.get(message.id)
    if (shared) {
      shared.users++
      return shared.signature
    }
    const signature = deps.signer.sign(raw, message.mailFrom).catch((err: unknown) => {
      log.warn('DKIM signing failed; sending unsigned', {
        queueId: message.id,
        err: err instanceof Error ? err.message : String(err),
      })
      return ''
    })
    signing.set(message.id, { signature, users: 1 })
    return signature
  }
  const releaseSignature = (messageId: number) => {
    const shared = signing.get(messageId)
    if (shared && --shared.users <= 0) signing.delete(messageId)
  }

  const settle = (
    message: QueuedMessageRow,
    due: DueRecipient[],
    outcomes: RecipientOutcome[],
    now: number,
  ) => {
    const byAddress = new Map(outcomes.map((o) => [o.address, o]))
    const failed: { due: DueRecipient; outcome: RecipientOutcome; expired: boolean }[] = []
    const deferred: { due: DueRecipient; outcome: RecipientOutcome; retryAt: number }[] = []
    const records: AttemptOutcome[] = due.map((d) => {
      const o = byAddress.get(d.address) ?? {
        address: d.address,
        kind: 'temporary' as const,
        statusCode: '4.0.0',
        detail: 'no outcome',
        fromRemote: false,
        remoteMta: null,
      }
      const base = {
        recipientId: d.recipientId,
        statusCode: o.statusCode,
        error: o.detail,
        remoteMta: o.remoteMta,
      }
      if (o.kind === 'delivered') {
        log.info('delivered', { queueId: message.id, rcpt: d.address, host: o.remoteMta, reply: o.detail })
        return { ...base, status: 'delivered', error: null }
      }
      if (o.kind === 'temporary' && now < message.expiresAt) {
        const retryAt = nextAttemptAt(d.attempts + 1, now, deps.retryIntervals, message.expiresAt)
        deferred.push({ due: d, outcome: o, retryAt })
        log.info('deferred', {
          queueId: message.id,
          rcpt: d.address,
          status: o.statusCode,
          err: o.detail,
          retryAt: new Date(retryAt).toISOString(),
        })
        return { ...base, status: 'deferred', nextAttemptAt: retryAt }
      }
      const expired = o.kind === 'temporary'
      failed.push({ due: d, outcome: o, expired })
      log.info('failed', {
        queueId: message.id,
        rcpt: d.address,
        status: o.statusCode,
        err: o.detail,
        expired,
      })
      return {
        ...base,
        status: 'failed',
        ...(expired ? { statusCode: '4.4.7', error: `gave up: ${o.detail}` } : {}),
      }
    })
    return { records, failed, deferred }
  }

  const runGroup = async (group: Group): Promise<void> => {
    const message = queue.message(group.messageId)
    if (!message) return // removed meanwhile (queue remove)
    const raw = deps.readBlob(message.blobId)
    try {
      const signature = await signatureFor(message, raw)
      const bytes = Buffer.concat([Buffer.from(signature, 'latin1'), raw])
      const now = deps.clock.now()
      const outcomes = await deps.attempt({
        domain: group.domain,
        mailFrom: message.mailFrom,
        recipients: group.recipients.map((r) => r.address),
        message: bytes,
        now,
      })
      const { records, failed, deferred } = settle(message, group.recipients, outcomes, now)
      // The sender hears first and the queue is updated after: a crash in between repeats a DSN,
      // never loses one.
      if (failed.length > 0) await bounceMaker.failed(message, raw, failed, now)
      const notifyDelay =
        deferred.length > 0 &&
        deps.delayNoticeAfter > 0 &&
        message.delayNotifiedAt === null &&
        now - message.createdAt >= deps.delayNoticeAfter
      if (notifyDelay) await bounceMaker.delayed(message, raw, deferred, now)
      await deps.writer.write(() => {
        const finished = queue.recordAttempt(message.id, records, now)
        // Retries must send the same signed bytes (same t=, same signature).
        if (!finished && message.dkimSignature === null) queue.saveSignature(message.id, signature)
        if (notifyDelay) queue.markDelayNotified(message.id, now)
      })
    } finally {
      releaseSignature(message.id)
    }
  }

  /** A bug or a storage error must not retry in a tight loop: the group waits like a deferral. */
  const deferAfterCrash = (group: Group, err: unknown) => {
    const now = deps.clock.now()
    return deps.writer.write(() =>
      queue.recordAttempt(
        group.messageId,
        group.recipients.map((r) => ({
          recipientId: r.recipientId,
          status: 'deferred' as const,
          statusCode: '4.3.0',
          error: `internal error: ${err instanceof Error ? err.message : String(err)}`,
          remoteMta: null,
          nextAttemptAt: nextAttemptAt(r.attempts + 1, now, deps.retryIntervals, Number.MAX_SAFE_INTEGER),
        })),
        now,
      ),
    )
  }

  const start = (group: Group) => {
    active++
    perDomain.set(group.key, (perDomain.get(group.key) ?? 0) + 1)
    for (const r of group.recipients) inFlight.add(r.recipientId)
    const task = runGroup(group)
      .catch((err) => {
        log.error('delivery attempt crashed', { queueId: group.messageId, domain: group.domain, err })
        return deferAfterCrash(group, err).then(() => undefined)
      })
      .catch((err) => log.error('cannot record a crashed attempt', { queueId: group.messageId, err }))
      .finally(() => {
        active--
        const left = (perDomain.get(group.key) ?? 1) - 1
        if (left <= 0) perDomain.delete(group.key)
        else perDomain.set(group.key, left)
        for (const r of group.recipients) inFlight.delete(r.recipientId)
        running.delete(task)
        wake()
      })
    running.add(task)
  }

  const tick = () => {
    scheduled = false
    if (stopped) return
    if (timer) clearTimeout(timer)
    timer = undefined
    const now = deps.clock.now()
    const groups = new Map<string, Group>()
    const free = deps.maxConnections - active
    if (free <= 0) return
    // Rows already in flight come back too (they stay due until recorded): read past them.
    for (const r of queue.due(now, free * rowsPerSlot + inFlight.size)) {
      if (inFlight.has(r.recipientId)) continue
      const domain = r.address.slice(r.address.lastIndexOf('@') + 1).toLowerCase()
      const key = deps.relayed ? 'relay' : domain
      const id = `${r.messageId} ${key}`
      let group = groups.get(id)
      if (!group) {
        group = { key, domain, messageId: r.messageId, recipients: [] }
        groups.set(id, group)
      }
      group.recipients.push(r)
    }
    for (const group of groups.values()) {
      if (active >= deps.maxConnections) break
      if ((perDomain.get(group.key) ?? 0) >= deps.maxConnectionsPerDomain) continue
      start(group)
    }
    const next = queue.nextDueAt()
    const delay = next === null ? pollMs : Math.max(0, Math.min(pollMs, next - deps.clock.now()))
    // Work that is due but waiting for a free connection starts when one frees (wake), not by timer.
    timer = setTimeout(wake, Math.max(delay, next !== null && next <= now ? pollMs : 0))
    timer.unref?.()
  }

  function wake() {
    if (stopped || scheduled) return
    scheduled = true
    setImmediate(tick)
  }

  const unsubscribe = queue.onEnqueued(wake)

  return {
    start(): void {
      wake()
    },
    /** Runs a check for due work now (after `queue retry`, in tests). */
    wake,
    /** Stops taking work and waits up to `graceMs` for attempts under way. */
    async stop(graceMs: number): Promise<void> {
      stopped = true
      unsubscribe()
      if (timer) clearTimeout(timer)
      if (running.size === 0) return
      await Promise.race([Promise.allSettled([...running]), new Promise((r) => setTimeout(r, graceMs))])
    },
    get activeAttempts(): number {
      return active
    },
  }
}

export type QueueRunner = ReturnType<typeof createQueueRunner>
