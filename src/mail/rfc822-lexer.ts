// Lexer for structured header values: CFWS, atoms, dot-atoms, quoted strings, domains, MIME tokens.
// rfc5322#section-3.2 (lexical tokens), rfc2045#section-5.1 (MIME token). Lenient like Dovecot's
// rfc822-parser: every method appends what it read to `str` and reports 1 (more input), 0 (end of
// input) or -1 (syntax error), so callers can recover from broken input the way Dovecot does.

const ATEXT = new Uint8Array(256)
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c)
  // rfc5322#section-3.2.3 atext; 8-bit bytes count as atext so raw UTF-8 names parse (rfc6532#section-3.2)
  if (/[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]/.test(ch) || c >= 0x80) ATEXT[c] = 1
}
const TOKEN = new Uint8Array(ATEXT)
// rfc2045#section-5.1 token: atext without the tspecials "/", "?", "=" but with "."
TOKEN[0x2f] = 0
TOKEN[0x3f] = 0
TOKEN[0x3d] = 0
TOKEN[0x2e] = 1

/** UTF-8 of U+FFFD, which replaces NUL bytes in header strings (as Dovecot does). */
export const REPLACEMENT_BYTES = '\xef\xbf\xbd'

/** True when the byte `c` is rfc5322 atext (8-bit included). */
export function isAtext(c: number): boolean {
  return ATEXT[c] === 1
}

/** A cursor over a byte string (one char per byte) with an output accumulator `str`. */
export class Rfc822Lexer {
  pos: number
  readonly end: number
  /** Accumulator that the parse methods append to. */
  str = ''
  /** Text of the last comment skipped, used as a display name for "addr (Name)". */
  lastComment = ''

  constructor(
    readonly s: string,
    start = 0,
    end = s.length,
  ) {
    this.pos = start
    this.end = end
  }

  /** Current byte, or -1 at the end. */
  peek(): number {
    return this.pos < this.end ? this.s.charCodeAt(this.pos) : -1
  }

  /** Skips a comment starting at "(" (rfc5322#section-3.2.2), keeping its text in lastComment. */
  private skipComment(): number {
    let level = 1
    let text = ''
    let start = ++this.pos
    for (; this.pos < this.end; this.pos++) {
      const c = this.s.charCodeAt(this.pos)
      if (c === 0x28) level++
      else if (c === 0x29) {
        if (--level === 0) {
          this.lastComment = text + this.s.slice(start, this.pos)
          this.pos++
          return 1
        }
      } else if (c === 0x5c) {
        text += this.s.slice(start, this.pos)
        start = ++this.pos
      } else if (c === 0x0d || c === 0x0a) {
        text += this.s.slice(start, this.pos)
        start = this.pos + 1
      }
    }
    return -1 // unterminated comment
  }

