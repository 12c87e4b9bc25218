// Which DKIM keys sign an outbound message: those of the From: domain (so DMARC aligns,
// rfc7489 section 3.1.1), else those of the envelope sender's domain; none when neither is a
// local domain with keys (mail relayed for others is passed on unsigned). Signing itself runs
// in a Worker when the server gives one; keys are looked up once a minute per domain, not per
// message.
import type { DkimSigningKey } from '../directory/dkim-keys.ts'
import { parseAddressList } from '../mail/address.ts'
import { headerSection, splitHeaderFields } from '../mail/header.ts'
import type { DkimSignOptions } from '../mailauth/dkim-sign.ts'

export type SigningKeysFor = (domain: string) => DkimSigningKey[]
export type SignFunction = (raw: Uint8Array, keys: DkimSignOptions[]) => Promise<string>

/** How long a domain's keys are remembered; a rotation takes effect within this time. */
const keyCacheMs = 60_000

/** The domain of the first From: address, lower case, or undefined. */
export function fromDomain(raw: Uint8Array): string | undefined {
  const header = Buffer.from(headerSection(raw)).toString('latin1')
  const from = splitHeaderFields(header).find((f) => f.key === 'from')
  if (!from) return undefined
  const address = parseAddressList(from.value.replace(/\r?\n/g, ''), false).find((a) => a.domain && !a.group)
  return address?.domain?.toLowerCase()
}

/**
 * The domain and the domains above it (`mail.example.org`, `example.org`): a DSN from
 * MAILER-DAEMON@mail.example.org signed by example.org aligns under DMARC's relaxed mode
 * (rfc7489 section 3.1.1), so receivers that enforce example.org's policy accept it.
 */
function withParents(domain: string): string[] {
  const labels = domain.split('.')
  const out: string[] = []
  for (let i = 0; i < labels.length - 1; i++) out.push(labels.slice(i).join('.'))
  return out.length > 0 ? out : [domain]
}

export interface OutboundSigner {
  /** The DKIM-Signature fields for a message, or '' when no local domain signs it. */
  sign(raw: Uint8Array, mailFrom: string): Promise<string>
}

export function createSigner(deps: {
  keysFor: SigningKeysFor
  /** The signer (a Worker in the server; mailauth's signDkim on this thread in tests). */
  sign: SignFunction
  now?: () => number
}): OutboundSigner {
  const { sign } = deps
  const now = deps.now ?? Date.now
  const cache = new Map<string, { keys: DkimSigningKey[]; at: number }>()
  const keysFor = (domain: string): DkimSigningKey[] => {
    const hit = cache.get(domain)
    if (hit && now() - hit.at < keyCacheMs) return hit.keys
    const keys = deps.keysFor(domain)
    if (cache.size > 10_000) cache.clear()
    cache.set(domain, { keys, at: now() })
    return keys
  }
  return {
    async sign(raw, mailFrom) {
      const from = fromDomain(raw)
      const candidates = [
        ...(from ? withParents(from) : []),
        mailFrom.slice(mailFrom.lastIndexOf('@') + 1).toLowerCase(),
      ]
      for (const domain of candidates) {
        if (!domain) continue
        const keys = keysFor(domain)
        if (keys.length === 0) continue
        return sign(
          raw,
          keys.map((k) => ({
            domain: k.domain,
            selector: k.selector,
            privateKeyPem: k.privateKeyPem,
            algorithm: k.algorithm,
          })),
        )
      }
      return ''
    },
  }
}
