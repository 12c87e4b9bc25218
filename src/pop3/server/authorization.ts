// The AUTHORIZATION state (rfc1939#section-4): USER/PASS (rfc1939#section-7), AUTH with the
// shared SASL module (rfc5034#section-4), STLS (rfc2595#section-4), UTF8 (rfc6856#section-2),
// then the maildrop is locked and listed for the TRANSACTION state.
import type { AuthenticatedAccount } from '../../directory/accounts.ts'
import type { AuthOutcome } from '../../directory/sasl/authenticator.ts'
import {
  passwordMechanisms,
  type SaslCredentials,
  SaslError,
  startSasl,
} from '../../directory/sasl/mechanisms.ts'
import { LineTooLongError, StartTlsError, TlsHandshakeError } from '../../net/index.ts'
import { type Pop3Command, Pop3CommandError } from '../proto/commands.ts'
import { MaildropView } from '../proto/maildrop.ts'
import { err, multiline, ok } from '../proto/responses.ts'
import { canLogin, capa } from './common.ts'
import type { After, SessionContext } from './types.ts'

/** Failed logins on one connection before it is closed (the per-IP throttle works across connections). */
export const maxAuthFailures = 3

export async function authorizationCommand(session: SessionContext, command: Pop3Command): Promise<After> {
  const { conn } = session
  switch (command.verb) {
    case 'CAPA':
      return capa(session)
    case 'QUIT':
      conn.write(ok(`${session.deps.config.hostname} POP3 server signing off`))
      return 'close'
    case 'UTF8':
      // todo(rfc6856#section-2, rfc6857): messages go out as stored, with or without UTF8; a
      // client that did not send it may get UTF-8 header fields instead of a downgraded copy.
      session.utf8 = true
      conn.write(ok('UTF-8 mode enabled'))
      return 'continue'
    case 'STLS':
      return startTls(session)
    case 'USER':
      requireLoginAllowed(session)
      session.pendingUser = command.name
      // Same answer whether or not the user exists (rfc1939#section-7 allows it; names must not leak).
      conn.write(ok('send PASS'))
      return 'continue'
    case 'PASS': {
      requireLoginAllowed(session)
      const user = session.pendingUser
      session.pendingUser = undefined
      if (user === undefined) throw new Pop3CommandError('send USER first')
      return login(session, { kind: 'password', authzid: '', authcid: user, password: command.password })
    }
    case 'AUTH':
      return auth(session, command.mechanism, command.initialResponse)
    default:
      throw new Pop3CommandError(`${command.verb} is not valid before login`)
  }
}

function requireLoginAllowed(session: SessionContext): void {
  if (canLogin(session)) return
  // As Dovecot answers, so clients that know it show the reason.
  throw new Pop3CommandError('plaintext authentication is not allowed without TLS; use STLS first', 'AUTH')
}

/** rfc2595#section-4: "+OK" then the TLS handshake; the client starts over (USER is forgotten). */
async function startTls(session: SessionContext): Promise<After> {
  const { conn } = session
  if (conn.isTls) throw new Pop3CommandError('already using TLS')
  if (!conn.canStartTls) throw new Pop3CommandError('STLS is not available here')
  try {
    await conn.startTls(ok('begin TLS negotiation'))
  } catch (e) {
    if (e instanceof StartTlsError) throw new Pop3CommandError('STLS is not available here')
    if (e instanceof TlsHandshakeError) {
      conn.log.debug('TLS handshake failed', { error: e.message })
      return 'close'
    }
    throw e
  }
  session.pendingUser = undefined
  return 'continue'
}

