// What the web admin's dashboard shows about the running server: version, uptime, listeners,
// counts and disk use. Built by server.ts from its services; read on each dashboard request.
import { statSync } from 'node:fs'
import type { ServerInfo } from '../admin/routes/status.ts'
import type { Config, ServiceName } from '../config/config.ts'
import { serviceNames } from '../config/config.ts'
import type { HostPort } from '../config/values.ts'
import type { Directory } from '../directory/index.ts'
import { formatHostPort } from '../net/bind-error.ts'
import type { ListenerStatus } from '../net/listener-status.ts'
import type { MailStore } from '../store/index.ts'

export interface ServerInfoDeps {
  config: Config
  version: string
  startedAt: number
  dbPath: string
  directory: Directory
  store: Pick<MailStore, 'quota'>
  address(service: ServiceName): HostPort | undefined
  reasonFor(service: ServiceName): string | undefined
}

export function createServerInfo(deps: ServerInfoDeps): ServerInfo {
  const size = (path: string) => {
    try {
      return statSync(path).size
    } catch {
      return 0
    }
  }
  return {
    version: deps.version,
    hostname: deps.config.hostname,
    startedAt: deps.startedAt,
    listeners: () =>
      serviceNames.map((service): ListenerStatus => {
        const configured = deps.config.listen[service]
        if (!configured) return { service, configured: '', state: 'off' }
        const text = formatHostPort(configured)
        const bound = deps.address(service)
        if (bound) return { service, configured: text, address: formatHostPort(bound), state: 'up' }
        const reason = deps.reasonFor(service)
        if (reason) return { service, configured: text, state: 'failed', reason }
        return { service, configured: text, state: 'not implemented', reason: 'not in this version yet' }
      }),
    databaseBytes: () => size(deps.dbPath) + size(`${deps.dbPath}-wal`),
    quotaUsage: (accountId) => deps.store.quota(accountId),
    messageCount: () => {
      let total = 0
      for (const account of deps.directory.accounts.list()) {
        try {
          total += deps.store.quota(account.id).usedMessages
        } catch {
          // An account without mail state yet holds no messages.
        }
      }
      return total
    },
  }
}
