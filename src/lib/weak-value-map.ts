// A map whose values are held weakly: an entry lives as long as something else holds its value,
// and goes from the map once the value is collected (not only when it is next looked up).

export class WeakValueMap<K, V extends object> {
  readonly #entries = new Map<K, WeakRef<V>>()
  readonly #cleanup = new FinalizationRegistry<K>((key) => {
    // The key may hold a newer value by now.
    if (this.#entries.get(key)?.deref() === undefined) this.#entries.delete(key)
  })

  get(key: K): V | undefined {
    const value = this.#entries.get(key)?.deref()
    if (value === undefined) this.#entries.delete(key)
    return value
  }

  set(key: K, value: V): void {
    this.#entries.set(key, new WeakRef(value))
    this.#cleanup.register(value, key)
  }

  get size(): number {
    return this.#entries.size
  }
}
