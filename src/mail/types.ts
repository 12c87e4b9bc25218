// Public shapes of a parsed message: the MIME part tree (rfc2045, rfc2046, section numbers per
// rfc3501#section-6.4.5) and what IMAP (rfc3501, rfc9051) and JMAP (rfc8621) serve from it.
import type { ImapValue } from './imap-value.ts'

/**
 * One MIME entity. Offsets are byte offsets into the raw message: the part's MIME header is
 * `[headerStart, bodyStart)` (blank line included when there is one), its body `[bodyStart, bodyEnd)`.
 */
export interface MimePart {
  /**
   * IMAP section number: '' for the message itself, '1', '1.2', ... for parts of multiparts. The
   * root of a message embedded in a message/rfc822 part carries the id of that part (so "2.HEADER"
   * is its header); the body of a non-multipart message is section `${id}.1` (or '1' at the top).
   */
  id: string
  headerStart: number
  bodyStart: number
  bodyEnd: number
  /** Lower-case media type; missing → text/plain (message/rfc822 in multipart/digest), broken →
   * application/octet-stream (a bare "text" stays text/plain). */
  type: string
  subtype: string
  /** Content-Type parameters, names lower-case, values decoded (rfc2231, rfc2047). */
  params: Record<string, string>
  contentId: string | null
  /** Content-Description, decoded. */
  description: string | null
  /** Content-Transfer-Encoding, lower-case; null means the default 7bit. */
  encoding: string | null
  /** Content-Disposition value, lower-case. */
  disposition: string | null
  dispositionParams: Record<string, string>
  language: string[] | null
  location: string | null
  md5: string | null
  /** File name: the disposition's filename or else the Content-Type name, decoded. */
  name: string | null
  /** Number of lines (LF bytes) in the body; counted for text/* and message/rfc822 parts, else 0. */
  lines: number
  /** Parts of a multipart, in order; empty for other types. */
  children: MimePart[]
  /** For message/rfc822: the root part of the embedded message. */
  message: MimePart | null
}

/** One address for JMAP (rfc8621#section-4.1.2.3 EmailAddress), decoded. */
export interface EmailAddress {
  name: string | null
  email: string
}

/** Everything IMAP FETCH and JMAP Email/get need, computed once from the raw bytes. */
export interface ParsedMessage {
  /** Size of the raw message in bytes (RFC822.SIZE when the bytes are CRLF-normalised). */
  size: number
  /** Bytes of the top-level header including the blank line: BODY[HEADER] is [0, headerSize). */
  headerSize: number
  /** Lines (LF bytes) in the top-level body. */
  lines: number
  /** The top-level part (id ''). */
  parts: MimePart
  /** rfc3501#section-7.4.2 ENVELOPE. */
  envelope: ImapValue
  /** rfc3501#section-7.4.2 BODYSTRUCTURE, with extension data. */
  bodystructure: ImapValue
  /** rfc3501#section-7.4.2 BODY: BODYSTRUCTURE without extension data. */
  body: ImapValue
  from: EmailAddress[] | null
  sender: EmailAddress[] | null
  replyTo: EmailAddress[] | null
  to: EmailAddress[] | null
  cc: EmailAddress[] | null
  bcc: EmailAddress[] | null
  /** rfc8621#section-4.1.2.2 Text form of Subject, null when there is none. */
  subject: string | null
  /** rfc8621#section-4.1.2.5 Date form of the Date header (ISO 8601 with its offset) or null. */
  sentAt: string | null
  /** rfc8621#section-4.1.2.4 MessageIds forms, without angle brackets. */
  messageId: string[] | null
  inReplyTo: string[] | null
  references: string[] | null
  /** rfc5256#section-2.1 base subject, for threading and SORT SUBJECT. */
  baseSubject: string
  /** rfc8621#section-4.1.4 preview: up to 256 characters of body text. */
  preview: string
  hasAttachment: boolean
  /** rfc8621#section-4.1.4 body lists, as part ids whose BODY[id] is the part's content. */
  textBody: string[]
  htmlBody: string[]
  attachments: string[]
  /**
   * rfc8621#section-4.1.4 EmailBodyPart size: octets after transfer decoding, for every leaf part
   * (not descending into message/rfc822), by part id as in the body lists.
   */
  decodedSizes: Record<string, number>
}
