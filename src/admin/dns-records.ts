// The DNS records a domain should publish for this server, and a live check of what DNS answers.
// MX rfc5321#section-5.1, SPF rfc7208, DMARC rfc7489, MTA-STS rfc8461, TLS-RPT rfc8460,
// SRV for mail clients rfc6186/rfc8314#section-5.1; DKIM records come from /api/dkim.
import { isNoRecordError, normalizeName, type Resolver } from '../dns/index.ts'

export type DnsRecordType = 'MX' | 'A' | 'TXT' | 'CNAME' | 'SRV'

export interface DnsRecord {
  /** What the record is for, e.g. "MX", "SPF", "DMARC". */
  purpose: string
  name: string
  type: DnsRecordType
  value: string
  /** Why it matters, one line for the admin. */
  note?: string
  /** False when `value` describes what to publish rather than being the text itself. */
  copyable?: boolean
}

export type DnsCheckStatus = 'ok' | 'missing' | 'different' | 'unchecked' | 'error'

export interface DnsCheck {
  status: DnsCheckStatus
  /** What DNS answered, as text. */
  found: string[]
  message?: string
}

/** The records to publish for `domain`, with `hostname` as this server's name. */
export function recordsFor(domain: string, hostname: string): DnsRecord[] {
  const host = `${hostname}.`
  return [
    {
      purpose: 'MX',
      name: domain,
      type: 'MX',
      value: `10 ${host}`,
      note: 'where other servers deliver mail',
    },
    {
      purpose: 'A',
      name: hostname,
      type: 'A',
      value: "this server's public IPv4 address",
      copyable: false,
      note: 'the server name must resolve (add an AAAA too if it has IPv6)',
    },
    { purpose: 'SPF', name: domain, type: 'TXT', value: 'v=spf1 mx ~all', note: 'which servers may send' },
    {
      purpose: 'DMARC',
      name: `_dmarc.${domain}`,
      type: 'TXT',
      value: `v=DMARC1; p=quarantine; rua=mailto:postmaster@${domain}`,
      note: 'what receivers do with mail failing SPF and DKIM',
    },
    {
      purpose: 'MTA-STS',
      name: `_mta-sts.${domain}`,
      type: 'TXT',
      value: 'v=STSv1; id=1',
      note: 'announces the policy; raise id when the policy changes',
    },
    {
      purpose: 'MTA-STS host',
      name: `mta-sts.${domain}`,
      type: 'CNAME',
      value: host,
      note: 'serves https://mta-sts.<domain>/.well-known/mta-sts.txt',
    },
    {
      purpose: 'TLS-RPT',
      name: `_smtp._tls.${domain}`,
      type: 'TXT',
      value: `v=TLSRPTv1; rua=mailto:postmaster@${domain}`,
      note: 'where others report TLS failures',
    },
    { purpose: 'Autoconfig', name: `autoconfig.${domain}`, type: 'CNAME', value: host },
    { purpose: 'Autodiscover', name: `autodiscover.${domain}`, type: 'CNAME', value: host },
    { purpose: 'Submission SRV', name: `_submissions._tcp.${domain}`, type: 'SRV', value: `0 1 465 ${host}` },
    { purpose: 'Submission SRV', name: `_submission._tcp.${domain}`, type: 'SRV', value: `0 1 587 ${host}` },
    { purpose: 'IMAP SRV', name: `_imaps._tcp.${domain}`, type: 'SRV', value: `0 1 993 ${host}` },
    { purpose: 'POP3 SRV', name: `_pop3s._tcp.${domain}`, type: 'SRV', value: `0 1 995 ${host}` },
  ]
}

const squash = (text: string) => text.replace(/\s+/g, ' ').replace(/;\s*$/, '').trim().toLowerCase()

/** Asks DNS for one record and compares: ok, missing, different, or error when DNS did not answer. */
export async function checkRecord(
  resolver: Resolver,
  record: Pick<DnsRecord, 'name' | 'type' | 'value'>,
): Promise<DnsCheck> {
  try {
    switch (record.type) {
      case 'MX': {
        const found = (await resolver.resolveMx(record.name)).map((m) => `${m.priority} ${m.exchange}`)
        const want = normalizeName(record.value.split(/\s+/)[1] ?? '')
        const ok = found.some((f) => normalizeName(f.split(' ')[1] ?? '') === want)
        return { status: ok ? 'ok' : 'different', found }
      }
      case 'A': {
        const found = await resolver.resolve4(record.name)
        return { status: found.length > 0 ? 'ok' : 'missing', found }
      }
      case 'CNAME':
        return await checkAlias(resolver, record.name, normalizeName(record.value))
      case 'TXT': {
        const all = (await resolver.resolveTxt(record.name)).map((parts) => parts.join(''))
        // Records of one kind start with the same tag (v=spf1, v=DMARC1, …); others at the name do not count.
        const tag = squash(record.value.split(';')[0]?.split(' ')[0] ?? '')
        const found = all.filter((t) => squash(t).startsWith(tag))
        if (found.length === 0) return { status: 'missing', found: all }
        return { status: found.some((t) => squash(t) === squash(record.value)) ? 'ok' : 'different', found }
      }
      case 'SRV': {
        // rfc2782 "priority weight port target"; the port and target are what clients use.
        const [, , port, target] = record.value.split(/\s+/)
        const records = await resolver.resolveSrv(record.name)
        const found = records.map((r) => `${r.priority} ${r.weight} ${r.port} ${normalizeName(r.name)}`)
        const ok = records.some(
          (r) => String(r.port) === port && normalizeName(r.name) === normalizeName(target ?? ''),
        )
        return { status: ok ? 'ok' : 'different', found }
      }
    }
  } catch (err) {
    if (isNoRecordError(err)) return { status: 'missing', found: [] }
    return { status: 'error', found: [], message: `DNS did not answer: ${(err as Error).message}` }
  }
}

/** A CNAME to the host is right; so are A records equal to the host's own. */
async function checkAlias(resolver: Resolver, name: string, target: string): Promise<DnsCheck> {
  const cnames = await resolver.resolveCname(name).catch((err) => {
    if (isNoRecordError(err)) return [] as string[]
    throw err
  })
  if (cnames.some((c) => normalizeName(c) === target)) return { status: 'ok', found: cnames }
  if (cnames.length > 0) return { status: 'different', found: cnames }
  const addresses = await resolver.resolve4(name)
  const hostAddresses = await resolver.resolve4(target).catch(() => [] as string[])
  const same = addresses.length > 0 && addresses.every((a) => hostAddresses.includes(a))
  return { status: same ? 'ok' : 'different', found: addresses }
}
