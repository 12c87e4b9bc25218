// A cursor over one command's wire bytes, reading the tokens of the IMAP formal syntax
// (rfc9051#section-9, rfc3501#section-9): atoms, numbers, quoted strings, literals, literal8
// (rfc3516#section-4.2), flags, list-mailbox patterns. Every failure is a ParseError.
import { isAstringChar, isAtomChar, isCtl, isListChar, isTagChar } from './char-classes.ts'
import { ParseError } from './parse-error.ts'

/** Nesting limit for parenthesized lists and NOT/OR chains, so hostile input cannot exhaust the stack. */
export const MAX_NESTING_DEPTH = 100

/** number = 1*DIGIT, an unsigned 32-bit integer (rfc9051#section-9). */
export const MAX_NUMBER = 4294967295
/** number64 = 1*DIGIT, a signed 63-bit integer (rfc9051#section-9, rfc7162#section-7). */
export const MAX_NUMBER64 = 9223372036854775807n

const SP = 0x20
const CR = 0x0d
const LF = 0x0a
const DQUOTE = 0x22
const BACKSLASH = 0x5c

// ignoreBOM: a leading U+FEFF is part of the string, not a marker to drop.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** A literal as read from the input: its bytes and whether it was a literal8 (`~{n}`). */
export interface LiteralBytes {
  bytes: Uint8Array
  binary: boolean
}

export class Reader {
  pos = 0
  /** Set as soon as the tag is read, so every later ParseError carries it. */
  tag: string | undefined
  private depth = 0

  private nextLiteral = 0

  /**
   * `input` is the whole command as sent. Or, with `literals`, `input` holds only the command's
   * lines joined by CRLF, and each literal's bytes come from `literals`, in order, so the server
   * need not copy large APPEND literals into one buffer.
   */
  constructor(
    readonly input: Uint8Array,
    private readonly literals?: readonly Uint8Array[],
  ) {}

  /** True when every literal given separately was used. */
  usedAllLiterals(): boolean {
    return this.literals === undefined || this.nextLiteral === this.literals.length
  }

  fail(message: string, responseCode?: string): never {
    throw new ParseError(message, this.tag, responseCode)
  }

  /** The next byte, or -1 at the end of input. */
  peek(offset = 0): number {
    const i = this.pos + offset
    return i < this.input.length ? (this.input[i] as number) : -1
  }

  /** True at the end of the command: end of input, or only the final line's CRLF (or LF) left. */
  atEnd(): boolean {
    const rest = this.input.length - this.pos
    if (rest === 0) return true
    if (rest === 1) return this.peek() === LF
    return rest === 2 && this.peek() === CR && this.peek(1) === LF
  }

  expectEnd(): void {
    if (!this.atEnd()) {
      if (this.peek() === SP) this.fail('unexpected space or arguments at the end of the command')
      this.fail('unexpected characters at the end of the command')
    }
  }

  /** Exactly one SP between tokens (rfc9051#section-9: arguments are separated by single spaces). */
  space(): void {
    if (this.peek() !== SP) this.fail(this.atEnd() ? 'missing argument' : 'expected a space')
    this.pos++
  }

  trySpace(): boolean {
    if (this.peek() !== SP) return false
    this.pos++
    return true
  }

  tryByte(b: number): boolean {
    if (this.peek() !== b) return false
    this.pos++
    return true
  }

  expectByte(b: number, what: string): void {
    if (!this.tryByte(b)) this.fail(`expected ${what}`)
  }

  /**
   * Consumes `word` (ASCII, matched case-insensitively) when it is next and is followed by something
   * that cannot continue an atom, so `tryWord('ALL')` does not match `ALLX`.
   */
  tryWord(word: string): boolean {
    for (let i = 0; i < word.length; i++) {
      const b = this.peek(i)
      if (b < 0 || upper(b) !== word.charCodeAt(i)) return false
    }
    const next = this.peek(word.length)
    if (next >= 0 && isAtomChar(next)) return false
    this.pos += word.length
    return true
  }

  /** Runs `read` one nesting level deeper, failing beyond MAX_NESTING_DEPTH. */
  nested<T>(read: () => T): T {
    if (++this.depth > MAX_NESTING_DEPTH) this.fail(`nesting deeper than ${MAX_NESTING_DEPTH} levels`)
    try {
      return read()
    } finally {
      this.depth--
    }
  }

  /** Reads `( item *(SP item) )`, or `()` when `allowEmpty`. */
  parenList<T>(readItem: () => T, allowEmpty = true): T[] {
    this.expectByte(0x28, '"("')
    return this.nested(() => {
      const items: T[] = []
      if (this.tryByte(0x29)) {
        if (!allowEmpty) this.fail('empty list')
        return items
      }
      for (;;) {
        items.push(readItem())
        if (this.tryByte(0x29)) return items
        if (this.atEnd()) this.fail('missing ")"')
        this.space()
      }
    })
  }

