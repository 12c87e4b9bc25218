// Which DKIM keys sign an outbound message: those of the From: domain (so DMARC aligns,
// rfc7489 section 3.1.1), else those of the envelope sender's domain; none when neither is a
// local domain with keys (mail relayed for others is passed on unsigned).
import type { DkimSigningKey } from '../directory/dkim-keys.ts'
import { parseAddressList } from '../mail/address.ts'
import { headerSection } from '../mail/dsn.ts'
import { splitHeaderFields } from '../mail/header.ts'
import { signDkim } from '../mailauth/index.ts'

export type SigningKeysFor = (domain: string) => DkimSigningKey[]

/** The domain of the first From: address, lower case, or undefined. */
export function fromDomain(raw: Uint8Array): string | undefined {
  const header = Buffer.from(headerSection(raw)).toString('latin1')
  const from = splitHeaderFields(header).find((f) => f.key === 'from')
  if (!from) return undefined
  const address = parseAddressList(from.value.replace(/\r?\n/g, ''), false).find((a) => a.domain && !a.group)
  return address?.domain?.toLowerCase()
}

/** The DKIM-Signature fields for a message, or '' when no local domain signs it. */
export async function signOutbound(
  raw: Uint8Array,
  mailFrom: string,
  keysFor: SigningKeysFor,
): Promise<string> {
  const candidates = [fromDomain(raw), mailFrom.slice(mailFrom.lastIndexOf('@') + 1).toLowerCase()]
  for (const domain of candidates) {
    if (!domain) continue
    const keys = keysFor(domain)
    if (keys.length === 0) continue
    return signDkim(
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
}
