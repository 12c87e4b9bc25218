// The facts cache answers only for the account and the fields an entry was loaded with, merges later loads of
// other fields, and stays within its bound, least recently used out first.
import { describe, expect, test } from 'bun:test'
import type { StoredFacts } from '../../src/store/facts.ts'
import { FactsCache } from '../../src/store/facts-cache.ts'

function facts(emailId: number, fill: Partial<StoredFacts> = {}): StoredFacts {
  return {
    emailId,
    envelope: '',
    bodystructure: '',
    body: '',
    meta: '',
    imapEnvelope: null,
    imapBodystructure: null,
    imapBody: null,
    ...fill,
  }
}

describe('FactsCache', () => {
  test('a hit needs every asked field; a later load of other fields is merged', () => {
    const cache = new FactsCache()
    cache.set(7, facts(1, { imapEnvelope: Buffer.from('("d" "s")') }), ['envelope'])
    expect(cache.get(7, 1, ['envelope'])?.imapEnvelope).toEqual(Buffer.from('("d" "s")'))
    expect(cache.get(7, 1, ['envelope', 'bodystructure'])).toBeUndefined()
    expect(cache.get(7, 2, ['envelope'])).toBeUndefined()
    expect(cache.get(8, 1, ['envelope'])).toBeUndefined() // another account's id: not served
    cache.set(7, facts(1, { imapBodystructure: Buffer.from('("text" "plain")') }), ['bodystructure'])
    const both = cache.get(7, 1, ['bodystructure', 'envelope'])
    expect(both?.imapEnvelope).toEqual(Buffer.from('("d" "s")'))
    expect(both?.imapBodystructure).toEqual(Buffer.from('("text" "plain")'))
    expect(cache.get(7, 1, ['meta'])).toBeUndefined()
  })

  test('bounded by characters: the least recently used go first', () => {
    const cache = new FactsCache(16 * 1000)
    const big = Buffer.from('x'.repeat(900)) // ~1 KB an entry with the per-entry allowance
    for (let id = 1; id <= 15; id++) cache.set(7, facts(id, { imapEnvelope: big }), ['envelope'])
    expect(cache.get(7, 1, ['envelope'])).toBeDefined() // 1 is now the most recently used
    for (let id = 16; id <= 20; id++) cache.set(7, facts(id, { imapEnvelope: big }), ['envelope'])
    expect(cache.get(7, 1, ['envelope'])).toBeDefined()
    expect(cache.get(7, 2, ['envelope'])).toBeUndefined()
    expect(cache.get(7, 20, ['envelope'])).toBeDefined()
    // Larger than a sixteenth of the bound: not kept at all.
    cache.set(7, facts(30, { meta: 'y'.repeat(2000) }), ['meta'])
    expect(cache.get(7, 30, ['meta'])).toBeUndefined()
  })
})
