// SMTP replies Postern sends, with their basic and enhanced codes (rfc5321#section-4.2,
// rfc3463 enhanced status codes). Pure.

export interface Reply {
  code: number
  /** Text starting with the enhanced status code. */
  text: string
}

const reply = (code: number, enhanced: string, text: string): Reply => ({ code, text: `${enhanced} ${text}` })

export const Reply = {
  C550RelayDenied: reply(550, '5.7.1', 'relaying denied'),
  C550NoSuchUser: reply(550, '5.1.1', 'no such user here'),
  C452TooManyRecipients: reply(452, '4.5.3', 'too many recipients'),
  C553SenderNotOwned: reply(553, '5.7.1', 'sender address is not one of yours'),
  C553FromNotOwned: reply(553, '5.7.1', 'the From header must be one of your addresses'),
  C553BadSender: reply(553, '5.1.7', 'bad sender address syntax'),
  C552MessageTooBig: (limit: number) =>
    reply(552, '5.3.4', `message exceeds the size limit of ${limit} bytes`),
  C452MailboxFull: reply(452, '4.2.2', 'mailbox full, try again later'),
  C552MailboxFullPermanent: reply(552, '5.2.2', 'mailbox full: the message is larger than the mailbox quota'),
  C451LocalError: (ref: string) => reply(451, '4.3.0', `local error, try again later (ref ${ref})`),
  C550DmarcReject: (domain: string) => reply(550, '5.7.1', `rejected by the DMARC policy of ${domain}`),
  C550BareLineFeed: reply(550, '5.5.2', 'bare <LF> or <CR> in message (rfc5321#section-2.3.8)'),
  C550LineTooLong: reply(550, '5.5.2', 'line longer than 1000 octets in message (rfc5321#section-4.5.3.1.6)'),
  C421TooManyConnections: reply(421, '4.7.0', 'too many connections from your address, try later'),
  C450RateLimited: reply(450, '4.7.1', 'too many messages from your address, slow down'),
  C454TempAuthFailure: reply(454, '4.7.0', 'too many failed logins, try again later'),
  C535BadCredentials: reply(535, '5.7.8', 'authentication credentials invalid'),
  C250Ok: (id: string) => reply(250, '2.0.0', `OK queued as ${id}`),
} as const

/** An Error carrying an SMTP reply, as smtp-server expects from its callbacks. */
export function smtpError(r: Reply): Error & { responseCode: number } {
  return Object.assign(new Error(r.text), { responseCode: r.code })
}

/** True when the text already starts with an enhanced status code ("5.7.1 …"). */
export function hasEnhancedCode(text: string): boolean {
  return /^[245]\.\d{1,3}\.\d{1,3} /.test(text)
}

/** rfc5321#section-4.5.3.1.6: a text line is at most 1000 octets with its CRLF. */
export const maxTextLine = 1000

/**
 * The first line-level fault in DATA: a bare CR or LF (rfc5321#section-2.3.8: CR and LF only as
 * CRLF; a bare one is how SMTP smuggling hides a second message, refused as Postfix does by
 * default), a line over the limit, or none.
 */
export function lineProblem(data: Uint8Array): 'bare' | 'long' | undefined {
  let lineStart = 0
  let long = false
  for (let i = 0; i < data.length; i++) {
    const b = data[i]
    if (b === 13) {
      if (data[i + 1] !== 10) return 'bare'
      if (i + 2 - lineStart > maxTextLine) long = true
      i++
      lineStart = i + 1
    } else if (b === 10) return 'bare'
  }
  if (data.length - lineStart > maxTextLine - 2) long = true
  return long ? 'long' : undefined
}
