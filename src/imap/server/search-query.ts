// IMAP SEARCH/SORT/THREAD criteria (rfc9051#section-6.4.4, rfc5256, rfc5957, rfc5032, rfc5182,
// rfc7162#section-3.1.5, rfc8474#section-6) turned into search/'s query model, against the
// session's view of the selected mailbox; and THREAD trees formatted for the wire.
import iconv from 'iconv-lite'
import {
  all,
  and,
  none,
  not,
  or,
  type Query,
  type SortKey,
  type SortKeyName,
  type TextField,
  type ThreadAlgorithm,
  type ThreadNode,
  type View,
} from '../../search/index.ts'
import { normalizeKeyword } from '../../store/keywords.ts'
import type { CalendarDate, SearchKey, SequenceSet, SortCriterion } from '../proto/index.ts'
import { resolveRanges } from '../proto/sequence-set.ts'

/** The charsets named in BADCHARSET (rfc9051#section-7.1); others that iconv-lite decodes work too. */
export const searchCharsets = ['UTF-8', 'US-ASCII'] as const

/** SEARCH CHARSET names a charset that cannot be decoded: answer NO [BADCHARSET (...)] (rfc9051#section-6.4.4). */
export class BadCharsetError extends Error {
  readonly charsets: readonly string[] = searchCharsets
  constructor(readonly charset: string) {
    super(`unsupported charset ${charset}`)
  }
}

/** What the session knows of the selected mailbox when it searches. */
export interface SearchSession {
  /** The messages the session knows, in sequence order (seq = index + 1, ascending UID). */
  view: View
  /** UIDs of the saved search result `$` (rfc5182), ascending; empty when nothing was saved. */
  saved: readonly number[]
  /** UIDs that are \Recent in this session. */
  recent: readonly number[]
  /** Charset of SEARCH/SORT/THREAD; absent for UTF-8. */
  charset?: string
  /** OBJECTID → email or thread id (rfc8474); undefined when the id is not one of ours. */
  parseObjectId: (id: string) => number | undefined
}

/** Decodes criteria strings from the command's charset (the parser leaves them one char per byte). */
function charsetDecoder(charset: string | undefined): (s: string) => string {
  const name = charset?.toUpperCase()
  if (name === undefined || name === 'UTF-8' || name === 'US-ASCII') return (s) => s
  if (!iconv.encodingExists(charset as string)) throw new BadCharsetError(charset as string)
  return (s) => iconv.decode(Buffer.from(s, 'latin1'), charset as string)
}

