// Keywords (JMAP, rfc8621#section-4.1.1) and IMAP flags (rfc9051#section-2.3.2) are one thing:
// system keywords are kept as bits on the email, others as a sorted list of lower-case names.
import { StoreError } from '../lib/errors.ts'

export const systemKeywords = {
  $seen: 1,
  $flagged: 2,
  $answered: 4,
  $draft: 8,
  $deleted: 16,
  $forwarded: 32,
  $junk: 64,
  $notjunk: 128,
  $phishing: 256,
  $mdnsent: 512,
} as const

export type SystemKeyword = keyof typeof systemKeywords
export const seenBit = systemKeywords.$seen
export const deletedBit = systemKeywords.$deleted

/** IMAP system flags (with backslash) ↔ JMAP keywords. */
const imapSystemFlags: Record<string, string> = {
  '\\seen': '$seen',
  '\\flagged': '$flagged',
  '\\answered': '$answered',
  '\\draft': '$draft',
  '\\deleted': '$deleted',
}
const jmapToImap: Record<string, string> = {
  $seen: '\\Seen',
  $flagged: '\\Flagged',
  $answered: '\\Answered',
  $draft: '\\Draft',
  $deleted: '\\Deleted',
  $forwarded: '$Forwarded',
  $junk: '$Junk',
  $notjunk: '$NotJunk',
  $phishing: '$Phishing',
  $mdnsent: '$MDNSent',
}

const maxKeywordLength = 255
export const maxKeywordsPerEmail = 100

/** The keyword set of an email: system bits and other names. */
export interface KeywordSet {
  flags: number
  keywords: string[]
}

/** rfc8621#section-4.1.1: keywords are case-insensitive atoms; ( ) { ] % * " \ and controls are not allowed. */
export function normalizeKeyword(keyword: string): string {
  const lower = keyword.toLowerCase()
  const fromImap = imapSystemFlags[lower]
  if (fromImap) return fromImap
  if (lower.startsWith('\\')) throw new StoreError('invalidParams', `"${keyword}" is not a system flag`)
  if (
    lower.length === 0 ||
    lower.length > maxKeywordLength ||
    !/^[\x21-\x7e]+$/.test(lower) ||
    /[(){\]%*"\\]/.test(lower)
  ) {
    throw new StoreError('invalidParams', `"${keyword}" is not a valid keyword`)
  }
  return lower
}

/** Builds a KeywordSet from names (JMAP keywords or IMAP flags). */
export function toKeywordSet(names: Iterable<string>): KeywordSet {
  let flags = 0
  const others = new Set<string>()
  for (const name of names) {
    const k = normalizeKeyword(name)
    const bit = systemKeywords[k as SystemKeyword]
    if (bit !== undefined) flags |= bit
    else others.add(k)
  }
  if (others.size > maxKeywordsPerEmail)
    throw new StoreError('invalidParams', `at most ${maxKeywordsPerEmail} keywords`)
  return { flags, keywords: [...others].sort() }
}

const systemKeywordEntries = Object.entries(systemKeywords)

/** All keyword names of a set, JMAP spelling. */
export function keywordNames(set: KeywordSet): string[] {
  const names: string[] = []
  if (set.flags !== 0) for (const [name, bit] of systemKeywordEntries) if (set.flags & bit) names.push(name)
  for (const k of set.keywords) names.push(k)
  return names
}

/** All flags of a set, IMAP spelling (\Seen …, other keywords as stored). */
export function imapFlags(set: KeywordSet): string[] {
  return keywordNames(set).map((k) => jmapToImap[k] ?? k)
}

export function parseStoredKeywords(json: string): string[] {
  // Most messages have no keyword beyond the system flags.
  if (json === '[]') return []
  return JSON.parse(json) as string[]
}
