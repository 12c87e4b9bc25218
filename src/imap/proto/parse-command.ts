// parseCommand: one complete IMAP command (its lines and literals, as sent) to a typed Command
// (rfc9051#section-6, rfc3501#section-6 and the extensions in command-types.ts). Throws ParseError.
import type { Command, CommandOf } from './command-types.ts'
import { readFetchArguments, readStoreArguments } from './parse-fetch.ts'
import { readListArguments, readLsubArguments, readStatusArguments } from './parse-list.ts'
import { readAppendArguments, readCreateArguments, readSelectArguments } from './parse-mailbox.ts'
import {
  decoderFor,
  readCharset,
  readReturnOptions,
  readSearchKeys,
  readSearchProgram,
  readSortCriteria,
} from './parse-search.ts'
import { readSequenceSet } from './sequence-set.ts'
import { decodeLatin1, Reader } from './tokenizer.ts'

/** Commands with a UID variant (rfc9051#section-6.4.9, UID EXPUNGE rfc4315, UID MOVE rfc6851, UID SORT/THREAD rfc5256). */
const UID_COMMANDS = new Set(['COPY', 'MOVE', 'FETCH', 'SEARCH', 'STORE', 'EXPUNGE', 'SORT', 'THREAD'])

/** Commands without arguments. */
const SIMPLE_COMMANDS = new Set([
  'CAPABILITY',
  'NOOP',
  'LOGOUT',
  'STARTTLS',
  'IDLE',
  'CHECK',
  'CLOSE',
  'UNSELECT',
  'NAMESPACE',
  'UNAUTHENTICATE',
])

/**
 * Parses one command: `tag SP command-name [arguments] [CRLF]`, with every literal's bytes in
 * place after its `{n}` CRLF, exactly as they came off the wire. The final CRLF is optional.
 */
export function parseCommand(input: Uint8Array): Command {
  return parseWith(new Reader(input))
}

/**
 * Parses one command given as its lines (without CRLF) and its literals' bytes, in order: line 1,
 * literal 1, line 2, …, as read with readLineBytes()/readBytes(n). Same result as parseCommand on
 * the bytes joined, without copying the literals into one buffer.
 */
export function parseCommandParts(lines: readonly Uint8Array[], literals: readonly Uint8Array[]): Command {
  let length = 0
  for (const line of lines) length += line.length + 2
  const joined = new Uint8Array(Math.max(0, length - 2))
  let offset = 0
  for (const [i, line] of lines.entries()) {
    joined.set(line, offset)
    offset += line.length
    if (i < lines.length - 1) joined.set([0x0d, 0x0a], offset)
    offset += 2
  }
  const reader = new Reader(joined, literals)
  const command = parseWith(reader)
  if (!reader.usedAllLiterals()) reader.fail('more literals than the command announced')
  return command
}

function parseWith(reader: Reader): Command {
  if (reader.atEnd()) reader.fail('empty command line')
  const tag = reader.readTag()
  reader.tag = tag
  if (!reader.trySpace()) reader.fail(reader.atEnd() ? 'missing command' : 'invalid character in tag')
  let name = reader.keyword('a command name')
  let uid = false
  if (name === 'UID') {
    reader.space()
    uid = true
    name = reader.keyword('a command after UID')
    if (!UID_COMMANDS.has(name)) reader.fail(`UID ${name} is not a command`)
  }
  const command = readArguments(reader, tag, name, uid)
  reader.expectEnd()
  return command
}

function readArguments(reader: Reader, tag: string, name: string, uid: boolean): Command {
  if (SIMPLE_COMMANDS.has(name)) return { tag, name } as Command
  switch (name) {
    case 'AUTHENTICATE':
      return readAuthenticate(reader, tag)
    case 'LOGIN': {
      reader.space()
      const username = reader.astring('a user name')
      reader.space()
      return { tag, name, username, password: reader.astring('a password') }
    }
    case 'ENABLE':
      return { tag, name, capabilities: readAtoms(reader, 'a capability') }
    case 'SELECT':
    case 'EXAMINE':
      return readSelectArguments(reader, tag, name)
    case 'CREATE':
      return readCreateArguments(reader, tag)
    case 'DELETE':
    case 'SUBSCRIBE':
    case 'UNSUBSCRIBE':
      reader.space()
      return { tag, name, mailbox: reader.astring('a mailbox name') }
    case 'RENAME': {
      reader.space()
      const mailbox = reader.astring('a mailbox name')
      reader.space()
      return { tag, name, mailbox, newMailbox: reader.astring('a new mailbox name') }
    }
    case 'LIST':
      return readListArguments(reader, tag)
    case 'LSUB':
      return readLsubArguments(reader, tag)
    case 'STATUS':
      return readStatusArguments(reader, tag)
    case 'APPEND':
      return readAppendArguments(reader, tag)
    case 'EXPUNGE':
      if (!uid) return { tag, name, uid }
      reader.space()
      return { tag, name, uid, sequenceSet: readSequenceSet(reader) }
    case 'SEARCH':
      return { tag, name, uid, ...readSearchProgram(reader) }
    case 'FETCH':
      return readFetchArguments(reader, tag, uid)
    case 'STORE':
      return readStoreArguments(reader, tag, uid)
    case 'COPY':
    case 'MOVE': {
      reader.space()
      const sequenceSet = readSequenceSet(reader)
      reader.space()
      return { tag, name, uid, sequenceSet, mailbox: reader.astring('a mailbox name') }
    }
    case 'SORT':
      return readSort(reader, tag, uid)
    case 'THREAD':
      return readThread(reader, tag, uid)
    default:
      return readOtherArguments(reader, tag, name)
  }
}

