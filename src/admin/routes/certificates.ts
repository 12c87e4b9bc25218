// /api/certificates: the TLS certificates in use, and uploading a certificate chain with its key.
import { Hono } from 'hono'
import type { Directory } from '../../directory/index.ts'
import { HttpError, jsonBody, onlyKeys, requireString } from '../errors.ts'
import type { AdminEnv } from '../types.ts'

export interface CertificateView {
  names: string[]
  subject: string
  issuer: string
  notBefore: string
  notAfter: string
  selfSigned: boolean
  bootstrap: boolean
  fingerprint: string
  file: string
  chainLength: number
}

export interface InstalledCertificate {
  names: string[]
  notAfter: string
  fingerprint: string
  warning?: string
}

/** Wired by server.ts over the TLS store (files live in `<data_dir>/tls/`). */
export interface CertificateAdmin {
  list(): CertificateView[]
  /** Validates and stores; throws an Error with a one-line message for the operator. */
  install(certPem: string, keyPem: string): InstalledCertificate
}

export function certificateRoutes(certificates: CertificateAdmin, directory: Directory) {
  const app = new Hono<AdminEnv>()
  app.get('/', (c) => c.json(certificates.list()))
  app.post('/', async (c) => {
    const body = await jsonBody(c)
    onlyKeys(body, ['cert', 'key'])
    const cert = requireString(body, 'cert')
    const key = requireString(body, 'key')
    let installed: InstalledCertificate
    try {
      installed = certificates.install(cert, key)
    } catch (err) {
      throw new HttpError(400, (err as Error).message)
    }
    directory.audit.record(
      c.get('actor'),
      'certificate.set',
      installed.names[0] ?? '',
      { names: installed.names, fingerprint: installed.fingerprint },
      c.env?.remoteAddress,
    )
    return c.json(installed, 201)
  })
  return app
}
