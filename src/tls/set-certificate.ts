// `postern cert set --cert FILE --key FILE`: checks an operator's certificate and key and stores
// them in `<data_dir>/tls/`, where a running server's store picks them up on its next check.
import type { Clock } from '../lib/clock.ts'
import { systemClock } from '../lib/clock.ts'
import { ensureTlsDir, writePair } from './files.ts'
import { fileStemFor } from './names.ts'
import { parseBundle } from './pem.ts'

const dayMs = 24 * 60 * 60 * 1000
/** A certificate that ends sooner than this is stored with a warning. */
export const expiryWarningDays = 14

/** What {@link setCertificate} stored. */
export interface SetCertificateResult {
  /** Host names the certificate covers, the first one naming the files. */
  names: string[]
  notAfter: Date
  /** SHA-256 of the leaf certificate, colon-separated upper-case hex. */
  fingerprint: string
  /** Paths of the written `.crt` and `.key`. */
  files: { cert: string; key: string }
  /** Set when the certificate expires within {@link expiryWarningDays} days. */
  warning?: string
}

/** Options for {@link setCertificate}. */
export interface SetCertificateOptions {
  clock?: Clock
}

/**
 * Validates a PEM certificate (with any intermediates, kept whole) and its private key, and
 * stores them as `<data_dir>/tls/<first name>.crt/.key` (`*.example.org` → `_wildcard.example.org`),
 * replacing a pair of the same name. Throws an `Error` with a one-line message if the PEM does
 * not parse, the key does not match, or the certificate is expired or not yet valid.
 */
export function setCertificate(
  dataDir: string,
  certPem: string,
  keyPem: string,
  options: SetCertificateOptions = {},
): SetCertificateResult {
  const bundle = parseBundle(certPem, keyPem)
  const now = (options.clock ?? systemClock).now()
  if (bundle.notAfter.getTime() <= now)
    throw new Error(`the certificate expired on ${bundle.notAfter.toISOString()}`)
  if (bundle.notBefore.getTime() > now)
    throw new Error(`the certificate is not valid before ${bundle.notBefore.toISOString()}`)
  const first = bundle.names[0] as string // parseBundle guarantees at least one name
  const dir = ensureTlsDir(dataDir)
  const files = writePair(dir, fileStemFor(first), bundle.chainPem, bundle.keyPem)
  const result: SetCertificateResult = {
    names: bundle.names,
    notAfter: bundle.notAfter,
    fingerprint: bundle.fingerprint,
    files,
  }
  const daysLeft = (bundle.notAfter.getTime() - now) / dayMs
  if (daysLeft < expiryWarningDays) {
    result.warning = `the certificate expires in ${Math.max(0, Math.floor(daysLeft))} days (${bundle.notAfter.toISOString()})`
  }
  return result
}
