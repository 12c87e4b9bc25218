// The headers of recently fetched messages, decompressed. A message never changes, and mail
// clients fetch the same headers over and over (each time they open a mailbox, the newest page);
// reading one costs a whole blob from SQLite (substr() of a BLOB still loads all of it) and a
// decompression. Least recently used first out, bounded by bytes. A hit is only asked for
// messages the caller has just found in the store.
import { SizeBoundedLru } from '../lib/lru.ts'

export class HeaderCache {
  readonly #entries: SizeBoundedLru<number, { accountId: number; header: Uint8Array }>

  constructor(maxBytes = 4 * 1024 * 1024) {
    this.#entries = new SizeBoundedLru(maxBytes, (e) => e.header.length)
  }

  get(accountId: number, emailId: number): Uint8Array | undefined {
    const entry = this.#entries.get(emailId)
    return entry === undefined || entry.accountId !== accountId ? undefined : entry.header
  }

  set(accountId: number, emailId: number, header: Uint8Array): void {
    this.#entries.set(emailId, { accountId, header })
  }
}
