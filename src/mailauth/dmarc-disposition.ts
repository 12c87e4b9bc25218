// What to do with a message after DMARC (RFC 7489 section 6.7, RFC 9989 section 5.5.5): the
// sender's published policy, tempered by the policy this server is configured with.

import type { InboundVerdict } from './verify-inbound.ts'

/** Our setting for a DMARC failure under p=reject: honour it, deliver to Junk instead, or ignore it. */
export type DmarcRejectPolicy = 'reject' | 'quarantine' | 'accept'

/** accept: deliver normally; quarantine: deliver to the recipient's Junk; reject: 550 5.7.1 at end of DATA. */
export type DmarcDisposition = 'accept' | 'quarantine' | 'reject'

/**
 * The disposition for a verdict. Only a DMARC `fail` acts: under p=reject it follows `policy`
 * (reject, Junk, or normal delivery); under p=quarantine it goes to Junk unless `policy` is
 * 'accept'; p=none, pass, none, temperror and permerror are accepted (RFC 7489 section 6.6.2
 * leaves a temperror to local policy; the SMTP layer may defer it with a 4xx instead).
 */
export function dmarcDisposition(
  verdict: Pick<InboundVerdict, 'dmarc'>,
  policy: DmarcRejectPolicy = 'reject',
): DmarcDisposition {
  if (verdict.dmarc.result !== 'fail' || policy === 'accept') return 'accept'
  // todo(rfc8617#section-7.2): let an ARC pass from a trusted sealer (a mailing list) override a fail
  switch (verdict.dmarc.policy) {
    case 'reject':
      return policy
    case 'quarantine':
      return 'quarantine'
    default:
      return 'accept'
  }
}
