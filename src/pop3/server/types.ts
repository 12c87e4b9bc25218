// What a POP3 session is given and what it keeps: the services it uses (a subset of the
// server's), the state shared by all sessions of one server, and one session's own state.
import type { Config } from '../../config/config.ts'
import type { Authenticator } from '../../directory/sasl/authenticator.ts'
import type { Clock } from '../../lib/clock.ts'
import type { Logger } from '../../lib/log.ts'
import type { Connection } from '../../net/index.ts'
import type { MailStore } from '../../store/index.ts'
import type { Pop3State } from '../proto/commands.ts'
import type { MaildropView } from '../proto/maildrop.ts'
import type { Pop3Shared } from './shared.ts'

export interface Pop3Deps {
  config: Config
  log: Logger
  authenticator: Authenticator
  store: MailStore
  clock: Clock
}

/** The maildrop of a logged-in session: the account's Inbox, locked for this session. */
export interface OpenMaildrop {
  accountId: number
  email: string
  mailboxId: number
  view: MaildropView
  /** The next message's bytes (and, if small, its RETR response), read ahead after a RETR. */
  prefetched?: { n: number; raw: Uint8Array; response: Uint8Array | undefined }
  /** Octets written since the session last waited for the socket. */
  unflushed: number
}

/** One session's state, read and changed by the command handlers. */
export interface SessionContext {
  readonly conn: Connection
  readonly deps: Pop3Deps
  readonly shared: Pop3Shared
  state: Pop3State
  /** The name from USER, waiting for PASS. */
  pendingUser: string | undefined
  /** rfc6856#section-2: the client sent UTF8. */
  utf8: boolean
  /** Failed logins on this connection. */
  authFailures: number
  /** Set once logged in (TRANSACTION state). */
  maildrop: OpenMaildrop | undefined
}

/** What the session loop does after a command. */
export type After = 'continue' | 'close'
