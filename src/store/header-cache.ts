// The headers of recently fetched messages, decompressed. A message never changes, and mail
// clients fetch the same headers over and over (each time they open a mailbox, the newest page);
// reading one costs a whole blob from SQLite (substr() of a BLOB still loads all of it) and a
// decompression. Least recently used first out, bounded by bytes. A hit is only asked for
// messages the caller has just found in the store.
export class HeaderCache {
  readonly #entries = new Map<number, { accountId: number; header: Uint8Array }>()
  #bytes = 0

  constructor(private readonly maxBytes = 4 * 1024 * 1024) {}

  get(accountId: number, emailId: number): Uint8Array | undefined {
    const entry = this.#entries.get(emailId)
    if (entry === undefined || entry.accountId !== accountId) return undefined
    // Map order is insertion order: moved to the end, it is the most recently used.
    this.#entries.delete(emailId)
    this.#entries.set(emailId, entry)
    return entry.header
  }

  set(accountId: number, emailId: number, header: Uint8Array): void {
    if (header.length > this.maxBytes / 16) return
    const old = this.#entries.get(emailId)
    if (old !== undefined) {
      this.#bytes -= old.header.length
      this.#entries.delete(emailId)
    }
    this.#entries.set(emailId, { accountId, header })
    this.#bytes += header.length
    for (const [id, entry] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break
      this.#entries.delete(id)
      this.#bytes -= entry.header.length
    }
  }
}
