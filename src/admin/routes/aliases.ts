// /api/aliases: list, create, get (all targets of an address), delete (one target with ?target=, or all).
import { Hono } from 'hono'
import type { Directory } from '../../directory/index.ts'
import { jsonBody, onlyKeys, requireString } from '../errors.ts'
import type { AdminEnv } from '../types.ts'

export function aliasRoutes(directory: Directory) {
  const app = new Hono<AdminEnv>()
  const iso = (a: { address: string; target: string; createdAt: number }) => ({
    ...a,
    createdAt: new Date(a.createdAt).toISOString(),
  })
  app.get('/', (c) => c.json(directory.aliases.list(c.req.query('domain')).map(iso)))
  app.post('/', async (c) => {
    const body = await jsonBody(c)
    onlyKeys(body, ['address', 'target'])
    const alias = directory.aliases.add(requireString(body, 'address'), requireString(body, 'target'))
    directory.audit.record(
      c.get('actor'),
      'alias.create',
      alias.address,
      { target: alias.target },
      c.env?.remoteAddress,
    )
    return c.json(iso(alias), 201)
  })
  app.get('/:address', (c) => c.json(directory.aliases.get(c.req.param('address')).map(iso)))
  app.delete('/:address', (c) => {
    const address = c.req.param('address').toLowerCase()
    const target = c.req.query('target')
    directory.aliases.remove(address, target)
    directory.audit.record(
      c.get('actor'),
      'alias.remove',
      address,
      target ? { target } : undefined,
      c.env?.remoteAddress,
    )
    return c.body(null, 204)
  })
  return app
}
