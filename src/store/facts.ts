// What the store keeps about a message, computed once by mail/ at delivery. The store never
// parses; callers (delivery, IMAP APPEND, JMAP import, the importer) hand it these facts.

export interface MessageFacts {
  size: number
  /** IMAP ENVELOPE / BODYSTRUCTURE / BODY as JSON-ready ImapValue trees. */
  envelope: unknown
  bodystructure: unknown
  body: unknown
  /** MIME part offsets and JMAP header fields and body lists, JSON-ready. */
  meta: unknown
  /** Message-ID without angle brackets, or null. */
  messageId: string | null
  inReplyTo: string[]
  references: string[]
  subject: string
  /** rfc5256#section-2.1 base subject, for threading and SORT. */
  baseSubject: string
  /** Whether the subject had a reply/forward prefix (allows the subject fallback in threading). */
  isReplyOrForward: boolean
  fromEmail: string
  /** ms since the epoch, or null. */
  sentAt: number | null
  preview: string
  hasAttachment: boolean
}
