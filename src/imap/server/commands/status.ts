// STATUS (rfc9051#section-6.3.11) with SIZE (rfc8438), DELETED (rfc9051), HIGHESTMODSEQ
// (rfc7162), APPENDLIMIT (rfc7889), MAILBOXID (rfc8474) and rev1's RECENT (rfc3501#section-6.3.10).
import { buildStatusResponse } from '../../proto/index.ts'
import type { Handler } from '../context.ts'
import { findMailbox } from '../mailbox-names.ts'
import { enableCondstoreByStatus, statusValues } from '../mailbox-status.ts'

/**
 * Answered from the store, also for the selected mailbox (rfc9051#section-6.3.11 allows it; the
 * counts are the store's, which may run ahead of what the session has reported so far).
 */
export const status: Handler<'STATUS'> = (ctx, c) => {
  const box = findMailbox(ctx, c.mailbox)
  enableCondstoreByStatus(ctx, c.items)
  const values = statusValues(ctx, box, c.items)
  ctx.conn.write(buildStatusResponse(box.path, values, { utf8: ctx.utf8Names }))
  ctx.complete(c.tag, 'OK', 'STATUS completed')
}
