// QUOTA (rfc9208): one quota root per account, "", holding every mailbox; its resources are
// STORAGE in units of 1024 octets (rfc9208#section-5.1) and MESSAGE (rfc9208#section-5.2), each
// reported only when the administrator set a limit for it. SETQUOTA is refused: limits are the
// administrator's to set, and QUOTASET is not announced.
import type { QuotaUsage } from '../../../store/quota.ts'
import { encodeMailboxName, joinWire } from '../../proto/index.ts'
import type { Handler, ImapContext } from '../context.ts'
import { ImapNo } from '../errors.ts'
import { findMailbox } from '../mailbox-names.ts'

/** `STORAGE used limit MESSAGE used limit` for the resources that have a limit; '' when none has. */
function resources(usage: QuotaUsage): string {
  const parts: string[] = []
  // Usage and limit rounded up to whole KiB, so a byte over a KiB boundary still shows.
  if (usage.limitBytes !== null) {
    parts.push(`STORAGE ${Math.ceil(usage.usedBytes / 1024)} ${Math.ceil(usage.limitBytes / 1024)}`)
  }
  if (usage.limitMessages !== null) parts.push(`MESSAGE ${usage.usedMessages} ${usage.limitMessages}`)
  return parts.join(' ')
}

/** The account's quota line, or undefined when it has no limits (then there is no quota root). */
function quotaLine(ctx: ImapContext): string | undefined {
  const list = resources(ctx.deps.store.quota(ctx.account?.id ?? 0))
  return list === '' ? undefined : `QUOTA "" (${list})`
}

/** rfc9208#section-4.1.1: GETQUOTA "" answers the account's quota; other roots do not exist. */
export const getQuota: Handler<'GETQUOTA'> = (ctx, c) => {
  const line = c.root === '' ? quotaLine(ctx) : undefined
  if (!line) throw new ImapNo(`No such quota root: "${c.root}"`, { code: 'NONEXISTENT' })
  ctx.untagged(line)
  ctx.complete(c.tag, 'OK', 'GETQUOTA completed')
}

/**
 * rfc9208#section-4.1.2: QUOTAROOT names the mailbox and its roots, then a QUOTA line per root. An
 * account without limits has no root: `* QUOTAROOT INBOX` alone (the quota_list of a QUOTA
 * response cannot be empty in rfc9208's ABNF).
 */
export const getQuotaRoot: Handler<'GETQUOTAROOT'> = (ctx, c) => {
  const box = findMailbox(ctx, c.mailbox)
  const line = quotaLine(ctx)
  const name = encodeMailboxName(box.path, { utf8: ctx.utf8Names })
  ctx.untagged(joinWire(['QUOTAROOT ', name, line ? ' ""' : '']))
  if (line) ctx.untagged(line)
  ctx.complete(c.tag, 'OK', 'GETQUOTAROOT completed')
}

/** rfc9208#section-4.1.3: a server may refuse SETQUOTA; NOPERM says the user may not (rfc5530). */
export const setQuota: Handler<'SETQUOTA'> = (ctx, c) => {
  ctx.complete(c.tag, 'NO', 'Quota limits are set by the administrator', { code: 'NOPERM' })
}
