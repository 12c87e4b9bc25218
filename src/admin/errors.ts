// Maps errors to the admin API's JSON answers: `{ "error": "…" }` with a status that says what was wrong.
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { StoreError, type StoreErrorKind } from '../lib/errors.ts'
import { randomId } from '../lib/ids.ts'
import type { Logger } from '../lib/log.ts'

export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
  ) {
    super(message)
  }
}

const statusByKind: Record<StoreErrorKind, ContentfulStatusCode> = {
  notFound: 404,
  exists: 409,
  noPermission: 403,
  overQuota: 507,
  notPossible: 409,
  invalidParams: 400,
  expunged: 404,
  temporary: 503,
}

export function errorResponse(c: Context, err: unknown, log: Logger): Response {
  if (err instanceof HttpError) return c.json({ error: err.message }, err.status)
  if (err instanceof StoreError) return c.json({ error: err.message }, statusByKind[err.kind])
  const ref = randomId()
  log.error('internal error', { ref, err: err instanceof Error ? err : String(err) })
  return c.json({ error: `internal error, ref ${ref}` }, 500)
}

/** Reads a JSON object body; 400 when it is missing, malformed or not an object. */
export async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  let body: unknown
  try {
    body = await c.req.json()
  } catch {
    throw new HttpError(400, 'request body must be JSON')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'request body must be a JSON object')
  }
  return body as Record<string, unknown>
}

export function requireString(body: Record<string, unknown>, key: string): string {
  const value = body[key]
  if (typeof value !== 'string' || value.trim() === '')
    throw new HttpError(400, `"${key}" is required and must be a string`)
  return value
}

export function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key]
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw new HttpError(400, `"${key}" must be a string`)
  return value
}

/** Rejects keys the endpoint does not know, so a typo is not silently ignored. */
export function onlyKeys(body: Record<string, unknown>, allowed: string[]): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key))
      throw new HttpError(400, `unknown field "${key}"; allowed: ${allowed.join(', ')}`)
  }
}
