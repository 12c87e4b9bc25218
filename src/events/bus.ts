// The change feed: after a write commits, the store publishes what changed in an account;
// IMAP IDLE/NOTIFY and JMAP push subscribe per account. In-process now; behind this interface a
// multi-node setup can carry the same events over NATS or Redis.

export interface AccountChange {
  accountId: number
  /** The account's modseq after the change (the new JMAP state). */
  modseq: number
  /** Mailboxes whose contents or properties changed. */
  mailboxIds: number[]
  /** What kinds of objects changed, for JMAP StateChange. */
  kinds: ('mailbox' | 'email' | 'thread' | 'identity' | 'emailSubmission' | 'emailDelivery')[]
}

export type ChangeListener = (change: AccountChange) => void

export interface EventBus {
  /** Listens to one account's changes; returns the function that stops listening. */
  subscribe(accountId: number, listener: ChangeListener): () => void
  publish(change: AccountChange): void
  listenerCount(accountId: number): number
  /** How many changes were published so far (a cheap activity counter); of one kind if named. */
  publishedCount(kind?: ChangeKind): number
}

export type ChangeKind = AccountChange['kinds'][number]

export function createEventBus(onError: (err: unknown) => void = () => {}): EventBus {
  const listeners = new Map<number, Set<ChangeListener>>()
  let published = 0
  const publishedByKind = new Map<ChangeKind, number>()
  return {
    subscribe(accountId, listener) {
      let set = listeners.get(accountId)
      if (!set) {
        set = new Set()
        listeners.set(accountId, set)
      }
      set.add(listener)
      return () => {
        set.delete(listener)
        if (set.size === 0) listeners.delete(accountId)
      }
    },
    publish(change) {
      published++
      for (const kind of change.kinds) publishedByKind.set(kind, (publishedByKind.get(kind) ?? 0) + 1)
      for (const listener of [...(listeners.get(change.accountId) ?? [])]) {
        try {
          listener(change)
        } catch (err) {
          onError(err)
        }
      }
    },
    listenerCount: (accountId) => listeners.get(accountId)?.size ?? 0,
    publishedCount: (kind) => (kind === undefined ? published : (publishedByKind.get(kind) ?? 0)),
  }
}
