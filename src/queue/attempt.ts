// One delivery attempt: a message to the recipients it has at one destination domain (or the
// smarthost), in one SMTP transaction, trying the destination's hosts in order until one
// answers. Returns each recipient's outcome; it never writes anything itself.

import type { HostPort } from '../config/values.ts'
import type { Resolver } from '../dns/index.ts'
import type { Logger } from '../lib/log.ts'
import { mxAllowed } from '../mailauth/mta-sts.ts'
import { addressesOf, type MxHost, resolveRoute } from './routes.ts'
import {
  type ConnectionCache,
  enhancedStatus,
  SendError,
  type SendResult,
  type SendTarget,
  sendMessage,
  type TlsRequirement,
} from './smtp-client.ts'
import type { DestinationPolicy, TlsPolicy } from './tls-policy.ts'

export interface RelaySettings {
  address: HostPort
  username: string
  password: string
  tls: 'starttls' | 'implicit' | 'none'
}

export interface AttemptDeps {
  resolver: Resolver
  tlsPolicy: TlsPolicy
  log: Logger
  helo: string
  mxPort: number
  timeoutMs: number
  relay: RelaySettings | null
  /** Extra trusted CAs for verified TLS (tests, private relays). */
  ca?: string[]
  /** The transport; tests may replace it. */
  send?: typeof sendMessage
  /** Idle connections kept for the next message to the same server. */
  connections?: ConnectionCache
}

/** What happened to one recipient in this attempt. */
export interface RecipientOutcome {
  address: string
  kind: 'delivered' | 'temporary' | 'permanent'
  statusCode: string
  /** The server's reply or our reason. */
  detail: string
  /** True when `detail` is a remote server's reply. */
  fromRemote: boolean
  remoteMta: string | null
}

interface Candidate {
  host: MxHost
  tls: TlsRequirement
  policyType: 'sts' | 'no-policy-found'
  /** MTA-STS testing: check and report, deliver anyway. */
  reportOnly: boolean
}

const isIp = (host: string) => /^[\d.]+$/.test(host) || host.includes(':')