  /** 1*ATOM-CHAR, as text. */
  atom(what = 'an atom'): string {
    return this.run(isAtomChar, what)
  }

  /** tag = 1*<any ASTRING-CHAR except "+"> (rfc9051#section-9). */
  readTag(): string {
    return this.run(isTagChar, 'a tag')
  }

  /** An atom read for its meaning (command names, keywords), upper-cased. */
  keyword(what = 'a keyword'): string {
    return this.atom(what).toUpperCase()
  }

  /** astring = 1*ASTRING-CHAR / string (rfc9051#section-9), decoded as UTF-8. */
  astring(what = 'a string'): string {
    return decodeUtf8(this, this.astringBytes(what))
  }

  astringBytes(what = 'a string'): Uint8Array {
    const b = this.peek()
    if (b === DQUOTE || b === 0x7b) return this.stringBytes(what)
    if (b === 0x7e && this.peek(1) === 0x7b) this.literal(false) // fails: literal8 is not a string
    const start = this.pos
    this.run(isAstringChar, what)
    return this.input.subarray(start, this.pos)
  }

  /** string = quoted / literal (rfc9051#section-9), decoded as UTF-8. */
  string(what = 'a string'): string {
    return decodeUtf8(this, this.stringBytes(what))
  }

  stringBytes(what = 'a string'): Uint8Array {
    const b = this.peek()
    if (b === DQUOTE) return this.quotedBytes()
    if (b === 0x7b) return this.literal(false).bytes
    return this.fail(`expected ${what} (quoted or literal)`)
  }

  /** nstring = string / NIL. */
  nstring(what = 'a string or NIL'): string | null {
    if (this.tryWord('NIL')) return null
    return this.string(what)
  }

  /**
   * quoted = DQUOTE *QUOTED-CHAR DQUOTE; inside, only `\"` and `\\` are escapes, CR and LF are not
   * allowed, and UTF-8 is (rfc9051#section-9 QUOTED-CHAR includes UTF8-2/3/4).
   */
  quotedBytes(): Uint8Array {
    this.expectByte(DQUOTE, 'a quoted string')
    const input = this.input
    const start = this.pos
    let out: number[] | undefined
    for (let i = this.pos; i < input.length; i++) {
      const b = input[i] as number
      if (b === DQUOTE) {
        this.pos = i + 1
        return out === undefined ? input.subarray(start, i) : Uint8Array.from(out)
      }
      if (b === CR || b === LF || b === 0) this.fail('quoted string contains CR, LF or NUL')
      if (b === BACKSLASH) {
        const next = input[i + 1]
        if (next !== DQUOTE && next !== BACKSLASH) this.fail('invalid escape in quoted string')
        out ??= Array.from(input.subarray(start, i))
        out.push(next)
        i++
      } else out?.push(b)
    }
    return this.fail('unterminated quoted string')
  }

  /**
   * literal = "{" number64 ["+"] "}" CRLF *CHAR8, and with `allowBinary` also literal8 =
   * "~{" number64 ["+"] "}" CRLF *OCTET (rfc3516#section-4.2). The server has already read the
   * announced bytes; here they must all be present. CHAR8 excludes NUL (rfc9051#section-4.3).
   */
  literal(allowBinary: boolean): LiteralBytes {
    const binary = this.peek() === 0x7e
    if (binary) {
      if (!allowBinary) this.fail('literal8 (~{n}) is not allowed here')
      this.pos++
    }
    this.expectByte(0x7b, 'a literal')
    const size = this.number64('literal size')
    if (size >= Number.MAX_SAFE_INTEGER) this.fail('literal too large', 'TOOBIG')
    this.tryByte(0x2b) // "+": non-synchronizing (rfc7888#section-3)
    this.expectByte(0x7d, '"}" closing the literal size')
    if (this.peek() === CR && this.peek(1) === LF) this.pos += 2
    else if (this.peek() === LF) this.pos++
    else this.fail('a literal size must end the line')
    const bytes = this.literalBytes(size)
    if (!binary && bytes.indexOf(0) >= 0) this.fail('NUL in a literal; use literal8 (BINARY)')
    return { bytes, binary }
  }

