// Inbound sender authentication for the MX: SPF (RFC 7208), DKIM (RFC 6376, RFC 8301), DMARC
// (RFC 7489 / RFC 9989) and ARC (RFC 8617) in one mailauth pass, reported as one
// Authentication-Results field (RFC 8601). Stateless and CPU-heavy, so it can run in a Worker;
// a resolver does not cross a Worker boundary, so build one there (servers or records are data).

import { authenticate, type DNSResolver } from 'mailauth'
import { type Resolver, resolveByType } from '../dns/index.ts'
import { endWithCrlf, formatAuthenticationResults } from './authentication-results.ts'

/** A message as the SMTP server received it. */
export interface InboundMessage {
  /** The message as received, header and body, with CRLF line ends (dot-unstuffed). */
  raw: Uint8Array
  /** The client's IP address. */
  remoteAddress: string
  /** The EHLO/HELO argument as sent. */
  helo: string
  /** The envelope sender (MAIL FROM) without angle brackets; '' for the null sender `<>`. */
  mailFrom: string
  /** Our MTA name: the authserv-id of Authentication-Results and the name in Received-SPF. */
  hostname: string
}

export type SpfResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'temperror' | 'permerror'
export type DmarcResult = 'pass' | 'fail' | 'none' | 'temperror' | 'permerror'
export type DmarcPolicy = 'none' | 'quarantine' | 'reject'

/** One DKIM-Signature's outcome (RFC 8601 section 2.7.1 results). */
export interface DkimSignatureResult {
  /** d= */
  domain: string
  /** s= */
  selector: string
  /** pass, fail, neutral, policy, temperror, permerror … */
  result: string
  /** True when `domain` aligns with the From domain, so the signature counts for DMARC. */
  aligned: boolean
}

export interface InboundVerdict {
  /**
   * The complete `Authentication-Results: <hostname>; …` field, folded, ending with CRLF, ready
   * to prepend. Reports spf=, dkim= (one per signature, or none), arc= and dmarc=.
   */
  authenticationResults: string
  /** The `Received-SPF:` field (RFC 7208 section 9.1), ending with CRLF; prepend it below the above. */
  receivedSpf?: string
  /** `domain` is the domain whose policy was checked: MAIL FROM's, or HELO's for `<>`. */
  spf: { result: SpfResult; domain?: string }
  dkim: { results: DkimSignatureResult[] }
  /**
   * `policy` is the policy that applies to the From domain (p=, or sp=/np= for a subdomain,
   * one step milder with t=y), undefined when there is no usable record. `skipReason` says why
   * DMARC could not be evaluated (no From domain, several From fields or domains).
   */
  dmarc: { result: DmarcResult; policy: DmarcPolicy | undefined; domain?: string; skipReason?: string }
  arc: { result: string }
}

const spfResults: readonly SpfResult[] = [
  'pass',
  'fail',
  'softfail',
  'neutral',
  'none',
  'temperror',
  'permerror',
]
const dmarcResults: readonly DmarcResult[] = ['pass', 'fail', 'none', 'temperror', 'permerror']
const dmarcPolicies: readonly DmarcPolicy[] = ['none', 'quarantine', 'reject']

/** Why DMARC was not evaluated → the result we report (RFC 9989 sections 5.3.1 and 11.5). */
const skipResults: Record<string, { result: DmarcResult; comment: string }> = {
  'no-author-domain': { result: 'none', comment: 'no author domain' },
  'invalid-author-domain': { result: 'permerror', comment: 'invalid author domain' },
  'multiple-author-domains': { result: 'permerror', comment: 'multiple author domains' },
  'multiple-from-fields': { result: 'permerror', comment: 'multiple From fields' },
}

/**
 * Checks SPF, DKIM, ARC and DMARC for one inbound message, with every DNS question going to
 * `resolver`. DNS failures become temperror results, never a rejection; it rejects only on an
 * internal error. BIMI is not checked.
 */
