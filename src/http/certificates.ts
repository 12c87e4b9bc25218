// The certificates the web admin shows and installs: each stored certificate with its subject
// and issuer (read from its PEM), and an upload checked before it is saved — the key matches,
// the chain runs leaf → issuer → …, and it is valid now — then picked up by the TLS store.
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CertificateAdmin, CertificateView } from '../admin/routes/certificates.ts'
import type { Clock } from '../lib/clock.ts'
import { parseBundle } from '../tls/pem.ts'
import { setCertificate } from '../tls/set-certificate.ts'
import type { CertificateStore } from '../tls/types.ts'

const certBlock = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g
const oneLineDn = (dn: string) => dn.split('\n').join(', ')

/** Throws when a certificate in the chain is not issued by the one after it. */
export function checkChainOrder(chainPem: string): void {
  const certs = (chainPem.match(certBlock) ?? []).map((b) => new X509Certificate(b))
  for (let i = 0; i + 1 < certs.length; i++) {
    const cert = certs[i] as X509Certificate
    const issuer = certs[i + 1] as X509Certificate
    if (!cert.checkIssued(issuer)) {
      throw new Error(
        `the chain is out of order: certificate ${i + 1} (${oneLineDn(cert.subject)}) is not issued by certificate ${i + 2} (${oneLineDn(issuer.subject)}); give the leaf first, then each issuer`,
      )
    }
  }
}

export function createCertificateAdmin(
  dataDir: string,
  tls: CertificateStore,
  clock: Clock,
): CertificateAdmin {
  return {
    list(): CertificateView[] {
      return tls.describe().map((info) => {
        let subject = ''
        let issuer = ''
        let chainLength = 0
        try {
          const pem = readFileSync(join(dataDir, 'tls', `${info.file}.crt`), 'utf8')
          const blocks = pem.match(certBlock) ?? []
          chainLength = blocks.length
          const leaf = new X509Certificate(blocks[0] ?? '')
          subject = oneLineDn(leaf.subject)
          issuer = oneLineDn(leaf.issuer)
        } catch {
          // The store loaded it, so it parses; a file replaced meanwhile shows without details.
        }
        return {
          ...info,
          notBefore: info.notBefore.toISOString(),
          notAfter: info.notAfter.toISOString(),
          subject,
          issuer,
          chainLength,
        }
      })
    },
    install(certPem, keyPem) {
      checkChainOrder(parseBundle(certPem, keyPem).chainPem)
      const result = setCertificate(dataDir, certPem, keyPem, { clock })
      tls.reload()
      return {
        names: result.names,
        notAfter: result.notAfter.toISOString(),
        fingerprint: result.fingerprint,
        ...(result.warning ? { warning: result.warning } : {}),
      }
    },
  }
}
