// LIST and LSUB patterns (rfc9051#section-6.3.9, rfc3501#section-6.3.8): the reference and the
// pattern joined, `*` matching any characters and `%` any but the hierarchy delimiter; the
// INBOX level matches in any case, as INBOX is case-insensitive (rfc9051#section-5.1).
import { tryDecodeMutf7 } from '../proto/index.ts'

export const delimiter = '/'
const STAR = -1
const PERCENT = -2

/** Tests a store path (Unicode, "/" between levels) against one canonical pattern. */
export type PathMatcher = (path: string) => boolean

/** True for INBOX and its inferiors, whose first five characters match case-insensitively. */
function hasInboxLevel(path: string): boolean {
  return path === 'INBOX' || path.startsWith(`INBOX${delimiter}`)
}

/**
 * Compiles a canonical pattern (reference + pattern, already decoded to Unicode). Matching is
 * dynamic programming over pattern and name, so no pattern can make it take exponential time.
 */
export function compilePattern(pattern: string): PathMatcher {
  const tokens: number[] = []
  for (const ch of pattern) {
    // `**`, `*%` and `%*` are the same as `*`; runs are collapsed to keep the table small.
    const token = ch === '*' ? STAR : ch === '%' ? PERCENT : (ch.codePointAt(0) ?? 0)
    const last = tokens.at(-1)
    if (token < 0 && last !== undefined && last < 0) {
      tokens[tokens.length - 1] = token === STAR || last === STAR ? STAR : PERCENT
    } else tokens.push(token)
  }
  const delim = delimiter.codePointAt(0) ?? 0
  return (path) => {
    const chars = Array.from(path, (c) => c.codePointAt(0) ?? 0)
    const caseless = hasInboxLevel(path) ? 5 : 0
    // row[j]: the tokens so far match the first j characters of the name.
    let row = new Uint8Array(chars.length + 1)
    row[0] = 1
    for (const token of tokens) {
      const next = new Uint8Array(chars.length + 1)
      if (token === STAR || token === PERCENT) {
        next[0] = row[0] ?? 0
        for (let j = 1; j <= chars.length; j++) {
          const mayTake = token === STAR || chars[j - 1] !== delim
          next[j] = row[j] || (mayTake && next[j - 1]) ? 1 : 0
        }
      } else {
        for (let j = 1; j <= chars.length; j++) {
          if (!row[j - 1]) continue
          const c = chars[j - 1] ?? 0
          const same = c === token || (j <= caseless && sameLetterIgnoringCase(c, token))
          if (same) next[j] = 1
        }
      }
      row = next
    }
    return row[chars.length] === 1
  }
}

function sameLetterIgnoringCase(a: number, b: number): boolean {
  return String.fromCodePoint(a).toUpperCase() === String.fromCodePoint(b).toUpperCase()
}

/**
 * The canonical pattern for a reference and a pattern as the client sent them (modified UTF-7
 * unless UTF-8 is on), or undefined when they cannot name any mailbox (invalid encoding). The
 * reference is simply prefixed (rfc3501#section-6.3.8: "reference name" + "mailbox name").
 */
export function canonicalPattern(reference: string, pattern: string, utf8: boolean): string | undefined {
  const joined = reference + pattern
  return utf8 ? joined : tryDecodeMutf7(joined)
}
