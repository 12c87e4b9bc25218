// Reads one whole command from the connection: its lines and the literals between them
// (rfc9051#section-4.3), sending `+` continuations for synchronizing literals and enforcing
// the literal and command size limits before any byte of a refused literal is asked for.
import { type Connection, LineTooLongError } from '../../net/index.ts'
import { decideLiteral, type LiteralPolicy, literalAtEnd, tryReadTag } from '../proto/index.ts'

export type ReadResult =
  | { kind: 'command'; lines: Uint8Array[]; literals: Uint8Array[] }
  /** Refused before it was complete; answer `tag BAD` (the rest of the command was skipped). */
  | { kind: 'refused'; tag: string; message: string; code?: 'TOOBIG' | 'CLIENTBUG' }
  /** The client closed, or the connection must close (it sent a refused literal's bytes anyway). */
  | { kind: 'closed'; goodbye?: string }

export interface ReadLimits {
  policy: Omit<LiteralPolicy, 'maxSize'>
  /** Largest literal of an APPEND (APPENDLIMIT). */
  appendLiteralMax: number
  /** Largest literal of any other command. */
  otherLiteralMax: number
  /** Largest command in all (lines and literals): bounds MULTIAPPEND and long SEARCHes. */
  commandMax: number
  /** Literals in one command at most. */
  maxLiterals: number
}

const appendVerb = /^[^ ]+ (UID )?APPEND /i

export async function readCommand(conn: Connection, limits: ReadLimits): Promise<ReadResult> {
  const lines: Uint8Array[] = []
  const literals: Uint8Array[] = []
  let total = 0
  let isAppend = false
  for (;;) {
    let line: Uint8Array | null
    try {
      line = await conn.readLineBytes()
    } catch (err) {
      if (!(err instanceof LineTooLongError)) throw err
      // The rest of the line was skipped; a literal it announced cannot be told apart from a new command.
      return { kind: 'closed', goodbye: '* BYE command line too long\r\n' }
    }
    if (line === null) return { kind: 'closed' }
    if (lines.length === 0) {
      if (line.length === 0) continue // a bare CRLF between commands is harmless
      isAppend = appendVerb.test(new TextDecoder('latin1').decode(line.subarray(0, 40)))
    }
    lines.push(line)
    total += line.length + 2
    // The line comes without its CRLF; a CR still at its end means `{n}` was not followed by
    // CRLF, so it announces no literal and the parser answers BAD (rfc9051#section-4.3).
    const header = line[line.length - 1] === 0x0d ? null : literalAtEnd(line)
    if (header === null) return { kind: 'command', lines, literals }
    const tag = tryReadTag(lines[0] as Uint8Array) ?? '*'
    const maxSize = isAppend ? limits.appendLiteralMax : limits.otherLiteralMax
    let decision = decideLiteral(header, { ...limits.policy, maxSize })
    if (
      decision.action !== 'reject' &&
      (literals.length >= limits.maxLiterals || total + header.size > limits.commandMax)
    ) {
      decision = {
        action: 'reject',
        message: 'command too large',
        responseCode: 'TOOBIG',
        bytesFollow: header.nonSync,
      }
    }
    if (decision.action === 'reject') {
      // The client will send a non-synchronizing literal's bytes regardless; reading megabytes
      // only to discard them helps nobody, so such a connection ends (rfc7888#section-4 allows it).
      if (decision.bytesFollow) {
        return { kind: 'closed', goodbye: `* BYE [${decision.responseCode}] ${decision.message}\r\n` }
      }
      return { kind: 'refused', tag, message: decision.message, code: decision.responseCode }
    }
    if (decision.action === 'continue') conn.write('+ Ready for literal data\r\n')
    const bytes = await conn.readBytes(header.size)
    if (bytes === null) return { kind: 'closed' }
    literals.push(bytes)
    total += header.size
  }
}
