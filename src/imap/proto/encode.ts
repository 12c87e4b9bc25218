// Encoding values for server responses (rfc9051#section-4, rfc9051#section-7): atoms, quoted strings
// or literals, astrings, nstrings, mailbox names per connection mode, flag lists; and the builders for
// LIST/LSUB, STATUS, SEARCH, ESEARCH/ESORT and VANISHED lines.

import { isAstringAtom } from './char-classes.ts'
import type { StatusItem } from './command-types.ts'
import { type MailboxNameMode, mailboxToWire } from './mutf7.ts'
import { compressOrdered, compressSequenceSet } from './sequence-set.ts'

const encoder = new TextEncoder()
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** Quoted strings longer than this go as literals; long quoted strings upset some clients. */
export const MAX_QUOTED_BYTES = 1024

export interface EncodeOptions {
  /** 8-bit (UTF-8) text may go in quoted strings: UTF8=ACCEPT enabled or IMAP4rev2 (rfc6855#section-3). */
  utf8: boolean
}

/** Pieces of a response: text (ASCII or UTF-8) and raw bytes (literal contents). */
export type WirePart = string | Uint8Array

/** Joins response pieces into one buffer, encoding text as UTF-8. */
export function joinWire(parts: readonly WirePart[]): Uint8Array {
  const chunks = parts.map((p) => (typeof p === 'string' ? encoder.encode(p) : p))
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.length
  }
  return out
}

/**
 * True when the bytes can go in a quoted string: no CR, LF or NUL (rfc9051#section-4.3 QUOTED-CHAR),
 * 8-bit only as valid UTF-8 and only in UTF-8 mode, and not too long.
 */
function canQuote(bytes: Uint8Array, options: EncodeOptions): boolean {
  if (bytes.length > MAX_QUOTED_BYTES) return false
  let eightBit = false
  for (const b of bytes) {
    if (b === 0 || b === 0x0d || b === 0x0a) return false
    if (b >= 0x80) eightBit = true
  }
  if (!eightBit) return true
  if (!options.utf8) return false
  try {
    strictUtf8.decode(bytes)
    return true
  } catch {
    return false
  }
}

/** `"..."` with `"` and `\` escaped; the caller has checked the bytes may be quoted. */
function quote(bytes: Uint8Array): Uint8Array {
  let escapes = 0
  for (const b of bytes) if (b === 0x22 || b === 0x5c) escapes++
  const out = new Uint8Array(bytes.length + escapes + 2)
  let k = 0
  out[k++] = 0x22
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) out[k++] = 0x5c
    out[k++] = b
  }
  out[k] = 0x22
  return out
}

function toBytes(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? encoder.encode(value) : value
}

/** A literal `{n}` CRLF bytes; `~{n}` (literal8) when it holds NUL (rfc3516#section-4.3). */
export function encodeLiteral(value: string | Uint8Array): Uint8Array {
  const bytes = toBytes(value)
  const prefix = bytes.includes(0) ? '~' : ''
  return joinWire([`${prefix}{${bytes.length}}\r\n`, bytes])
}

/** string = quoted / literal: quoted when possible, else a literal. */
export function encodeString(value: string | Uint8Array, options: EncodeOptions): Uint8Array {
  const bytes = toBytes(value)
  return canQuote(bytes, options) ? quote(bytes) : encodeLiteral(bytes)
}

/** astring: a bare atom when every character is an ASTRING-CHAR, else a string. */
export function encodeAstring(value: string, options: EncodeOptions): Uint8Array {
  return isAstringAtom(value) ? encoder.encode(value) : encodeString(value, options)
}

/** nstring: NIL for null, else a string. */
export function encodeNstring(value: string | Uint8Array | null, options: EncodeOptions): Uint8Array {
  return value === null ? encoder.encode('NIL') : encodeString(value, options)
}

/**
 * A mailbox name for a response: modified UTF-7 unless in UTF-8 mode, then as an astring; always
 * quoted rather than bare (except INBOX) because some clients mis-read bare names with `]`.
 */
export function encodeMailboxName(name: string, options: EncodeOptions): Uint8Array {
  if (name === 'INBOX') return encoder.encode('INBOX')
  const mode: MailboxNameMode = { utf8: options.utf8 }
  return encodeString(mailboxToWire(name, mode), options)
}

/** flag-list: `(\Seen $Junk)`; flags are atoms or `\atom`, so nothing needs quoting. */
export function formatFlagList(flags: readonly string[]): string {
  return `(${flags.join(' ')})`
}

