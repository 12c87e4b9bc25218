// Turns raw bytes into what the store needs, once: CRLF line ends, the parsed facts, and the
// hashed, compressed blob. Pure CPU work, run in a Worker for bulk imports and large messages.
import { normalizeCrlf, parseMessage } from '../mail/index.ts'
import { type PreparedBlob, prepareBlob } from './blobs.ts'
import { factsFromParsed, type MessageFacts } from './facts.ts'

export interface PreparedMessage {
  raw: Uint8Array
  facts: MessageFacts
  blob: PreparedBlob
}

export function prepareMessage(bytes: Uint8Array): PreparedMessage {
  const raw = normalizeCrlf(bytes)
  return { raw, facts: factsFromParsed(parseMessage(raw)), blob: prepareBlob(raw) }
}
