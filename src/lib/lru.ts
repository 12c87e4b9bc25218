// A least-recently-used cache bounded by the summed size of its values (bytes or characters, as
// `sizeOf` counts them), not by their number: what the store keeps of immutable message data.

export class SizeBoundedLru<K, V> {
  readonly #entries = new Map<K, V>()
  #size = 0

  constructor(
    private readonly maxSize: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  get(key: K): V | undefined {
    const value = this.#entries.get(key)
    if (value === undefined) return undefined
    // Map order is insertion order: moved to the end, it is the most recently used.
    this.#entries.delete(key)
    this.#entries.set(key, value)
    return value
  }

  /** Keeps `value` (replacing the key's old one); one larger than a sixteenth of the bound is not kept. */
  set(key: K, value: V): void {
    const size = this.sizeOf(value)
    const old = this.#entries.get(key)
    if (old !== undefined) {
      this.#size -= this.sizeOf(old)
      this.#entries.delete(key)
    }
    if (size > this.maxSize / 16) return
    this.#entries.set(key, value)
    this.#size += size
    for (const [k, v] of this.#entries) {
      if (this.#size <= this.maxSize) break
      this.#entries.delete(k)
      this.#size -= this.sizeOf(v)
    }
  }
}
