// /api/accounts: list, create, get, update (password, quota, name, disabled), delete; app passwords.
import { Hono } from 'hono'
import type { Directory } from '../../directory/index.ts'
import { tryParseSize } from '../../lib/size.ts'
import { HttpError, jsonBody, onlyKeys, optionalString, requireString } from '../errors.ts'
import type { AdminEnv } from '../types.ts'

/** Quotas come as bytes (number) or a size string ("10G"); null or 0 = unlimited. */
function quotaField(body: Record<string, unknown>, key: string): number | null | undefined {
  const value = body[key]
  if (value === undefined) return undefined
  if (value === null) return null
  const bytes = typeof value === 'number' || typeof value === 'string' ? tryParseSize(value) : undefined
  if (bytes === undefined)
    throw new HttpError(400, `"${key}" must be a number of bytes or a size such as "10G", or null`)
  return bytes
}

function countField(body: Record<string, unknown>, key: string): number | null | undefined {
  const value = body[key]
  if (value === undefined || value === null) return value as undefined | null
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new HttpError(400, `"${key}" must be a whole number ≥ 0, or null`)
  }
  return value
}

/** Storage used by an account, when the server can tell (the mail store). */
export type QuotaUsageOf = (accountId: number) => { usedBytes: number; usedMessages: number }

export function accountRoutes(directory: Directory, usageOf?: QuotaUsageOf) {
  const app = new Hono<AdminEnv>()
  const used = (id: number) => {
    try {
      const u = usageOf?.(id)
      return u ? { usedBytes: u.usedBytes, usedMessages: u.usedMessages } : {}
    } catch {
      return { usedBytes: 0, usedMessages: 0 } // no mail state yet: nothing stored
    }
  }
  const view = (a: ReturnType<Directory['accounts']['get']>) => ({
    ...used(a.id),
    email: a.email,
    displayName: a.displayName,
    quota: a.quotaBytes,
    quotaMessages: a.quotaMessages,
    disabled: a.isDisabled,
    createdAt: new Date(a.createdAt).toISOString(),
    updatedAt: new Date(a.updatedAt).toISOString(),
  })

  app.get('/', (c) => c.json(directory.accounts.list(c.req.query('domain')).map(view)))

  app.post('/', async (c) => {
    const body = await jsonBody(c)
    onlyKeys(body, ['email', 'password', 'quota', 'quotaMessages', 'displayName'])
    const account = await directory.accounts.add({
      email: requireString(body, 'email'),
      password: requireString(body, 'password'),
      quotaBytes: quotaField(body, 'quota'),
      quotaMessages: countField(body, 'quotaMessages'),
      displayName: optionalString(body, 'displayName'),
    })
    directory.audit.record(
      c.get('actor'),
      'account.create',
      account.email,
      { quota: account.quotaBytes },
      c.env?.remoteAddress,
    )
    return c.json(view(account), 201)
  })

  app.get('/:email', (c) => c.json(view(directory.accounts.get(c.req.param('email')))))

  app.patch('/:email', async (c) => {
    const email = c.req.param('email')
    const body = await jsonBody(c)
    onlyKeys(body, ['password', 'quota', 'quotaMessages', 'displayName', 'disabled'])
    if (body.disabled !== undefined && typeof body.disabled !== 'boolean')
      throw new HttpError(400, '"disabled" must be true or false')
    directory.accounts.get(email)
    if (body.password !== undefined) {
      await directory.accounts.setPassword(email, requireString(body, 'password'))
    }
    const account = directory.accounts.update(email, {
      quotaBytes: quotaField(body, 'quota'),
      quotaMessages: countField(body, 'quotaMessages'),
      displayName: optionalString(body, 'displayName'),
      isDisabled: body.disabled as boolean | undefined,
    })
    const changed = Object.keys(body).filter((k) => k !== 'password')
    if (body.password !== undefined) changed.push('password')
    directory.audit.record(c.get('actor'), 'account.update', account.email, { changed }, c.env?.remoteAddress)
    return c.json(view(account))
  })

  app.delete('/:email', (c) => {
    const email = c.req.param('email').toLowerCase()
    directory.accounts.remove(email)
    directory.audit.record(c.get('actor'), 'account.remove', email, undefined, c.env?.remoteAddress)
    return c.body(null, 204)
  })

  app.get('/:email/app-passwords', (c) => c.json(directory.appPasswords.list(c.req.param('email'))))
  app.post('/:email/app-passwords', async (c) => {
    const email = c.req.param('email').toLowerCase()
    const body = await jsonBody(c)
    onlyKeys(body, ['name'])
    const name = requireString(body, 'name')
    const password = await directory.appPasswords.add(email, name)
    directory.audit.record(c.get('actor'), 'app-password.create', email, { name }, c.env?.remoteAddress)
    return c.json({ name, password }, 201)
  })
  app.delete('/:email/app-passwords/:name', (c) => {
    const email = c.req.param('email').toLowerCase()
    const name = c.req.param('name')
    directory.appPasswords.remove(email, name)
    directory.audit.record(c.get('actor'), 'app-password.remove', email, { name }, c.env?.remoteAddress)
    return c.body(null, 204)
  })
  return app
}
