// /api/domains/:name/dns (the records to publish, `?check=1` with what DNS answers now) and
// /api/dns-check (one record, for the DKIM records the page gets from /api/dkim).
import { Hono } from 'hono'
import type { Directory } from '../../directory/index.ts'
import type { Resolver } from '../../dns/index.ts'
import { checkRecord, type DnsRecordType, recordsFor } from '../dns-records.ts'
import { HttpError } from '../errors.ts'
import type { AdminEnv } from '../types.ts'

const types = new Set<DnsRecordType>(['MX', 'A', 'TXT', 'CNAME', 'SRV'])

export function domainDnsRoutes(directory: Directory, hostname: () => string, resolver?: Resolver) {
  const app = new Hono<AdminEnv>()
  app.get('/:name/dns', async (c) => {
    const domain = directory.domains.get(c.req.param('name')).name
    const records = recordsFor(domain, hostname())
    if (c.req.query('check') === undefined) return c.json({ domain, hostname: hostname(), records })
    if (!resolver) throw new HttpError(503, 'no DNS resolver available to check with')
    const checked = await Promise.all(
      records.map(async (r) => ({ ...r, check: await checkRecord(resolver, r) })),
    )
    return c.json({ domain, hostname: hostname(), records: checked })
  })
  return app
}

export function dnsCheckRoutes(resolver?: Resolver) {
  const app = new Hono<AdminEnv>()
  app.get('/', async (c) => {
    const name = c.req.query('name') ?? ''
    const type = (c.req.query('type') ?? '').toUpperCase() as DnsRecordType
    const value = c.req.query('value') ?? ''
    if (!/^[a-z0-9_.-]{1,253}$/i.test(name)) throw new HttpError(400, '"name" must be a DNS name')
    if (!types.has(type)) throw new HttpError(400, `"type" must be one of ${[...types].join(', ')}`)
    if (!resolver) throw new HttpError(503, 'no DNS resolver available to check with')
    return c.json(await checkRecord(resolver, { name, type, value }))
  })
  return app
}
