// Choosing a certificate for a TLS client's SNI name (rfc6066#section-3) among the stored ones.
// Pure: takes the loaded certificates and the time, returns one of them.
import { matchName, normalizeName } from './names.ts'

/** What selection needs to know about a certificate. */
export interface Selectable {
  names: string[]
  notBefore: Date
  notAfter: Date
  /** Postern's own start-up certificate: used only when no operator certificate covers the name. */
  bootstrap: boolean
}

/**
 * The certificate to present for `servername`: the best one covering it, else the best one
 * covering `hostname`, else the best one at all (`undefined` only when `certs` is empty).
 * "Best" ranks, in order: valid now; set by the operator rather than bootstrap; exact name
 * rather than wildcard; ends later.
 */
export function selectCertificate<T extends Selectable>(
  certs: readonly T[],
  servername: string | undefined,
  hostname: string,
  now: number,
): T | undefined {
  const name = normalizeName(servername)
  return (
    (name === undefined ? undefined : bestFor(certs, name, now)) ??
    bestFor(certs, hostname, now) ??
    best(
      certs.map((cert) => ({ cert, exact: true })),
      now,
    )
  )
}

/** The best certificate covering `name` exactly or by wildcard, if any. */
export function bestFor<T extends Selectable>(certs: readonly T[], name: string, now: number): T | undefined {
  const matching: { cert: T; exact: boolean }[] = []
  for (const cert of certs) {
    const kinds = cert.names.map((certName) => matchName(certName, name))
    if (kinds.includes('exact')) matching.push({ cert, exact: true })
    else if (kinds.includes('wildcard')) matching.push({ cert, exact: false })
  }
  return best(matching, now)
}

function best<T extends Selectable>(candidates: { cert: T; exact: boolean }[], now: number): T | undefined {
  const rank = ({ cert, exact }: { cert: T; exact: boolean }): number[] => [
    cert.notBefore.getTime() <= now && now < cert.notAfter.getTime() ? 0 : 1,
    cert.bootstrap ? 1 : 0,
    exact ? 0 : 1,
    -cert.notAfter.getTime(),
  ]
  let chosen: { cert: T; key: number[] } | undefined
  for (const candidate of candidates) {
    const key = rank(candidate)
    if (!chosen || compare(key, chosen.key) < 0) chosen = { cert: candidate.cert, key }
  }
  return chosen?.cert
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}