function day(d: CalendarDate): string {
  return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`
}

/** UID ranges from ascending UIDs. */
function uidRanges(uids: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = []
  for (const uid of uids) {
    const last = out[out.length - 1]
    if (last && uid <= last[1] + 1) last[1] = Math.max(last[1], uid)
    else out.push([uid, uid])
  }
  return out
}

function sequenceQuery(set: SequenceSet, s: SearchSession, isUid: boolean): Query {
  // rfc5182#section-2.1: "$" is the saved result, whether given as sequence numbers or UIDs
  if (set.kind === 'saved') return { op: 'uid', ranges: uidRanges(s.saved) }
  if (isUid) return { op: 'uid', ranges: resolveRanges(set.ranges, s.view[s.view.length - 1] ?? 0) }
  // sequence numbers map to UIDs monotonically: an interval of numbers is an interval of UIDs
  const ranges: Array<[number, number]> = []
  for (const [a, b] of resolveRanges(set.ranges, s.view.length)) {
    const low = s.view[Math.max(a, 1) - 1]
    const high = s.view[Math.min(b, s.view.length) - 1]
    if (low !== undefined && high !== undefined && a <= s.view.length) ranges.push([low, high])
  }
  return { op: 'uid', ranges }
}

function flagQuery(flag: string, present: boolean): Query {
  let keyword: string
  try {
    keyword = normalizeKeyword(flag)
  } catch {
    return present ? none : all // a keyword no message can have
  }
  const q: Query = { op: 'keyword', keyword }
  return present ? q : not(q)
}

function keyQuery(key: SearchKey, s: SearchSession, decode: (x: string) => string): Query {
  switch (key.kind) {
    case 'all':
      return all
    case 'flag':
      return flagQuery(key.flag, key.present)
    case 'recent':
      return { op: 'uid', ranges: uidRanges(s.recent) }
    case 'new': // rfc9051 removed \Recent; rfc3501#section-6.4.4 NEW = RECENT UNSEEN
      return and([{ op: 'uid', ranges: uidRanges(s.recent) }, not({ op: 'keyword', keyword: '$seen' })])
    case 'old':
      return not({ op: 'uid', ranges: uidRanges(s.recent) })
    case 'text':
      return { op: 'text', field: key.field.toLowerCase() as TextField, value: decode(key.value) }
    case 'header':
      return { op: 'header', name: key.field, value: decode(key.value) }
    case 'date': {
      if (key.field === 'sent') return { op: 'sentDay', comparison: key.comparison, day: day(key.date) }
      // INTERNALDATE compared as a UTC calendar day (todo: the server's time zone)
      const start = Date.UTC(key.date.year, key.date.month - 1, key.date.day)
      if (key.comparison === 'before') return { op: 'received', max: start }
      if (key.comparison === 'since') return { op: 'received', min: start }
      return { op: 'received', min: start, max: start + 86_400_000 }
    }
    case 'size':
      return key.comparison === 'larger'
        ? { op: 'size', larger: key.size }
        : { op: 'size', smaller: key.size }
    case 'sequence':
      return sequenceQuery(key.set, s, false)
    case 'uid':
      return sequenceQuery(key.set, s, true)
    case 'not':
      return not(keyQuery(key.key, s, decode))
    case 'or':
      return or([keyQuery(key.left, s, decode), keyQuery(key.right, s, decode)])
    case 'and':
      return and(key.keys.map((k) => keyQuery(k, s, decode)))
    case 'within':
      return { op: 'age', comparison: key.comparison, seconds: key.seconds }
    case 'modseq': // per-flag modseqs are not kept: the message's MODSEQ answers for all (rfc7162#section-3.1.5)
      return { op: 'modseq', min: key.modseq }
    case 'emailId': {
      const id = s.parseObjectId(key.id)
      return id === undefined ? none : { op: 'emailId', ids: [id] }
    }
    case 'threadId': {
      const id = s.parseObjectId(key.id)
      return id === undefined ? none : { op: 'threadId', ids: [id] }
    }
  }
}

/** The query of SEARCH (and of SORT/THREAD's search criteria); throws BadCharsetError. */
export function searchQuery(keys: readonly SearchKey[], session: SearchSession): Query {
  const decode = charsetDecoder(session.charset)
  return and(keys.map((k) => keyQuery(k, session, decode)))
}

const sortNames: Record<SortCriterion['key'], SortKeyName> = {
  ARRIVAL: 'arrival',
  CC: 'cc',
  DATE: 'date',
  FROM: 'from',
  SIZE: 'size',
  SUBJECT: 'subject',
  TO: 'to',
  DISPLAYFROM: 'displayFrom',
  DISPLAYTO: 'displayTo',
}

/** SORT criteria (rfc5256#section-3, rfc5957#section-3) as sort keys. */
export function sortKeys(criteria: readonly SortCriterion[]): SortKey[] {
  return criteria.map((c) => ({ key: sortNames[c.key], reverse: c.reverse }))
}

/** The THREAD algorithms announced as THREAD=REFERENCES and THREAD=ORDEREDSUBJECT; undefined for others. */
export function threadAlgorithm(name: string): ThreadAlgorithm | undefined {
  const upper = name.toUpperCase()
  if (upper === 'REFERENCES') return 'references'
  if (upper === 'ORDEREDSUBJECT') return 'orderedSubject'
  return undefined
}

/**
 * rfc5256#section-4 thread-list: `(1 2 (3)(4 5))`. A chain of only children is written flat; a
 * node with several children opens one parenthesized list per child. Dummies have no number.
 * `number` maps a UID to what is sent (sequence numbers for THREAD, UIDs for UID THREAD).
 */
export function formatThreads(
  threads: readonly ThreadNode[],
  number: (uid: number) => number = (u) => u,
): string {
  const members = (node: ThreadNode): string => {
    const parts: string[] = []
    let n: ThreadNode | undefined = node
    while (n) {
      if (n.uid !== null) parts.push(String(number(n.uid)))
      if (n.children.length === 1) n = n.children[0]
      else {
        const subs = n.children.map((c) => `(${members(c)})`).join('')
        if (subs !== '') parts.push(subs)
        n = undefined
      }
    }
    return parts.join(' ')
  }
  return threads.map((t) => `(${members(t)})`).join('')
}
