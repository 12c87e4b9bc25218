// Host-name rules for certificates: which names are valid, how SNI names match certificate
// names (rfc6125#section-6.4.3: a wildcard only as the whole left-most label, matching one label),
// and the file name a certificate is stored under.

const label = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?'
const hostName = new RegExp(`^${label}(?:\\.${label})*$`)

/** True for a lower-case DNS host name (a single label such as `localhost` counts). */
export function isHostName(name: string): boolean {
  return name.length <= 253 && hostName.test(name)
}

/** True for `*.` followed by a host name of at least two labels (`*.example.org`). */
export function isWildcardName(name: string): boolean {
  return name.startsWith('*.') && name.slice(2).includes('.') && isHostName(name.slice(2))
}

/** Lower-cases a name and drops a trailing dot; `undefined` stays `undefined`. */
export function normalizeName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined
  const trimmed = name.trim().toLowerCase().replace(/\.$/, '')
  return trimmed === '' ? undefined : trimmed
}

/** How a certificate name covers a server name: `exact`, `wildcard` (one label), or not at all. */
export function matchName(certName: string, serverName: string): 'exact' | 'wildcard' | undefined {
  if (certName === serverName) return 'exact'
  if (!certName.startsWith('*.')) return undefined
  const dot = serverName.indexOf('.')
  if (dot <= 0) return undefined
  return serverName.slice(dot + 1) === certName.slice(2) ? 'wildcard' : undefined
}

/**
 * The file name (without extension) for a certificate name: the name itself, with a
 * wildcard's `*` written as `_wildcard` (`*.example.org` → `_wildcard.example.org`).
 * Throws for anything that is not a host name, so a name can never escape the directory.
 */
export function fileStemFor(name: string): string {
  if (isWildcardName(name)) return `_wildcard.${name.slice(2)}`
  if (isHostName(name)) return name
  throw new Error(`not a host name: ${JSON.stringify(name)}`)
}
