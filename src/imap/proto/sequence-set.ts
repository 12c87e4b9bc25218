// Sequence sets (rfc9051#section-9 sequence-set, rfc5182 "$"): parsing, resolving `*` against the
// mailbox, and compressing sorted numbers back to `1:3,5` for ESEARCH, VANISHED, COPYUID, APPENDUID.
import { MAX_NUMBER, Reader } from './tokenizer.ts'

/** `*`: the largest number in use (rfc9051#section-9 seq-number). */
export type SeqNumber = number | '*'

/** One element of a set; a single number has `start === end`. `n:m` is unordered (rfc9051#section-9). */
export interface SeqRange {
  start: SeqNumber
  end: SeqNumber
}

/** A parsed sequence set, or `$`: the result saved by SEARCH RETURN (SAVE) (rfc5182#section-2.1). */
export type SequenceSet = { kind: 'ranges'; ranges: SeqRange[] } | { kind: 'saved' }

function readSeqNumber(reader: Reader): SeqNumber {
  if (reader.tryByte(0x2a)) return '*'
  return reader.nzNumber('a sequence number')
}

/** Reads sequence-set = (seq-number / seq-range) ["," sequence-set] / "$". */
export function readSequenceSet(reader: Reader): SequenceSet {
  if (reader.tryByte(0x24)) return { kind: 'saved' }
  const ranges: SeqRange[] = []
  do {
    const start = readSeqNumber(reader)
    const end = reader.tryByte(0x3a) ? readSeqNumber(reader) : start
    ranges.push({ start, end })
  } while (reader.tryByte(0x2c))
  return { kind: 'ranges', ranges }
}

/** Parses set text such as `1:3,5,*` or `$`; throws ParseError. */
export function parseSequenceSet(text: string): SequenceSet {
  const reader = new Reader(new TextEncoder().encode(text))
  const set = readSequenceSet(reader)
  reader.expectEnd()
  return set
}

/**
 * Resolves a set to sorted, merged, inclusive `[low, high]` intervals, with `*` = `largest` (the
 * highest sequence number or UID in the mailbox, 0 when it is empty). `5:*` with a largest of 3 is
 * `3:5` (rfc9051#section-6.4.8: "n:*" always includes the last message). In an empty mailbox `*`
 * names no message, so any range containing it is dropped. Intervals are not clamped: callers
 * check sequence numbers with `hasNumberAbove` and intersect UIDs with `selectExisting`.
 */
export function resolveRanges(ranges: readonly SeqRange[], largest: number): Array<[number, number]> {
  const intervals: Array<[number, number]> = []
  for (const r of ranges) {
    if (largest === 0 && (r.start === '*' || r.end === '*')) continue
    const a = r.start === '*' ? largest : r.start
    const b = r.end === '*' ? largest : r.end
    intervals.push(a <= b ? [a, b] : [b, a])
  }
  intervals.sort((x, y) => x[0] - y[0])
  const merged: Array<[number, number]> = []
  for (const iv of intervals) {
    const last = merged[merged.length - 1]
    if (last !== undefined && iv[0] <= last[1] + 1) last[1] = Math.max(last[1], iv[1])
    else merged.push([iv[0], iv[1]])
  }
  return merged
}

/**
 * The message sequence numbers a set names, ascending, for a mailbox of `count` messages. Numbers
 * above `count` are dropped; use `hasNumberAbove` first, since a sequence number that does not exist is a
 * client error (rfc9051#section-9 seq-number).
 */
export function expandSequenceNumbers(ranges: readonly SeqRange[], count: number): number[] {
  const out: number[] = []
  for (const [low, high] of resolveRanges(ranges, count)) {
    for (let n = low; n <= Math.min(high, count); n++) out.push(n)
  }
  return out
}

/** True when the set names a number above `largest` (an invalid message sequence number). */
export function hasNumberAbove(ranges: readonly SeqRange[], largest: number): boolean {
  return ranges.some(
    (r) => (r.start !== '*' && r.start > largest) || (r.end !== '*' && r.end > largest) || largest === 0,
  )
}

