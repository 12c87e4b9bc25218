// The stored facts (ENVELOPE, BODYSTRUCTURE, BODY, MIME tree) of recently fetched emails. An
// email's facts never change and email ids are never reused (AUTOINCREMENT), and mail clients
// list the same pages of a mailbox again and again: a page whose facts are all here is read
// with the listing query alone, without a join to the facts table's wide rows. Each entry
// knows which fields it was loaded with (an absent field reads as '' or NULL, like a present
// empty one). Bounded by characters, least recently used first out.
import { SizeBoundedLru } from '../lib/lru.ts'
import { type FactField, type StoredFacts, wireFieldOf } from './facts.ts'

const fieldBits: Record<FactField, number> = { envelope: 1, bodystructure: 2, body: 4, meta: 8 }

function bitsOf(fields: readonly FactField[]): number {
  let bits = 0
  for (const f of fields) bits |= fieldBits[f]
  return bits
}

function sizeOf(facts: StoredFacts): number {
  return (
    64 +
    facts.envelope.length +
    facts.bodystructure.length +
    facts.body.length +
    facts.meta.length +
    (facts.imapEnvelope?.length ?? 0) +
    (facts.imapBodystructure?.length ?? 0) +
    (facts.imapBody?.length ?? 0)
  )
}

export class FactsCache {
  readonly #entries: SizeBoundedLru<number, { accountId: number; facts: StoredFacts; fields: number }>

  constructor(maxChars = 8 * 1024 * 1024) {
    this.#entries = new SizeBoundedLru(maxChars, (e) => sizeOf(e.facts))
  }

  /** The email's facts if it is the account's and they were loaded with at least `fields`. */
  get(accountId: number, emailId: number, fields: readonly FactField[]): StoredFacts | undefined {
    const entry = this.#entries.get(emailId)
    if (entry === undefined || entry.accountId !== accountId) return undefined
    const wanted = bitsOf(fields)
    return (entry.fields & wanted) === wanted ? entry.facts : undefined
  }

  /** An account's email's facts as loaded with `fields`; what it already had of others is kept. */
  set(accountId: number, facts: StoredFacts, fields: readonly FactField[]): void {
    const bits = bitsOf(fields)
    const old = this.#entries.get(facts.emailId)
    if (old === undefined || old.accountId !== accountId || (old.fields & bits) === old.fields) {
      this.#entries.set(facts.emailId, { accountId, facts, fields: bits })
      return
    }
    const merged = { ...old.facts }
    for (const f of fields) {
      merged[f] = facts[f]
      if (f !== 'meta') merged[wireFieldOf[f]] = facts[wireFieldOf[f]]
    }
    this.#entries.set(facts.emailId, { accountId, facts: merged, fields: old.fields | bits })
  }
}
