// Search over the mail store: one query model (query.ts) that IMAP SEARCH/SORT/THREAD and JMAP
// Email/query use, answered from stored metadata (emails, mailbox_messages, email_facts) and the
// text index (db/schema/search.ts), never by re-parsing messages. rfc9051#section-6.4.4,
// rfc5256 (SORT, THREAD), rfc5957 (SORT=DISPLAY), rfc7162 (MODSEQ), rfc8474 (OBJECTID), rfc5032 (WITHIN).
//
// Wiring (server.ts): `createSearch({ db, writer, readRaw: store.raw, prepare })` once; the store
// fills the index when it appends (messages.append with AppendInput.searchText, which
// prepareMessage makes). Emails stored before the index existed, or appended without searchText,
// are indexed by `backfill()`: call it in batches after start-up until it returns 0.
//
//   search(accountId, mailboxId, view, query, now)            → { uids, highestModseq }
//   sort(accountId, mailboxId, view, keys, query, now)        → uids in sorted order
//   thread(accountId, mailboxId, view, algorithm, query, now) → ThreadNode[] of uids
//
// `view` is the session's UIDs in sequence order; answers are limited to
// it, and to messages still stored (one the session still shows after another session expunged it
// matches nothing). A mailbox that is not the account's answers nothing.
//
// Semantics (rfc9051#section-6.4.4): text criteria are case-insensitive substrings of the decoded
// text (encoded words, transfer encodings and charsets undone, HTML as text, body capped at 256K
// characters); they see only indexed emails (see backfill). SENT* use the Date header's own day;
// received dates are compared as given (the IMAP side makes UTC days). Flags, keywords and MODSEQ
// are read at query time from emails and mailbox_messages.
// JMAP Email/query searches a whole account, mailboxes being criteria (account-query.ts):
//   queryEmails(accountId, query, comparators, {collapseThreads}) → every match in order
//   queryEmailsPage(accountId, query, comparators, offset, limit)  → one page, LIMIT in SQL
//   countEmails(accountId, query)                                    → the total
import type { Db } from '../db/client.ts'
import type { Writer } from '../db/writer.ts'
import { createAccountQuery } from './account-query.ts'
import { type CompileContext, compile } from './compile.ts'
import {
  hasLeaf,
  type Query,
  type SortKey,
  type ThreadAlgorithm,
  type ThreadNode,
  type View,
} from './query.ts'
import { mailboxSource } from './scan.ts'
import { searchSnippets } from './snippet.ts'
import type { SearchText } from './text.ts'
import { prepareSearchTextInsert } from './text-index.ts'
import { type ThreadInput, threadOrderedSubject, threadReferences } from './thread.ts'

export type {
  EmailComparator,
  EmailHit,
  EmailSortCollation,
  EmailSortProperty,
} from './account-query.ts'
export { emailSortCollations } from './account-query.ts'
export type {
  Query,
  SortKey,
  SortKeyName,
  TextField,
  ThreadAlgorithm,
  ThreadNode,
  View,
} from './query.ts'
export { all, and, none, not, or } from './query.ts'
export type { Snippet } from './snippet.ts'
export type { SearchText } from './text.ts'
export { prepareSearchTextCopy, prepareSearchTextInsert } from './text-index.ts'

export interface SearchDeps {
  db: Db
  /** For backfill: the index rows are written through the store's writer. */
  writer: Writer
  /** The stored raw message (store.raw), for backfill. */
  readRaw: (accountId: number, emailId: number) => Uint8Array
  /** Computes the index row off the event loop (the server's prepare Worker pool); default: here. */
  prepare?: (raw: Uint8Array) => Promise<{ searchText: SearchText }>
}

export interface SearchResult {
  /** Matching UIDs, in sequence order. */
  uids: number[]
  /** The highest MODSEQ among the matches when the query has a MODSEQ criterion (rfc7162#section-3.1.5), else null. */
  highestModseq: number | null
}

/** Strings compare as i;ascii-casemap (rfc4790#section-9.2): SQLite's upper() folds ASCII only. */
const sortExpr: Record<SortKey['key'], { sql: string; facts: boolean }> = {
  arrival: { sql: 'e.received_at', facts: false },
  date: { sql: 'COALESCE(e.sent_at, e.received_at)', facts: false },
  size: { sql: 'e.size', facts: false },
  subject: { sql: 'upper(e.base_subject)', facts: false },
  from: { sql: localPart('e.from_email'), facts: false },
  to: { sql: localPart(`json_extract(f.meta, '$.to[0].email')`), facts: true },
  cc: { sql: localPart(`json_extract(f.meta, '$.cc[0].email')`), facts: true },
  displayFrom: { sql: displayName('from'), facts: true },
  displayTo: { sql: displayName('to'), facts: true },
}

