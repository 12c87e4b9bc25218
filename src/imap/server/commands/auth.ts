// LOGIN and AUTHENTICATE (rfc9051#section-6.2, SASL-IR rfc4959) through the shared SASL module
// and authenticator (throttling, app passwords). Refused without TLS unless the config allows
// it (LOGINDISABLED, rfc9051#section-6.2.3); the OK carries the new capabilities.

import type { AuthOutcome } from '../../../directory/sasl/authenticator.ts'
import type { SaslCredentials } from '../../../directory/sasl/mechanisms.ts'
import { SaslError, startSasl } from '../../../directory/sasl/mechanisms.ts'
import type { Handler, ImapContext } from '../context.ts'

/** Failed logins on one connection before it is closed. */
const maxFailures = 3

function plaintextRefused(ctx: ImapContext, tag: string): boolean {
  if (ctx.conn.isTls || ctx.deps.config.imap.allow_plaintext_login) return false
  ctx.complete(tag, 'NO', 'Log in after STARTTLS (or over port 993)', { code: 'PRIVACYREQUIRED' })
  return true
}

async function finish(ctx: ImapContext, tag: string, credentials: SaslCredentials): Promise<void> {
  const outcome: AuthOutcome = await ctx.deps.authenticator.authenticate(credentials, {
    service: ctx.conn.service,
    remoteAddress: ctx.conn.remoteAddress,
    conn: ctx.conn.id,
  })
  if (outcome.ok) {
    await ctx.login(outcome.account)
    ctx.complete(tag, 'OK', 'Logged in', { code: 'CAPABILITY', capabilities: ctx.capabilities() })
    return
  }
  if (outcome.reason === 'banned') {
    ctx.complete(tag, 'NO', 'Too many failed logins from your address; try again later', {
      code: 'UNAVAILABLE',
    })
  } else if (outcome.reason === 'authzid') {
    ctx.complete(tag, 'NO', 'Acting as another user is not allowed', { code: 'AUTHORIZATIONFAILED' })
  } else {
    ctx.complete(tag, 'NO', 'Invalid credentials', { code: 'AUTHENTICATIONFAILED' })
  }
  if (++ctx.authFailures >= maxFailures) {
    ctx.untagged('BYE Too many failed logins')
    ctx.state = 'logout'
  }
}

export const login: Handler<'LOGIN'> = async (ctx, c) => {
  if (plaintextRefused(ctx, c.tag)) return
  await finish(ctx, c.tag, { kind: 'password', authzid: '', authcid: c.username, password: c.password })
}

export const authenticate: Handler<'AUTHENTICATE'> = async (ctx, c) => {
  if (plaintextRefused(ctx, c.tag)) return
  let credentials: SaslCredentials
  try {
    const exchange = startSasl(c.mechanism.toUpperCase(), c.initialResponse)
    let step = exchange.start()
    while (step.type === 'challenge') {
      ctx.conn.write(`+ ${Buffer.from(step.data, 'latin1').toString('base64')}\r\n`)
      const response = await ctx.conn.readLine()
      if (response === null) {
        ctx.state = 'logout'
        return
      }
      step = exchange.next(response)
    }
    credentials = step.credentials
  } catch (err) {
    if (!(err instanceof SaslError)) throw err
    if (err.kind === 'unsupported') {
      ctx.complete(c.tag, 'NO', `${c.mechanism} is not supported; use PLAIN or LOGIN`, { code: 'CANNOT' })
    } else ctx.complete(c.tag, 'BAD', err.kind === 'cancelled' ? 'Authentication cancelled' : err.message)
    return
  }
  await finish(ctx, c.tag, credentials)
}
