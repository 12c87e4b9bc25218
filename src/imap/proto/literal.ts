// Command framing: recognizing a literal announcement `{n}`, `{n+}` (LITERAL+/LITERAL-, rfc7888),
// `~{n}` or `~{n+}` (literal8, rfc3516#section-4.2) at the end of a line, and deciding what to do
// with it, so the server knows whether to send a continuation and how many bytes to read.

import { isTagChar } from './char-classes.ts'
import { decodeLatin1 } from './tokenizer.ts'

/** The largest non-synchronizing literal a LITERAL- server accepts (rfc7888#section-4). */
export const LITERAL_MINUS_MAX = 4096

/** A literal announced at the end of a command line. */
export interface LiteralHeader {
  size: number
  /** `{n+}`: the client sends the bytes without waiting for a continuation (rfc7888#section-3). */
  nonSync: boolean
  /** `~{n}`: literal8, may contain NUL (rfc3516#section-4.2). */
  binary: boolean
}

/**
 * The literal announced at the end of `line` (with or without its CRLF), or null. The size must be
 * digits only; sizes beyond Number.MAX_SAFE_INTEGER come back as Infinity, so limits reject them.
 */
export function literalAtEnd(line: Uint8Array): LiteralHeader | null {
  let end = line.length
  if (end > 0 && line[end - 1] === 0x0a) end--
  if (end > 0 && line[end - 1] === 0x0d) end--
  if (end < 3 || line[end - 1] !== 0x7d) return null
  let i = end - 2
  const nonSync = line[i] === 0x2b
  if (nonSync) i--
  const digitsEnd = i + 1
  while (i >= 0 && (line[i] as number) >= 0x30 && (line[i] as number) <= 0x39) i--
  if (i < 0 || i + 1 === digitsEnd || line[i] !== 0x7b) return null
  const binary = i > 0 && line[i - 1] === 0x7e
  let size = 0
  for (let k = i + 1; k < digitsEnd; k++) size = size * 10 + ((line[k] as number) - 0x30)
  return { size: Number.isSafeInteger(size) ? size : Number.POSITIVE_INFINITY, nonSync, binary }
}

/** What the server announced and allows, to judge a literal against. */
export interface LiteralPolicy {
  /** LITERAL+ announced: non-synchronizing literals of any size (up to maxSize). */
  literalPlus: boolean
  /** LITERAL- (or IMAP4rev2, which includes it) announced: non-synchronizing literals up to 4096 bytes. */
  literalMinus: boolean
  /** BINARY announced: literal8 accepted. */
  binary: boolean
  /** The largest literal the server will read in this state (e.g. APPENDLIMIT, or a small limit before login). */
  maxSize: number
}

/**
 * - `continue`: a synchronizing literal: send `+ …` and read `size` bytes.
 * - `read`: a non-synchronizing literal: read `size` bytes now.
 * - `reject`: answer `tag BAD [code] message` (or NO for TOOBIG of a synchronizing literal, which
 *   the client has not sent); when `bytesFollow`, the client is sending the bytes anyway, so the
 *   server must read and discard them or close the connection (rfc7888#section-4).
 */
export type LiteralDecision =
  | { action: 'continue' }
  | { action: 'read' }
  | { action: 'reject'; message: string; responseCode: 'TOOBIG' | 'CLIENTBUG'; bytesFollow: boolean }

export function decideLiteral(header: LiteralHeader, policy: LiteralPolicy): LiteralDecision {
  const bytesFollow = header.nonSync
  if (header.binary && !policy.binary) {
    return { action: 'reject', message: 'literal8 needs BINARY', responseCode: 'CLIENTBUG', bytesFollow }
  }
  if (header.nonSync && !policy.literalPlus && !policy.literalMinus) {
    return {
      action: 'reject',
      message: 'non-synchronizing literals are not supported',
      responseCode: 'CLIENTBUG',
      bytesFollow,
    }
  }
  if (header.nonSync && !policy.literalPlus && header.size > LITERAL_MINUS_MAX) {
    // rfc7888#section-4: LITERAL- servers reject larger non-synchronizing literals with BAD [TOOBIG].
    return {
      action: 'reject',
      message: `non-synchronizing literal larger than ${LITERAL_MINUS_MAX} bytes`,
      responseCode: 'TOOBIG',
      bytesFollow,
    }
  }
  if (header.size > policy.maxSize) {
    return { action: 'reject', message: 'literal too large', responseCode: 'TOOBIG', bytesFollow }
  }
  return header.nonSync ? { action: 'read' } : { action: 'continue' }
}

/**
 * The tag at the start of a command line, or undefined when the line does not start with a valid
 * tag and a space; for answering `tag BAD` when a command is refused before it is complete.
 */
export function tryReadTag(line: Uint8Array): string | undefined {
  let i = 0
  while (i < line.length && isTagChar(line[i] as number)) i++
  if (i === 0 || line[i] !== 0x20) return undefined
  return decodeLatin1(line.subarray(0, i))
}
