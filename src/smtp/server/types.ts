// Types shared by the SMTP service modules.
import type { SMTPServerAddress } from 'smtp-server'
import type { Resolution } from '../../directory/resolve.ts'

export type SmtpKind = 'mx' | 'submission' | 'submissions' | 'lmtp'

/** Per-recipient result of RCPT, kept on the address object smtp-server stores in the envelope. */
export const resolutionKey = Symbol('postern.resolution')
export type RcptAddress = SMTPServerAddress & { [resolutionKey]?: Resolution }
