// Storage errors mapped to IMAP response codes in one place (rfc5530): every handler answers a
// StoreError with `NO [CODE] message`; anything else is a server bug, logged with a reference.
import { isStoreError, type StoreErrorKind } from '../../lib/errors.ts'
import { randomId } from '../../lib/ids.ts'
import type { ResponseCode, SimpleResponseCode } from '../proto/index.ts'
import type { ImapContext } from './context.ts'

const codes: Record<StoreErrorKind, SimpleResponseCode> = {
  notFound: 'NONEXISTENT',
  exists: 'ALREADYEXISTS',
  noPermission: 'NOPERM',
  overQuota: 'OVERQUOTA',
  notPossible: 'CANNOT',
  invalidParams: 'CANNOT',
  expunged: 'EXPUNGEISSUED',
  temporary: 'UNAVAILABLE',
}

/** A failure a handler wants to report with a specific code (e.g. TRYCREATE for COPY). */
export class ImapNo extends Error {
  constructor(
    message: string,
    readonly code?: ResponseCode,
    readonly status: 'NO' | 'BAD' = 'NO',
  ) {
    super(message)
    this.name = 'ImapNo'
  }
}

/** Answers a failed command; returns false if `err` is not a client-visible failure (rethrow it). */
export function answerFailure(ctx: ImapContext, tag: string, err: unknown): void {
  if (err instanceof ImapNo) {
    ctx.complete(tag, err.status, err.message, err.code)
    return
  }
  if (isStoreError(err)) {
    ctx.complete(tag, 'NO', err.message, { code: codes[err.kind] })
    return
  }
  const ref = randomId(6)
  ctx.conn.log.error('command failed', { tag, ref, err })
  ctx.complete(tag, 'NO', `internal error (reference ${ref})`, { code: 'SERVERBUG' })
}
