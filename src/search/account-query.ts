// Account-wide search for JMAP Email/query (rfc8621#section-4.4): the query model of query.ts over
// all the emails of an account, mailbox conditions being criteria like any other, sorted by the
// Email/query comparators (rfc8621#section-4.4.2). A query whose top level asks for exactly one
// mailbox reads that mailbox's rows (mailbox_messages, with its received_at copy and counters)
// instead of the account's, so {inMailbox, sort receivedAt, limit} is one short index range.
import type { Db } from '../db/client.ts'
import { systemKeywords } from '../store/keywords.ts'
import { type CompileContext, compile } from './compile.ts'
import { foldCase } from './fold.ts'
import { all, and, type Query } from './query.ts'
import { accountSource, mailboxSource } from './scan.ts'

/** rfc8621#section-4.4.2 sort properties. */
export type EmailSortProperty =
  | 'receivedAt'
  | 'sentAt'
  | 'size'
  | 'from'
  | 'to'
  | 'subject'
  | 'hasKeyword'
  | 'allInThreadHaveKeyword'
  | 'someInThreadHaveKeyword'

/** The collations string sorts support (rfc4790); the JMAP layer advertises these. */
export const emailSortCollations = ['i;ascii-casemap', 'i;unicode-casemap', 'i;ascii-numeric'] as const
/**
 * A registered collation, or the server's default for a comparator that names none
 * (rfc8620#section-5.5 leaves it to the server): the Unicode Collation Algorithm's root order,
 * which is how people expect a list of names and subjects to be ordered.
 */
export type EmailSortCollation = (typeof emailSortCollations)[number] | 'server-default'

const rootCollator = new Intl.Collator('und', { usage: 'sort' })

export interface EmailComparator {
  property: EmailSortProperty
  /** For the keyword properties. */
  keyword?: string
  isAscending: boolean
  collation: EmailSortCollation
}

/** One email of a result: its id and its thread's. */
export interface EmailHit {
  emailId: number
  threadId: number
}

/** The base table of a query and the condition that picks the account's (or mailbox's) rows. */
interface Base {
  from: string
  where: string
  params: (string | number)[]
  ctx: CompileContext
  /** The one mailbox the query is limited to, when it is. */
  mailboxId?: number
}

const stringProperties = new Set<EmailSortProperty>(['from', 'to', 'subject'])

/** The first address's name, else its email (rfc8621#section-4.4.2 from/to). */
function addressKey(field: 'from' | 'to'): string {
  return `COALESCE(NULLIF(trim(json_extract(f.meta, '$.${field}[0].name')), ''), json_extract(f.meta, '$.${field}[0].email'), '')`
}

/** rfc4790: the key a string is compared by under each collation, then compared as code units. */
function collationKey(collation: EmailSortCollation, value: string): string {
  if (collation === 'server-default') return value
  if (collation === 'i;unicode-casemap') return foldCase(value.normalize('NFKD'))
  if (collation === 'i;ascii-numeric') {
    // rfc4790#section-9.1: the number of the leading digits; a string without any is after all numbers
    const digits = /^[0-9]+/.exec(value)?.[0].replace(/^0+(?=.)/, '')
    return digits === undefined ? '\uffff' : `${String(digits.length).padStart(8, '0')}${digits}`
  }
  return value.replace(/[a-z]+/g, (s) => s.toUpperCase())
}

/** Octet order of UTF-16 strings matches code-point order except around surrogates: close enough for keys. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** The single mailbox a query's top level requires, and the query without that condition. */
function singleMailbox(query: Query): { mailboxId: number; rest: Query } | undefined {
  if (query.op === 'mailbox' && query.ids.length === 1)
    return { mailboxId: query.ids[0] as number, rest: all }
  if (query.op !== 'and') return undefined
  const at = query.of.findIndex((q) => q.op === 'mailbox' && q.ids.length === 1)
  if (at < 0) return undefined
  const leaf = query.of[at] as { ids: readonly number[] }
  return { mailboxId: leaf.ids[0] as number, rest: and(query.of.filter((_, i) => i !== at)) }
}

