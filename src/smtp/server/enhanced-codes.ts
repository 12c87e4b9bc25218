// smtp-server derives the enhanced status code (rfc3463) from the basic code alone, so a
// "550 relaying denied" would read 5.1.1 (bad mailbox) instead of 5.7.1. Our replies carry
// their own enhanced code in the text; this makes smtp-server send those as they are. It
// patches the library's SMTPConnection once (there is no option for it).
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js'
import { hasEnhancedCode } from '../proto/replies.ts'

const patched = Symbol.for('postern.smtp.enhancedCodes')

export function installEnhancedCodePassThrough(): void {
  const proto = SMTPConnection.prototype as unknown as Record<symbol | string, unknown>
  if (proto[patched]) return
  const send = proto.send as (this: unknown, code: number, data: unknown, context?: unknown) => void
  proto.send = function (this: unknown, code: number, data: unknown, context?: unknown) {
    if (typeof data === 'string' && hasEnhancedCode(data)) return send.call(this, code, data, false)
    return send.call(this, code, data, context)
  }
  proto[patched] = true
}
