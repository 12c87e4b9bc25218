// Compiles a Query into one SQL condition over a mailbox's messages (`mm`, mailbox_messages) or
// an account's emails (`e`, emails), with `e` and `f` (email_facts) joined only when a leaf needs
// them: the caller's base table names the email id and flag columns (CompileContext). Text leaves are
// substring tests with instr() over the case-folded text stored at delivery (rfc9051#section-6.4.4
// is a substring match, which a word index cannot answer); HEADER leaves scan the stored header
// lines. A trigram index made each delivery a hundred times dearer to write, so until the
// full-text issue brings a real index, text searches scan: ~25 ms per 3,000 messages.
import type { Db } from '../db/client.ts'
import { systemKeywords } from '../store/keywords.ts'
import { foldCase } from './fold.ts'
import type { Query, TextField, View } from './query.ts'
import { bodyMatches, type ScanSource, scanHeaders } from './scan.ts'

/** What a compiled query needs joined, and its parameters in order. */
export interface CompileContext {
  db: Db
  /** The emails searched, for the criteria answered by scanning (body text, header fields). */
  source: ScanSource
  /** The base table's email id column ('mm.email_id' or 'e.id'). */
  emailId: string
  /** The base table's system flag bits ('mm.flags', a copy of emails.flags, or 'e.flags'). */
  flags: string
  now: number
  /** The session's UIDs (IMAP); long UID range lists are resolved against it. */
  view?: View
  params: (string | number)[]
  needsEmails: boolean
  needsFacts: boolean
}

/** The plain columns of the index, for the fields SQL matches itself. */
const fieldColumns: Partial<Record<TextField, string>> = {
  subject: 'subject',
  from: 'from_list',
  to: 'to_list',
  cc: 'cc_list',
  bcc: 'bcc_list',
}

const dayMs = 86_400_000
/** Dates in headers carry offsets of up to ±99:59 (parseDate accepts them): five days covers any. */
const zoneMarginMs = 5 * dayMs
/** Uid ranges up to this many become BETWEENs; more become an id list. */
const maxBetweens = 20

/** A numeric parameter (literals stay out of the SQL text, so statements are reused by shape). */
function param(ctx: CompileContext, n: number): string {
  ctx.params.push(Math.floor(n))
  return '?'
}

function idList(ctx: CompileContext, column: string, ids: readonly number[]): string {
  if (ids.length === 0) return '0'
  ctx.params.push(JSON.stringify(ids))
  return `${column} IN (SELECT value FROM json_each(?))`
}

function textCondition(ctx: CompileContext, field: TextField, value: string): string {
  const needle = foldCase(value)
  const column = fieldColumns[field]
  if (column) {
    if (needle === '')
      return `EXISTS (SELECT 1 FROM email_search_texts t WHERE t.email_id = ${ctx.emailId} AND t.${column} IS NOT NULL)`
    ctx.params.push(needle)
    return `EXISTS (SELECT 1 FROM email_search_texts t WHERE t.email_id = ${ctx.emailId} AND instr(t.${column}, ?) > 0)`
  }
  if (needle === '') return '1'
  // BODY: the body text; TEXT: the header or the body text (rfc9051#section-6.4.4).
  const ids = new Set(bodyMatches(ctx.db, ctx.source, needle))
  if (field === 'text') {
    const { headerContains } = headerModule()
    for (const id of scanHeaders(ctx.db, ctx.source, (raw) => headerContains(raw, needle), ids)) ids.add(id)
  }
  return idList(ctx, ctx.emailId, [...ids])
}

/** header-text.ts, loaded on the first header search (it brings the MIME decoders). */
function headerModule(): typeof import('./header-text.ts') {
  return import.meta.require('./header-text.ts') as typeof import('./header-text.ts')
}

/** rfc9051#section-6.4.4 HEADER: the ids of the source's emails with a matching field. */
export function headerMatches(ctx: CompileContext, name: string, value: string): number[] {
  const key = foldCase(name)
  const needle = foldCase(value)
  if (key === '' || /[\r\n:]/.test(key)) return []
  const { fieldContains } = headerModule()
  return scanHeaders(ctx.db, ctx.source, (raw) => fieldContains(raw, key, needle))
}

/** The UIDs of the view inside sorted ranges (for long range lists). */
function viewUidsIn(view: View, ranges: ReadonlyArray<readonly [number, number]>): number[] {
  const out: number[] = []
  let k = 0
  for (let i = 0; i < view.length; i++) {
    const uid = view[i] as number
    while (k < ranges.length && (ranges[k] as readonly [number, number])[1] < uid) k++
    const r = ranges[k]
    if (r === undefined) break
    if (uid >= r[0]) out.push(uid)
  }
  return out
}

/**
 * rfc9051#section-6.4.4 SENTBEFORE/SENTON/SENTSINCE: the Date header's day in its own zone. emails.sent_at
 * is UTC, so only messages within a few days of the boundary read the day from the stored facts.
 */
function sentDayCondition(ctx: CompileContext, comparison: 'before' | 'on' | 'since', day: string): string {
  const start = Date.parse(`${day}T00:00:00Z`)
  if (Number.isNaN(start)) return '0'
  ctx.needsEmails = true
  ctx.needsFacts = true
  const lo = start - zoneMarginMs
  const hi = start + dayMs + zoneMarginMs
  ctx.params.push(lo, hi)
  const expr = `(CASE WHEN e.sent_at IS NULL THEN strftime('%Y-%m-%d', e.received_at / 1000, 'unixepoch')
    WHEN e.sent_at < ? THEN '0000-00-00' WHEN e.sent_at >= ? THEN '9999-99-99'
    ELSE COALESCE(substr(json_extract(f.meta, '$.sentAt'), 1, 10), strftime('%Y-%m-%d', e.sent_at / 1000, 'unixepoch')) END)`
  ctx.params.push(day)
  return `${expr} ${comparison === 'before' ? '<' : comparison === 'on' ? '=' : '>='} ?`
}

