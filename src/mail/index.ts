// The mail module: pure RFC 5322 / MIME parsing for the store, IMAP and JMAP (rfc5322, rfc2045-2047,
// rfc2183, rfc2231, rfc3501/rfc9051 ENVELOPE and BODYSTRUCTURE, rfc8621 Email, rfc5256 base subject).
export { normalizeCrlf } from './bytes.ts'
export { decodePartBody, decodePartText, decodeTransfer } from './decode.ts'
export { extractHeaderFields, type HeaderField, looksLikeMessage, splitHeaderFields } from './header.ts'
export {
  type FormatOptions,
  formatImapValue,
  type ImapLiteral,
  type ImapValue,
  imapLiteral,
  utf8ToByteString,
} from './imap-value.ts'
export { parseMessage } from './parse.ts'
export { type ByteRange, findPart, sectionRange } from './sections.ts'
export { baseSubject } from './subject.ts'
export type { EmailAddress, MimePart, ParsedMessage } from './types.ts'
