// What a command handler sees of its session: the connection, the services, the session's
// state, and the ways to answer. Handlers live in commands/ and import only this.
import type { AuthenticatedAccount } from '../../directory/accounts.ts'
import type { Connection } from '../../net/index.ts'
import type { Command, CommandName, ResponseCode, ResponseStatus, SessionState } from '../proto/index.ts'
import type { SelectedMailbox } from './selected.ts'
import type { ImapDeps, ImapShared } from './types.ts'

/** Extensions a client can ENABLE (rfc5161). */
export type Enableable = 'CONDSTORE' | 'QRESYNC' | 'IMAP4REV2' | 'UTF8=ACCEPT'

export interface ImapContext {
  readonly conn: Connection
  readonly deps: ImapDeps
  readonly shared: ImapShared
  state: SessionState
  account: AuthenticatedAccount | undefined
  selected: SelectedMailbox | undefined
  readonly enabled: Set<Enableable>
  /** Failed logins on this connection. */
  authFailures: number
  /** UIDs saved by SEARCH RETURN (SAVE), what `$` names (rfc5182#section-2.1). */
  savedResult?: number[] | undefined
  /** Mailbox names go out (and come in) as UTF-8 rather than modified UTF-7. */
  readonly utf8Names: boolean
  /** The capability list for the session's current state. */
  capabilities(): string[]

  /** `* text` */
  untagged(text: string | Uint8Array): void
  /** The tagged completion: `tag OK [code] text`. */
  complete(
    tag: string,
    status: Exclude<ResponseStatus, 'PREAUTH' | 'BYE'>,
    text: string,
    code?: ResponseCode,
  ): void
  /** Logs in: subscribes to the account's changes, moves to the authenticated state. */
  login(account: AuthenticatedAccount): Promise<void>
  /** Back to not authenticated (UNAUTHENTICATE). */
  logout(): void
  /** Selects a mailbox (null to unselect); the old one's updates stop. */
  select(mailbox: SelectedMailbox | null): void
  /** Sends pending mailbox updates now (NOOP, IDLE, after a command). */
  sendUpdates(allowExpunge: boolean): void
  /** Waits until the selected mailbox may have changed, or `signal` fires. */
  waitForChange(signal: Promise<unknown>): Promise<void>
}

export type Handler<N extends CommandName = CommandName> = (
  ctx: ImapContext,
  command: Extract<Command, { name: N }>,
) => Promise<void> | void

export type HandlerTable = {
  [N in CommandName]?: (ctx: ImapContext, command: Extract<Command, { name: N }>) => Promise<void> | void
}
