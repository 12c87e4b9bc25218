// MIME header fields: Content-Type (rfc2045#section-5), parameters with RFC 2231 continuations,
// Content-Transfer-Encoding (rfc2045#section-6), Content-Disposition (rfc2183), Content-Language
// (rfc3282). Raw forms match what Dovecot shows in BODYSTRUCTURE; decoded forms serve JMAP.
import libmime from 'libmime'
import { byteStringToText, bytesToText } from './bytes.ts'
import { Rfc822Lexer } from './rfc822-lexer.ts'

/** A parameter list in header order, with RFC 2231 continuations merged but not decoded. */
export type RawParams = [string, string][]

/** Content-Type as written (case kept): type "" and subtype "" when it could not be parsed. */
export interface RawContentType {
  type: string
  subtype: string
  params: RawParams
}

/** One `attribute=value` (rfc2045#section-5.1); 1 ok, 0 end of input, -1 syntax error. */
function contentParam(lex: Rfc822Lexer): { ret: number; key: string; value: string } {
  const fail = { ret: -1, key: '', value: '' }
  if (lex.pos >= lex.end) return { ret: 0, key: '', value: '' }
  if (lex.peek() !== 0x3b) return fail
  lex.pos++
  if (lex.skipLwsp() <= 0) return fail
  lex.str = ''
  if (lex.parseMimeToken() <= 0) return fail
  const key = lex.str
  if (lex.peek() !== 0x3d) return fail
  lex.pos++
  lex.str = ''
  let ret = lex.skipLwsp()
  if (ret > 0) {
    const c = lex.peek()
    if (c === 0x22) ret = lex.parseQuotedString()
    else if (c === 0x3d) {
      // name==?utf-8?...?= : an unquoted encoded word, common in the wild (Dovecot keeps it)
      const start = lex.pos
      while (lex.pos < lex.end && !' \t\r\n;'.includes(lex.s.charAt(lex.pos))) lex.pos++
      lex.str = lex.s.slice(start, lex.pos)
    } else ret = lex.parseMimeToken()
  }
  return ret < 0 ? fail : { ret: 1, key, value: lex.str }
}

interface Continuation {
  key: string
  idx: number
  extended: boolean
  value: string
}

/**
 * The parameters after a Content-Type or Content-Disposition value. Broken parameters are skipped
 * byte by byte up to the next ";". rfc2231#section-3 continuations (`name*0`, `name*1*`) are merged
 * into `name` or `name*` (extended, still `charset'lang'%XX`-encoded) and listed after the plain
 * parameters, sorted by name; a set with a missing index is kept as separate `name*N` entries.
 */
function parseParams(lex: Rfc822Lexer): RawParams {
  const result: RawParams = []
  const conts: Continuation[] = []
  let idx = 0
  for (;;) {
    const { ret, key, value } = contentParam(lex)
    if (ret === 0) break
    if (ret < 0) {
      if (lex.pos >= lex.end) break
      lex.pos++ // try to continue after the broken bytes
      continue
    }
    const star = key.indexOf('*')
    if (star < 0) {
      result.push([key, value])
      continue
    }
    const rest = key.slice(star + 1)
    let extended = true
    if (rest !== '') {
      // "name*N" or "name*N*"; a bare "name*" keeps the previous index, as in Dovecot
      const digits = /^\d*/.exec(rest)?.[0] ?? ''
      const after = rest.slice(digits.length)
      if (after !== '' && after !== '*') {
        result.push([key, value])
        continue
      }
      idx = digits === '' ? 0 : Number(digits)
      extended = after === '*'
    }
    conts.push({ key: key.slice(0, star), idx, extended, value })
  }
  return conts.length === 0 ? result : [...result, ...mergeContinuations(conts)]
}

/** rfc2231#section-3: joins `name*0`, `name*1`, ... in index order, by case-insensitive name. */
function mergeContinuations(conts: Continuation[]): RawParams {
  const result: RawParams = []
  conts.sort((a, b) => {
    const ka = a.key.toLowerCase()
    const kb = b.key.toLowerCase()
    return ka < kb ? -1 : ka > kb ? 1 : a.idx - b.idx
  })
  for (let i = 0; i < conts.length; ) {
    const first = conts[i] as Continuation
    const lkey = first.key.toLowerCase()
    let j = i
    let complete = true
    let extended = false
    for (; j < conts.length && (conts[j] as Continuation).key.toLowerCase() === lkey; j++) {
      const c = conts[j] as Continuation
      if (c.idx !== j - i) complete = false
      if (c.extended) extended = true
    }
    const group = conts.slice(i, j)
    if (!complete) {
      // an index is missing: these are not continuations after all
      for (const c of group) result.push([`${c.key}*${c.idx}${c.extended ? '*' : ''}`, c.value])
    } else {
      // rfc2231#section-4.1: the charset'language' prefix comes with the first segment
      const prefix = !first.extended && extended ? "''" : ''
      result.push([extended ? `${first.key}*` : first.key, prefix + group.map((c) => c.value).join('')])
    }
    i = j
  }
  return result
}

