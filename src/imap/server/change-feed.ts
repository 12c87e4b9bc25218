// What changed in a mailbox lately, read from the store once for all the sessions that have it
// selected. Every session catches up after each of its commands from its own MODSEQ; with fifty
// sessions on one inbox, each change would otherwise be read fifty times. The feed covers the
// changes after `from` up to `to`: the current row of each message changed in that span, and the
// UIDs expunged in it. A session that fell behind `from` reads the store itself.

import { WeakValueMap } from '../../lib/weak-value-map.ts'
import type { MailStore } from '../../store/index.ts'
import type { MailboxMessage } from '../../store/read.ts'
import { MailboxFlagIndex } from './flag-index.ts'

type ChangeReader = Pick<MailStore, 'mailboxMessagesChangedSince' | 'expungedSince' | 'mailboxFlags'>

/** Changes held before the feed starts over from its newest MODSEQ. */
const defaultMaxHeld = 5000

export interface MailboxChanges {
  /** Messages added or changed after the asked MODSEQ, in UID order. */
  changed: MailboxMessage[]
  /** UIDs expunged after the asked MODSEQ. */
  expunged: number[]
}

export class MailboxChangeFeed {
  #from: number
  #to: number
  /** The current row of each message changed in the span. */
  readonly #rows = new Map<number, MailboxMessage>()
  /** UID → the MODSEQ of its expunge. */
  readonly #expunged = new Map<number, number>()
  /**
   * Every change in MODSEQ order (a UID again for each later change): a session finds where its
   * own MODSEQ falls by bisection and reads only what came after.
   */
  #log: { modseq: number; uid: number }[] = []
  /** Every message's flags, loaded on first use and kept current by each extension. */
  #flags: MailboxFlagIndex | undefined

  constructor(
    private readonly store: ChangeReader,
    readonly mailboxId: number,
    modseq: number,
    private readonly maxHeld = defaultMaxHeld,
  ) {
    this.#from = modseq
    this.#to = modseq
  }

  /** The changes after `since` up to the mailbox's `current` MODSEQ. */
  since(since: number, current: number): MailboxChanges {
    if (current > this.#to) this.#extend(current)
    if (since < this.#from) return this.#read(since)
    const log = this.#log
    let lo = 0
    let hi = log.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((log[mid] as { modseq: number }).modseq > since) hi = mid
      else lo = mid + 1
    }
    const changed: MailboxMessage[] = []
    const expunged: number[] = []
    const seen = new Set<number>()
    for (let i = lo; i < log.length; i++) {
      const uid = (log[i] as { uid: number }).uid
      if (seen.has(uid)) continue
      seen.add(uid)
      if (this.#expunged.has(uid)) expunged.push(uid)
      else {
        const row = this.#rows.get(uid)
        if (row !== undefined) changed.push(row)
      }
    }
    changed.sort((a, b) => a.uid - b.uid)
    return { changed, expunged }
  }

  /** The mailbox's flag index as of its `current` MODSEQ. */
  flagIndex(current: number): MailboxFlagIndex {
    if (current > this.#to) this.#extend(current)
    if (this.#flags === undefined) {
      // Rows read now are at least as new as `current`; later extensions apply the current
      // state of each changed message again, which leaves a newer value in place.
      const { uids, flags } = this.store.mailboxFlags(this.mailboxId)
      this.#flags = new MailboxFlagIndex(uids, flags)
    }
    return this.#flags
  }

  #read(since: number): MailboxChanges {
    const store = this.store
    return {
      changed: store.mailboxMessagesChangedSince(this.mailboxId, since),
      expunged: store.expungedSince(this.mailboxId, since).map((e) => e.uid),
    }
  }

  #extend(current: number): void {
    const store = this.store
    if (this.#log.length > this.maxHeld) {
      this.#rows.clear()
      this.#expunged.clear()
      this.#log = []
      this.#from = this.#to
    }
    const added: { modseq: number; uid: number }[] = []
    const flags = this.#flags
    for (const { uid, modseq } of store.expungedSince(this.mailboxId, this.#to)) {
      this.#expunged.set(uid, modseq)
      this.#rows.delete(uid)
      flags?.remove(uid)
      added.push({ modseq, uid })
    }
    for (const row of store.mailboxMessagesChangedSince(this.mailboxId, this.#to)) {
      if (this.#expunged.has(row.uid)) continue
      this.#rows.set(row.uid, row)
      flags?.set(row.uid, row.flags)
      added.push({ modseq: row.modseq, uid: row.uid })
    }
    // All after the old end, so the log stays in MODSEQ order.
    added.sort((a, b) => a.modseq - b.modseq)
    for (const entry of added) this.#log.push(entry)
    this.#to = current
  }
}

/** The feed of each selected mailbox, held weakly: it lives as long as some session uses it. */
export class MailboxChangeFeeds {
  readonly #feeds = new WeakValueMap<number, MailboxChangeFeed>()

  /** The mailbox's feed, started at `modseq` when no session holds one. */
  of(store: ChangeReader, mailboxId: number, modseq: number): MailboxChangeFeed {
    const held = this.#feeds.get(mailboxId)
    if (held !== undefined) return held
    const feed = new MailboxChangeFeed(store, mailboxId, modseq)
    this.#feeds.set(mailboxId, feed)
    return feed
  }
}
