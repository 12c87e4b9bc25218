// The bootstrap certificate: a self-signed ECDSA P-256 certificate for the configured hostname,
// made with @peculiar/x509 on WebCrypto so a fresh server can speak TLS before anyone sets one.
import type { Clock } from '../lib/clock.ts'
import { systemClock } from '../lib/clock.ts'
import type { Logger } from '../lib/log.ts'
import { workerEntry } from '../lib/workers.ts'
import { ensureTlsDir, pairExists, readPair, writePair } from './files.ts'
import { fileStemFor, isHostName, normalizeName } from './names.ts'
import { bootstrapOrganization, parseBundle } from './pem.ts'
import { x509 } from './x509.ts'

const dayMs = 24 * 60 * 60 * 1000
/** Validity of a bootstrap certificate: 825 days, the longest that Apple platforms accept. */
export const selfSignedValidityDays = 825
/** A bootstrap certificate this close to its end is replaced at start-up. */
const renewBeforeMs = 14 * dayMs

/** Makes a self-signed certificate and key for `hostname`; both PEM. */
export async function createSelfSigned(
  hostname: string,
  now: number = Date.now(),
): Promise<{ certPem: string; keyPem: string }> {
  const {
    BasicConstraintsExtension,
    ExtendedKeyUsage,
    ExtendedKeyUsageExtension,
    KeyUsageFlags,
    KeyUsagesExtension,
    PemConverter,
    SubjectAlternativeNameExtension,
    SubjectKeyIdentifierExtension,
    X509CertificateGenerator,
  } = x509()
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
  const keys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])
  const serial = new Uint8Array(crypto.getRandomValues(new Uint8Array(16)))
  serial[0] = (serial[0] ?? 0) & 0x7f || 0x01 // positive and without a leading zero byte
  const cert = await X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: Buffer.from(serial).toString('hex'),
      name: [{ CN: [hostname] }, { O: [bootstrapOrganization] }],
      notBefore: new Date(now - 60_000), // a minute of slack for clients whose clock is behind
      notAfter: new Date(now + selfSignedValidityDays * dayMs),
      signingAlgorithm: algorithm,
      keys,
      extensions: [
        new BasicConstraintsExtension(false, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
        new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth]),
        new SubjectAlternativeNameExtension([{ type: 'dns', value: hostname }]),
        await SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  )
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey)
  return { certPem: `${cert.toString('pem')}\n`, keyPem: `${PemConverter.encode(pkcs8, 'PRIVATE KEY')}\n` }
}

/** Options for {@link ensureSelfSigned}. */
export interface EnsureSelfSignedOptions {
  dataDir: string
  hostname: string
  log: Logger
  clock?: Clock
}

/**
 * Makes sure `<data_dir>/tls/<hostname>.crt` and `.key` exist. Existing files are kept, whoever
 * made them, except a bootstrap certificate that has expired or is about to, which is replaced.
 * A half pair (one file missing) is replaced with a new self-signed pair.
 * Returns true if it wrote a new certificate.
 */
export async function ensureSelfSigned(options: EnsureSelfSignedOptions): Promise<boolean> {
  const hostname = normalizeName(options.hostname) ?? ''
  if (!isHostName(hostname))
    throw new Error(`hostname ${JSON.stringify(options.hostname)} is not a valid host name`)
  const now = (options.clock ?? systemClock).now()
  const dir = ensureTlsDir(options.dataDir)
  const stem = fileStemFor(hostname)
  const exists = pairExists(dir, stem)
  if (exists.cert && exists.key) {
    if (!isExpiringBootstrap(dir, stem, now)) return false
    options.log.info('replacing expiring self-signed certificate', { hostname })
  } else if (exists.cert || exists.key) {
    options.log.warn('certificate or key file missing; making a new self-signed pair', { hostname, dir })
  }
  const { certPem, keyPem } = await createSelfSignedInWorker(hostname, now)
  writePair(dir, stem, certPem, keyPem)
  options.log.info(`created self-signed certificate for ${hostname}`, { dir })
  return true
}

/** {@link createSelfSigned} in a short-lived Worker, so the X.509 library's memory goes with it. */
export function createSelfSignedInWorker(
  hostname: string,
  now: number,
): Promise<{ certPem: string; keyPem: string }> {
  const worker = new Worker(
    workerEntry('tls/self-signed-worker.ts', import.meta.url, './self-signed-worker.ts'),
  )
  return new Promise<{ certPem: string; keyPem: string }>((resolve, reject) => {
    worker.onmessage = (
      event: MessageEvent<{ ok: boolean; certPem: string; keyPem: string; error?: string }>,
    ) => {
      if (event.data.ok) resolve({ certPem: event.data.certPem, keyPem: event.data.keyPem })
      else reject(new Error(`cannot create a self-signed certificate: ${event.data.error}`))
    }
    worker.onerror = (event) => reject(new Error(`cannot create a self-signed certificate: ${event.message}`))
    worker.postMessage({ hostname, now })
  }).finally(() => worker.terminate())
}

function isExpiringBootstrap(dir: string, stem: string, now: number): boolean {
  try {
    const pair = readPair(dir, stem)
    const bundle = parseBundle(pair.cert, pair.key)
    return bundle.bootstrap && bundle.notAfter.getTime() - now < renewBeforeMs
  } catch {
    return false // a broken pair is the operator's to fix; the store reports it when loading
  }
}
