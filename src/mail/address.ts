// Address lists (From, To, Cc, ...): rfc5322#section-3.4 with obs- forms (section 4.4) and groups.
// Recovers from broken input the way Dovecot does, so IMAP ENVELOPE matches it: a failed address
// still yields an entry (with MISSING_MAILBOX / MISSING_DOMAIN / SYNTAX_ERROR fill-ins) and parsing
// stops at the first byte that is not a "," between addresses.
import { Rfc822Lexer } from './rfc822-lexer.ts'

/** One parsed address, or a group start (`group: 'start'`, name in mailbox) or end marker. */
export interface RawAddress {
  /** Display name (phrase, or the trailing comment of a bare addr-spec); byte string. */
  name: string | null
  /** obs-route "@a,@b" (rfc5322#section-4.4), or "INVALID_ROUTE". */
  route: string | null
  mailbox: string | null
  domain: string | null
  group?: 'start' | 'end'
  /** The entry was recovered from a syntax error. */
  invalid?: boolean
}

class AddressParser {
  readonly lex: Rfc822Lexer
  readonly out: RawAddress[] = []
  addr: RawAddress = empty()

  constructor(
    value: string,
    readonly fillMissing: boolean,
  ) {
    this.lex = new Rfc822Lexer(value)
  }

  push(extra?: Partial<RawAddress>): void {
    this.out.push({ ...this.addr, ...extra })
    this.addr = empty()
  }

  localPart(): number {
    const lex = this.lex
    lex.str = ''
    const ret = lex.peek() === 0x22 ? lex.parseQuotedString() : lex.parseLocalDotAtom()
    if (ret < 0) return -1
    this.addr.mailbox = lex.str
    return ret
  }

  domain(): number {
    const lex = this.lex
    lex.str = ''
    const ret = lex.parseDomain()
    if (ret < 0) return -1
    this.addr.domain = lex.str
    return ret
  }

  /** obs-domain-list (rfc5322#section-4.4): "@a,@b" before ":" inside angle brackets. */
  domainList(): number {
    const lex = this.lex
    let route = ''
    for (;;) {
      if (lex.pos >= lex.end) return 0
      if (lex.peek() !== 0x40) break
      if (route.length > 0) route += ','
      lex.str = ''
      const ret = lex.parseDomain()
      route += `@${lex.str}`
      if (ret <= 0) return ret
      while (lex.skipLwsp() > 0 && lex.peek() === 0x2c) lex.pos++
    }
    this.addr.route = route
    return 1
  }

  /** angle-addr (rfc5322#section-3.4) with obs-route. */
  angleAddr(): number {
    const lex = this.lex
    lex.pos++ // "<"
    if (lex.skipLwsp() <= 0) return -1
    if (lex.peek() === 0x40) {
      if (this.domainList() > 0 && lex.peek() === 0x3a) lex.pos++
      else {
        if (this.fillMissing) this.addr.route = 'INVALID_ROUTE'
        this.addr.invalid = true
        if (lex.pos >= lex.end) return -1
      }
      if (lex.skipLwsp() <= 0) return -1
    }
    if (lex.peek() !== 0x3e) {
      if (this.localPart() <= 0) return -1
      if (lex.peek() === 0x40 && this.domain() <= 0) return -1
    }
    if (lex.peek() !== 0x3e) return -1
    lex.pos++
    return lex.skipLwsp()
  }

  /** name-addr = [display-name] angle-addr (rfc5322#section-3.4). */
  nameAddr(): number {
    const lex = this.lex
    lex.str = ''
    if (lex.parsePhrase() < 0 || lex.peek() !== 0x3c) return -1
    this.addr.name = lex.str.length === 0 ? null : lex.str
    if (this.angleAddr() < 0) {
      this.addr.domain = this.fillMissing ? 'SYNTAX_ERROR' : null
      this.addr.invalid = true
    }
    return lex.pos < lex.end ? 1 : 0
  }

