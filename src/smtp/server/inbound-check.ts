// Sender authentication for inbound mail (SPF, DKIM, DMARC, ARC via src/mailauth), turned into
// what the DATA handler needs: headers to prepend and what to do with the message. mailauth is
// loaded on the first inbound message, not at start (it is large; memory on a small machine).
import type { Config } from '../../config/config.ts'
import type { Resolver } from '../../dns/index.ts'
import type { InboundCheck } from './types.ts'

export function createInboundCheck(config: Config, resolver: Resolver) {
  let mailauth: Promise<typeof import('../../mailauth/index.ts')> | undefined
  return async (input: {
    raw: Uint8Array
    remoteAddress: string
    helo: string
    mailFrom: string
  }): Promise<InboundCheck> => {
    mailauth ??= import('../../mailauth/index.ts')
    const { verifyInbound, dmarcDisposition } = await mailauth
    const verdict = await verifyInbound({ ...input, hostname: config.hostname }, resolver)
    return {
      headers: [verdict.authenticationResults, ...(verdict.receivedSpf ? [verdict.receivedSpf] : [])],
      disposition: dmarcDisposition(verdict, config.smtp.dmarc_policy),
      ...(verdict.dmarc.domain ? { dmarcDomain: verdict.dmarc.domain } : {}),
    }
  }
}

/**
 * rfc8601#section-5: Authentication-Results fields that claim to come from us, arriving from
 * outside, are forgeries; they are removed before ours is added.
 */
export function withoutForgedResults(raw: Uint8Array, hostname: string): Uint8Array {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
  const end = buf.indexOf('\r\n\r\n')
  const header = buf.subarray(0, end < 0 ? buf.length : end + 2).toString('latin1')
  const ours = new RegExp(`^authentication-results:\\s*${hostname.replace(/\./g, '\\.')}\\s*(;|$)`, 'i')
  const fields = header.split(/\r\n(?![ \t])/)
  const kept = fields.filter((f) => !ours.test(f))
  if (kept.length === fields.length) return raw
  return Buffer.concat([
    Buffer.from(kept.join('\r\n'), 'latin1'),
    buf.subarray(end < 0 ? buf.length : end + 2),
  ])
}
