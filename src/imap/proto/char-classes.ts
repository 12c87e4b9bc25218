// Byte classes of the IMAP formal syntax (rfc9051#section-9, rfc3501#section-9): which bytes may
// appear in atoms, astrings, tags, list-mailbox patterns and quoted strings.

/** CTL: %x00-1F / %x7F (rfc5234#appendix-B.1). */
export function isCtl(b: number): boolean {
  return b < 0x20 || b === 0x7f
}

/**
 * ATOM-CHAR: any 7-bit CHAR except atom-specials, which are `(` `)` `{` SP CTL `%` `*` `"` `\` `]`
 * (rfc9051#section-9 atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials).
 */
export function isAtomChar(b: number): boolean {
  if (b >= 0x80 || isCtl(b)) return false
  switch (b) {
    case 0x28: // (
    case 0x29: // )
    case 0x7b: // {
    case 0x20: // SP
    case 0x25: // %
    case 0x2a: // *
    case 0x22: // "
    case 0x5c: // \
    case 0x5d: // ]
      return false
    default:
      return true
  }
}

/** ASTRING-CHAR = ATOM-CHAR / resp-specials: `]` is allowed in an astring (rfc9051#section-9). */
export function isAstringChar(b: number): boolean {
  return b === 0x5d || isAtomChar(b)
}

/** tag = 1*<any ASTRING-CHAR except "+"> (rfc9051#section-9). */
export function isTagChar(b: number): boolean {
  return b !== 0x2b && isAstringChar(b)
}

/** list-char = ATOM-CHAR / list-wildcards / resp-specials (rfc9051#section-9). */
export function isListChar(b: number): boolean {
  return b === 0x25 || b === 0x2a || isAstringChar(b)
}

/** True when every character of `s` is an ATOM-CHAR and `s` is not empty. */
export function isAtom(s: string): boolean {
  if (s.length === 0) return false
  for (let i = 0; i < s.length; i++) if (!isAtomChar(s.charCodeAt(i))) return false
  return true
}

/** True when `s` can be sent as a bare astring (1*ASTRING-CHAR). */
export function isAstringAtom(s: string): boolean {
  if (s.length === 0) return false
  for (let i = 0; i < s.length; i++) if (!isAstringChar(s.charCodeAt(i))) return false
  return true
}
