// /api/dkim/:domain: the DNS records of a domain's DKIM keys (GET, making the keys if the
// domain has none yet) and key rotation (POST /api/dkim/:domain/rotate {"graceDays"?}).
import { Hono } from 'hono'
import { defaultRotationGraceDays } from '../../directory/dkim-keys.ts'
import type { Directory } from '../../directory/index.ts'
import { HttpError, jsonBody, onlyKeys } from '../errors.ts'
import type { AdminEnv } from '../types.ts'

export function dkimRoutes(directory: Directory) {
  const app = new Hono<AdminEnv>()
  const view = (domain: string) => ({
    domain: domain.toLowerCase(),
    records: directory.dkim.records(domain).map((r) => ({
      selector: r.selector,
      algorithm: r.algorithm,
      name: r.name,
      type: r.type,
      value: r.value,
      createdAt: new Date(r.createdAt).toISOString(),
      retireAt: r.retireAt === null ? null : new Date(r.retireAt).toISOString(),
    })),
  })
  app.get('/:domain', async (c) => {
    const domain = c.req.param('domain')
    if (await directory.dkim.ensure(domain)) {
      directory.audit.record(
        c.get('actor'),
        'dkim.create',
        domain.toLowerCase(),
        undefined,
        c.env?.remoteAddress,
      )
    }
    return c.json(view(domain))
  })
  app.post('/:domain/rotate', async (c) => {
    const domain = c.req.param('domain')
    const body = c.req.header('content-type')?.includes('json') ? await jsonBody(c) : {}
    onlyKeys(body, ['graceDays'])
    const grace = body.graceDays ?? defaultRotationGraceDays
    if (typeof grace !== 'number' || !Number.isInteger(grace) || grace < 0) {
      throw new HttpError(400, '"graceDays" must be a whole number of days ≥ 0')
    }
    await directory.dkim.rotate(domain, grace)
    directory.audit.record(
      c.get('actor'),
      'dkim.rotate',
      domain.toLowerCase(),
      { graceDays: grace },
      c.env?.remoteAddress,
    )
    return c.json(view(domain))
  })
  return app
}
