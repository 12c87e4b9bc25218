// IMAP ENVELOPE from a message header: rfc3501#section-7.4.2 / rfc9051#section-7.5.2 (ENVELOPE).
import { parseAddressList, type RawAddress } from './address.ts'
import type { HeaderField } from './header.ts'
import { headerString, humanString, nstringNoLf } from './imap-strings.ts'
import type { ImapValue } from './imap-value.ts'

/** The envelope fields of one header, before formatting. */
interface EnvelopeFields {
  date: string | null
  subject: string | null
  from: RawAddress[]
  sender: RawAddress[]
  replyTo: RawAddress[]
  to: RawAddress[]
  cc: RawAddress[]
  bcc: RawAddress[]
  inReplyTo: string | null
  messageId: string | null
}

function collect(fields: HeaderField[]): EnvelopeFields {
  const e: EnvelopeFields = {
    date: null,
    subject: null,
    from: [],
    sender: [],
    replyTo: [],
    to: [],
    cc: [],
    bcc: [],
    inReplyTo: null,
    messageId: null,
  }
  for (const f of fields) {
    switch (f.key) {
      // Later string fields replace earlier ones; address fields add up (as Dovecot does).
      case 'date':
        e.date = f.value
        break
      case 'subject':
        e.subject = f.value
        break
      case 'in-reply-to':
        e.inReplyTo = f.value
        break
      case 'message-id':
        e.messageId = f.value
        break
      case 'from':
        e.from.push(...parseAddressList(f.value, true))
        break
      case 'sender':
        e.sender.push(...parseAddressList(f.value, true))
        break
      case 'reply-to':
        e.replyTo.push(...parseAddressList(f.value, true))
        break
      case 'to':
        e.to.push(...parseAddressList(f.value, true))
        break
      case 'cc':
        e.cc.push(...parseAddressList(f.value, true))
        break
      case 'bcc':
        e.bcc.push(...parseAddressList(f.value, true))
        break
    }
  }
  return e
}

/**
 * rfc3501#section-7.4.2 address list: NIL when empty, else ((name adl mailbox host) ...); a group
 * is (NIL NIL "group name" NIL) … (NIL NIL NIL NIL). Display names are undecoded header text.
 */
function imapAddressList(list: RawAddress[]): ImapValue {
  if (list.length === 0) return null
  return list.map((a) => [a.name === null ? null : humanString(a.name), a.route, a.mailbox, a.domain])
}

/**
 * The ENVELOPE list (date, subject, from, sender, reply-to, to, cc, bcc, in-reply-to, message-id)
 * of a header. Strings are the raw header text (encoded words stay encoded); sender and reply-to
 * default to from (rfc3501#section-7.4.2).
 */
export function buildEnvelope(fields: HeaderField[]): ImapValue[] {
  const e = collect(fields)
  const from = imapAddressList(e.from)
  return [
    nstringNoLf(e.date),
    e.subject === null ? null : humanString(headerString(e.subject)),
    from,
    e.sender.length > 0 ? imapAddressList(e.sender) : from, // rfc3501#section-7.4.2 sender defaults to from
    e.replyTo.length > 0 ? imapAddressList(e.replyTo) : from, // rfc3501#section-7.4.2 reply-to defaults to from
    imapAddressList(e.to),
    imapAddressList(e.cc),
    imapAddressList(e.bcc),
    nstringNoLf(e.inReplyTo),
    nstringNoLf(e.messageId),
  ]
}