/**
 * Content-Type value (rfc2045#section-5.1). Anything but `type/subtype` followed by the end or ";"
 * is broken: then type and subtype are "" (a lone `type` keeps its type) and parameters are not read.
 */
export function parseContentType(value: string): RawContentType {
  const broken = { type: '', subtype: '', params: [] }
  const lex = new Rfc822Lexer(value)
  if (lex.skipLwsp() <= 0) return broken
  let ret = lex.parseMimeToken()
  const type = lex.str
  if (type === '' || ret < 0) return broken
  if (ret === 0) return { type, subtype: '', params: [] }
  if (lex.peek() !== 0x2f) return broken
  lex.pos++
  if (lex.skipLwsp() <= 0) return broken
  lex.str = ''
  ret = lex.parseMimeToken()
  const subtype = lex.str
  if (subtype === '' || ret < 0 || (ret > 0 && lex.peek() !== 0x3b)) return broken
  return { type, subtype, params: parseParams(lex) }
}

/** Content-Transfer-Encoding mechanism (rfc2045#section-6.1): one token, or null if not exactly one. */
export function parseTransferEncoding(value: string): string | null {
  const lex = new Rfc822Lexer(value)
  lex.skipLwsp()
  if (lex.parseMimeToken() < 0 || lex.skipLwsp() !== 0 || lex.str === '') return null
  return lex.str
}

/** Content-Disposition (rfc2183#section-2): the disposition token (maybe "") and its parameters. */
export function parseDisposition(value: string): { value: string; params: RawParams } {
  const lex = new Rfc822Lexer(value)
  lex.skipLwsp()
  if (lex.parseMimeToken() < 0) return { value: lex.str, params: [] }
  return { value: lex.str, params: parseParams(lex) }
}

/** Content-Language (rfc3282#section-2): a comma-separated list of tags, null when none parse. */
export function parseLanguage(value: string): string[] | null {
  const lex = new Rfc822Lexer(value)
  const langs: string[] = []
  lex.skipLwsp()
  for (;;) {
    lex.str = ''
    if (lex.parseAtom() < 0) break
    langs.push(lex.str)
    if (lex.peek() !== 0x2c) break
    lex.pos++
    lex.skipLwsp()
  }
  return langs.length > 0 ? langs : null
}

/** Decodes an rfc2231#section-4 extended value `charset'language'%XX...`. */
function decodeExtended(value: string): string {
  const m = /^([^']*)'[^']*'(.*)$/s.exec(value)
  const charset = m ? (m[1] as string) : ''
  const encoded = m ? (m[2] as string) : value
  const bytes = Buffer.from(
    encoded.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
    'latin1',
  )
  return bytesToText(bytes, charset || null)
}

/**
 * Header text from a byte string: folds undone (rfc5322#section-2.2.3), raw 8-bit bytes read as
 * UTF-8 or Windows-1252, rfc2047 encoded words decoded.
 */
export function decodeHeaderText(bytes: string): string {
  const text = byteStringToText(bytes.includes('\n') ? bytes.replace(/\r?\n(?=[ \t])/g, '') : bytes)
  // todo(rfc8621#section-4.1.2.2): libmime also decodes encoded words not separated by whitespace
  return text.includes('=?') ? libmime.decodeWords(text) : text
}

/**
 * Parameters as text for JMAP and the part tree: names lower-cased, rfc2231 values decoded from
 * their charset, rfc2047 encoded words decoded (common in filenames). An extended value wins over
 * a plain one of the same name; otherwise the first occurrence wins.
 */
export function decodeParams(params: RawParams): Record<string, string> {
  const out: Record<string, string> = {}
  const fromExtended = new Set<string>()
  for (const [key, value] of params) {
    const lkey = key.toLowerCase()
    if (lkey.endsWith('*') && !/\*\d+\*?$/.test(lkey)) {
      const name = lkey.slice(0, -1)
      out[name] = decodeExtended(value)
      fromExtended.add(name)
    } else if (!(lkey in out) && !fromExtended.has(lkey)) {
      out[lkey] = decodeHeaderText(value)
    }
  }
  return out
}
