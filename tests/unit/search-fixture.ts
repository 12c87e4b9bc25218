// Shared by the search tests: a store with messages appended as the server does (prepareMessage,
// index row in the same transaction), the search service over it, and a brute-force reference
// that answers a Query by re-parsing every raw message (tests may re-parse; the product may not).
import { parseMessage } from '../../src/mail/index.ts'
import { headerText } from '../../src/search/header-text.ts'
import { createSearch, type Query, type SortKey, type View } from '../../src/search/index.ts'
import { foldCase, type SearchText, searchTextOf } from '../../src/search/text.ts'
import { parseStoredKeywords, systemKeywords } from '../../src/store/keywords.ts'
import { prepareMessage } from '../../src/store/prepare-message.ts'
import { kw, testStore } from '../helpers/store.ts'

export const enc = new TextEncoder()

/** A message from header lines and a body, CRLF line ends. */
export function mail(headers: string[], body = 'body\r\n'): Uint8Array {
  return enc.encode(`${headers.join('\r\n')}\r\n\r\n${body}`)
}

export interface RefMessage {
  uid: number
  emailId: number
  threadId: number
  flags: number
  keywords: string[]
  size: number
  receivedAt: number
  modseq: number
  sentDay: string
  sentAt: number | null
  text: SearchText
  /** The header as HEADER and TEXT match it (search/header-text.ts). */
  headers: string
  raw: Uint8Array
}

export async function searchFixture() {
  const t = await testStore()
  const inbox = t.box('inbox')
  const search = createSearch({ db: t.handle.db, writer: t.writer, readRaw: t.store.raw })
  const raws = new Map<number, Uint8Array>()
  const add = async (
    raw: Uint8Array,
    receivedAt: number,
    flags: string[] = [],
    options: { index?: boolean } = {},
  ) => {
    const p = prepareMessage(raw)
    const r = await t.store.append(t.accountId, {
      mailboxIds: [inbox],
      raw: p.raw,
      facts: p.facts,
      blob: p.blob,
      searchText: options.index === false ? undefined : p.searchText,
      keywords: kw(...flags),
      receivedAt,
    })
    raws.set(r.emailId, p.raw)
    return r
  }
  /** The inbox's UIDs in sequence order, as a session sees them. */
  const view = (): View & number[] => t.store.mailboxMessages(inbox).map((m) => m.uid)
  /** Every message of the inbox re-parsed from its raw bytes, with its current flags. */
  const reference = (): RefMessage[] => {
    const rows = t.store.mailboxMessages(inbox)
    const emails = new Map(
      t.store
        .emails(
          t.accountId,
          rows.map((r) => r.emailId),
        )
        .map((e) => [e.id, e]),
    )
    return rows.map((r) => {
      const raw = raws.get(r.emailId) as Uint8Array
      const parsed = parseMessage(raw)
      const sentAt = parsed.sentAt === null ? null : Date.parse(parsed.sentAt)
      return {
        uid: r.uid,
        emailId: r.emailId,
        threadId: emails.get(r.emailId)?.threadId ?? 0,
        flags: r.flags,
        keywords: parseStoredKeywords(r.keywords),
        size: raw.length,
        receivedAt: r.receivedAt,
        modseq: r.modseq,
        sentDay: parsed.sentAt?.slice(0, 10) ?? new Date(r.receivedAt).toISOString().slice(0, 10),
        sentAt,
        text: searchTextOf(raw, parsed),
        headers: headerText(Buffer.from(raw.subarray(0, parsed.headerSize)).toString('latin1')),
        raw,
      }
    })
  }
  return { ...t, inbox, search, add, view, reference }
}

const headerFields: Record<string, keyof SearchText> = {
  subject: 'subject',
  from: 'fromList',
  to: 'toList',
  cc: 'ccList',
  bcc: 'bccList',
}

