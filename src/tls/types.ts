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

/** What the admin sees about one stored certificate. */
export interface CertificateInfo {
  /** Host names it covers: the CN (when it is a host name) and the DNS subjectAltNames. */
  names: string[]
  notBefore: Date
  notAfter: Date
  /** Issuer and subject are the same (no CA vouches for it). */
  selfSigned: boolean
  /** Made by Postern itself at start-up for the configured hostname. */
  bootstrap: boolean
  /** SHA-256 of the leaf certificate's DER, as colon-separated upper-case hex. */
  fingerprint: string
  /** File name in `<data_dir>/tls/` without `.crt`/`.key`. */
  file: string
}

/** The certificate store the listeners and the admin use. */
export interface CertificateStore extends TlsContexts {
  /** Re-reads `<data_dir>/tls/` now. */
  reload(): void
  /** Re-reads `<data_dir>/tls/` only if its files changed since the last read; true if it did. */
  refresh(): boolean
  /** Counts reloads (by refresh(), a handshake's periodic check, or an upload). */
  readonly generation: number
  /** One entry per loaded certificate, best first for the hostname. */
  describe(): CertificateInfo[]
}