function readOtherArguments(reader: Reader, tag: string, name: string): Command {
  switch (name) {
    case 'GETQUOTA':
      reader.space()
      return { tag, name, root: reader.astring('a quota root') }
    case 'GETQUOTAROOT':
      reader.space()
      return { tag, name, mailbox: reader.astring('a mailbox name') }
    case 'SETQUOTA':
      return readSetQuota(reader, tag)
    case 'ID':
      return readId(reader, tag)
    case 'COMPRESS':
      reader.space()
      return { tag, name, mechanism: reader.keyword('a compression mechanism') }
    default:
      return reader.fail(name === 'DONE' ? 'DONE is only valid during IDLE' : `unknown command ${name}`)
  }
}

/**
 * AUTHENTICATE SP auth-type [SP (base64 / "=")] (rfc9051#section-6.2.2, SASL-IR rfc4959#section-3).
 */
function readAuthenticate(reader: Reader, tag: string): CommandOf<'AUTHENTICATE'> {
  reader.space()
  const command: CommandOf<'AUTHENTICATE'> = {
    tag,
    name: 'AUTHENTICATE',
    mechanism: reader.keyword('a SASL mechanism'),
  }
  if (reader.trySpace()) {
    if (reader.tryByte(0x3d))
      command.initialResponse = '' // "=" is an empty initial response
    else command.initialResponse = readBase64(reader)
  }
  return command
}

/** base64 = *(4base64-char) [base64-terminal] (rfc9051#section-9). */
function readBase64(reader: Reader): string {
  const start = reader.pos
  while (isBase64Char(reader.peek())) reader.pos++
  let padding = 0
  while (reader.tryByte(0x3d)) padding++
  const text = decodeLatin1(reader.input.subarray(start, reader.pos))
  if (text.length === 0 || text.length % 4 !== 0 || padding > 2) reader.fail('invalid base64')
  return text
}

function isBase64Char(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) ||
    (b >= 0x30 && b <= 0x39) ||
    b === 0x2b ||
    b === 0x2f
  )
}

/** SP atom *(SP atom), upper-cased. */
function readAtoms(reader: Reader, what: string): string[] {
  const atoms: string[] = []
  do {
    reader.space()
    atoms.push(reader.keyword(what))
  } while (reader.peek() === 0x20)
  return atoms
}

/**
 * SORT [SP "RETURN" SP (...)] SP sort-criteria SP charset 1*(SP search-key)
 * (rfc5256#section-5, ESORT rfc5267#section-3.2).
 */
function readSort(reader: Reader, tag: string, uid: boolean): CommandOf<'SORT'> {
  reader.space()
  let returns: CommandOf<'SORT'>['returns']
  if (reader.tryWord('RETURN')) {
    returns = readReturnOptions(reader)
    if (returns.includes('SAVE')) reader.fail('SAVE is not a SORT return option')
    reader.space()
  }
  const criteria = readSortCriteria(reader)
  reader.space()
  const charset = readCharset(reader)
  reader.space()
  const searchCriteria = readSearchKeys(reader, decoderFor(reader, charset))
  const command: CommandOf<'SORT'> = { tag, name: 'SORT', uid, criteria, charset, searchCriteria }
  if (returns !== undefined) command.returns = returns
  return command
}

/** THREAD SP thread-alg SP charset 1*(SP search-key) (rfc5256#section-5). */
function readThread(reader: Reader, tag: string, uid: boolean): CommandOf<'THREAD'> {
  reader.space()
  const algorithm = reader.keyword('a thread algorithm')
  reader.space()
  const charset = readCharset(reader)
  reader.space()
  return {
    tag,
    name: 'THREAD',
    uid,
    algorithm,
    charset,
    searchCriteria: readSearchKeys(reader, decoderFor(reader, charset)),
  }
}

/** SETQUOTA SP quota-root-name SP "(" [setquota-resource *(SP setquota-resource)] ")" (rfc9208#section-4.3). */
function readSetQuota(reader: Reader, tag: string): CommandOf<'SETQUOTA'> {
  reader.space()
  const root = reader.astring('a quota root')
  reader.space()
  const limits = reader.parenList(() => {
    const resource = reader.keyword('a quota resource')
    reader.space()
    return { resource, limit: reader.number64('a quota limit') }
  })
  return { tag, name: 'SETQUOTA', root, limits }
}

/** ID SP ("(" string SP nstring *(SP string SP nstring) ")" / NIL) (rfc2971#section-4). */
function readId(reader: Reader, tag: string): CommandOf<'ID'> {
  reader.space()
  if (reader.tryWord('NIL')) return { tag, name: 'ID', parameters: null }
  const parameters = reader.parenList((): [string, string | null] => {
    const field = reader.string('an ID field name')
    reader.space()
    return [field, reader.nstring('an ID value')]
  })
  // rfc2971#section-3.3: at most 30 pairs, field names up to 30 and values up to 1024 octets.
  if (parameters.length > 30) reader.fail('too many ID fields')
  return { tag, name: 'ID', parameters }
}
