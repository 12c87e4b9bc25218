// Message encryption for push subscriptions that gave keys (rfc8620#section-7.2): Web Push
// message encryption (rfc8291) in the aes128gcm content coding (rfc8188), one record.
import { createCipheriv, createECDH, createHmac, randomBytes } from 'node:crypto'

export interface PushKeys {
  /** The user agent's P-256 public key, uncompressed point, base64url. */
  p256dh: string
  /** The authentication secret, 16 octets, base64url. */
  auth: string
}

const base64url = /^[A-Za-z0-9_-]+={0,2}$/

/** Why the keys cannot be used (undefined when they can): rfc8291#section-3 sizes and a point on P-256. */
export function pushKeysProblem(keys: PushKeys): string | undefined {
  if (!base64url.test(keys.p256dh) || !base64url.test(keys.auth)) return 'keys must be base64url-encoded'
  const publicKey = Buffer.from(keys.p256dh, 'base64url')
  // rfc8291#section-3.1: the uncompressed form of an elliptic-curve point (65 octets).
  if (publicKey.length !== 65 || publicKey[0] !== 4) return 'keys/p256dh must be an uncompressed P-256 point'
  // rfc8291#section-3.2: the authentication secret is 16 octets.
  if (Buffer.from(keys.auth, 'base64url').length !== 16) return 'keys/auth must be 16 octets'
  try {
    const probe = createECDH('prime256v1')
    probe.generateKeys()
    probe.computeSecret(publicKey)
  } catch {
    // The agreement fails when the point is not on the curve.
    return 'keys/p256dh is not a point on P-256'
  }
  return undefined
}

function hmac(key: Buffer, ...data: Buffer[]): Buffer {
  const h = createHmac('sha256', key)
  for (const d of data) h.update(d)
  return h.digest()
}

/**
 * rfc8291#section-3.4 and rfc8188#section-2: the encrypted body, a header (salt, record size,
 * the sender's ephemeral public key as keyid) followed by one record ending in the 0x02 delimiter.
 */
export function encryptPushMessage(plaintext: Uint8Array, keys: PushKeys): Uint8Array {
  const uaPublic = Buffer.from(keys.p256dh, 'base64url')
  const authSecret = Buffer.from(keys.auth, 'base64url')
  const ecdh = createECDH('prime256v1')
  const asPublic = ecdh.generateKeys()
  const ecdhSecret = ecdh.computeSecret(uaPublic)
  // rfc8291#section-3.3: the input keying material binds both public keys and the auth secret.
  const prkKey = hmac(authSecret, ecdhSecret)
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic])
  const ikm = hmac(prkKey, keyInfo, Buffer.from([1]))
  const salt = randomBytes(16)
  const prk = hmac(salt, ikm)
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0'), Buffer.from([1])).subarray(0, 16)
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0'), Buffer.from([1])).subarray(0, 12)
  const cipher = createCipheriv('aes-128-gcm', cek, nonce)
  // rfc8188#section-2: the last (here, only) record's padding delimiter is 0x02.
  const sealed = Buffer.concat([
    cipher.update(plaintext),
    cipher.update(Buffer.from([2])),
    cipher.final(),
    cipher.getAuthTag(),
  ])
  // The record size must hold the whole record: plaintext, delimiter and the 16-octet tag.
  const recordSize = Math.max(4096, sealed.length)
  const header = Buffer.alloc(16 + 4 + 1)
  salt.copy(header, 0)
  header.writeUInt32BE(recordSize, 16)
  header.writeUInt8(asPublic.length, 20)
  return Buffer.concat([header, asPublic, sealed])
}
