// StateChange objects (rfc8620#section-7.1, with rfc8887#section-4.3.5.1's pushState): which
// JMAP types a push client can follow, their states (the same strings /get returns), and a
// per-connection subscription on the event bus that coalesces bursts of commits into one push.

import type { AccountChange, EventBus } from '../../events/bus.ts'
import type { ChangeKind } from '../../store/change-set.ts'
import type { MailStore } from '../../store/index.ts'
import { formatAccountId, parseState } from '../core/ids.ts'

/** JMAP type name → the store's change kind whose state it carries. */
export const pushTypes = {
  Mailbox: 'mailbox',
  Email: 'email',
  Thread: 'thread',
  // rfc8621#section-1.5: changes only when mail is delivered, not when a client creates an email.
  EmailDelivery: 'emailDelivery',
  Identity: 'identity',
  EmailSubmission: 'emailSubmission',
} as const satisfies Record<string, ChangeKind>

export type PushTypeName = keyof typeof pushTypes

export const allPushTypes = Object.keys(pushTypes) as PushTypeName[]

/**
 * The types a client asked for: null (or "*" in the EventSource URL) is every type. Names this
 * server does not push (another capability's types) are ignored: there is never a change to them.
 */
export function selectTypes(names: readonly string[] | null): PushTypeName[] {
  if (names === null || names.includes('*')) return [...allPushTypes]
  return allPushTypes.filter((t) => names.includes(t))
}

export interface StateChange {
  '@type': 'StateChange'
  changed: Record<string, Record<string, string>>
  pushState?: string
}

export function parsePushState(text: unknown): number | undefined {
  return typeof text === 'string' ? parseState(text) : undefined
}

/** The current state of each of `types`. */
export function statesOf(store: MailStore, accountId: number, types: readonly PushTypeName[]) {
  const states = new Map<PushTypeName, string>()
  for (const type of types) states.set(type, String(store.kindState(accountId, pushTypes[type])))
  return states
}

function stateChange(accountId: number, changed: Map<PushTypeName, string>, pushState?: string): StateChange {
  return {
    '@type': 'StateChange',
    changed: { [formatAccountId(accountId)]: Object.fromEntries(changed) },
    ...(pushState === undefined ? {} : { pushState }),
  }
}

export interface PushSubscriptionOptions {
  events: EventBus
  store: MailStore
  accountId: number
  types: readonly PushTypeName[]
  /** Receives each StateChange (never an empty one) and the pushState it brings the client to. */
  push: (change: StateChange, pushState: string) => void
  /** Whether StateChange objects carry pushState (WebSocket only). */
  withPushState: boolean
  /**
   * Changes from after this pushState are pushed at once (rfc8887#section-4.3.5.2; an
   * EventSource's Last-Event-ID). An unknown or unusable one pushes every type's state.
   */
  since?: string
  /** How long to gather commits before pushing: a burst of deliveries becomes one event. */
  coalesceMs?: number
}

export interface PushSubscription {
  stop(): void
}

/** Follows one account's changes for the given types until stopped. */
export function subscribeStateChanges(options: PushSubscriptionOptions): PushSubscription {
  const { events, store, accountId, types, push, withPushState } = options
  const coalesceMs = options.coalesceMs ?? 20
  // What this client was last told (or, at the start, what it is taken to know), so a type
  // whose state did not move is never pushed again.
  const told = statesOf(store, accountId, types)
  // The event carries the new states: every change row of a commit is written at its modseq, so
  // each kind it names now has that modseq as its state (store.kindState), with no query.
  const pending = new Map<PushTypeName, string>()
  let pendingModseq = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false

  const flush = () => {
    timer = undefined
    if (stopped || pending.size === 0) return
    const changed = new Map([...pending].filter(([type, state]) => told.get(type) !== state))
    pending.clear()
    for (const [type, state] of changed) told.set(type, state)
    const pushState = String(pendingModseq)
    if (changed.size > 0)
      push(stateChange(accountId, changed, withPushState ? pushState : undefined), pushState)
  }

  const listener = (change: AccountChange) => {
    let wanted = false
    for (const type of types) {
      if (!change.kinds.includes(pushTypes[type])) continue
      pending.set(type, String(change.modseq))
      wanted = true
    }
    if (!wanted) return
    pendingModseq = Math.max(pendingModseq, change.modseq)
    timer ??= setTimeout(flush, coalesceMs)
  }
  const unsubscribe = events.subscribe(accountId, listener)

  if (options.since !== undefined) {
    const since = parsePushState(options.since)
    const current = store.modseq(accountId)
    const usable = since !== undefined && since <= current
    const caughtUp = new Map([...told].filter(([, state]) => !usable || Number(state) > (since ?? 0)))
    if (caughtUp.size > 0)
      push(stateChange(accountId, caughtUp, withPushState ? String(current) : undefined), String(current))
  }

  return {
    stop() {
      stopped = true
      unsubscribe()
      if (timer) clearTimeout(timer)
    },
  }
}
