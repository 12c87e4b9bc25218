// The system flags of every message of a selected mailbox, in memory: SEARCH UNSEEN, FLAGGED,
// DELETED (what clients ask most, and again after every change) is answered by one pass over
// two arrays instead of a scan of the mailbox's index rows. Held by the mailbox's change feed,
// which brings it up to date with every change it reads.

import type { Query } from '../../search/index.ts'
import { systemKeywords } from '../../store/keywords.ts'

/** Marks a UID expunged until the arrays are compacted. */
const gone = 0xffff

export class MailboxFlagIndex {
  #uids: Uint32Array
  #flags: Uint16Array
  #length: number
  #gone = 0

  /** From the mailbox's (UID, flags) pairs in ascending UID order. */
  constructor(uids: ArrayLike<number>, flags: ArrayLike<number>) {
    const capacity = Math.max(16, uids.length + (uids.length >> 3))
    this.#uids = new Uint32Array(capacity)
    this.#flags = new Uint16Array(capacity)
    this.#uids.set(uids)
    this.#flags.set(flags)
    this.#length = uids.length
  }

  /** A message added or whose flags changed. */
  set(uid: number, flags: number): void {
    const at = this.#find(uid)
    if (at < this.#length && this.#uids[at] === uid) {
      if (this.#flags[at] === gone) this.#gone--
      this.#flags[at] = flags
      return
    }
    if (this.#length === this.#uids.length) this.#grow()
    // UIDs only grow, so this is an append but for a message the index was loaded after.
    this.#uids.copyWithin(at + 1, at, this.#length)
    this.#flags.copyWithin(at + 1, at, this.#length)
    this.#uids[at] = uid
    this.#flags[at] = flags
    this.#length++
  }

  remove(uid: number): void {
    const at = this.#find(uid)
    if (at >= this.#length || this.#uids[at] !== uid || this.#flags[at] === gone) return
    this.#flags[at] = gone
    if (++this.#gone > this.#length >> 2) this.#compact()
  }

  /** The UIDs of `view` (ascending) whose message exists and passes `test`, in one merged pass. */
  select(view: ArrayLike<number>, test: (uid: number, flags: number) => boolean): number[] {
    const uids = this.#uids
    const flags = this.#flags
    const length = this.#length
    const out: number[] = []
    let k = 0
    for (let i = 0; i < view.length; i++) {
      const uid = view[i] as number
      while (k < length && (uids[k] as number) < uid) k++
      if (k >= length) break
      if (uids[k] !== uid) continue
      const f = flags[k] as number
      if (f !== gone && test(uid, f)) out.push(uid)
    }
    return out
  }

  #find(uid: number): number {
    let lo = 0
    let hi = this.#length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((this.#uids[mid] as number) < uid) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  #grow(): void {
    const uids = new Uint32Array(this.#uids.length * 2)
    const flags = new Uint16Array(this.#uids.length * 2)
    uids.set(this.#uids)
    flags.set(this.#flags)
    this.#uids = uids
    this.#flags = flags
  }

  #compact(): void {
    let n = 0
    for (let i = 0; i < this.#length; i++) {
      const f = this.#flags[i] as number
      if (f === gone) continue
      this.#uids[n] = this.#uids[i] as number
      this.#flags[n] = f
      n++
    }
    this.#length = n
    this.#gone = 0
  }
}

/**
 * The query as a test of a message's UID and system flags, or undefined if it needs anything
 * else (keywords, text, dates, sizes, MODSEQ, …): those the search engine answers from the store.
 */
export function flagTest(q: Query): ((uid: number, flags: number) => boolean) | undefined {
  switch (q.op) {
    case 'all':
      return () => true
    case 'none':
      return () => false
    case 'keyword': {
      const bit = systemKeywords[q.keyword as keyof typeof systemKeywords]
      return bit === undefined ? undefined : (_, flags) => (flags & bit) !== 0
    }
    case 'uid': {
      const ranges = mergedRanges(q.ranges)
      return (uid) => inRanges(ranges, uid)
    }
    case 'not': {
      const inner = flagTest(q.of)
      return inner === undefined ? undefined : (uid, flags) => !inner(uid, flags)
    }
    case 'and':
    case 'or': {
      const tests = q.of.map(flagTest)
      if (tests.some((t) => t === undefined)) return undefined
      const all = tests as ((uid: number, flags: number) => boolean)[]
      return q.op === 'and'
        ? (uid, flags) => all.every((t) => t(uid, flags))
        : (uid, flags) => all.some((t) => t(uid, flags))
    }
    default:
      return undefined
  }
}

/** The inclusive ranges sorted and merged: disjoint, ascending. */
function mergedRanges(ranges: ReadonlyArray<readonly [number, number]>): [number, number][] {
  const sorted = ranges.map(([a, b]): [number, number] => [Math.min(a, b), Math.max(a, b)])
  sorted.sort((x, y) => x[0] - y[0])
  const out: [number, number][] = []
  for (const r of sorted) {
    const last = out[out.length - 1]
    if (last !== undefined && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1])
    else out.push(r)
  }
  return out
}

/** Whether `uid` is in one of the disjoint ascending ranges (bisection). */
function inRanges(ranges: readonly [number, number][], uid: number): boolean {
  let lo = 0
  let hi = ranges.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    const r = ranges[mid] as [number, number]
    if (uid < r[0]) hi = mid
    else if (uid > r[1]) lo = mid + 1
    else return true
  }
  return false
}
