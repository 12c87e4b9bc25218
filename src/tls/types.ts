// What the listeners need from the certificate store: a TLS context per server name (SNI).
import type { SecureContext } from 'node:tls'

export interface TlsContexts {
  /** The context for a client's SNI name; falls back to the hostname's certificate. */
  contextFor(servername: string | undefined): SecureContext
  /** PEM of the default certificate and key, for Bun.serve's `tls` option. */
  defaultPem(): { cert: string; key: string }
  /** All certificates by name, for Bun.serve's SNI array. */
  allPem(): { serverName: string; cert: string; key: string }[]
}
