// Types shared by the SMTP service modules.
import type { SMTPServerAddress } from 'smtp-server'
import type { Resolution } from '../../directory/resolve.ts'

export type SmtpKind = 'mx' | 'submission' | 'submissions' | 'lmtp'

/** Per-recipient result of RCPT, kept on the address object smtp-server stores in the envelope. */
export const resolutionKey = Symbol('postern.resolution')
export type RcptAddress = SMTPServerAddress & { [resolutionKey]?: Resolution }

/** The result of checking SPF/DKIM/DMARC/ARC on an inbound message. */
export interface InboundCheck {
  /** Header fields to prepend (Authentication-Results …), each ending CRLF. */
  headers: string[]
  disposition: 'accept' | 'quarantine' | 'reject'
  dmarcDomain?: string
}
