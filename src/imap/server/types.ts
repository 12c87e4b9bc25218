// What an IMAP session is given (a subset of the server's services) and the state shared by
// all sessions of one server.
import type { Config } from '../../config/config.ts'
import type { Authenticator } from '../../directory/sasl/authenticator.ts'
import type { EventBus } from '../../events/bus.ts'
import type { Clock } from '../../lib/clock.ts'
import type { Logger } from '../../lib/log.ts'
import type { Search } from '../../search/index.ts'
import type { MailStore } from '../../store/index.ts'
import { MailboxChangeFeeds } from './change-feed.ts'
import { SharedUidLists } from './mailbox-view.ts'

export interface ImapDeps {
  config: Config
  log: Logger
  authenticator: Authenticator
  store: MailStore
  search: Search
  events: EventBus
  clock: Clock
}

/**
 * State all sessions of one server share. `\Recent` (rfc3501#section-2.3.2) belongs to the
 * first session that sees a message: per mailbox, the highest UID some session has claimed.
 */
export interface ImapShared {
  recentClaims: Map<number, number>
  /** Selected mailboxes' UID lists, shared by the sessions that see the same messages. */
  uidLists: SharedUidLists
  /** Selected mailboxes' recent changes, read once for all the sessions that catch up with them. */
  changeFeeds: MailboxChangeFeeds
}

export function createImapShared(): ImapShared {
  return { recentClaims: new Map(), uidLists: new SharedUidLists(), changeFeeds: new MailboxChangeFeeds() }
}
