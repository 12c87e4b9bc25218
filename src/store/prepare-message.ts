// Turns raw bytes into what the store needs, once: CRLF line ends, the parsed facts, the
// searchable text, and the hashed, compressed blob. Pure CPU work, run in a Worker for bulk
// imports and large messages.
import { normalizeCrlf, parseMessage } from '../mail/index.ts'
import { type SearchText, searchTextOf } from '../search/text.ts'
import { type PreparedBlob, prepareBlob } from './blobs.ts'
import { factsFromParsed, type MessageFacts } from './facts.ts'

export interface PreparedMessage {
  raw: Uint8Array
  facts: MessageFacts
  blob: PreparedBlob
  /** The row for the text index (search/), inserted with the email. */
  searchText: SearchText
}

/** `keepLineEnds` stores the bytes exactly as given (IMAP APPEND of a literal8, rfc3516#section-4.4). */
export function prepareMessage(bytes: Uint8Array, options: { keepLineEnds?: boolean } = {}): PreparedMessage {
  const raw = options.keepLineEnds ? bytes : normalizeCrlf(bytes)
  const parsed = parseMessage(raw)
  return {
    raw,
    facts: factsFromParsed(parsed),
    blob: prepareBlob(raw),
    searchText: searchTextOf(raw, parsed),
  }
}
