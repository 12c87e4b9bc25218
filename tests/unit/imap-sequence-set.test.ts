// Sequence sets: parsing, `*` and unordered ranges, expansion, UID selection, compression.

import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import {
  compressOrdered,
  compressSequenceSet,
  expandSequenceNumbers,
  formatSequenceSet,
  hasNumberAbove,
  ParseError,
  parseSequenceSet,
  resolveRanges,
  type SeqRange,
  selectExisting,
  sequenceSetHas,
  sequenceSetOf,
} from '../../src/imap/proto/index.ts'
import { prng } from '../helpers/prng.ts'

const ranges = (text: string): SeqRange[] => {
  const set = parseSequenceSet(text)
  if (set.kind !== 'ranges') throw new Error('expected ranges')
  return set.ranges
}

describe('parse and format', () => {
  test.each(['1', '*', '1:*', '2,4:7,9,12:*', '5:2', '$', '4294967295'])('%s', (text) => {
    expect(formatSequenceSet(parseSequenceSet(text))).toBe(text)
  })

  test('`$` is the saved search result (rfc5182)', () => {
    expect(parseSequenceSet('$')).toEqual({ kind: 'saved' })
  })

  test.each([
    '',
    '0',
    '1:0',
    '0:*',
    ',',
    '1,',
    '1::2',
    '1:2:3',
    '$1',
    '1,$',
    '4294967296',
    '-1',
    'a',
    '1 ',
    '*:',
  ])('%j is rejected', (text) => {
    expect(() => parseSequenceSet(text)).toThrow(ParseError)
  })

  test('sequenceSetOf checks its numbers', () => {
    expect(sequenceSetOf(1, [2, '*'])).toEqual({
      kind: 'ranges',
      ranges: [
        { start: 1, end: 1 },
        { start: 2, end: '*' },
      ],
    })
    expect(() => sequenceSetOf(0)).toThrow(RangeError)
  })
})

describe('resolving against the mailbox', () => {
  test('`*` is the largest number, ranges are unordered, overlaps merge', () => {
    expect(resolveRanges(ranges('1:3,2:5,9,7:*'), 10)).toEqual([
      [1, 5],
      [7, 10],
    ])
    expect(resolveRanges(ranges('5:2'), 10)).toEqual([[2, 5]])
    expect(resolveRanges(ranges('1,2,3'), 10)).toEqual([[1, 3]])
  })

  test('`n:*` with n above the largest still names the last (rfc9051#section-6.4.8)', () => {
    expect(resolveRanges(ranges('559:*'), 500)).toEqual([[500, 559]])
    expect(selectExisting(ranges('559:*'), [100, 200, 500])).toEqual([500])
  })

  test('selectExisting agrees with a plain filter over random lists and sets', () => {
    const random = prng(7)
    const rnd = (n: number) => Math.floor(random() * n)
    for (let round = 0; round < 300; round++) {
      const existing = [...new Set(Array.from({ length: rnd(60) }, () => 1 + rnd(200)))].sort((a, b) => a - b)
      const parts = Array.from({ length: 1 + rnd(4) }, () =>
        rnd(4) === 0 ? `${1 + rnd(220)}:*` : `${1 + rnd(220)}:${1 + rnd(220)}`,
      )
      const set = ranges(parts.join(','))
      const intervals = resolveRanges(set, existing.at(-1) ?? 0)
      const expected = existing.filter((u) => intervals.some(([lo, hi]) => u >= lo && u <= hi))
      expect(selectExisting(set, existing)).toEqual(expected)
      expect(selectExisting(set, new Uint32Array(existing))).toEqual(expected)
    }
  })

  test('`*` in an empty mailbox names nothing', () => {
    expect(resolveRanges(ranges('*'), 0)).toEqual([])
    expect(resolveRanges(ranges('1:*,3'), 0)).toEqual([[3, 3]])
    expect(expandSequenceNumbers(ranges('1:*'), 0)).toEqual([])
    expect(selectExisting(ranges('1:*'), [])).toEqual([])
  })

  test('sequence numbers: expansion and the out-of-range check', () => {
    expect(expandSequenceNumbers(ranges('4:2,*'), 6)).toEqual([2, 3, 4, 6])
    expect(hasNumberAbove(ranges('1:6'), 6)).toBe(false)
    expect(hasNumberAbove(ranges('1:*'), 6)).toBe(false)
    expect(hasNumberAbove(ranges('7'), 6)).toBe(true)
    expect(hasNumberAbove(ranges('*:7'), 6)).toBe(true)
    expect(hasNumberAbove(ranges('*'), 0)).toBe(true)
  })

  test('UIDs: only existing ones are selected, huge ranges cost nothing', () => {
    const uids = [3, 7, 8, 20, 4000000000]
    expect(selectExisting(ranges('1:4294967295'), uids)).toEqual(uids)
    expect(selectExisting(ranges('5:10,*'), uids)).toEqual([7, 8, 4000000000])
    expect(selectExisting(ranges('4,9:19'), uids)).toEqual([])
    expect(sequenceSetHas(ranges('5:10,*'), 8, 20)).toBe(true)
    expect(sequenceSetHas(ranges('5:10,*'), 19, 20)).toBe(false)
    expect(sequenceSetHas(ranges('5:10,*'), 20, 20)).toBe(true)
  })

  test('selectExisting agrees with a naive filter', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 200 }), { maxLength: 40 }),
        fc.array(
          fc.tuple(
            fc.oneof(fc.integer({ min: 1, max: 220 }), fc.constant('*' as const)),
            fc.oneof(fc.integer({ min: 1, max: 220 }), fc.constant('*' as const)),
          ),
          { minLength: 1, maxLength: 6 },
        ),
        (unsorted, pairs) => {
          const existing = [...unsorted].sort((a, b) => a - b)
          const set: SeqRange[] = pairs.map(([start, end]) => ({ start, end }))
          const largest = existing[existing.length - 1] ?? 0
          const naive = existing.filter((n) => sequenceSetHas(set, n, largest))
          expect(selectExisting(set, existing)).toEqual(naive)
        },
      ),
      { numRuns: 1000, seed: 3 },
    )
  })
})

describe('compression', () => {
  test.each<[number[], string]>([
    [[], ''],
    [[1], '1'],
    [[1, 2, 3, 5, 7, 8, 9], '1:3,5,7:9'],
    [[9, 8, 7, 5, 3, 2, 1], '1:3,5,7:9'],
    [[1, 1, 2, 2], '1:2'],
    [[4294967295], '4294967295'],
  ])('%j → %s', (numbers, text) => {
    expect(compressSequenceSet(numbers)).toBe(text)
  })

  test('ordered compression keeps the order (ESORT, COPYUID)', () => {
    expect(compressOrdered([5, 6, 7, 1, 2, 9])).toBe('5:7,1:2,9')
    expect(compressOrdered([3, 2, 1])).toBe('3,2,1')
  })

  test('compress then parse gives back the same numbers', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 100 }),
        (numbers) => {
          const text = compressSequenceSet(numbers)
          const expanded = expandSequenceNumbers(ranges(text), 500)
          expect(expanded).toEqual([...numbers].sort((a, b) => a - b))
        },
      ),
      { numRuns: 1000, seed: 5 },
    )
  })
})