/** Whether the email aliased `alias` has a keyword (system keywords are flag bits). */
function keywordTest(ctx: CompileContext, alias: string, keyword: string): string {
  const bit = systemKeywords[keyword as keyof typeof systemKeywords]
  if (bit !== undefined) return `(${alias}.flags & ${bit}) != 0`
  // keywords is a JSON array of names that cannot contain '"' or '\' (store/keywords.ts)
  ctx.params.push(JSON.stringify(keyword))
  return `instr(${alias}.keywords, ?) > 0`
}

/**
 * rfc8621#section-4.4.1 allInThreadHaveKeyword, someInThreadHaveKeyword, noneInThreadHaveKeyword:
 * the other emails of the thread are found through emails_account_thread_idx.
 */
function threadKeywordCondition(
  ctx: CompileContext,
  keyword: string,
  quantifier: 'all' | 'some' | 'none',
): string {
  ctx.needsEmails = true
  const test = keywordTest(ctx, 'th', keyword)
  const sameThread =
    'SELECT 1 FROM emails th WHERE th.account_id = e.account_id AND th.thread_id = e.thread_id'
  if (quantifier === 'all') return `NOT EXISTS (${sameThread} AND NOT (${test}))`
  return `${quantifier === 'some' ? '' : 'NOT '}EXISTS (${sameThread} AND ${test})`
}

/** rfc8621#section-4.4.1 inMailbox / inMailboxOtherThan: some mailbox of the email is (not) listed. */
function mailboxCondition(ctx: CompileContext, ids: readonly number[], op: 'IN' | 'NOT IN'): string {
  ctx.params.push(JSON.stringify(ids))
  return `EXISTS (SELECT 1 FROM mailbox_messages x WHERE x.email_id = ${ctx.emailId}
    AND x.mailbox_id ${op} (SELECT value FROM json_each(?)))`
}

/** The SQL condition for `q`; pushes its parameters onto ctx.params in order. */
export function compile(q: Query, ctx: CompileContext): string {
  switch (q.op) {
    case 'all':
      return '1'
    case 'none':
      return '0'
    case 'and':
      return q.of.length === 0 ? '1' : `(${q.of.map((x) => compile(x, ctx)).join(' AND ')})`
    case 'or':
      return q.of.length === 0 ? '0' : `(${q.of.map((x) => compile(x, ctx)).join(' OR ')})`
    case 'not': {
      // NOT of a system flag as `= 0`: the form the unseen partial index is defined with.
      const bit =
        q.of.op === 'keyword' ? systemKeywords[q.of.keyword as keyof typeof systemKeywords] : undefined
      if (bit !== undefined) return `(${ctx.flags} & ${bit}) = 0`
      return `NOT (${compile(q.of, ctx)})`
    }
    case 'keyword': {
      // System flags are copied onto the mailbox row: no email row is read for them.
      const bit = systemKeywords[q.keyword as keyof typeof systemKeywords]
      if (bit !== undefined) return `(${ctx.flags} & ${bit}) != 0`
      ctx.needsEmails = true
      return keywordTest(ctx, 'e', q.keyword)
    }
    case 'threadKeyword':
      return threadKeywordCondition(ctx, q.keyword, q.quantifier)
    case 'mailbox':
      return mailboxCondition(ctx, q.ids, 'IN')
    case 'mailboxOtherThan':
      return mailboxCondition(ctx, q.ids, 'NOT IN')
    case 'hasAttachment':
      ctx.needsEmails = true
      return 'e.has_attachment = 1'
    case 'text':
      return textCondition(ctx, q.field, q.value)
    case 'header':
      return idList(ctx, ctx.emailId, headerMatches(ctx, q.name, q.value))
    case 'received': {
      ctx.needsEmails = true
      const parts: string[] = []
      if (q.min !== undefined) parts.push(`e.received_at >= ${param(ctx, q.min)}`)
      if (q.max !== undefined) parts.push(`e.received_at < ${param(ctx, q.max)}`)
      return parts.length === 0 ? '1' : `(${parts.join(' AND ')})`
    }
    case 'sentDay':
      return sentDayCondition(ctx, q.comparison, q.day)
    case 'age': {
      ctx.needsEmails = true
      const edge = param(ctx, ctx.now - q.seconds * 1000)
      return q.comparison === 'younger' ? `e.received_at >= ${edge}` : `e.received_at < ${edge}`
    }
    case 'size': {
      ctx.needsEmails = true
      const parts: string[] = []
      if (q.larger !== undefined) parts.push(`e.size > ${param(ctx, q.larger)}`)
      if (q.smaller !== undefined) parts.push(`e.size < ${param(ctx, q.smaller)}`)
      return parts.length === 0 ? '1' : `(${parts.join(' AND ')})`
    }
    case 'uid':
      if (q.ranges.length === 0) return '0'
      if (q.ranges.length <= maxBetweens || ctx.view === undefined)
        return `(${q.ranges.map(([a, b]) => `mm.uid BETWEEN ${param(ctx, a)} AND ${param(ctx, b)}`).join(' OR ')})`
      return idList(ctx, 'mm.uid', viewUidsIn(ctx.view, q.ranges))
    case 'modseq':
      return `mm.modseq >= ${param(ctx, q.min)}`
    case 'emailId':
      return idList(ctx, ctx.emailId, q.ids)
    case 'threadId':
      ctx.needsEmails = true
      return idList(ctx, 'e.thread_id', q.ids)
  }
}