/** What a LIST or LSUB response line says about one mailbox (rfc9051#section-7.3.1). */
export interface ListEntry {
  attributes: readonly string[]
  /** The hierarchy delimiter, or null for a flat namespace. */
  delimiter: string | null
  name: string
  /** CHILDINFO extended data (rfc5258#section-3.5), e.g. ['SUBSCRIBED']. */
  childInfo?: readonly string[]
  /** OLDNAME extended data after a RENAME (rfc9051#section-7.3.1). */
  oldName?: string
}

/** `* LIST (\HasNoChildren) "/" INBOX` CRLF, or `* LSUB …`. */
export function buildListResponse(
  kind: 'LIST' | 'LSUB',
  entry: ListEntry,
  options: EncodeOptions,
): Uint8Array {
  const delimiter = entry.delimiter === null ? 'NIL' : quote(encoder.encode(entry.delimiter))
  const parts: WirePart[] = [`* ${kind} ${formatFlagList(entry.attributes)} `, delimiter, ' ']
  parts.push(encodeMailboxName(entry.name, options))
  const extended: WirePart[] = []
  if (entry.childInfo !== undefined && entry.childInfo.length > 0) {
    extended.push(`"CHILDINFO" (${entry.childInfo.map((c) => `"${c}"`).join(' ')})`)
  }
  if (entry.oldName !== undefined)
    extended.push('"OLDNAME" (', encodeMailboxName(entry.oldName, options), ')')
  if (extended.length > 0) parts.push(' (', ...extended, ')')
  parts.push('\r\n')
  return joinWire(parts)
}

/** `* STATUS name (MESSAGES 3 UIDNEXT 4 MAILBOXID (M1))` CRLF (rfc9051#section-7.3.4). */
export function buildStatusResponse(
  name: string,
  values: ReadonlyArray<readonly [StatusItem, number | string]>,
  options: EncodeOptions,
): Uint8Array {
  // MAILBOXID's value is parenthesized (rfc8474#section-4.2).
  const items = values.map(([item, value]) =>
    item === 'MAILBOXID' ? `${item} (${value})` : `${item} ${value}`,
  )
  return joinWire(['* STATUS ', encodeMailboxName(name, options), ` (${items.join(' ')})\r\n`])
}

/** `* SEARCH 2 5 9` with `(MODSEQ n)` when the search used MODSEQ (rfc7162#section-3.1.5). */
export function buildSearchResponse(numbers: readonly number[], highestModseq?: number): string {
  const list = numbers.length > 0 ? ` ${numbers.join(' ')}` : ''
  const modseq = highestModseq !== undefined && numbers.length > 0 ? ` (MODSEQ ${highestModseq})` : ''
  return `* SEARCH${list}${modseq}\r\n`
}

/** The result data of one ESEARCH (rfc4731#section-3.1) or ESORT (rfc5267#section-3.2) answer. */
export interface EsearchResult {
  tag?: string
  uid: boolean
  min?: number
  max?: number
  count?: number
  /** Matching numbers; sorted and compressed for ESEARCH, in sort order for ESORT. */
  all?: readonly number[]
  modseq?: number
}

/**
 * `* ESEARCH (TAG "a") UID MIN 1 COUNT 3 ALL 1:3` CRLF. With `sorted` (ESORT) ALL keeps the
 * given order, merging only ascending runs. ALL is left out when nothing matched (rfc4731#section-3.1).
 */
export function buildEsearchResponse(result: EsearchResult, sorted = false): string {
  let line = '* ESEARCH'
  // A tag has no `"` or `\` (rfc9051#section-9 tag), so it can be quoted as it is.
  if (result.tag !== undefined) line += ` (TAG "${result.tag}")`
  if (result.uid) line += ' UID'
  if (result.min !== undefined) line += ` MIN ${result.min}`
  if (result.max !== undefined) line += ` MAX ${result.max}`
  if (result.count !== undefined) line += ` COUNT ${result.count}`
  if (result.all !== undefined && result.all.length > 0) {
    line += ` ALL ${sorted ? compressOrdered(result.all) : compressSequenceSet(result.all)}`
  }
  if (result.modseq !== undefined) line += ` MODSEQ ${result.modseq}`
  return `${line}\r\n`
}

/** `* VANISHED 1:3,7` or `* VANISHED (EARLIER) …` CRLF (rfc7162#section-3.2.10); '' for no UIDs. */
export function buildVanishedResponse(uids: readonly number[], earlier: boolean): string {
  if (uids.length === 0) return ''
  return `* VANISHED ${earlier ? '(EARLIER) ' : ''}${compressSequenceSet(uids)}\r\n`
}
