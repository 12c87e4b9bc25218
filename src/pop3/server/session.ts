// One POP3 session (rfc1939#section-3): greeting, then one command at a time (pipelined ones
// wait their turn in the input buffer, rfc2449#section-6.6), with one error boundary. Client
// mistakes get `-ERR` and the session goes on; too many of them end it.
import { randomId } from '../../lib/ids.ts'
import { type Connection, LineTooLongError } from '../../net/index.ts'
import { type Pop3Command, Pop3CommandError, parseCommand } from '../proto/commands.ts'
import { err, maxCommandOctets, ok } from '../proto/responses.ts'
import { authorizationCommand } from './authorization.ts'
import type { Pop3Shared } from './shared.ts'
import { transactionCommand } from './transaction.ts'
import type { After, Pop3Deps, SessionContext } from './types.ts'

/** Client mistakes (unknown commands, bad arguments, bad message numbers) before the session ends. */
export const maxErrors = 10

const utf8 = new TextDecoder('utf-8')

export async function runSession(conn: Connection, deps: Pop3Deps, shared: Pop3Shared): Promise<void> {
  const session: SessionContext = {
    conn,
    deps,
    shared,
    state: 'authorization',
    pendingUser: undefined,
    utf8: false,
    authFailures: 0,
    maildrop: undefined,
  }
  let busy = false
  let closing = false
  // rfc1939#section-3: the autologout timer; a session that times out does not enter UPDATE.
  conn.onIdleTimeout = () => conn.write(err('autologout: idle for too long'))
  conn.onShutdown = () => {
    closing = true
    if (!busy) {
      conn.write(err('server shutting down', 'SYS/TEMP'))
      void conn.close()
    }
  }
  try {
    conn.write(ok(`${deps.config.hostname} POP3 server ready`))
    let errors = 0
    for (;;) {
      let line: Uint8Array | null | 'too long'
      try {
        line = await conn.readLineBytes()
      } catch (e) {
        if (!(e instanceof LineTooLongError)) throw e
        line = 'too long'
      }
      if (line === null) return
      busy = true
      let after: After
      try {
        after = await step(session, line)
      } catch (e) {
        if (!(e instanceof Pop3CommandError)) throw e
        errors++
        if (errors >= maxErrors) {
          conn.write(err(`${e.message}; too many errors, closing the connection`, e.code))
          return
        }
        conn.write(err(e.message, e.code))
        after = 'continue'
      } finally {
        busy = false
      }
      if (after === 'close') return
      if (closing) {
        conn.write(err('server shutting down', 'SYS/TEMP'))
        return
      }
    }
  } finally {
    const drop = session.maildrop
    if (drop) shared.unlock(drop.accountId, session)
    await conn.close()
  }
}

/** Runs one command line; Pop3CommandError for client mistakes, anything else is answered as a server fault. */
async function step(session: SessionContext, line: Uint8Array | 'too long'): Promise<After> {
  // rfc2449#section-4: commands are at most 255 octets with CRLF.
  if (line === 'too long' || line.length > maxCommandOctets - 2) throw new Pop3CommandError('line too long')
  const command = parseCommand(utf8.decode(line), session.state)
  try {
    return await run(session, command)
  } catch (e) {
    if (e instanceof Pop3CommandError) throw e
    const ref = randomId(8)
    session.conn.log.error('command failed', { ref, command: command.verb, error: e })
    session.conn.write(err(`internal error, ref ${ref}`, 'SYS/TEMP'))
    return 'continue'
  }
}

function run(session: SessionContext, command: Pop3Command): Promise<After> | After {
  return session.state === 'authorization'
    ? authorizationCommand(session, command)
    : transactionCommand(session, command)
}