/** rfc5034#section-4 AUTH: challenges as "+ base64", responses one line each, "*" cancels. */
async function auth(session: SessionContext, mechanism: string | undefined, initial: string | undefined) {
  const { conn } = session
  if (mechanism === undefined) {
    // Bare AUTH lists the mechanisms (the rfc1734 drafts' form; fetchmail and others probe with it).
    conn.write(multiline(ok('supported mechanisms follow'), canLogin(session) ? passwordMechanisms : []))
    return 'continue'
  }
  requireLoginAllowed(session)
  let credentials: SaslCredentials
  try {
    const exchange = startSasl(mechanism, initial)
    let next = exchange.start()
    while (next.type === 'challenge') {
      conn.write(`+ ${Buffer.from(next.data).toString('base64')}\r\n`)
      let response: string | null
      try {
        // Client responses are not commands: the 255-octet limit does not apply (rfc5034#section-4).
        response = await conn.readLine()
      } catch (e) {
        if (e instanceof LineTooLongError) throw new SaslError('malformed', 'response too long')
        throw e
      }
      if (response === null) return 'close'
      next = exchange.next(response)
    }
    credentials = next.credentials
  } catch (e) {
    if (!(e instanceof SaslError)) throw e
    if (e.kind === 'cancelled') throw new Pop3CommandError('authentication cancelled')
    if (e.kind === 'unsupported') throw new Pop3CommandError(`unsupported mechanism ${mechanism}`)
    throw new Pop3CommandError(`malformed authentication response: ${e.message}`)
  }
  return login(session, credentials)
}

/** Checks the credentials, then opens the maildrop; one answer either way. */
async function login(session: SessionContext, credentials: SaslCredentials): Promise<After> {
  const { conn, deps } = session
  const outcome: AuthOutcome = await deps.authenticator.authenticate(credentials, {
    service: conn.service,
    remoteAddress: conn.remoteAddress,
    conn: conn.id,
  })
  if (outcome.ok) return openMaildrop(session, outcome.account)
  if (outcome.reason === 'banned') {
    const seconds = Math.ceil((outcome.retryAfterMs ?? 60_000) / 1000)
    conn.write(err(`too many failed logins; try again in ${seconds} seconds`, 'LOGIN-DELAY'))
    return 'close'
  }
  session.authFailures++
  if (session.authFailures >= maxAuthFailures) {
    conn.write(err('authentication failed; too many failures, closing the connection', 'AUTH'))
    return 'close'
  }
  conn.write(err('authentication failed', 'AUTH'))
  return 'continue'
}

/**
 * rfc1939#section-8: lock the maildrop (one session at a time, else IN-USE) and number its
 * messages for the session: the account's Inbox as it is now, oldest first.
 */
async function openMaildrop(session: SessionContext, account: AuthenticatedAccount): Promise<After> {
  const { conn, deps, shared } = session
  const delay = deps.config.pop3.login_delay_seconds
  const last = shared.lastLogin(account.id)
  const now = deps.clock.now()
  if (delay > 0 && last !== undefined && now - last < delay * 1000) {
    // rfc2449#section-8.1.1
    const wait = Math.ceil((last + delay * 1000 - now) / 1000)
    conn.write(
      err(
        `logins to this account are limited to one per ${delay} seconds; try again in ${wait}`,
        'LOGIN-DELAY',
      ),
    )
    return 'continue'
  }
  if (!shared.lock(account.id, session)) {
    conn.log.info('maildrop in use', { user: account.email })
    conn.write(err('maildrop is in use by another POP3 session', 'IN-USE'))
    return 'continue'
  }
  try {
    await deps.store.ensureAccount(account.id)
    const inbox = deps.store.findMailboxByRole(account.id, 'inbox')
    if (!inbox) throw new Error(`account ${account.id} has no inbox`)
    const view = new MaildropView(
      deps.store.mailboxMessages(inbox.id).map((m) => ({ emailId: m.emailId, size: m.size })),
    )
    session.maildrop = {
      accountId: account.id,
      email: account.email,
      mailboxId: inbox.id,
      view,
      unflushed: 0,
    }
  } catch (e) {
    shared.unlock(account.id, session)
    throw e
  }
  shared.recordLogin(account.id, now)
  session.state = 'transaction'
  const { count, octets } = session.maildrop.view.stat()
  conn.log.info('maildrop opened', { user: account.email, messages: count, octets })
  conn.write(ok(`${account.email} has ${count} messages (${octets} octets)`))
  return 'continue'
}
