// The one query model of the mail store's searches: what IMAP SEARCH/SORT/THREAD (rfc9051#section-6.4.4,
// rfc5256, rfc5957, rfc7162, rfc8474, rfc5032) and JMAP Email/query (rfc8621#section-4.4) ask, in
// protocol-neutral terms. Protocols convert their syntax into it (imap/server/search-query.ts).

/** Fields the text criteria search. `text` is header and body; `body` the decoded text parts. */
export type TextField = 'subject' | 'from' | 'to' | 'cc' | 'bcc' | 'body' | 'text'

export type Query =
  | { op: 'all' }
  | { op: 'none' }
  | { op: 'and'; of: readonly Query[] }
  | { op: 'or'; of: readonly Query[] }
  | { op: 'not'; of: Query }
  /** Keyword present, JMAP spelling lower-case ('$seen', 'custom'); see store/keywords.ts. */
  | { op: 'keyword'; keyword: string }
  /**
   * Case-insensitive substring of the decoded field. For the header fields (subject, from, to,
   * cc, bcc) an empty value matches messages that have the field, as HEADER does; for body and
   * text it matches every message.
   */
  | { op: 'text'; field: TextField; value: string }
  /** HEADER (rfc9051#section-6.4.4): a field of that name whose decoded value contains `value`; "" = has the field. */
  | { op: 'header'; name: string; value: string }
  /** INTERNALDATE / receivedAt in [min, max) ms since the epoch. */
  | { op: 'received'; min?: number; max?: number }
  /**
   * The date of the Date header in the header's own time zone, compared as a calendar day
   * 'YYYY-MM-DD' (SENTBEFORE/SENTON/SENTSINCE); a message without a usable Date header uses the
   * UTC day of its receivedAt.
   */
  | { op: 'sentDay'; comparison: 'before' | 'on' | 'since'; day: string }
  /** WITHIN (rfc5032#section-3): receivedAt at most (`younger`) or more than (`older`) `seconds` before now. */
  | { op: 'age'; comparison: 'younger' | 'older'; seconds: number }
  /** RFC822.SIZE strictly larger than `larger` and strictly smaller than `smaller`. */
  | { op: 'size'; larger?: number; smaller?: number }
  /** UIDs in the mailbox searched: sorted, merged, inclusive ranges. */
  | { op: 'uid'; ranges: ReadonlyArray<readonly [number, number]> }
  /** MODSEQ of the message in the mailbox at least `min` (rfc7162#section-3.1.5). */
  | { op: 'modseq'; min: number }
  | { op: 'emailId'; ids: readonly number[] }
  | { op: 'threadId'; ids: readonly number[] }
  /** The email is in at least one of these mailboxes (rfc8621#section-4.4.1 inMailbox). */
  | { op: 'mailbox'; ids: readonly number[] }
  /** The email is in at least one mailbox not listed (rfc8621#section-4.4.1 inMailboxOtherThan). */
  | { op: 'mailboxOtherThan'; ids: readonly number[] }
  /** All, some or none of the emails of the email's thread have the keyword (rfc8621#section-4.4.1). */
  | { op: 'threadKeyword'; keyword: string; quantifier: 'all' | 'some' | 'none' }
  /** JMAP hasAttachment (rfc8621#section-4.1.4), as computed at delivery. */
  | { op: 'hasAttachment' }

/** SORT keys (rfc5256#section-3, rfc5957#section-3); ties keep mailbox (UID) order. */
export type SortKeyName =
  | 'arrival'
  | 'cc'
  | 'date'
  | 'from'
  | 'size'
  | 'subject'
  | 'to'
  | 'displayFrom'
  | 'displayTo'

export interface SortKey {
  key: SortKeyName
  reverse: boolean
}

export type ThreadAlgorithm = 'references' | 'orderedSubject'

/** One node of a thread tree: a message, or (uid null) a dummy parent of several messages. */
export interface ThreadNode {
  uid: number | null
  children: ThreadNode[]
}

/**
 * The session's view of a mailbox: the messages it knows, in sequence order (ascending UID).
 * Answers are restricted to it, so messages the session has not been told about yet are left
 * out and expunged ones it still shows are matched only when they are still stored.
 */
/** A session's view of a mailbox: its UIDs in sequence order (sequence number n is view[n - 1]). */
export type View = ArrayLike<number>

export const all: Query = { op: 'all' }
export const none: Query = { op: 'none' }

/** AND of queries, with the trivial cases folded. */
export function and(of: readonly Query[]): Query {
  const kept = of.filter((q) => q.op !== 'all')
  if (kept.some((q) => q.op === 'none')) return none
  if (kept.length === 0) return all
  return kept.length === 1 ? (kept[0] as Query) : { op: 'and', of: kept }
}

/** OR of queries, with the trivial cases folded. */
export function or(of: readonly Query[]): Query {
  const kept = of.filter((q) => q.op !== 'none')
  if (kept.some((q) => q.op === 'all')) return all
  if (kept.length === 0) return none
  return kept.length === 1 ? (kept[0] as Query) : { op: 'or', of: kept }
}

export function not(of: Query): Query {
  if (of.op === 'all') return none
  if (of.op === 'none') return all
  if (of.op === 'not') return of.of
  return { op: 'not', of }
}

/** True when some leaf of the query satisfies `test`. */
export function hasLeaf(q: Query, test: (leaf: Query) => boolean): boolean {
  if (q.op === 'and' || q.op === 'or') return q.of.some((x) => hasLeaf(x, test))
  if (q.op === 'not') return hasLeaf(q.of, test)
  return test(q)
}
