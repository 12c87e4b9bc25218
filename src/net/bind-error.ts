// The one clear log line for a port that cannot be bound: service, address, and the config key to change.
import type { HostPort } from '../config/values.ts'

export function formatHostPort(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`
}

/**
 * e.g. `cannot listen for imap on 0.0.0.0:143: address already in use (…); change listen.imap
 * in the config or set POSTERN_LISTEN_IMAP`. `configKey` defaults to `listen.<service>`.
 * Matches on the message too, since Bun.serve's errors may carry no `code`.
 */
export function describeBindError(
  service: string,
  address: HostPort,
  err: unknown,
  configKey?: string,
): string {
  const code = (err as { code?: string })?.code ?? ''
  const message = String((err as Error)?.message ?? err)
  let why: string
  if (code === 'EADDRINUSE' || /in use/i.test(message))
    why = 'address already in use (another program is listening there)'
  else if (code === 'EACCES' || code === 'EPERM' || /permission|EACCES/i.test(message)) {
    why =
      address.port < 1024
        ? 'permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)'
        : 'permission denied'
  } else if (code === 'EADDRNOTAVAIL' || /not available|EADDRNOTAVAIL/i.test(message)) {
    why = 'address not available on this machine'
  } else why = message
  const key = configKey ?? `listen.${service}`
  const env = `POSTERN_${key.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`
  return `cannot listen for ${service} on ${formatHostPort(address)}: ${why}; change ${key} in the config or set ${env}`
}