/** rfc5256#section-3 FROM/TO/CC: the addr-mailbox (local part) of the first address. */
function localPart(expr: string): string {
  return `upper(substr(COALESCE(${expr}, ''), 1, instr(COALESCE(${expr}, '') || '@', '@') - 1))`
}

/** rfc5957#section-3: the display name of the first address, else its addr-spec. */
function displayName(field: 'from' | 'to'): string {
  return `upper(COALESCE(NULLIF(trim(json_extract(f.meta, '$.${field}[0].name')), ''), json_extract(f.meta, '$.${field}[0].email'), ''))`
}

/** Ascending UIDs of `view` that are in `found` (ascending), merged in one pass. */
function restrictToView(view: View, found: readonly number[]): number[] {
  const out: number[] = []
  let k = 0
  for (let i = 0; i < view.length; i++) {
    const uid = view[i] as number
    while (k < found.length && (found[k] as number) < uid) k++
    if (k >= found.length) break
    if (found[k] === uid) out.push(uid)
  }
  return out
}

function parseIds(json: string | null): string[] {
  if (json === null) return []
  try {
    const v = JSON.parse(json) as unknown
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
  } catch {
    return []
  }
}

export function createSearch({ db, writer, readRaw, prepare }: SearchDeps) {
  const sqlite = db.$client
  const insertText = prepareSearchTextInsert(db)

  /** The SELECT of a mailbox's messages matching `query`, with extra columns and ordering. */
  const run = (
    mailboxId: number,
    view: View,
    query: Query,
    now: number,
    columns: string[],
    orderBy: string[] = ['mm.uid'],
    needs: { emails?: boolean; facts?: boolean } = {},
  ): unknown[][] => {
    const ctx: CompileContext = {
      db,
      source: mailboxSource(mailboxId),
      emailId: 'mm.email_id',
      flags: 'mm.flags',
      now,
      view,
      params: [],
      needsEmails: needs.emails ?? false,
      needsFacts: needs.facts ?? false,
    }
    const where = compile(query, ctx)
    const joins = [
      ctx.needsEmails || ctx.needsFacts || needs.emails ? 'JOIN emails e ON e.id = mm.email_id' : '',
      ctx.needsFacts ? 'LEFT JOIN email_facts f ON f.email_id = mm.email_id' : '',
    ].join(' ')
    const text = `SELECT ${['mm.uid', ...columns].join(', ')} FROM mailbox_messages mm ${joins}
      WHERE mm.mailbox_id = ? AND ${where} ORDER BY ${orderBy.join(', ')}`
    return sqlite.query(text).values(mailboxId, ...ctx.params) as unknown[][]
  }

  const ownsMailbox = (accountId: number, mailboxId: number): boolean =>
    sqlite.query('SELECT 1 FROM mailboxes WHERE id = ? AND account_id = ?').values(mailboxId, accountId)
      .length > 0

  let backfillAfter = 0

  return {
    // JMAP Email/query: queryEmails, queryEmailsPage, countEmails, emailsInThreads (account-query.ts)
    ...createAccountQuery(db),

    /** SearchSnippet/get (rfc8621#section-5): subject and preview with the terms marked (snippet.ts). */
    snippets: (
      accountId: number,
      emailIds: readonly number[],
      terms: { subject: readonly string[]; body: readonly string[] },
    ) => searchSnippets(db, accountId, emailIds, terms),

    /** SEARCH: the UIDs of the view's messages that match, in sequence order. */
    search(accountId: number, mailboxId: number, view: View, query: Query, now: number): SearchResult {
      if (view.length === 0 || query.op === 'none' || !ownsMailbox(accountId, mailboxId))
        return { uids: [], highestModseq: null }
      const wantsModseq = hasLeaf(query, (q) => q.op === 'modseq')
      const rows = run(mailboxId, view, query, now, wantsModseq ? ['mm.modseq'] : [])
      const uids = restrictToView(
        view,
        rows.map((r) => r[0] as number),
      )
      let highestModseq: number | null = null
      if (wantsModseq && uids.length > 0) {
        const inView = new Set(uids)
        highestModseq = 0
        for (const r of rows)
          if (inView.has(r[0] as number)) highestModseq = Math.max(highestModseq, r[1] as number)
      }
      return { uids, highestModseq }
    },

    /** SORT (rfc5256#section-3): matching UIDs ordered by the keys; ties in mailbox order. */
    sort(
      accountId: number,
      mailboxId: number,
      view: View,
      keys: readonly SortKey[],
      query: Query,
      now: number,
    ): number[] {
      if (view.length === 0 || query.op === 'none' || !ownsMailbox(accountId, mailboxId)) return []
      const order = keys.map((k) => `${sortExpr[k.key].sql} ${k.reverse ? 'DESC' : 'ASC'}`)
      const facts = keys.some((k) => sortExpr[k.key].facts)
      const rows = run(mailboxId, view, query, now, [], [...order, 'mm.uid'], { emails: true, facts })
      const inView = new Set(Array.from(view))
      return rows.map((r) => r[0] as number).filter((uid) => inView.has(uid))
    },

    /** THREAD (rfc5256#section-3): the matching messages as thread trees of UIDs. */
    thread(
      accountId: number,
      mailboxId: number,
      view: View,
      algorithm: ThreadAlgorithm,
      query: Query,
      now: number,
    ): ThreadNode[] {
      if (view.length === 0 || query.op === 'none' || !ownsMailbox(accountId, mailboxId)) return []
      const columns =
        algorithm === 'references'
          ? [
              'e.message_id',
              `json_extract(f.meta, '$.references')`,
              `json_extract(f.meta, '$.inReplyTo')`,
              'e.subject',
              'e.base_subject',
              'COALESCE(e.sent_at, e.received_at)',
            ]
          : ['NULL', 'NULL', 'NULL', 'e.subject', 'e.base_subject', 'COALESCE(e.sent_at, e.received_at)']
      const rows = run(mailboxId, view, query, now, columns, ['mm.uid'], {
        emails: true,
        facts: algorithm === 'references',
      })
      const position = new Map(Array.from(view, (uid, i) => [uid, i]))
      const inputs: ThreadInput[] = []
      for (const r of rows) {
        const at = position.get(r[0] as number)
        if (at === undefined) continue
        const references = parseIds(r[2] as string | null)
        inputs.push({
          uid: r[0] as number,
          position: at,
          messageId: (r[1] as string | null) ?? null,
          // rfc5256#section-2.2 step 1A: In-Reply-To's first id when there is no References
          references: references.length > 0 ? references : parseIds(r[3] as string | null).slice(0, 1),
          subject: r[4] as string,
          baseSubject: r[5] as string,
          date: r[6] as number,
        })
      }
      return algorithm === 'references' ? threadReferences(inputs) : threadOrderedSubject(inputs)
    },

    /**
     * Indexes up to `limit` emails that have no index row yet (stored before the index existed, or
     * appended without searchText), oldest first; resolves with how many it looked at, 0 when
     * none are left. Reads and parses outside the write transaction, then inserts in one write job.
     */
    async backfill(limit = 200): Promise<number> {
      const rows = sqlite
        .query(
          `SELECT e.id, e.account_id FROM emails e
            WHERE e.id > ? AND NOT EXISTS (SELECT 1 FROM email_search_texts t WHERE t.email_id = e.id)
            ORDER BY e.id LIMIT ?`,
        )
        .values(backfillAfter, limit) as [number, number][]
      if (rows.length === 0) {
        backfillAfter = 0
        return 0
      }
      const texts: [number, SearchText][] = []
      for (const [id, accountId] of rows) {
        let raw: Uint8Array
        try {
          raw = readRaw(accountId, id)
        } catch {
          continue // destroyed meanwhile
        }
        // The parser loads on first use: an idle server keeps it out of memory.
        const searchText = prepare
          ? (await prepare(raw)).searchText
          : await (async () => {
              const [{ searchTextOf }, { parseMessage }] = await Promise.all([
                import('./text.ts'),
                import('../mail/parse.ts'),
              ])
              return searchTextOf(raw, parseMessage(raw))
            })()
        texts.push([id, searchText])
      }
      backfillAfter = (rows[rows.length - 1] as [number, number])[0]
      await writer.write(() => {
        // Only for emails still there (one may have been destroyed while this batch was parsed).
        const present = new Set(
          (
            sqlite
              .query('SELECT id FROM emails WHERE id IN (SELECT value FROM json_each(?))')
              .values(JSON.stringify(texts.map(([id]) => id))) as [number][]
          ).map(([id]) => id),
        )
        for (const [id, t] of texts) if (present.has(id)) insertText(id, t)
      })
      return rows.length
    },

    /** How many emails still wait for backfill. */
    pendingBackfill(): number {
      const row = sqlite
        .query(
          'SELECT count(*) FROM emails e WHERE NOT EXISTS (SELECT 1 FROM email_search_texts t WHERE t.email_id = e.id)',
        )
        .values() as [number][]
      return row[0]?.[0] ?? 0
    },
  }
}

export type Search = ReturnType<typeof createSearch>
