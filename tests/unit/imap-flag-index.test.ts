// The in-memory flag index of a selected mailbox and the flag-only query test: after random
// additions, flag changes and removals (compactions and out-of-order inserts included), a
// selection over any view answers what a plain list of (UID, flags) answers.
import { describe, expect, test } from 'bun:test'
import { flagTest, MailboxFlagIndex } from '../../src/imap/server/flag-index.ts'
import type { Query } from '../../src/search/index.ts'
import { prng } from '../helpers/prng.ts'

const flagged: Query = { op: 'keyword', keyword: '$flagged' }
const seen: Query = { op: 'keyword', keyword: '$seen' }

function naive(model: Map<number, number>, view: number[], test: (uid: number, flags: number) => boolean) {
  return view.filter((uid) => model.has(uid) && test(uid, model.get(uid) as number))
}

describe('MailboxFlagIndex', () => {
  test('selects what a plain map selects after random changes', () => {
    const rnd = prng(42)
    const start = Array.from({ length: 200 }, (_, i) => 2 * i + 1)
    const model = new Map(start.map((uid) => [uid, Math.floor(rnd() * 8)]))
    const index = new MailboxFlagIndex(
      start,
      start.map((uid) => model.get(uid) as number),
    )
    let next = 500
    const queries: Query[] = [
      flagged,
      { op: 'not', of: seen },
      { op: 'or', of: [flagged, { op: 'not', of: seen }] },
      {
        op: 'and',
        of: [
          seen,
          {
            op: 'uid',
            ranges: [
              [300, 100],
              [350, 420],
              [410, 460],
            ],
          },
        ],
      },
      { op: 'all' },
    ]
    for (let round = 0; round < 2000; round++) {
      const r = rnd()
      const uids = [...model.keys()]
      if (r < 0.3) {
        // New messages, sometimes below the highest (loaded after the index was read).
        const uid = rnd() < 0.9 ? next++ : 2 * Math.floor(rnd() * 250) + 2
        const flags = Math.floor(rnd() * 8)
        model.set(uid, flags)
        index.set(uid, flags)
      } else if (r < 0.7 && uids.length > 0) {
        const uid = uids[Math.floor(rnd() * uids.length)] as number
        const flags = Math.floor(rnd() * 8)
        model.set(uid, flags)
        index.set(uid, flags)
      } else if (uids.length > 0) {
        const uid = uids[Math.floor(rnd() * uids.length)] as number
        model.delete(uid)
        index.remove(uid)
        index.remove(uid) // twice: the second does nothing
      }
      if (round % 50 !== 0) continue
      // A session's view: some of the UIDs, with some it holds that are already gone.
      const view = [...new Set([...model.keys(), 3, 5, 7])].filter(() => rnd() < 0.8).sort((a, b) => a - b)
      for (const q of queries) {
        const t = flagTest(q)
        if (t === undefined) throw new Error('flag query not handled')
        expect(index.select(view, t)).toEqual(naive(model, view, t))
      }
    }
  })
})

describe('flagTest', () => {
  test('system flags, UIDs, AND/OR/NOT; anything else is left to the store', () => {
    const t = flagTest({ op: 'and', of: [flagged, { op: 'not', of: seen }] })
    expect(t?.(1, 2)).toBe(true)
    expect(t?.(1, 3)).toBe(false)
    expect(flagTest({ op: 'uid', ranges: [[5, 3]] })?.(4, 0)).toBe(true)
    expect(flagTest({ op: 'keyword', keyword: 'custom' })).toBeUndefined()
    expect(flagTest({ op: 'or', of: [flagged, { op: 'size', larger: 10 }] })).toBeUndefined()
    expect(flagTest({ op: 'modseq', min: 3 })).toBeUndefined()
  })
})