  /** addr-spec = local-part "@" domain (rfc5322#section-3.4.1), plus "addr (Name)" comments. */
  addrSpec(): number {
    const lex = this.lex
    lex.lastComment = ''
    const quoted = lex.peek() === 0x22
    let ret = this.localPart()
    const localOk = ret >= 0
    let domainRet = -2
    if (ret <= 0) this.addr.invalid = true
    if (ret !== 0 && lex.peek() === 0x40) {
      domainRet = this.domain()
      if (domainRet <= 0) ret = domainRet
    }
    if (lex.lastComment.length > 0) this.addr.name = lex.lastComment
    else if (domainRet === -2) {
      // A lone word is a mailbox without domain; more words (or a quoted string) are a display name.
      lex.str += ' '
      const before = lex.str.length
      lex.parsePhrase()
      const grew = lex.str.length !== before
      if (!grew) lex.str = lex.str.slice(0, -1)
      if (grew || (quoted && localOk)) {
        this.addr.mailbox = null
        this.addr.name = lex.str
      } else if (!quoted) this.addr.domain = ''
      this.addr.invalid = true
      ret = -1
    }
    return ret
  }

  /** mailbox = name-addr / addr-spec (rfc5322#section-3.4). */
  mailbox(): number {
    const start = this.lex.pos
    let ret = this.nameAddr()
    if (ret < 0) {
      this.lex.pos = start
      ret = this.addrSpec()
      if (ret < 0) this.addr.invalid = true
    }
    if (!this.addr.mailbox) {
      this.addr.mailbox = this.fillMissing ? 'MISSING_MAILBOX' : null
      this.addr.invalid = true
    }
    if (!this.addr.domain) {
      this.addr.domain = this.fillMissing ? 'MISSING_DOMAIN' : null
      this.addr.invalid = true
    }
    this.push()
    return ret
  }

  /** group = display-name ":" [group-list] ";" [CFWS] (rfc5322#section-3.4). */
  group(): number {
    const lex = this.lex
    lex.str = ''
    if (lex.parsePhrase() < 0 || lex.peek() !== 0x3a) return -1
    lex.pos++
    let ret = lex.skipLwsp()
    this.push({ mailbox: lex.str, group: 'start', invalid: ret <= 0 ? true : undefined })
    if (ret > 0 && lex.peek() !== 0x3b) {
      for (;;) {
        if (this.mailbox() <= 0) {
          ret = -1
          break
        }
        if (lex.pos >= lex.end) {
          ret = 0
          break
        }
        if (lex.peek() === 0x3b) break
        if (lex.peek() !== 0x2c) {
          ret = -1
          break
        }
        lex.pos++
        if (lex.skipLwsp() <= 0) {
          ret = -1
          break
        }
      }
    }
    if (ret >= 0 && lex.pos < lex.end) {
      lex.pos++ // ";"
      ret = lex.skipLwsp()
    }
    this.push({ group: 'end', invalid: ret < 0 ? true : undefined })
    return ret === 0 ? 0 : 1
  }

  /** address-list (rfc5322#section-3.4, obs-addr-list allows empty elements). */
  list(): void {
    const lex = this.lex
    if (lex.skipLwsp() <= 0) return
    for (;;) {
      const start = lex.pos
      if (this.group() < 0) {
        lex.pos = start
        this.addr = empty()
        this.mailbox()
      }
      if (lex.pos >= lex.end || lex.peek() !== 0x2c) return
      lex.pos++
      if (lex.skipLwsp() <= 0) return
    }
  }
}

function empty(): RawAddress {
  return { name: null, route: null, mailbox: null, domain: null }
}

/**
 * Parses an address-list header value (a byte string, folds joined by "\n"). With `fillMissing`,
 * missing parts read MISSING_MAILBOX / MISSING_DOMAIN / SYNTAX_ERROR as in IMAP ENVELOPE; without,
 * they are null. Returns an empty array for an empty value.
 */
export function parseAddressList(value: string, fillMissing: boolean): RawAddress[] {
  const p = new AddressParser(value, fillMissing)
  p.list()
  return p.out
}
