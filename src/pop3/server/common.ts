// Commands valid in every state: CAPA (rfc2449#section-5).
import { passwordMechanisms } from '../../directory/sasl/mechanisms.ts'
import { capabilities } from '../proto/capabilities.ts'
import { multiline, ok } from '../proto/responses.ts'
import type { SessionContext } from './types.ts'

/** rfc2595#section-2.2: passwords only over TLS, unless the configuration allows them in plain text. */
export function canLogin(session: SessionContext): boolean {
  return session.conn.isTls || session.deps.config.pop3.allow_plaintext_login
}

/** rfc2449#section-5 CAPA */
export function capa(session: SessionContext): 'continue' {
  const lines = capabilities({
    state: session.state,
    canStartTls: session.conn.canStartTls,
    canLogin: canLogin(session),
    mechanisms: passwordMechanisms,
    loginDelaySeconds: session.deps.config.pop3.login_delay_seconds,
  })
  session.conn.write(multiline(ok('capability list follows'), lines))
  return 'continue'
}
