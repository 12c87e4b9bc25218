// The session states and which commands each allows (rfc9051#section-3, rfc9051#section-6), as a
// table the server's dispatcher checks before running a command.
import type { CommandName } from './command-types.ts'

/** rfc9051#section-3: not authenticated, authenticated, selected, logout. */
export type SessionState = 'notAuthenticated' | 'authenticated' | 'selected' | 'logout'

const ANY: readonly SessionState[] = ['notAuthenticated', 'authenticated', 'selected']
const NOT_AUTHENTICATED: readonly SessionState[] = ['notAuthenticated']
const AUTHENTICATED: readonly SessionState[] = ['authenticated', 'selected']
const SELECTED: readonly SessionState[] = ['selected']

/** For every command, the states in which it is valid. Nothing is valid in the logout state. */
export const COMMAND_STATES: Readonly<Record<CommandName, readonly SessionState[]>> = {
  // rfc9051#section-6.1: any state
  CAPABILITY: ANY,
  NOOP: ANY,
  LOGOUT: ANY,
  ID: ANY, // rfc2971#section-3.1
  // rfc9051#section-6.2: not authenticated
  STARTTLS: NOT_AUTHENTICATED,
  AUTHENTICATE: NOT_AUTHENTICATED,
  LOGIN: NOT_AUTHENTICATED,
  // rfc9051#section-6.3: authenticated (and so also selected)
  ENABLE: ['authenticated'], // rfc5161#section-3.1: only before SELECT, so enabled extensions apply to it
  SELECT: AUTHENTICATED,
  EXAMINE: AUTHENTICATED,
  NAMESPACE: AUTHENTICATED,
  CREATE: AUTHENTICATED,
  DELETE: AUTHENTICATED,
  RENAME: AUTHENTICATED,
  SUBSCRIBE: AUTHENTICATED,
  UNSUBSCRIBE: AUTHENTICATED,
  LIST: AUTHENTICATED,
  LSUB: AUTHENTICATED,
  STATUS: AUTHENTICATED,
  APPEND: AUTHENTICATED,
  IDLE: AUTHENTICATED, // rfc2177#section-3
  GETQUOTA: AUTHENTICATED, // rfc9208#section-4
  GETQUOTAROOT: AUTHENTICATED,
  SETQUOTA: AUTHENTICATED,
  COMPRESS: AUTHENTICATED, // rfc4978#section-3
  UNAUTHENTICATE: AUTHENTICATED, // rfc8437#section-3
  // rfc9051#section-6.4: selected
  CHECK: SELECTED, // rfc3501#section-6.4.1 (removed in IMAP4rev2, still accepted)
  CLOSE: SELECTED,
  UNSELECT: SELECTED, // rfc3691
  EXPUNGE: SELECTED,
  SEARCH: SELECTED,
  FETCH: SELECTED,
  STORE: SELECTED,
  COPY: SELECTED,
  MOVE: SELECTED, // rfc6851
  SORT: SELECTED, // rfc5256
  THREAD: SELECTED,
}

/** True when `name` may run in `state`. */
export function isCommandAllowed(name: CommandName, state: SessionState): boolean {
  return COMMAND_STATES[name].includes(state)
}
