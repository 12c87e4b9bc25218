// The searchable form of a message's top-level header (rfc9051#section-6.4.4 HEADER, TEXT):
// each field as "\nname: value", the value unfolded, encoded words decoded and case-folded.
// Computed from the raw header at query time: the stored message is the index for headers,
// so the text index spends no space on them (database within 1.3x the raw mail).
import { decodeHeaderText } from '../mail/content-type.ts'
import { splitHeaderFields } from '../mail/header.ts'
import { foldCase } from './fold.ts'

/** Header text looked at per message at most (characters). */
export const maxHeaderChars = 64 * 1024

export interface DecodedField {
  key: string
  value: string
}

/** The fields of a raw header (latin1 byte string), values decoded to one case-folded line. */
export function decodedFields(rawHeader: string): DecodedField[] {
  return splitHeaderFields(rawHeader).map((f) => ({
    key: f.key,
    value: foldCase(decodeHeaderText(f.value).replace(/[\r\n]+/g, ' ')),
  }))
}

/** "\nname: value" for every field, in order (the form HEADER and TEXT match against). */
export function headerText(rawHeader: string): string {
  let out = ''
  for (const f of decodedFields(rawHeader)) {
    if (out.length >= maxHeaderChars) break
    out += `\n${f.key}: ${f.value}`
  }
  return out.slice(0, maxHeaderChars)
}

/** A needle that cannot span a folded line or a field's "name:" (no whitespace, no colon), in ASCII. */
function plainNeedle(needle: string): boolean {
  return /^[\x21-\x39\x3b-\x7e]+$/.test(needle)
}

/** A header with no encoded words and no 8-bit bytes reads the same decoded as raw. */
function plainHeader(rawHeader: string): boolean {
  return !/=\?|[\x80-\xff]/.test(rawHeader)
}

/** One field's value as matched: unfolded and case-folded, encoded words decoded when it has any. */
function fieldValue(value: string): string {
  const line = value.replace(/[\r\n]+/g, ' ')
  return plainHeader(value) ? line.toLowerCase() : foldCase(decodeHeaderText(line))
}

/**
 * TEXT's header half: does the decoded header contain `needle` (case-folded)? The common case
 * is one lower-casing of the raw header; fields are decoded only when they have encoded words
 * or 8-bit bytes.
 */
export function headerContains(rawHeader: string, needle: string): boolean {
  if (plainNeedle(needle) && plainHeader(rawHeader)) return rawHeader.toLowerCase().includes(needle)
  for (const f of splitHeaderFields(rawHeader)) {
    if (`${f.key}: ${fieldValue(f.value)}`.includes(needle)) return true
  }
  // A needle across fields ("…value\nname: …") is matched like the stored form did.
  return /\s|:/.test(needle) && headerText(rawHeader).includes(needle)
}

/** HEADER name value: does a field `key` (lower-case) contain `needle` (case-folded)? */
export function fieldContains(rawHeader: string, key: string, needle: string): boolean {
  if (!rawHeader.toLowerCase().includes(`${key}:`)) return false
  for (const f of splitHeaderFields(rawHeader)) {
    if (f.key !== key) continue
    if (fieldValue(f.value).includes(needle)) return true
  }
  return false
}
