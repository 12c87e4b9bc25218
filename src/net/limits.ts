// Connection admission: a total cap and a per-client cap, shared by all listeners of one
// server. IPv6 clients are counted per /64, since one host usually owns a whole /64.

/** Why a connection was refused; a listener spec can turn it into a protocol reply. */
export type RefusalReason = 'too-many-connections' | 'too-many-from-address' | 'shutting-down'

/** Counts open connections; one instance per server (no module state). */
export class ConnectionLimiter {
  readonly #maxTotal: number
  readonly #maxPerAddress: number
  readonly #perKey = new Map<string, number>()
  #total = 0

  constructor(maxTotal: number, maxPerAddress: number) {
    this.#maxTotal = maxTotal
    this.#maxPerAddress = maxPerAddress
  }

  /** Open connections in total. */
  get total(): number {
    return this.#total
  }

  /** Open connections from `address`'s group. */
  countFor(address: string): number {
    return this.#perKey.get(addressKey(address)) ?? 0
  }

  /** Counts a new connection, or says why it must be refused (and then counts nothing). */
  tryAcquire(address: string): RefusalReason | undefined {
    const key = addressKey(address)
    const current = this.#perKey.get(key) ?? 0
    if (this.#total >= this.#maxTotal) return 'too-many-connections'
    if (current >= this.#maxPerAddress) return 'too-many-from-address'
    this.#total++
    this.#perKey.set(key, current + 1)
    return undefined
  }

  /** Forgets a connection counted by {@link tryAcquire}. */
  release(address: string): void {
    const key = addressKey(address)
    const current = this.#perKey.get(key)
    if (current === undefined) return
    this.#total--
    if (current <= 1) this.#perKey.delete(key)
    else this.#perKey.set(key, current - 1)
  }
}

/**
 * The key a client address is counted under: an IPv4 address as is (also when IPv4-mapped,
 * `::ffff:192.0.2.1`), an IPv6 address as its /64 prefix (`2001:db8:0:1::/64`).
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)
  if (mapped?.[1] !== undefined) return mapped[1]
  if (!address.includes(':')) return address
  const bare = address.split('%')[0] ?? address
  const halves = bare.split('::')
  const head = halves[0] ? halves[0].split(':') : []
  const tail = halves[1] ? halves[1].split(':') : []
  const width = (groups: string[]) => groups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0)
  const fill = halves.length > 1 ? Math.max(0, 8 - width(head) - width(tail)) : 0
  const groups = [...head, ...Array<string>(fill).fill('0'), ...tail]
  const prefix = groups
    .slice(0, 4)
    .map((g) => (g.includes('.') ? g : Number.parseInt(g || '0', 16).toString(16)))
  return `${prefix.join(':')}::/64`
}