  private literalBytes(size: number): Uint8Array {
    if (this.literals !== undefined) {
      const bytes = this.literals[this.nextLiteral++]
      if (bytes === undefined) return this.fail('literal is missing')
      if (bytes.length !== size) this.fail('literal size does not match its announced size')
      return bytes
    }
    if (this.input.length - this.pos < size) this.fail('literal is shorter than its announced size')
    const bytes = this.input.subarray(this.pos, this.pos + size)
    this.pos += size
    return bytes
  }

  /** number: an unsigned 32-bit integer (rfc9051#section-9). */
  number(what = 'a number'): number {
    const value = this.digits(what, 10)
    const n = Number(value)
    if (n > MAX_NUMBER) this.fail(`${what} is out of range`)
    return n
  }

  /** nz-number: a non-zero unsigned 32-bit integer. */
  nzNumber(what = 'a non-zero number'): number {
    const n = this.number(what)
    if (n === 0) this.fail(`${what} must not be 0`)
    return n
  }

  /**
   * number64 (rfc9051#section-9): up to 2^63-1. Values above Number.MAX_SAFE_INTEGER are clamped
   * to it; no server counter reaches them, and clamping keeps every comparison with real values.
   */
  number64(what = 'a number'): number {
    const value = this.digits(what, 19)
    if (BigInt(value) > MAX_NUMBER64) this.fail(`${what} is out of range`)
    return Math.min(Number(value), Number.MAX_SAFE_INTEGER)
  }

  /** list-mailbox = 1*list-char / string (rfc9051#section-9), decoded as UTF-8. */
  listMailbox(): string {
    const b = this.peek()
    if (b === DQUOTE || b === 0x7b) return this.string('a mailbox pattern')
    return this.run(isListChar, 'a mailbox pattern')
  }

  /**
   * flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" / flag-keyword / flag-extension
   * (rfc9051#section-9); flag-extension = "\" atom. `\Recent` only where `allowRecent` (SEARCH KEYWORD).
   */
  flag(allowRecent = false): string {
    if (this.tryByte(BACKSLASH)) {
      const name = this.atom('a flag name after "\\"')
      // \Recent cannot be set by a client (rfc3501#section-2.3.2); it may only be searched for.
      if (!allowRecent && name.toLowerCase() === 'recent') this.fail('\\Recent cannot be stored')
      return `\\${canonicalSystemFlag(name)}`
    }
    return this.atom('a flag')
  }

  /** flag-list = "(" [flag *(SP flag)] ")". */
  flagList(): string[] {
    return this.parenList(() => this.flag())
  }

  /** Reads a maximal run of bytes accepted by `accept`, at least one. */
  private run(accept: (b: number) => boolean, what: string): string {
    const start = this.pos
    const input = this.input
    let i = start
    while (i < input.length && accept(input[i] as number)) i++
    if (i === start) {
      const b = this.peek()
      if (b < 0 || b === CR || b === LF) this.fail(`missing ${what}`)
      if (isCtl(b) || b >= 0x80) this.fail(`invalid character in ${what}`)
      this.fail(`expected ${what}`)
    }
    this.pos = i
    return decodeLatin1(input.subarray(start, i))
  }

  private digits(what: string, maxDigits: number): string {
    const start = this.pos
    while (this.peek() >= 0x30 && this.peek() <= 0x39) this.pos++
    if (this.pos === start) this.fail(`expected ${what}`)
    // Leading zeros are legal (1*DIGIT), so only the significant digits count against the limit.
    const value = decodeLatin1(this.input.subarray(start, this.pos)).replace(/^0+(?=\d)/, '')
    if (value.length > maxDigits) this.fail(`${what} is out of range`)
    return value
  }
}

/** Decodes a string token as UTF-8; invalid UTF-8 is a syntax error (rfc9051#section-4.3). */
export function decodeUtf8(reader: Reader, bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes)
  } catch {
    return reader.fail('string is not valid UTF-8')
  }
}

/**
 * Decodes bytes one byte per character (U+0000-U+00FF), for strings in a charset the parser does not
 * know. Not TextDecoder('latin1'), which is windows-1252 and maps 0x80-0x9F elsewhere.
 */
export function decodeLatin1(bytes: Uint8Array): string {
  // Buffer's 'latin1' is ISO-8859-1 proper: byte n is U+00nn.
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1')
}

const SYSTEM_FLAGS = ['Answered', 'Flagged', 'Deleted', 'Seen', 'Draft', 'Recent']

/** System flags are case-insensitive (rfc9051#section-2.3.2); they are returned in their RFC spelling. */
function canonicalSystemFlag(name: string): string {
  const lower = name.toLowerCase()
  return SYSTEM_FLAGS.find((f) => f.toLowerCase() === lower) ?? name
}

function upper(b: number): number {
  return b >= 0x61 && b <= 0x7a ? b - 0x20 : b
}
