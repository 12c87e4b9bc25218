// The CAPABILITY list (rfc9051#section-7.2.2). An extension is announced only when the commands
// that implement it are in the handler table, so a half-built feature is never advertised.
import type { CommandName } from '../proto/index.ts'
import type { HandlerTable } from './context.ts'

export interface CapabilityState {
  authenticated: boolean
  isTls: boolean
  canStartTls: boolean
  /** Plaintext LOGIN/AUTHENTICATE allowed here (TLS, or allowed by the config). */
  loginAllowed: boolean
  appendLimit: number
}

/** Extension → the commands it needs. Order is the order announced. */
const extensions: [string, CommandName[]][] = [
  ['IDLE', ['IDLE']],
  ['NAMESPACE', ['NAMESPACE']],
  ['UNSELECT', ['UNSELECT']],
  ['UIDPLUS', ['EXPUNGE', 'COPY', 'APPEND']],
  ['MOVE', ['MOVE']],
  ['CHILDREN', ['LIST']],
  ['SPECIAL-USE', ['LIST']],
  ['CREATE-SPECIAL-USE', ['CREATE']],
  ['LIST-EXTENDED', ['LIST']],
  ['LIST-STATUS', ['LIST', 'STATUS']],
  ['ESEARCH', ['SEARCH']],
  ['SEARCHRES', ['SEARCH']],
  ['WITHIN', ['SEARCH']],
  ['CONDSTORE', ['FETCH', 'STORE', 'SEARCH', 'SELECT']],
  ['QRESYNC', ['FETCH', 'SELECT', 'EXPUNGE']],
  ['SORT', ['SORT']],
  ['SORT=DISPLAY', ['SORT']],
  ['ESORT', ['SORT']],
  ['THREAD=REFERENCES', ['THREAD']],
  ['THREAD=ORDEREDSUBJECT', ['THREAD']],
  ['STATUS=SIZE', ['STATUS']],
  ['BINARY', ['FETCH', 'APPEND']],
  ['MULTIAPPEND', ['APPEND']],
  ['UTF8=ACCEPT', ['APPEND', 'LIST']],
  ['QUOTA', ['GETQUOTA', 'GETQUOTAROOT']],
  ['QUOTA=RES-STORAGE', ['GETQUOTA', 'GETQUOTAROOT']],
  ['QUOTA=RES-MESSAGE', ['GETQUOTA', 'GETQUOTAROOT']],
  ['OBJECTID', ['FETCH', 'STATUS', 'SEARCH']],
  ['PREVIEW', ['FETCH']],
  ['COMPRESS=DEFLATE', ['COMPRESS']],
]

export function capabilityList(handlers: HandlerTable, state: CapabilityState): string[] {
  const caps = ['IMAP4rev1', 'IMAP4rev2']
  if (state.canStartTls && !state.isTls) caps.push('STARTTLS')
  if (!state.authenticated) {
    if (state.loginAllowed) caps.push('AUTH=PLAIN', 'AUTH=LOGIN')
    else caps.push('LOGINDISABLED')
  }
  caps.push('SASL-IR', 'LITERAL+', 'ID', 'ENABLE', 'UNAUTHENTICATE')
  if (!state.authenticated) return caps
  for (const [name, needs] of extensions) {
    if (needs.every((n) => handlers[n] !== undefined)) caps.push(name)
  }
  if (handlers.APPEND) caps.push(`APPENDLIMIT=${state.appendLimit}`)
  return caps
}

/** What ENABLE can turn on, given what is announced. */
export function enableable(caps: readonly string[]): Set<string> {
  const set = new Set<string>(['IMAP4REV2'])
  for (const c of ['CONDSTORE', 'QRESYNC', 'UTF8=ACCEPT']) if (caps.includes(c)) set.add(c)
  return set
}
