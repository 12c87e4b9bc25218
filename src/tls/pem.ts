// Parsing and checking PEM certificate chains and private keys: names, dates, fingerprints,
// key/certificate matching. No file access; errors are one-line `Error`s meant for the operator.
// Uses node:crypto's X509Certificate (built in) rather than @peculiar/x509, which is only
// needed to make certificates: loading it at every start costs memory on a small machine.
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto'
import { createSecureContext } from 'node:tls'
import { isHostName, isWildcardName } from './names.ts'

/** The subject organization that marks a certificate Postern made for itself at start-up. */
export const bootstrapOrganization = 'Postern self-signed'

/** A parsed certificate chain with its private key, ready to serve. */
export interface CertificateBundle {
  /** The leaf first, then the intermediates in the order given. */
  chainPem: string
  /** The private key as unencrypted PKCS#8 PEM. */
  keyPem: string
  names: string[]
  notBefore: Date
  notAfter: Date
  selfSigned: boolean
  bootstrap: boolean
  fingerprint: string
}

const certBlock = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g
const keyBlock = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]*?-----END \1-----/

/**
 * Parses a certificate chain and its key, checks that they belong together, and describes
 * the leaf. The leaf is the certificate whose public key matches the key; it is moved first.
 * Throws an `Error` with a one-line message when anything does not parse or match.
 */
export function parseBundle(certPem: string, keyPem: string): CertificateBundle {
  const blocks = certPem.match(certBlock) ?? []
  if (blocks.length === 0)
    throw new Error('no certificate found (expected a -----BEGIN CERTIFICATE----- block)')
  const certs = blocks.map((block, i) => parseCertificate(block, i))
  const key = parsePrivateKey(keyPem)
  const leafIndex = blocks.findIndex((block) => keyFits(block, key))
  if (leafIndex < 0) throw new Error('the key does not match the certificate')
  const leafBlock = blocks[leafIndex] as string
  const leaf = certs[leafIndex] as X509Certificate
  const ordered = [leafBlock, ...blocks.filter((_, i) => i !== leafIndex)]
  const chainPem = `${ordered.join('\n')}\n`
  const pkcs8 = key.export({ type: 'pkcs8', format: 'pem' }).toString()
  try {
    createSecureContext({ cert: chainPem, key: pkcs8 }) // OpenSSL's own check, as the listeners will do it
  } catch (err) {
    throw new Error(`the TLS library refuses the certificate and key: ${oneLine(err)}`)
  }
  const names = certificateNames(leaf)
  if (names.length === 0)
    throw new Error('the certificate names no host (no host-name CN and no DNS subjectAltName)')
  return {
    chainPem,
    keyPem: pkcs8,
    names,
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    selfSigned: leaf.subject === leaf.issuer,
    bootstrap: leaf.subject === leaf.issuer && nameFields(leaf.subject, 'O').includes(bootstrapOrganization),
    fingerprint: fingerprintOf(leaf),
  }
}

/** Host names a certificate covers, lower-cased and without duplicates: the CN first, then SAN DNS names. */
export function certificateNames(cert: X509Certificate): string[] {
  const names: string[] = []
  const add = (value: string) => {
    const name = value.trim().toLowerCase().replace(/\.$/, '')
    if ((isHostName(name) || isWildcardName(name)) && !names.includes(name)) names.push(name)
  }
  for (const cn of nameFields(cert.subject, 'CN')) add(cn)
  for (const item of (cert.subjectAltName ?? '').split(/,\s*/))
    if (item.startsWith('DNS:')) add(item.slice(4))
  return names
}

/** Values of one attribute in a distinguished name as node:crypto prints it ("CN=a\nO=b"). */
function nameFields(dn: string, attribute: string): string[] {
  return dn
    .split('\n')
    .filter((line) => line.startsWith(`${attribute}=`))
    .map((line) => line.slice(attribute.length + 1))
}

/** SHA-256 of the certificate's DER as colon-separated upper-case hex (as `openssl x509 -fingerprint -sha256`). */
export function fingerprintOf(cert: X509Certificate): string {
  return cert.fingerprint256.toUpperCase()
}

function parseCertificate(block: string, index: number): X509Certificate {
  try {
    return new X509Certificate(block)
  } catch {
    throw new Error(`certificate ${index + 1} in the PEM could not be parsed`)
  }
}

function parsePrivateKey(pem: string): KeyObject {
  const match = pem.match(keyBlock)
  if (!match) throw new Error('no private key found (expected a -----BEGIN PRIVATE KEY----- block)')
  if (match[1] === 'ENCRYPTED PRIVATE KEY')
    throw new Error('the private key is encrypted; give an unencrypted key')
  try {
    return createPrivateKey({ key: match[0], format: 'pem' })
  } catch {
    throw new Error('the private key could not be parsed')
  }
}

function keyFits(certBlock: string, key: KeyObject): boolean {
  try {
    return new X509Certificate(certBlock).checkPrivateKey(key)
  } catch {
    return false // a key of another type, or a certificate OpenSSL reads differently: not this one
  }
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? ''
}
