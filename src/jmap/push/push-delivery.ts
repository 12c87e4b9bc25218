// One POST to a push subscription's URL (rfc8620#section-7.2, rfc8030#section-5): JSON, or
// aes128gcm-encrypted JSON when the subscription gave keys; a TTL; a time limit; redirects are
// never followed; a few retries on failures that may pass.
import { encryptPushMessage, type PushKeys } from './push-encryption.ts'

export interface PushTarget {
  url: string
  keys: PushKeys | null
}

export interface PushDeliveryOptions {
  /** Extra CAs trusted for the push URL's TLS (tests use a local CA), like the SMTP queue's. */
  ca?: string[]
  /** Per attempt. */
  timeoutMs: number
  /** Waits before each retry; its length is the number of retries. */
  retryDelaysMs: readonly number[]
  /** rfc8030#section-5.2: how long the push service may keep the message for an offline device. */
  ttlSeconds: number
  /** Whether the subscription still wants pushes (checked before each attempt: never after expiry). */
  isWanted: () => boolean
}

/** delivered: 2xx; gone: the push service says the subscription is no more (404/410); failed: gave up. */
export type PushOutcome = 'delivered' | 'gone' | 'failed' | 'dropped'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function requestFor(target: PushTarget, message: unknown, ttlSeconds: number) {
  const json = new TextEncoder().encode(JSON.stringify(message))
  const headers: Record<string, string> = { ttl: String(ttlSeconds) }
  if (target.keys === null) {
    headers['content-type'] = 'application/json'
    return { headers, body: json }
  }
  // rfc8291#section-4: the aes128gcm content coding carries its own key id and salt.
  headers['content-encoding'] = 'aes128gcm'
  headers['content-type'] = 'application/octet-stream'
  return { headers, body: encryptPushMessage(json, target.keys) }
}

/** POSTs `message`; never throws. */
export async function deliverPush(
  target: PushTarget,
  message: unknown,
  options: PushDeliveryOptions,
): Promise<PushOutcome> {
  for (let attempt = 0; ; attempt++) {
    if (!options.isWanted()) return 'dropped'
    const retryable = await attemptOnce(target, message, options)
    if (retryable === 'delivered' || retryable === 'gone' || retryable === 'failed') return retryable
    const delay = options.retryDelaysMs[attempt]
    if (delay === undefined) return 'failed'
    await sleep(delay)
  }
}

async function attemptOnce(
  target: PushTarget,
  message: unknown,
  options: PushDeliveryOptions,
): Promise<PushOutcome | 'retry'> {
  // Encrypted anew per attempt: each one gets a fresh salt and key pair (rfc8291#section-3.4).
  const { headers, body } = requestFor(target, message, options.ttlSeconds)
  try {
    const res = await fetch(target.url, {
      method: 'POST',
      headers,
      body,
      // A redirect could point the server at its own or an internal address: never followed.
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
      ...(options.ca ? { tls: { ca: options.ca } } : {}),
    })
    await res.body?.cancel().catch(() => undefined)
    if (res.status >= 200 && res.status < 300) return 'delivered'
    // rfc8030#section-7.3: the push subscription has expired at the push service.
    if (res.status === 404 || res.status === 410) return 'gone'
    // rfc8030#section-5: 429 and server errors may pass later; other answers will not.
    if (res.status === 429 || res.status >= 500) return 'retry'
    return 'failed'
  } catch {
    // Connection refused, TLS failure, timeout: the receiver may be back soon.
    return 'retry'
  }
}