/**
 * The members of `existing` (ascending, e.g. the mailbox's UIDs) that the set names, with `*` = the
 * last of them. A binary search per interval plus the members named, so `1:4294967295` costs
 * nothing extra (rfc9051#section-2.3.1.1: UIDs that do not exist are simply ignored).
 */
export function selectExisting(ranges: readonly SeqRange[], existing: ArrayLike<number>): number[] {
  const intervals = resolveRanges(ranges, existing[existing.length - 1] ?? 0)
  const out: number[] = []
  let i = 0
  for (const [low, high] of intervals) {
    // Binary search for the first member ≥ low: UID FETCH of a few messages in a large mailbox
    // must not walk the whole list.
    let hi = existing.length
    while (i < hi) {
      const mid = (i + hi) >> 1
      if ((existing[mid] as number) < low) i = mid + 1
      else hi = mid
    }
    for (; i < existing.length && (existing[i] as number) <= high; i++) out.push(existing[i] as number)
  }
  return out
}

/** True when `n` is in the set, with `*` = `largest`. */
export function sequenceSetHas(ranges: readonly SeqRange[], n: number, largest: number): boolean {
  return resolveRanges(ranges, largest).some(([low, high]) => n >= low && n <= high)
}

/**
 * Compresses numbers (any order, duplicates allowed) into the shortest set text: `1:3,5,7:9`.
 * Returns '' for no numbers, which callers must not send as a set.
 */
export function compressSequenceSet(numbers: readonly number[]): string {
  const sorted = isAscending(numbers) ? numbers : [...numbers].sort((a, b) => a - b)
  const parts: string[] = []
  let i = 0
  while (i < sorted.length) {
    const start = sorted[i] as number
    let end = start
    while (i + 1 < sorted.length && (sorted[i + 1] as number) <= end + 1) {
      end = Math.max(end, sorted[i + 1] as number)
      i++
    }
    parts.push(start === end ? `${start}` : `${start}:${end}`)
    i++
  }
  return parts.join(',')
}

/**
 * Compresses numbers keeping their order, merging only runs that go up by one: [5, 6, 7, 1, 2] is
 * `5:7,1:2`. For ESORT ALL (rfc5267#section-3.2) and COPYUID, whose order carries meaning (rfc4315#section-3).
 */
export function compressOrdered(numbers: readonly number[]): string {
  const parts: string[] = []
  let i = 0
  while (i < numbers.length) {
    const start = numbers[i] as number
    let end = start
    while (i + 1 < numbers.length && numbers[i + 1] === end + 1) {
      end++
      i++
    }
    parts.push(start === end ? `${start}` : `${start}:${end}`)
    i++
  }
  return parts.join(',')
}

/** Formats a parsed set back to wire text, e.g. for echoing `MODIFIED` or in tests. */
export function formatSequenceSet(set: SequenceSet): string {
  if (set.kind === 'saved') return '$'
  return set.ranges.map((r) => (r.start === r.end ? `${r.start}` : `${r.start}:${r.end}`)).join(',')
}

/** Builds a set from ranges, checking each number is a valid nz-number. */
export function sequenceSetOf(...ranges: Array<SeqNumber | [SeqNumber, SeqNumber]>): SequenceSet {
  return {
    kind: 'ranges',
    ranges: ranges.map((r) => {
      const [start, end] = Array.isArray(r) ? r : [r, r]
      for (const n of [start, end]) {
        if (n !== '*' && (!Number.isInteger(n) || n < 1 || n > MAX_NUMBER)) {
          throw new RangeError(`invalid sequence number ${n}`)
        }
      }
      return { start, end }
    }),
  }
}

function isAscending(numbers: readonly number[]): boolean {
  for (let i = 1; i < numbers.length; i++)
    if ((numbers[i] as number) < (numbers[i - 1] as number)) return false
  return true
}
