// The session resource (rfc8620#section-2): capabilities with their limits, the account the
// user can reach, and the URL templates of the API, upload, download and push endpoints.
import { createHash } from 'node:crypto'
import { type CoreLimits, coreCapability, websocketCapability } from './capabilities.ts'
import type { JmapPrincipal } from './context.ts'
import { formatAccountId } from './ids.ts'

/** What one capability adds to the session: server-wide properties and per-account ones. */
export interface CapabilityDescriptor {
  server: () => Record<string, unknown>
  account?: (accountId: number) => Record<string, unknown>
  /** Whether primaryAccounts names an account for it (every capability with account data does). */
  primary?: boolean
}

export interface SessionInput {
  principal: JmapPrincipal
  /** Absolute base URL of the JMAP endpoints, without a trailing slash, e.g. https://mail.example.org/jmap */
  base: string
  limits: CoreLimits
  capabilities: ReadonlyMap<string, CapabilityDescriptor>
  /** Whether JMAP over WebSocket with push (rfc8887) is served at {base}/ws. */
  webSocket?: boolean
}

export function buildSession({ principal, base, limits, capabilities, webSocket }: SessionInput) {
  const accountId = formatAccountId(principal.id)
  const serverCapabilities: Record<string, unknown> = { [coreCapability]: { ...limits } }
  const accountCapabilities: Record<string, unknown> = {}
  const primaryAccounts: Record<string, string> = {}
  for (const [urn, descriptor] of capabilities) {
    if (urn === coreCapability) continue
    serverCapabilities[urn] = descriptor.server()
    if (descriptor.account) {
      accountCapabilities[urn] = descriptor.account(principal.id)
      primaryAccounts[urn] = accountId
    }
  }
  // rfc8887#section-3: a server-wide capability only, with the ws:/wss: URL of the endpoint.
  if (webSocket)
    serverCapabilities[websocketCapability] = { url: `${base.replace(/^http/, 'ws')}/ws`, supportsPush: true }
  const body = {
    capabilities: serverCapabilities,
    accounts: {
      [accountId]: {
        name: principal.email,
        isPersonal: true,
        isReadOnly: false,
        accountCapabilities,
      },
    },
    primaryAccounts,
    username: principal.email,
    apiUrl: `${base}`,
    downloadUrl: `${base}/download/{accountId}/{blobId}/{name}?type={type}`,
    uploadUrl: `${base}/upload/{accountId}/`,
    eventSourceUrl: `${base}/eventsource?types={types}&closeafter={closeafter}&ping={ping}`,
  }
  // The state changes exactly when something in the session object does.
  const state = createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 16)
  return { ...body, state }
}
