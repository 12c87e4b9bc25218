// The reverse-lookup name of an IP address: RFC 1035 section 3.5 (in-addr.arpa) and
// RFC 3596 section 2.5 (ip6.arpa, one label per nibble).

import { isIPv4, isIPv6 } from 'node:net'
import { DnsError } from './types.ts'

/**
 * `192.0.2.1` → `1.2.0.192.in-addr.arpa`; `2001:db8::1` → `1.0.0.0…8.b.d.0.1.0.0.2.ip6.arpa`.
 * An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) gets its IPv4 name, as mail checks treat it
 * as an IPv4 client (RFC 7208 section 5). Throws `EBADNAME` for anything that is not an address.
 */
export function reverseName(ip: string): string {
  const text = ip.trim().replace(/^\[|\]$/g, '')
  if (isIPv4(text)) return `${text.split('.').reverse().join('.')}.in-addr.arpa`
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text)
  if (mapped?.[1] && isIPv4(mapped[1])) return reverseName(mapped[1])
  if (!isIPv6(text)) throw new DnsError('EBADNAME', ip, 'Ptr')
  return `${expandIPv6(text).split('').reverse().join('.')}.ip6.arpa`
}

/** The 32 hex digits of an IPv6 address (valid per node:net), with `::` and a dotted tail expanded. */
export function expandIPv6(text: string): string {
  let address = text.toLowerCase().replace(/%.*$/, '')
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address)
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number]
    const hex = (hi: number, lo: number) => ((hi << 8) | lo).toString(16)
    address = `${address.slice(0, dotted.index)}${hex(a, b)}:${hex(c, d)}`
  }
  const [head = '', tail] = address.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const zeros = Array.from({ length: 8 - left.length - right.length }, () => '0')
  return [...left, ...zeros, ...right].map((group) => group.padStart(4, '0')).join('')
}