export async function verifyInbound(input: InboundMessage, resolver: Resolver): Promise<InboundVerdict> {
  const raw = Buffer.from(input.raw.buffer, input.raw.byteOffset, input.raw.byteLength)
  const result = await authenticate(raw, {
    ip: input.remoteAddress,
    helo: heloForSpf(input.helo),
    sender: input.mailFrom, // '' → SPF checks postmaster@<helo> (rfc7208#section-2.4)
    mta: input.hostname,
    resolver: resolveByType(resolver) as DNSResolver,
    rejectRsaSha1: true, // rfc8301#section-3.1: rsa-sha1 MUST NOT be used for verifying
    disableBimi: true,
  })

  // mailauth gives `false` for a check it did not make; undefined reads better with ?.
  const spfResult = result.spf || undefined
  const arcResult = result.arc || undefined
  const dmarcResult = result.dmarc || undefined

  const spf = spfResult
    ? { result: oneOf(spfResults, spfResult.status.result, 'temperror'), domain: spfResult.domain }
    : { result: 'none' as const }
  const signatures = result.dkim.results.filter((row) => row.signingDomain)
  const dkim = {
    results: signatures.map((row) => ({
      domain: row.signingDomain ?? '',
      selector: row.selector ?? '',
      result: dkimResult(row),
      aligned: Boolean(row.status.aligned),
    })),
  }
  const arc = { result: arcResult?.status.result ?? 'none' }
  const dmarc = dmarcVerdict(dmarcResult, result.dmarcSkipReason)

  const resinfos = [
    ...(signatures.length > 0 ? signatures.map(dkimResinfo) : ['dkim=none (message not signed)']),
    spfResult?.info ?? 'spf=none',
    arcResult?.info || `arc=${arc.result}`,
    dmarcResult?.info || dmarcSkippedResinfo(dmarc),
  ]
  return {
    authenticationResults: formatAuthenticationResults(input.hostname, resinfos),
    ...(spfResult?.header ? { receivedSpf: endWithCrlf(spfResult.header) } : {}),
    spf,
    dkim,
    dmarc,
    arc,
  }
}

type MailauthDkimRow = Awaited<ReturnType<typeof authenticate>>['dkim']['results'][number]

/**
 * mailauth's lenient mode calls a body hash mismatch `neutral`; RFC 6376 section 6.1.3 makes it
 * a PERMFAIL, which RFC 8601 section 2.7.1 reports as `fail`.
 */
function isBodyHashMismatch(row: MailauthDkimRow): boolean {
  return row.status.result === 'neutral' && Boolean(row.bodyHash) && row.bodyHash !== row.bodyHashExpecting
}

function dkimResult(row: MailauthDkimRow): string {
  return isBodyHashMismatch(row) ? 'fail' : row.status.result
}

function dkimResinfo(row: MailauthDkimRow): string {
  return isBodyHashMismatch(row) ? row.info.replace(/^dkim=neutral\b/, 'dkim=fail') : row.info
}

function dmarcSkippedResinfo(dmarc: InboundVerdict['dmarc']): string {
  const comment = dmarc.skipReason ? skipResults[dmarc.skipReason]?.comment : undefined
  return comment ? `dmarc=${dmarc.result} (${comment})` : `dmarc=${dmarc.result}`
}

type MailauthDmarc = Exclude<Awaited<ReturnType<typeof authenticate>>['dmarc'], false>

function dmarcVerdict(
  result: MailauthDmarc | undefined,
  skipReason: string | undefined,
): InboundVerdict['dmarc'] {
  if (!result) {
    const skipped = skipReason ? skipResults[skipReason] : undefined
    return { result: skipped?.result ?? 'none', policy: undefined, ...(skipReason ? { skipReason } : {}) }
  }
  const status = oneOf(dmarcResults, result.status.result, 'temperror')
  const applied = result.status.policy?.dmarc ?? (status === 'none' ? undefined : result.policy)
  const domain = result.status.header?.from ?? result.domain
  return {
    result: status,
    policy: applied === undefined ? undefined : oneOf(dmarcPolicies, applied, undefined),
    ...(domain ? { domain } : {}),
  }
}

/** An address-literal HELO (`[192.0.2.1]`, `[IPv6:…]`) is passed as the bare address, as mailauth expects. */
function heloForSpf(helo: string): string {
  const literal = /^\[(?:ipv6:)?([0-9a-f:.]+)\]$/i.exec(helo.trim())
  return literal?.[1] ?? helo.trim()
}

function oneOf<T extends string, F>(allowed: readonly T[], value: string, fallback: F): T | F {
  return allowed.includes(value as T) ? (value as T) : fallback
}
