// The pure IMAP protocol layer: command framing, the command parser and its AST, modified UTF-7,
// sequence sets, response encoders, response codes and the state table (rfc9051, rfc3501 and extensions).
//
// How the server reads one command from a Connection (readLineBytes() without CRLF, readBytes(n)):
//
//   const lines: Uint8Array[] = []
//   const literals: Uint8Array[] = []
//   for (;;) {
//     const line = await conn.readLineBytes()
//     lines.push(line)
//     const literal = literalAtEnd(line)
//     if (literal === null) break
//     const decision = decideLiteral(literal, policy)   // policy: LITERAL+/-, BINARY, size limit
//     if (decision.action === 'reject') {
//       // The command is over: answer `${tryReadTag(lines[0]) ?? '*'} BAD [code] message`; when
//       // decision.bytesFollow, read and discard literal.size bytes and the rest of the command
//       // (or close the connection).
//     }
//     if (decision.action === 'continue') await conn.write('+ Ready\r\n')
//     literals.push(await conn.readBytes(literal.size))
//   }
//   try {
//     const command = parseCommandParts(lines, literals)   // or parseCommand(bytes as sent)
//     if (!isCommandAllowed(command.name, state)) … `${command.tag} BAD command not valid in this state`
//     switch (command.name) { case 'FETCH': … command.sequenceSet, command.attributes … }
//   } catch (e) {
//     if (e instanceof ParseError) await conn.write(statusLine(e.tag ?? '*', 'BAD', e.message))
//     else throw e
//   }
//
// Mailbox names in the AST are as sent; the server maps them with mailboxFromWire(name, { utf8 }).

export type * from './command-types.ts'
export { type CalendarDate, formatDate, formatDateTime } from './dates.ts'
export {
  buildEsearchResponse,
  buildListResponse,
  buildSearchResponse,
  buildStatusResponse,
  buildVanishedResponse,
  type EncodeOptions,
  type EsearchResult,
  encodeAstring,
  encodeLiteral,
  encodeMailboxName,
  encodeNstring,
  encodeString,
  formatFlagList,
  joinWire,
  type ListEntry,
  MAX_QUOTED_BYTES,
  type WirePart,
} from './encode.ts'
export { fetchResponseName, formatSection } from './fetch-names.ts'
export {
  decideLiteral,
  LITERAL_MINUS_MAX,
  type LiteralDecision,
  type LiteralHeader,
  type LiteralPolicy,
  literalAtEnd,
  tryReadTag,
} from './literal.ts'
export {
  decodeMutf7,
  encodeMutf7,
  isInbox,
  MailboxNameError,
  type MailboxNameMode,
  mailboxFromWire,
  mailboxToWire,
  normalizeInbox,
  tryDecodeMutf7,
} from './mutf7.ts'
export { parseCommand, parseCommandParts } from './parse-command.ts'
export { ParseError } from './parse-error.ts'
export {
  formatResponseCode,
  type ResponseCode,
  type ResponseStatus,
  type SimpleResponseCode,
  statusLine,
} from './response-codes.ts'
export {
  compressOrdered,
  compressSequenceSet,
  expandSequenceNumbers,
  formatSequenceSet,
  hasNumberAbove,
  parseSequenceSet,
  resolveRanges,
  type SeqNumber,
  type SeqRange,
  type SequenceSet,
  selectExisting,
  sequenceSetHas,
  sequenceSetOf,
} from './sequence-set.ts'
export { COMMAND_STATES, isCommandAllowed, type SessionState } from './states.ts'
// The tokenizer, for protocols with the same lexical rules (ManageSieve, rfc5804#section-4).
export { decodeUtf8, MAX_NESTING_DEPTH, MAX_NUMBER, MAX_NUMBER64, Reader } from './tokenizer.ts'
