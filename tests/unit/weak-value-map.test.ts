// Entries of a WeakValueMap go once their value is collected; a key given a newer, still held,
// value keeps it when the older one is collected.
import { describe, expect, test } from 'bun:test'
import { WeakValueMap } from '../../src/lib/weak-value-map.ts'

/** Collects until `done` or a second has passed (finalizers run after a collection, later). */
async function collectUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 20 && !done(); i++) {
    Bun.gc(true)
    await Bun.sleep(50)
  }
}

function fill(map: WeakValueMap<number, { n: number }>, from: number, count: number): void {
  for (let i = from; i < from + count; i++) map.set(i, { n: i })
}

describe('WeakValueMap', () => {
  test('an entry goes when its value is collected, without being looked up', async () => {
    const map = new WeakValueMap<number, { n: number }>()
    fill(map, 0, 100)
    const held = { n: 1000 }
    map.set(1000, held)
    await collectUntil(() => map.size <= 1)
    expect(map.size).toBe(1)
    expect(map.get(1000)).toBe(held)
  })

  test('a key with a newer value keeps it when the older value is collected', async () => {
    const map = new WeakValueMap<number, { n: number }>()
    fill(map, 1, 1) // key 1 → a value nothing holds
    const newer = { n: 2 }
    map.set(1, newer)
    fill(map, 100, 50)
    await collectUntil(() => map.size <= 1)
    expect(map.get(1)).toBe(newer)
  })
})
