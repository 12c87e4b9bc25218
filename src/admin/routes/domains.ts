// /api/domains: list, create, get, delete.
import { Hono } from 'hono'
import type { Directory } from '../../directory/index.ts'
import { jsonBody, onlyKeys, requireString } from '../errors.ts'
import type { AdminEnv } from '../types.ts'

export function domainRoutes(directory: Directory) {
  const app = new Hono<AdminEnv>()
  app.get('/', (c) => c.json(directory.domains.list()))
  app.post('/', async (c) => {
    const body = await jsonBody(c)
    onlyKeys(body, ['name'])
    const domain = directory.domains.add(requireString(body, 'name'))
    await directory.dkim.ensure(domain.name)
    directory.audit.record(c.get('actor'), 'domain.create', domain.name, undefined, c.env?.remoteAddress)
    return c.json(domain, 201)
  })
  app.get('/:name', (c) => c.json(directory.domains.get(c.req.param('name'))))
  app.delete('/:name', (c) => {
    const name = c.req.param('name')
    directory.domains.remove(name)
    directory.audit.record(
      c.get('actor'),
      'domain.remove',
      name.toLowerCase(),
      undefined,
      c.env?.remoteAddress,
    )
    return c.body(null, 204)
  })
  return app
}
