// The UID list a session holds of its selected mailbox (sequence number n is the UID at n - 1),
// shared between sessions: a thousand clients idling on one inbox keep one copy of its UIDs and
// email ids, not a thousand. A shared list only grows at its end, so any prefix of it stays
// valid; a session whose view stops being a prefix (it reported an expunge, or sees an append the
// list does not have) takes a copy of its own and publishes it for the sessions that follow.

import { WeakValueMap } from '../../lib/weak-value-map.ts'

/** One generation of a mailbox's list: positions below `length` never change once written. */
export class SharedUidList {
  uids: Uint32Array
  emailIds: Uint32Array
  length: number
  /** The mailbox's highest MODSEQ at which this list was known to be exactly its contents. */
  exactAt = -1

  constructor(uids: ArrayLike<number>, emailIds: ArrayLike<number>, length = uids.length) {
    const capacity = Math.max(16, length + (length >> 3))
    this.uids = new Uint32Array(capacity)
    this.emailIds = new Uint32Array(capacity)
    for (let i = 0; i < length; i++) {
      this.uids[i] = uids[i] as number
      this.emailIds[i] = emailIds[i] as number
    }
    this.length = length
  }

  push(uid: number, emailId: number): void {
    if (this.length === this.uids.length) {
      // Holders of the old arrays keep reading their prefix from them; only new reads move.
      const capacity = this.length * 2
      const uids = new Uint32Array(capacity)
      const ids = new Uint32Array(capacity)
      uids.set(this.uids)
      ids.set(this.emailIds)
      this.uids = uids
      this.emailIds = ids
    }
    this.uids[this.length] = uid
    this.emailIds[this.length] = emailId
    this.length++
  }

  /** Whether its first `length` entries are exactly these. */
  startsWith(uids: ArrayLike<number>, emailIds: ArrayLike<number>, length: number): boolean {
    if (this.length < length) return false
    for (let i = 0; i < length; i++) {
      if (this.uids[i] !== uids[i] || this.emailIds[i] !== emailIds[i]) return false
    }
    return true
  }
}

/**
 * The newest list of each mailbox, held weakly: it lives as long as some session uses it. The
 * last few published are also held strongly, so a client that opens a mailbox, reads and logs out
 * (a phone checking mail, a script) does not read every UID of it again the next time.
 */
export class SharedUidLists {
  readonly #lists = new WeakValueMap<number, SharedUidList>()
  readonly #recent: SharedUidList[] = []
  static readonly keptRecent = 4

  current(mailboxId: number): SharedUidList | undefined {
    return this.#lists.get(mailboxId)
  }

  publish(mailboxId: number, list: SharedUidList): void {
    this.#lists.set(mailboxId, list)
    this.#recent.push(list)
    if (this.#recent.length > SharedUidLists.keptRecent) this.#recent.shift()
  }
}

/** A session's view: the first `length` entries of a shared list. */
export class MailboxView {
  #list: SharedUidList
  #length: number

  private constructor(
    private readonly lists: SharedUidLists,
    private readonly mailboxId: number,
    list: SharedUidList,
    length: number,
  ) {
    this.#list = list
    this.#length = length
  }

  /** The view of a mailbox as just read from the store, sharing the current list when it matches. */
  static open(
    lists: SharedUidLists,
    mailboxId: number,
    uids: ArrayLike<number>,
    emailIds: ArrayLike<number>,
  ): MailboxView {
    return new MailboxView(
      lists,
      mailboxId,
      sharedList(lists, mailboxId, uids, emailIds, uids.length),
      uids.length,
    )
  }

  /**
   * A view of the current shared list when that is known to be the mailbox's contents at
   * `highestModseq` (nothing changed since): SELECT then reads no UIDs from the store.
   */
  static reuse(lists: SharedUidLists, mailboxId: number, highestModseq: number): MailboxView | undefined {
    const current = lists.current(mailboxId)
    if (current === undefined || current.exactAt !== highestModseq) return undefined
    return new MailboxView(lists, mailboxId, current, current.length)
  }

  /** Records that the view is exactly the mailbox at `highestModseq` (no expunge left to report). */
  markExact(highestModseq: number): void {
    const list = this.#list
    if (this.#length === list.length && highestModseq > list.exactAt) list.exactAt = highestModseq
  }

  get length(): number {
    return this.#length
  }

  uidAt(index: number): number {
    return this.#list.uids[index] as number
  }

  emailIdAt(index: number): number {
    return this.#list.emailIds[index] as number
  }

  /** The UIDs in sequence order (a view of the shared array, not a copy). */
  uids(): Uint32Array {
    return this.#list.uids.subarray(0, this.#length)
  }

  get maxUid(): number {
    return this.#length > 0 ? this.uidAt(this.#length - 1) : 0
  }

  /** Sequence number of a UID, or 0. */
  seqOf(uid: number): number {
    const uids = this.#list.uids
    let lo = 0
    let hi = this.#length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const v = uids[mid] as number
      if (v === uid) return mid + 1
      if (v < uid) lo = mid + 1
      else hi = mid - 1
    }
    return 0
  }

  /** Adds a message after the last one (its UID is higher than every UID in the view). */
  append(uid: number, emailId: number): void {
    const list = this.#list
    const n = this.#length
    if (list.length === n) list.push(uid, emailId)
    else if (list.uids[n] !== uid || list.emailIds[n] !== emailId) {
      // The shared list went another way after our prefix: continue on a copy of our own.
      const own = new SharedUidList(list.uids, list.emailIds, n)
      own.push(uid, emailId)
      this.#list = own
      this.lists.publish(this.mailboxId, own)
    }
    this.#length = n + 1
  }

  /** Keeps only the entries whose UID passes `keep`. */
  retain(keep: (uid: number) => boolean): void {
    const uids: number[] = []
    const ids: number[] = []
    for (let i = 0; i < this.#length; i++) {
      const uid = this.uidAt(i)
      if (!keep(uid)) continue
      uids.push(uid)
      ids.push(this.emailIdAt(i))
    }
    if (uids.length === this.#length) return
    this.#list = sharedList(this.lists, this.mailboxId, uids, ids, uids.length)
    this.#length = uids.length
  }
}

/** The mailbox's current shared list if it starts with these entries, else a new one, published. */
function sharedList(
  lists: SharedUidLists,
  mailboxId: number,
  uids: ArrayLike<number>,
  emailIds: ArrayLike<number>,
  length: number,
): SharedUidList {
  const current = lists.current(mailboxId)
  if (current?.startsWith(uids, emailIds, length)) return current
  const list = new SharedUidList(uids, emailIds, length)
  lists.publish(mailboxId, list)
  return list
}