export function createAttempt(deps: AttemptDeps) {
  const send = deps.send ?? sendMessage

  const everyone = (
    addresses: string[],
    kind: RecipientOutcome['kind'],
    statusCode: string,
    detail: string,
    remoteMta: string | null,
    fromRemote: boolean,
  ): RecipientOutcome[] =>
    addresses.map((address) => ({ address, kind, statusCode, detail, fromRemote, remoteMta }))

  const candidatesFor = async (
    domain: string,
    now: number,
  ): Promise<
    { ok: true; list: Candidate[] } | { ok: false; permanent: boolean; statusCode: string; error: string }
  > => {
    if (deps.relay) {
      const { host } = deps.relay.address
      let addresses = [host]
      if (!isIp(host)) {
        // A relay is reached by its address records, never its MX.
        addresses = (await addressesOf(host, deps.resolver)).addresses
        if (addresses.length === 0)
          return {
            ok: false,
            permanent: false,
            statusCode: '4.4.3',
            error: `cannot resolve the relay ${host}`,
          }
      }
      const tls: TlsRequirement =
        deps.relay.tls === 'starttls' ? 'verified' : deps.relay.tls === 'implicit' ? 'implicit' : 'none'
      return {
        ok: true,
        list: [{ host: { name: host, addresses }, tls, policyType: 'no-policy-found', reportOnly: false }],
      }
    }
    const route = await resolveRoute(domain, deps.resolver)
    if (!route.ok) return route
    const policy: DestinationPolicy = await deps.tlsPolicy.policyFor(domain, now)
    if (policy.type === 'no-policy-found' || policy.policy.mode === 'none') {
      return {
        ok: true,
        list: route.hosts.map((host) => ({
          host,
          tls: 'opportunistic',
          policyType: policy.type,
          reportOnly: false,
        })),
      }
    }
    const sts = policy.policy
    if (sts.mode === 'testing') {
      for (const h of route.hosts) {
        if (!mxAllowed(h.name, sts)) {
          deps.tlsPolicy.record({
            domain,
            policyType: 'sts',
            mxHost: h.name,
            resultType: 'validation-failure',
            detail: 'MX host not in the MTA-STS policy (testing)',
            now,
          })
        }
      }
      return {
        ok: true,
        list: route.hosts.map((host) => ({
          host,
          tls: 'opportunistic',
          policyType: 'sts',
          reportOnly: true,
        })),
      }
    }
    // rfc8461 section 4.1: in enforce mode only hosts the policy names, and only over verified TLS.
    const allowed = route.hosts.filter((h) => mxAllowed(h.name, sts))
    for (const h of route.hosts) {
      if (!allowed.includes(h)) {
        deps.tlsPolicy.record({
          domain,
          policyType: 'sts',
          mxHost: h.name,
          resultType: 'validation-failure',
          detail: 'MX host not in the MTA-STS policy',
          now,
        })
      }
    }
    if (allowed.length === 0) {
      return {
        ok: false,
        permanent: false,
        statusCode: '4.7.5',
        error: `no MX host of ${domain} matches its MTA-STS policy (enforce)`,
      }
    }
    return {
      ok: true,
      list: allowed.map((host) => ({ host, tls: 'verified', policyType: 'sts', reportOnly: false })),
    }
  }

  const reportTls = (domain: string, c: Candidate, result: SendResult | SendError, now: number) => {
    if (deps.relay) return
    let resultType = 'success'
    let detail: string | undefined
    if (result instanceof SendError) {
      if (result.stage !== 'tls') return
      resultType = result.tlsResult ?? 'validation-failure'
      detail = result.message
    } else if (!result.tls.used) {
      resultType = 'starttls-not-supported'
    } else if (c.reportOnly || c.policyType === 'sts') {
      if (!result.tls.verified) {
        resultType = /altname|host/i.test(result.tls.verifyError ?? '')
          ? 'certificate-host-mismatch'
          : 'certificate-not-trusted'
        detail = result.tls.verifyError
      }
    }
    deps.tlsPolicy.record({
      domain,
      policyType: c.policyType,
      mxHost: c.host.name,
      resultType,
      ...(detail ? { detail } : {}),
      now,
    })
  }

  return async function attempt(input: {
    domain: string
    mailFrom: string
    recipients: string[]
    message: Buffer
    now: number
  }): Promise<RecipientOutcome[]> {
    const { domain, recipients } = input
    const found = await candidatesFor(domain, input.now)
    if (!found.ok)
      return everyone(
        recipients,
        found.permanent ? 'permanent' : 'temporary',
        found.statusCode,
        found.error,
        null,
        false,
      )
    let lastError = 'no host answered'
    let lastStatus = '4.4.1'
    let lastHost: string | null = null
    for (const c of found.list) {
      for (const address of c.host.addresses) {
        const target: SendTarget = {
          address,
          port: deps.relay ? deps.relay.address.port : deps.mxPort,
          hostname: c.host.name,
          tls: c.tls,
          helo: deps.helo,
          timeoutMs: deps.timeoutMs,
          ...(deps.ca ? { ca: deps.ca } : {}),
          ...(deps.relay?.username ? { auth: { user: deps.relay.username, pass: deps.relay.password } } : {}),
        }
        try {
          const result = await send(
            target,
            { from: input.mailFrom, to: recipients },
            input.message,
            deps.connections,
          )
          reportTls(domain, c, result, input.now)
          const accepted = new Set(result.accepted.map((a) => a.toLowerCase()))
          const rejected = new Map(result.rejected.map((r) => [r.address.toLowerCase(), r]))
          return recipients.map((rcpt): RecipientOutcome => {
            const refusal = rejected.get(rcpt.toLowerCase())
            if (accepted.has(rcpt.toLowerCase()) || !refusal) {
              return {
                address: rcpt,
                kind: 'delivered',
                statusCode: enhancedStatus(result.reply, 250),
                detail: result.reply,
                fromRemote: true,
                remoteMta: c.host.name,
              }
            }
            return {
              address: rcpt,
              kind: refusal.code >= 500 ? 'permanent' : 'temporary',
              statusCode: enhancedStatus(refusal.reply, refusal.code || 450),
              detail: refusal.reply,
              fromRemote: true,
              remoteMta: c.host.name,
            }
          })
        } catch (err) {
          if (!(err instanceof SendError)) throw err
          reportTls(domain, c, err, input.now)
          deps.log.info('delivery attempt failed', {
            domain,
            host: c.host.name,
            ip: address,
            stage: err.stage,
            err: err.message,
          })
          // A server that answered 5xx to the transaction has decided for all its hosts (rfc5321 section 5.1).
          if (err.permanent && (err.stage === 'envelope' || err.stage === 'data')) {
            return everyone(
              recipients,
              'permanent',
              enhancedStatus(err.message, err.replyCode),
              err.message,
              c.host.name,
              true,
            )
          }
          lastError = err.message
          // rfc3463: 4.4.1 no answer from host; 4.7.5 TLS requirements not met.
          lastStatus =
            err.stage === 'tls'
              ? '4.7.5'
              : err.replyCode === 0
                ? '4.4.1'
                : enhancedStatus(err.message, err.replyCode)
          if (lastStatus.startsWith('5')) lastStatus = `4${lastStatus.slice(1)}`
          lastHost = c.host.name
        }
      }
    }
    return everyone(recipients, 'temporary', lastStatus, lastError, lastHost, lastHost !== null)
  }
}

export type Attempt = ReturnType<typeof createAttempt>
