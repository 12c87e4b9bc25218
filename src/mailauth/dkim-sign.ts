// DKIM signing for outbound mail (RFC 6376 section 5; RFC 8301 key and algorithm rules,
// RFC 8463 Ed25519) through mailauth's dkimSign.

import { dkimSign } from 'mailauth'

export type DkimAlgorithm = 'rsa-sha256' | 'ed25519-sha256'

export interface DkimSignOptions {
  /** d=: the signing domain, usually the From domain so that DMARC aligns. */
  domain: string
  /** s=: the selector; the public key is published at `<selector>._domainkey.<domain>`. */
  selector: string
  /** PKCS#8 or PKCS#1 PEM of an RSA (2048 bits or more recommended) or Ed25519 key. */
  privateKeyPem: string
  /** Defaults to the key's type: rsa-sha256 for RSA, ed25519-sha256 for Ed25519. */
  algorithm?: DkimAlgorithm
  /** t=; defaults to now (tests pass a fixed time). */
  signTime?: Date
}

/** Why a message could not be signed (no From field, a key that does not fit the algorithm …). */
export class DkimSignError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message)
    this.name = 'DkimSignError'
  }
}

/**
 * Signs `raw` (header and body, CRLF line ends) with relaxed/relaxed canonicalization and
 * mailauth's default header list, once per key given (an RSA and an Ed25519 signature side by
 * side, rfc8463 section 5, so verifiers that know only RSA still pass). Returns the
 * `DKIM-Signature:` fields, folded and ending with CRLF, to prepend to the message unchanged.
 * Throws {@link DkimSignError} when a signature was not made; refuses rsa-sha1 and RSA keys
 * under 1024 bits (RFC 8301 section 3).
 */
export async function signDkim(
  raw: Uint8Array | string,
  options: DkimSignOptions | DkimSignOptions[],
): Promise<string> {
  const keys = Array.isArray(options) ? options : [options]
  const first = keys[0]
  if (!first) throw new DkimSignError('DKIM signing needs at least one key', undefined)
  const input = typeof raw === 'string' ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
  // mailauth reads the key from signatureData; top-level signingDomain/selector/privateKey are ignored
  const result = await dkimSign(input, {
    signatureData: keys.map((k) => ({
      signingDomain: k.domain,
      selector: k.selector,
      privateKey: k.privateKeyPem,
      ...(k.algorithm ? { algorithm: k.algorithm } : {}),
    })),
    canonicalization: 'relaxed/relaxed',
    ...(first.signTime ? { signTime: first.signTime } : {}),
    strict: true,
  } as Parameters<typeof dkimSign>[1])
  const failure = result.errors[0]
  if (!result.signatures || failure) {
    throw new DkimSignError(
      `DKIM signing for ${first.domain} failed: ${failure?.err.message ?? 'no signature made'}`,
      failure?.err.code,
    )
  }
  return result.signatures
}
