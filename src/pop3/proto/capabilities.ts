// rfc2449#section-5 CAPA: the capability list, which depends on the state and on whether the
// connection is (or can become) TLS. rfc2595#section-4 STLS, rfc5034#section-5 SASL,
// rfc3206 AUTH-RESP-CODE, rfc6856#section-2 UTF8, rfc2449#section-6 the rest.
import type { Pop3State } from './commands.ts'

export interface CapabilityContext {
  state: Pop3State
  /** STLS is possible now: a plain connection on a listener that offers it. */
  canStartTls: boolean
  /** USER/PASS and AUTH with a password mechanism are allowed on this connection now. */
  canLogin: boolean
  /** SASL mechanisms on offer when logging in is allowed. */
  mechanisms: readonly string[]
  /** Minimum seconds between logins; 0 = not enforced, not advertised. */
  loginDelaySeconds: number
}

export function capabilities(ctx: CapabilityContext): string[] {
  const lines = ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING']
  if (ctx.state === 'authorization') {
    if (ctx.canLogin) {
      lines.push('USER')
      if (ctx.mechanisms.length > 0) lines.push(`SASL ${ctx.mechanisms.join(' ')}`)
    }
    if (ctx.canStartTls) lines.push('STLS')
    // rfc6856#section-2: "UTF8 USER" says USER/PASS take UTF-8; only meaningful when USER is on offer.
    lines.push(ctx.canLogin ? 'UTF8 USER' : 'UTF8')
  }
  // rfc2449#section-6.7: the server never deletes messages on its own.
  lines.push('EXPIRE NEVER')
  if (ctx.loginDelaySeconds > 0) lines.push(`LOGIN-DELAY ${ctx.loginDelaySeconds}`)
  lines.push('IMPLEMENTATION Postern')
  return lines
}