  /** Skips whitespace and comments (CFWS, rfc5322#section-3.2.2). */
  skipLwsp(): number {
    while (this.pos < this.end) {
      const c = this.s.charCodeAt(this.pos)
      if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) this.pos++
      else if (c === 0x28) {
        this.lastComment = ''
        if (this.skipComment() < 0) return -1
      } else return 1
    }
    return 0
  }

  /** atom (rfc5322#section-3.2.3): appends 1*atext. */
  parseAtom(): number {
    if (this.pos >= this.end || !isAtext(this.s.charCodeAt(this.pos))) return -1
    const start = this.pos
    while (this.pos < this.end && isAtext(this.s.charCodeAt(this.pos))) this.pos++
    this.str += this.s.slice(start, this.pos)
    return this.skipLwsp()
  }

  /** A run of atext and dots, as in obs-phrase words like "A.B." (rfc5322#section-4.1). */
  private parseAtomOrDot(): number {
    const start = this.pos
    while (this.pos < this.end) {
      const c = this.s.charCodeAt(this.pos)
      if (!isAtext(c) && c !== 0x2e) break
      this.pos++
    }
    this.str += this.s.slice(start, this.pos)
    return this.skipLwsp()
  }

  /** Strict dot-atom (rfc5322#section-3.2.3), CFWS allowed around dots (obs-domain). */
  parseDotAtom(): number {
    if (this.pos >= this.end || !isAtext(this.s.charCodeAt(this.pos))) return -1
    for (;;) {
      const start = this.pos
      while (this.pos < this.end && isAtext(this.s.charCodeAt(this.pos))) this.pos++
      this.str += this.s.slice(start, this.pos)
      const ret = this.skipLwsp()
      if (ret <= 0) return ret
      if (this.s.charCodeAt(this.pos) !== 0x2e) return 1
      this.pos++
      this.str += '.'
      if (this.skipLwsp() <= 0 || !isAtext(this.s.charCodeAt(this.pos))) return -1
    }
  }

  /** Local part as dot-atom with lenient dots (obs-local-part, rfc5322#section-4.4): "a..b", ".a". */
  parseLocalDotAtom(): number {
    let c = this.peek()
    if (c < 0 || (!isAtext(c) && c !== 0x2e)) return -1
    for (;;) {
      const start = this.pos
      while (this.pos < this.end) {
        c = this.s.charCodeAt(this.pos)
        if (!isAtext(c) && c !== 0x2e) break
        this.pos++
      }
      const lastWasDot = this.s.charCodeAt(this.pos - 1) === 0x2e
      this.str += this.s.slice(start, this.pos)
      const ret = this.skipLwsp()
      if (ret <= 0) return ret
      c = this.s.charCodeAt(this.pos)
      if (!(c === 0x2e || (lastWasDot && isAtext(c)))) return 1
    }
  }

  /**
   * quoted-string (rfc5322#section-3.2.4): appends the unescaped content, drops folding CR/LF,
   * replaces NUL with U+FFFD. On a missing closing quote the text before the last escape or fold
   * has been appended already (as in Dovecot) and -1 is returned.
   */
  parseQuotedString(): number {
    let start = ++this.pos
    for (; this.pos < this.end; this.pos++) {
      const c = this.s.charCodeAt(this.pos)
      if (c === 0x22) {
        this.str += this.s.slice(start, this.pos)
        this.pos++
        return this.skipLwsp()
      }
      if (c === 0x0a) {
        // folding inside the string: drop the (CR)LF, keep the following whitespace
        const cr = this.s.charCodeAt(this.pos - 1) === 0x0d && this.pos - 1 >= start ? 1 : 0
        this.str += this.s.slice(start, this.pos - cr)
        start = this.pos + 1
      } else if (c === 0x5c) {
        if (++this.pos >= this.end) return -1
        this.str += this.s.slice(start, this.pos - 1)
        start = this.pos
      } else if (c === 0) {
        this.str += this.s.slice(start, this.pos) + REPLACEMENT_BYTES
        start = this.pos + 1
      }
    }
    return -1
  }

  /**
   * phrase (rfc5322#section-3.2.5, with obs-phrase dots): words joined by single spaces. Stops
   * without error at the first byte that cannot start a word.
   */
  parsePhrase(): number {
    if (this.pos >= this.end) return 0
    if (this.s.charCodeAt(this.pos) === 0x2e) return -1
    let first = true
    for (;;) {
      const c = this.peek()
      if (c !== 0x22 && c !== 0x2e && !isAtext(c)) break
      if (!first) this.str += ' '
      first = false
      const ret = c === 0x22 ? this.parseQuotedString() : this.parseAtomOrDot()
      if (ret <= 0) return ret
    }
    return this.pos < this.end ? 1 : 0
  }

  /** domain-literal "[...]" (rfc5322#section-3.4.1), appended with its brackets. */
  private parseDomainLiteral(): number {
    let start = this.pos++
    for (; this.pos < this.end; this.pos++) {
      const c = this.s.charCodeAt(this.pos)
      if (c === 0x5c) {
        if (++this.pos >= this.end) break
      } else if (c === 0x0d || c === 0x0a) {
        this.str += this.s.slice(start, this.pos)
        start = this.pos + 1
      } else if (c === 0x5d) {
        this.pos++
        this.str += this.s.slice(start, this.pos)
        return this.skipLwsp()
      }
    }
    return -1
  }

  /** "@" domain (rfc5322#section-3.4.1): dot-atom or domain literal; the "@" is not appended. */
  parseDomain(): number {
    this.pos++ // the "@"
    if (this.skipLwsp() <= 0) return -1
    return this.peek() === 0x5b ? this.parseDomainLiteral() : this.parseDotAtom()
  }

  /** MIME token (rfc2045#section-5.1), possibly empty; trailing CFWS skipped. */
  parseMimeToken(): number {
    const start = this.pos
    while (this.pos < this.end && TOKEN[this.s.charCodeAt(this.pos)] === 1) this.pos++
    this.str += this.s.slice(start, this.pos)
    if (this.pos >= this.end) return 0
    return this.skipLwsp()
  }
}
