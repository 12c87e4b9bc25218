// The values of STATUS items (rfc9051#section-6.3.11) for STATUS and LIST-STATUS (rfc5819), from
// the counters the mailbox row keeps and at most one aggregate query: never a message list.
// SIZE rfc8438, HIGHESTMODSEQ rfc7162, APPENDLIMIT rfc7889, MAILBOXID rfc8474.

import type { MailboxRow } from '../../store/mailboxes.ts'
import { formatObjectId } from '../../store/object-ids.ts'
import type { StatusItem } from '../proto/index.ts'
import type { ImapContext } from './context.ts'

export type StatusValue = readonly [StatusItem, number | string]

/**
 * RECENT (rfc3501#section-6.3.10): \Recent belongs to the first session that sees a message
 * (selected.ts). Counted here: messages no session has claimed yet (UIDs above the highest
 * claimed one) plus, for the mailbox this session has selected, the ones it holds itself.
 * Messages other sessions claimed are \Recent only in those sessions and are not counted; with
 * no claim since the server started, nothing is new to anyone and the answer is 0.
 */
function recentCount(ctx: ImapContext, box: MailboxRow): number {
  const claimed = ctx.shared.recentClaims.get(box.id)
  const own = ctx.selected?.mailboxId === box.id ? ctx.selected.recent.size : 0
  if (claimed === undefined || box.uidNext - 1 <= claimed) return own
  return own + ctx.deps.store.countMessages(box.id, { aboveUid: claimed })
}

function statusValue(ctx: ImapContext, box: MailboxRow, item: StatusItem): number | string {
  switch (item) {
    case 'MESSAGES':
      return box.totalEmails
    case 'UIDNEXT':
      return box.uidNext
    case 'UIDVALIDITY':
      return box.uidValidity
    case 'UNSEEN':
      return box.unreadEmails
    case 'DELETED':
      return ctx.deps.store.countMessages(box.id, { deleted: true })
    case 'SIZE':
      return box.totalSize
    case 'RECENT':
      return recentCount(ctx, box)
    case 'HIGHESTMODSEQ':
      return box.highestModseq
    case 'APPENDLIMIT':
      // One limit for every mailbox: the largest message the server accepts (rfc7889#section-3.2).
      return ctx.deps.config.smtp.max_message_size
    case 'MAILBOXID':
      return formatObjectId('mailbox', box.id)
    default:
      return item satisfies never
  }
}

/** The requested items in the order asked, for `buildStatusResponse`. */
export function statusValues(ctx: ImapContext, box: MailboxRow, items: readonly StatusItem[]): StatusValue[] {
  return items.map((item) => [item, statusValue(ctx, box, item)] as const)
}

/**
 * STATUS (HIGHESTMODSEQ) is a CONDSTORE enabling command (rfc7162#section-3.1); when a mailbox is
 * selected, the client is told its HIGHESTMODSEQ at that moment, as James and Dovecot do.
 */
export function enableCondstoreByStatus(ctx: ImapContext, items: readonly StatusItem[]): void {
  if (!items.includes('HIGHESTMODSEQ') || ctx.enabled.has('CONDSTORE')) return
  if (!ctx.capabilities().includes('CONDSTORE')) return
  ctx.enabled.add('CONDSTORE')
  const selected = ctx.selected
  if (selected) ctx.untagged(`OK [HIGHESTMODSEQ ${selected.knownModseq}] Highest`)
}
