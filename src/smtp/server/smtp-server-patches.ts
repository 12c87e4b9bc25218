// Two behaviours smtp-server has no option for, patched once on its SMTPConnection:
// - It derives the enhanced status code (rfc3463) from the basic code alone, so a
//   "550 relaying denied" would read 5.1.1 (bad mailbox) instead of 5.7.1. Our replies carry
//   their own enhanced code in the text; those are sent as they are.
// - It advertises AUTH before STARTTLS even when plaintext AUTH is refused; rfc6409#section-4.3
//   (and common practice) is to offer AUTH only once the session is encrypted.
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js'
import { hasEnhancedCode } from '../proto/replies.ts'

const patched = Symbol.for('postern.smtp.patched')

interface ConnectionLike {
  secure?: boolean
  _server: { options: { allowInsecureAuth?: boolean } }
}

export function installSmtpServerPatches(): void {
  const proto = SMTPConnection.prototype as unknown as Record<symbol | string, unknown>
  if (proto[patched]) return
  const send = proto.send as (this: ConnectionLike, code: number, data: unknown, context?: unknown) => void
  proto.send = function (this: ConnectionLike, code: number, data: unknown, context?: unknown) {
    if (typeof data === 'string' && hasEnhancedCode(data)) return send.call(this, code, data, false)
    if (code === 250 && Array.isArray(data) && !this.secure && !this._server.options.allowInsecureAuth) {
      return send.call(
        this,
        code,
        data.filter((line) => !(typeof line === 'string' && line.startsWith('AUTH '))),
        context,
      )
    }
    return send.call(this, code, data, context)
  }
  proto[patched] = true
}
