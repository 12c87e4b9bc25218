// The system's recursive resolvers from /etc/resolv.conf (resolv.conf(5): `nameserver` lines),
// used when `[dns].servers` is empty.

import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import type { DnsServer } from './exchange.ts'

/** The `nameserver` addresses of a resolv.conf text, port 53; glibc's default 127.0.0.1 when none. */
export function parseResolvConf(text: string): DnsServer[] {
  const servers: DnsServer[] = []
  for (const line of text.split('\n')) {
    const [keyword, address] = line
      .replace(/[#;].*$/, '')
      .trim()
      .split(/\s+/)
    if (keyword === 'nameserver' && address && isIP(address.replace(/%[\w.-]+$/, ''))) {
      servers.push({ host: address, port: 53 }) // a zone id (fe80::1%eth0) is kept: dgram takes it
    }
  }
  return servers.length > 0 ? servers : [{ host: '127.0.0.1', port: 53 }]
}

/** Reads `path` (default /etc/resolv.conf); a missing file means 127.0.0.1 as glibc does. */
export function readResolvConf(path = '/etc/resolv.conf'): DnsServer[] {
  let text = ''
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    // no file: the default below
  }
  return parseResolvConf(text)
}