export function createAccountQuery(db: Db) {
  const sqlite = db.$client

  const ownsMailbox = (accountId: number, mailboxId: number): boolean =>
    sqlite.query('SELECT 1 FROM mailboxes WHERE id = ? AND account_id = ?').values(mailboxId, accountId)
      .length > 0

  /** The base rows and the compiled WHERE of `query`; undefined when nothing can match. */
  const prepare = (
    accountId: number,
    query: Query,
    now: number,
  ): { base: Base; where: string } | undefined => {
    if (query.op === 'none') return undefined
    const one = singleMailbox(query)
    let base: Base
    if (one) {
      if (!ownsMailbox(accountId, one.mailboxId)) return undefined
      base = {
        from: 'mailbox_messages mm',
        where: 'mm.mailbox_id = ?',
        params: [one.mailboxId],
        mailboxId: one.mailboxId,
        ctx: {
          db,
          source: mailboxSource(one.mailboxId),
          emailId: 'mm.email_id',
          flags: 'mm.flags',
          now,
          params: [],
          needsEmails: false,
          needsFacts: false,
        },
      }
      query = one.rest
    } else {
      base = {
        from: 'emails e',
        where: 'e.account_id = ?',
        params: [accountId],
        ctx: {
          db,
          source: accountSource(accountId),
          emailId: 'e.id',
          flags: 'e.flags',
          now,
          params: [],
          needsEmails: false,
          needsFacts: false,
        },
      }
    }
    const where = compile(query, base.ctx)
    return { base, where }
  }

  /** FROM … WHERE … of a prepared query, with the joins its leaves and `extra` need. */
  const fromWhere = (
    p: { base: Base; where: string },
    extra: { emails?: boolean; facts?: boolean } = {},
  ): { sql: string; params: (string | number)[] } => {
    const { base, where } = p
    const isMailbox = base.mailboxId !== undefined
    const joins: string[] = []
    if (isMailbox && (base.ctx.needsEmails || base.ctx.needsFacts || extra.emails || extra.facts))
      joins.push('JOIN emails e ON e.id = mm.email_id')
    if (base.ctx.needsFacts || extra.facts)
      joins.push(`LEFT JOIN email_facts f ON f.email_id = ${base.ctx.emailId}`)
    return {
      sql: `FROM ${base.from} ${joins.join(' ')} WHERE ${base.where} AND ${where}`,
      params: [...base.params, ...base.ctx.params],
    }
  }

  /** The SQL expression of a non-string comparator, and the parameters it pushes. */
  const sortExpression = (c: EmailComparator, base: Base, params: (string | number)[]): string => {
    const keywordTest = (alias: string) => {
      params.push(JSON.stringify(c.keyword ?? ''))
      return `(CASE WHEN instr(${alias}.keywords, ?) > 0 THEN 1 ELSE 0 END)`
    }
    switch (c.property) {
      case 'receivedAt':
        return base.mailboxId !== undefined ? 'mm.received_at' : 'e.received_at'
      case 'sentAt':
        return 'e.sent_at'
      case 'size':
        return 'e.size'
      case 'hasKeyword':
        return systemBit(c.keyword) !== undefined
          ? `((e.flags & ${systemBit(c.keyword)}) != 0)`
          : keywordTest('e')
      case 'someInThreadHaveKeyword':
      case 'allInThreadHaveKeyword': {
        const bit = systemBit(c.keyword)
        let test: string
        if (bit !== undefined) test = `(th.flags & ${bit}) != 0`
        else {
          params.push(JSON.stringify(c.keyword ?? ''))
          test = 'instr(th.keywords, ?) > 0'
        }
        const sameThread =
          'SELECT 1 FROM emails th WHERE th.account_id = e.account_id AND th.thread_id = e.thread_id'
        return c.property === 'someInThreadHaveKeyword'
          ? `EXISTS (${sameThread} AND ${test})`
          : `NOT EXISTS (${sameThread} AND NOT (${test}))`
      }
      default:
        throw new Error(`${c.property} is sorted by collation, not in SQL`)
    }
  }

  /** Rows (email id, thread id, sort keys…) of every match, ordered in SQL when no key is a string. */
  const select = (
    accountId: number,
    query: Query,
    sort: readonly EmailComparator[],
    now: number,
    window?: { offset: number; limit: number },
  ): EmailHit[] => {
    const p = prepare(accountId, query, now)
    if (!p) return []
    const byString = sort.some((c) => stringProperties.has(c.property))
    const facts = sort.some((c) => c.property === 'from' || c.property === 'to')
    // A page from one mailbox sorted by receivedAt needs no email row: the index alone answers it.
    const needsEmails = !window || byString || sort.some((c) => c.property !== 'receivedAt')
    const { sql: body, params } = fromWhere(p, { emails: needsEmails, facts })
    const threadColumn = needsEmails || p.base.mailboxId === undefined ? 'e.thread_id' : '0'
    const id = p.base.ctx.emailId
    const last = sort[sort.length - 1]
    const tieDirection = last && !last.isAscending ? 'DESC' : 'ASC'
    if (!byString) {
      const orderParams: (string | number)[] = []
      const order = sort.map(
        (c) => `${sortExpression(c, p.base, orderParams)} ${c.isAscending ? 'ASC' : 'DESC'}`,
      )
      order.push(`${id} ${tieDirection}`)
      const limit = window ? ` LIMIT ${Math.floor(window.limit)} OFFSET ${Math.floor(window.offset)}` : ''
      const rows = sqlite
        .query(`SELECT ${id}, ${threadColumn} ${body} ORDER BY ${order.join(', ')}${limit}`)
        .values(...params, ...orderParams) as [number, number][]
      return rows.map(([emailId, threadId]) => ({ emailId, threadId }))
    }
    // String keys are compared under their collation here (SQLite's own folding is ASCII only).
    const columnParams: (string | number)[] = []
    const columns = sort.map((c) =>
      c.property === 'subject'
        ? 'e.base_subject'
        : c.property === 'from' || c.property === 'to'
          ? addressKey(c.property)
          : sortExpression(c, p.base, columnParams),
    )
    const rows = sqlite
      .query(`SELECT ${id}, e.thread_id, ${columns.join(', ')} ${body}`)
      .values(...columnParams, ...params) as (string | number | null)[][]
    // emails of a thread share their subject and senders: each distinct string is keyed once
    const keyCache = new Map<string, string>()
    const keyOf = (collation: EmailSortCollation, value: string) => {
      const cacheKey = `${collation}\u0000${value}`
      const cached = keyCache.get(cacheKey)
      if (cached !== undefined) return cached
      const key = collationKey(collation, value)
      keyCache.set(cacheKey, key)
      return key
    }
    const keyed = rows.map((r) => ({
      emailId: r[0] as number,
      threadId: r[1] as number,
      keys: sort.map((c, i) => {
        const v = r[i + 2] ?? null
        return stringProperties.has(c.property) ? keyOf(c.collation, String(v ?? '')) : v
      }),
    }))
    keyed.sort((a, b) => {
      for (let i = 0; i < sort.length; i++) {
        const c = sort[i] as EmailComparator
        const x = a.keys[i] ?? null
        const y = b.keys[i] ?? null
        let d = 0
        if (x === null || y === null) d = x === y ? 0 : x === null ? -1 : 1
        else if (typeof x === 'string' && typeof y === 'string')
          d = c.collation === 'server-default' ? rootCollator.compare(x, y) : compareStrings(x, y)
        else d = (x as number) - (y as number)
        if (d !== 0) return c.isAscending ? d : -d
      }
      return tieDirection === 'ASC' ? a.emailId - b.emailId : b.emailId - a.emailId
    })
    const hits = keyed.map(({ emailId, threadId }) => ({ emailId, threadId }))
    return window ? hits.slice(window.offset, window.offset + window.limit) : hits
  }

  return {
    /** Every email of the account matching `query`, in `sort` order (ties by id); one per thread when collapsing. */
    queryEmails(
      accountId: number,
      query: Query,
      sort: readonly EmailComparator[],
      options: { collapseThreads?: boolean; now?: number } = {},
    ): EmailHit[] {
      const hits = select(accountId, query, sort, options.now ?? Date.now())
      if (!options.collapseThreads) return hits
      const seen = new Set<number>()
      return hits.filter((h) => !seen.has(h.threadId) && seen.add(h.threadId) !== undefined)
    },

    /**
     * One page (offset, limit) of queryEmails without collapsing, with LIMIT/OFFSET done in SQL;
     * threadId is 0 where the page was read from the mailbox index alone.
     */
    queryEmailsPage(
      accountId: number,
      query: Query,
      sort: readonly EmailComparator[],
      offset: number,
      limit: number,
      now = Date.now(),
    ): EmailHit[] {
      return select(accountId, query, sort, now, { offset, limit })
    },

    /** How many emails match (the mailbox counter when the query is exactly one mailbox). */
    countEmails(accountId: number, query: Query, now = Date.now()): number {
      const p = prepare(accountId, query, now)
      if (!p) return 0
      if (p.base.mailboxId !== undefined && p.where === '1') {
        const row = sqlite
          .query('SELECT total_emails FROM mailboxes WHERE id = ?')
          .values(p.base.mailboxId) as [number][]
        return row[0]?.[0] ?? 0
      }
      const { sql: body, params } = fromWhere(p)
      const row = sqlite.query(`SELECT count(*) ${body}`).values(...params) as [number][]
      return row[0]?.[0] ?? 0
    },

    /** The ids of the account's emails in these threads (for queryChanges with collapseThreads). */
    emailsInThreads(accountId: number, threadIds: readonly number[]): EmailHit[] {
      if (threadIds.length === 0) return []
      const rows = sqlite
        .query(
          `SELECT id, thread_id FROM emails WHERE account_id = ? AND thread_id IN (SELECT value FROM json_each(?))`,
        )
        .values(accountId, JSON.stringify(threadIds)) as [number, number][]
      return rows.map(([emailId, threadId]) => ({ emailId, threadId }))
    },
  }
}

function systemBit(keyword: string | undefined): number | undefined {
  return keyword === undefined ? undefined : (systemKeywords as Record<string, number>)[keyword]
}