/** The brute-force answer to one leaf or tree for one message. */
export function refMatch(q: Query, m: RefMessage, now: number): boolean {
  switch (q.op) {
    case 'all':
      return true
    case 'none':
      return false
    case 'and':
      return q.of.every((x) => refMatch(x, m, now))
    case 'or':
      return q.of.some((x) => refMatch(x, m, now))
    case 'not':
      return !refMatch(q.of, m, now)
    case 'keyword': {
      const bit = systemKeywords[q.keyword as keyof typeof systemKeywords]
      return bit !== undefined ? (m.flags & bit) !== 0 : m.keywords.includes(q.keyword)
    }
    case 'text': {
      const needle = foldCase(q.value)
      if (q.field === 'body') return m.text.body.includes(needle)
      if (q.field === 'text') return m.text.body.includes(needle) || m.headers.includes(needle)
      const value = m.text[headerFields[q.field] as keyof SearchText]
      return value?.includes(needle) === true
    }
    case 'header': {
      const name = foldCase(q.name)
      const needle = foldCase(q.value)
      return m.headers
        .split('\n')
        .some((line: string) => line.startsWith(`${name}: `) && line.slice(name.length + 2).includes(needle))
    }
    case 'received':
      return (q.min === undefined || m.receivedAt >= q.min) && (q.max === undefined || m.receivedAt < q.max)
    case 'sentDay':
      return q.comparison === 'before'
        ? m.sentDay < q.day
        : q.comparison === 'on'
          ? m.sentDay === q.day
          : m.sentDay >= q.day
    case 'age':
      return q.comparison === 'younger'
        ? m.receivedAt >= now - q.seconds * 1000
        : m.receivedAt < now - q.seconds * 1000
    case 'size':
      return (q.larger === undefined || m.size > q.larger) && (q.smaller === undefined || m.size < q.smaller)
    case 'uid':
      return q.ranges.some(([a, b]) => m.uid >= a && m.uid <= b)
    case 'modseq':
      return m.modseq >= q.min
    case 'emailId':
      return q.ids.includes(m.emailId)
    case 'threadId':
      return q.ids.includes(m.threadId)
    case 'mailbox':
    case 'mailboxOtherThan':
    case 'threadKeyword':
    case 'hasAttachment':
      // account-wide leaves (JMAP): tests/unit/search-account.test.ts checks them
      throw new Error(`no single-mailbox reference for ${q.op}`)
  }
}

/** The reference SORT: keys computed from the re-parsed message, compared i;ascii-casemap. */
export function refSort(messages: RefMessage[], keys: SortKey[]): number[] {
  const upper = (s: string) => s.replace(/[a-z]/g, (c) => c.toUpperCase())
  const local = (e: string | undefined) => upper((e ?? '').split('@')[0] ?? '')
  const parsed = new Map(messages.map((m) => [m.uid, parseMessage(m.raw)]))
  const keyOf = (m: RefMessage, k: SortKey['key']): string | number => {
    const p = parsed.get(m.uid) as ReturnType<typeof parseMessage>
    switch (k) {
      case 'arrival':
        return m.receivedAt
      case 'date':
        return m.sentAt ?? m.receivedAt
      case 'size':
        return m.size
      case 'subject':
        return upper(p.baseSubject)
      case 'from':
        return local(p.from?.[0]?.email.toLowerCase())
      case 'to':
        return local(p.to?.[0]?.email)
      case 'cc':
        return local(p.cc?.[0]?.email)
      case 'displayFrom':
        return upper(p.from?.[0]?.name?.trim() || p.from?.[0]?.email || '')
      case 'displayTo':
        return upper(p.to?.[0]?.name?.trim() || p.to?.[0]?.email || '')
    }
  }
  const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0)
  return [...messages]
    .sort((a, b) => {
      for (const k of keys) {
        const c = cmp(keyOf(a, k.key), keyOf(b, k.key))
        if (c !== 0) return k.reverse ? -c : c
      }
      return a.uid - b.uid
    })
    .map((m) => m.uid)
}
