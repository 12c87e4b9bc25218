// MTA-STS (rfc8461): the `_mta-sts` TXT record through our Resolver, the policy file over HTTPS,
// parsed and matched by mailauth. The fetch is ours because mailauth's resolves the policy host
// itself, always uses port 443 and only the system CAs; here every lookup goes through src/dns
// and tests can point it at a local HTTPS server with its own CA.
import https from 'node:https'
import { rootCertificates } from 'node:tls'
import { parsePolicy, validateMx } from 'mailauth/lib/mta-sts'
import { isNoRecordError, type Resolver, resolveAddresses } from '../dns/index.ts'

export interface MtaStsPolicy {
  id: string
  mode: 'enforce' | 'testing' | 'none'
  mx: string[]
  /** Seconds (rfc8461 section 3.2, at most 31557600). */
  maxAge: number
}

export interface PolicyFetchOptions {
  resolver: Resolver
  /** Default 443; tests use a local server. */
  port?: number
  /** Extra trusted CA certificates (PEM), added to the system's. */
  ca?: string[]
  timeoutMs?: number
}

export class MtaStsError extends Error {
  constructor(
    message: string,
    /** rfc8460 result type for the TLS report. */
    readonly resultType: 'sts-policy-fetch-error' | 'sts-policy-invalid' | 'sts-webpki-invalid',
  ) {
    super(message)
    this.name = 'MtaStsError'
  }
}

const maxPolicyBytes = 64 * 1024
const maxMaxAge = 31_557_600

/**
 * The policy id from `_mta-sts.<domain>` (section 3.1), null when the domain publishes none
 * (no record, or not exactly one `v=STSv1` record). DNS failures other than "no such record" throw.
 */
export async function lookupPolicyId(domain: string, resolver: Resolver): Promise<string | null> {
  let records: string[][]
  try {
    records = await resolver.resolveTxt(`_mta-sts.${domain}`)
  } catch (err) {
    if (isNoRecordError(err)) return null
    throw err
  }
  const sts = records.map((r) => r.join('')).filter((r) => /^v=STSv1\s*(;|$)/.test(r))
  if (sts.length !== 1) return null
  const id = /(?:^|;)\s*id=([A-Za-z0-9]{1,32})\s*(?:;|$)/.exec(sts[0] ?? '')?.[1]
  return id ?? null
}

/** Fetches and parses `https://mta-sts.<domain>/.well-known/mta-sts.txt` (section 3.3). */
export async function fetchPolicy(
  domain: string,
  id: string,
  options: PolicyFetchOptions,
): Promise<MtaStsPolicy> {
  const host = `mta-sts.${domain}`
  const { addresses, temporary } = await resolveAddresses(options.resolver, host)
  if (addresses.length === 0 && temporary)
    throw new MtaStsError(`cannot resolve ${host}: ${temporary}`, 'sts-policy-fetch-error')
  const address = addresses[0]
  if (!address) throw new MtaStsError(`${host} has no address`, 'sts-policy-fetch-error')
  const text = await get(address, host, options)
  let parsed: ReturnType<typeof parsePolicy>
  try {
    parsed = parsePolicy(text, { strict: true })
  } catch (err) {
    throw new MtaStsError(
      `invalid MTA-STS policy for ${domain}: ${(err as Error).message}`,
      'sts-policy-invalid',
    )
  }
  const mx = (parsed.mx ?? []).map((m) => m.toLowerCase())
  if (parsed.mode !== 'none' && mx.length === 0)
    throw new MtaStsError(`MTA-STS policy for ${domain} lists no mx`, 'sts-policy-invalid')
  return { id, mode: parsed.mode, mx, maxAge: Math.min(parsed.maxAge ?? 86_400, maxMaxAge) }
}

/** True when `mxHost` is allowed by the policy (exact name or `*.` one left-most label). */
export function mxAllowed(mxHost: string, policy: MtaStsPolicy): boolean {
  return validateMx(mxHost, { mode: policy.mode, mx: policy.mx }).valid
}

function get(address: string, host: string, options: PolicyFetchOptions): Promise<string> {
  const timeout = options.timeoutMs ?? 30_000
  return new Promise((resolve, reject) => {
    const fail = (message: string, type: MtaStsError['resultType'] = 'sts-policy-fetch-error') =>
      reject(new MtaStsError(message, type))
    const request = https.request(
      {
        host: address,
        port: options.port ?? 443,
        path: '/.well-known/mta-sts.txt',
        method: 'GET',
        servername: host,
        headers: { host },
        // rfc8461 section 3.3: the policy host's certificate must be valid for it (WebPKI).
        rejectUnauthorized: true,
        // Given `ca`, node trusts only that list: keep the system roots beside it.
        ...(options.ca ? { ca: [...rootCertificates, ...options.ca] } : {}),
        agent: false,
        timeout,
      },
      (response) => {
        // Section 3.3: only 200, no redirects.
        if (response.statusCode !== 200) {
          response.resume()
          fail(`policy fetch from ${host} answered HTTP ${response.statusCode}`)
          return
        }
        const chunks: Buffer[] = []
        let size = 0
        response.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > maxPolicyBytes) {
            request.destroy()
            fail(`policy from ${host} is larger than ${maxPolicyBytes} bytes`, 'sts-policy-invalid')
            return
          }
          chunks.push(chunk)
        })
        response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
        response.on('error', (err) => fail(`policy fetch from ${host}: ${err.message}`))
      },
    )
    request.on('timeout', () => {
      request.destroy()
      fail(`policy fetch from ${host} timed out`)
    })
    request.on('error', (err: NodeJS.ErrnoException) => {
      const certificate = /CERT|SELF_SIGNED|UNABLE_TO|altname|certificate/i.test(`${err.code} ${err.message}`)
      fail(
        `policy fetch from ${host}: ${err.message}`,
        certificate ? 'sts-webpki-invalid' : 'sts-policy-fetch-error',
      )
    })
    request.end()
  })
}
