// The one clear log line for a port that cannot be bound: service, address, and the config key to change.
import type { HostPort } from '../config/values.ts'

export function formatHostPort(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`
}

export function describeBindError(service: string, address: HostPort, err: unknown): string {
  const code = (err as { code?: string })?.code ?? ''
  const message = String((err as Error)?.message ?? err)
  let why: string
  if (code === 'EADDRINUSE' || /in use/i.test(message)) why = 'address already in use (another program is listening there)'
  else if (code === 'EACCES' || /permission|EACCES/i.test(message)) {
    why = 'permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)'
  } else if (code === 'EADDRNOTAVAIL' || /not available|EADDRNOTAVAIL/i.test(message)) {
    why = 'address not available on this machine'
  } else why = message
  return `cannot listen for ${service} on ${formatHostPort(address)}: ${why}; change listen.${service} in the config or set POSTERN_LISTEN_${service.toUpperCase()}`
}
