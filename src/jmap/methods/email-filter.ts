// Email/query's filter and sort arguments (rfc8621#section-4.4.1, rfc8621#section-4.4.2) read
// into the search module's query model and comparators; shared with Email/queryChanges and
// SearchSnippet/get (which also takes the filter's text terms to highlight).
import { isStoreError } from '../../lib/errors.ts'
import {
  and,
  type EmailComparator,
  type EmailSortCollation,
  type EmailSortProperty,
  emailSortCollations,
  not,
  or,
  type Query,
} from '../../search/index.ts'
import { normalizeKeyword } from '../../store/keywords.ts'
import { parseObjectId } from '../../store/object-ids.ts'
import { isPlainObject, parseUtcDate } from '../core/args.ts'
import { invalidArguments, MethodError } from '../core/errors.ts'

/** rfc8621#section-4.4.2: the sort properties served (the mail capability's emailQuerySortOptions). */
export const emailQuerySortOptions: readonly EmailSortProperty[] = [
  'receivedAt',
  'sentAt',
  'size',
  'from',
  'to',
  'subject',
  'hasKeyword',
  'allInThreadHaveKeyword',
  'someInThreadHaveKeyword',
]

const keywordSortProperties = new Set<EmailSortProperty>([
  'hasKeyword',
  'allInThreadHaveKeyword',
  'someInThreadHaveKeyword',
])

/** Properties whose value never changes once an email exists (upToId may then be honoured): all but keywords. */
const immutableSortProperties = new Set<EmailSortProperty>(
  emailQuerySortOptions.filter((p) => !keywordSortProperties.has(p)),
)

/** The text a filter looks for, by where SearchSnippet/get highlights it. */
export interface FilterTerms {
  subject: string[]
  body: string[]
}

export interface ReadFilter {
  query: Query
  terms: FilterTerms
  /** True when every condition is on a property that never changes (rfc8620#section-5.6 upToId). */
  isImmutable: boolean
}

const conditionProperties = new Set([
  'inMailbox',
  'inMailboxOtherThan',
  'before',
  'after',
  'minSize',
  'maxSize',
  'allInThreadHaveKeyword',
  'someInThreadHaveKeyword',
  'noneInThreadHaveKeyword',
  'hasKeyword',
  'notKeyword',
  'hasAttachment',
  'text',
  'from',
  'to',
  'cc',
  'bcc',
  'subject',
  'body',
  'header',
])

const mutableConditions = new Set([
  'inMailbox',
  'inMailboxOtherThan',
  'allInThreadHaveKeyword',
  'someInThreadHaveKeyword',
  'noneInThreadHaveKeyword',
  'hasKeyword',
  'notKeyword',
])

/** rfc8620#section-1.4 UTCDate: "Z" only, fraction omitted when zero (a zero one is tolerated). */
function readString(value: unknown, name: string): string {
  if (typeof value !== 'string') throw invalidArguments(`filter ${name} must be a string`)
  return value
}

function readKeyword(value: unknown, name: string): string {
  try {
    return normalizeKeyword(readString(value, name))
  } catch (err) {
    if (isStoreError(err, 'invalidParams')) throw invalidArguments(`filter ${name}: ${err.message}`)
    throw err
  }
}

function readDate(value: unknown, name: string): number {
  const ms = parseUtcDate(readString(value, name))
  if (ms === undefined) throw invalidArguments(`filter ${name} must be a UTCDate`)
  return ms
}

function readSize(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw invalidArguments(`filter ${name} must be an UnsignedInt`)
  return value
}

/** What reading a filter tracks: whether it uses mutable properties, and creation ids (rfc8620#section-5.3). */
interface FilterReading {
  mutable: boolean
  resolve: (id: string) => string | undefined
}

/** A mailbox id (or "#creationId"); one that names no mailbox of this account matches nothing. */
function mailboxRowId(value: unknown, name: string, reading: FilterReading): number {
  const id = reading.resolve(readString(value, name))
  return id === undefined ? 0 : (parseObjectId('mailbox', id) ?? 0)
}

/** One FilterCondition (rfc8621#section-4.4.1): the AND of its properties; none = always true. */
function readCondition(c: Record<string, unknown>, terms: FilterTerms | null, flags: FilterReading): Query {
  const parts: Query[] = []
  for (const [name, value] of Object.entries(c)) {
    if (!conditionProperties.has(name))
      throw new MethodError('unsupportedFilter', `unknown filter property ${name}`)
    if (mutableConditions.has(name)) flags.mutable = true
    switch (name) {
      case 'inMailbox':
        parts.push({ op: 'mailbox', ids: [mailboxRowId(value, name, flags)] })
        break
      case 'inMailboxOtherThan': {
        if (!Array.isArray(value)) throw invalidArguments('filter inMailboxOtherThan must be a list of ids')
        parts.push({ op: 'mailboxOtherThan', ids: value.map((v) => mailboxRowId(v, name, flags)) })
        break
      }
      case 'before':
        parts.push({ op: 'received', max: readDate(value, name) })
        break
      case 'after':
        parts.push({ op: 'received', min: readDate(value, name) })
        break
      case 'minSize':
        // size >= minSize; the query model's bounds are strict
        parts.push({ op: 'size', larger: readSize(value, name) - 1 })
        break
      case 'maxSize':
        parts.push({ op: 'size', smaller: readSize(value, name) })
        break
      case 'allInThreadHaveKeyword':
        parts.push({ op: 'threadKeyword', keyword: readKeyword(value, name), quantifier: 'all' })
        break
      case 'someInThreadHaveKeyword':
        parts.push({ op: 'threadKeyword', keyword: readKeyword(value, name), quantifier: 'some' })
        break
      case 'noneInThreadHaveKeyword':
        parts.push({ op: 'threadKeyword', keyword: readKeyword(value, name), quantifier: 'none' })
        break
      case 'hasKeyword':
        parts.push({ op: 'keyword', keyword: readKeyword(value, name) })
        break
      case 'notKeyword':
        parts.push(not({ op: 'keyword', keyword: readKeyword(value, name) }))
        break
      case 'hasAttachment':
        if (typeof value !== 'boolean') throw invalidArguments('filter hasAttachment must be a boolean')
        parts.push(value ? { op: 'hasAttachment' } : not({ op: 'hasAttachment' }))
        break
      case 'text': {
        // rfc8621#section-4.4.1 text: From, To, Cc, Bcc, Subject or the body
        const v = readString(value, name)
        parts.push(
          or(
            (['from', 'to', 'cc', 'bcc', 'subject', 'body'] as const).map((field) => ({
              op: 'text',
              field,
              value: v,
            })),
          ),
        )
        terms?.subject.push(v)
        terms?.body.push(v)
        break
      }
      case 'from':
      case 'to':
      case 'cc':
      case 'bcc':
        parts.push({ op: 'text', field: name, value: readString(value, name) })
        break
      case 'subject': {
        const v = readString(value, name)
        parts.push({ op: 'text', field: 'subject', value: v })
        terms?.subject.push(v)
        break
      }
      case 'body': {
        const v = readString(value, name)
        parts.push({ op: 'text', field: 'body', value: v })
        terms?.body.push(v)
        break
      }
      case 'header': {
        // [name] = has the field; [name, value] = a field of that name contains value
        if (
          !Array.isArray(value) ||
          value.length < 1 ||
          value.length > 2 ||
          !value.every((s) => typeof s === 'string')
        )
          throw invalidArguments('filter header must be a list of one or two strings')
        const [field, text] = value as string[]
        if (!field || /[\x00-\x20\x7f:]/.test(field))
          throw invalidArguments('filter header names no header field')
        parts.push({ op: 'header', name: field, value: text ?? '' })
        break
      }
    }
  }
  return and(parts)
}

/** Depth limit of nested operators, so a hostile filter cannot exhaust the stack. */
const maxFilterDepth = 50

function readFilterNode(
  f: unknown,
  terms: FilterTerms | null,
  flags: FilterReading,
  depth: number,
  negated: boolean,
): Query {
  if (!isPlainObject(f)) throw invalidArguments('a filter must be an object')
  if (depth > maxFilterDepth) throw new MethodError('unsupportedFilter', 'the filter is nested too deeply')
  if (!('operator' in f)) return readCondition(f, negated ? null : terms, flags)
  // rfc8620#section-5.5 FilterOperator
  const { operator, conditions, ...rest } = f
  if (Object.keys(rest).length > 0)
    throw invalidArguments('a FilterOperator has only operator and conditions')
  if (!Array.isArray(conditions)) throw invalidArguments('FilterOperator conditions must be a list')
  const isNot = operator === 'NOT'
  const of = conditions.map((c) => readFilterNode(c, terms, flags, depth + 1, negated !== isNot))
  switch (operator) {
    case 'AND':
      return and(of)
    case 'OR':
      return or(of)
    case 'NOT':
      // none of the conditions must match
      return not(or(of))
    default:
      throw invalidArguments('FilterOperator operator must be AND, OR or NOT')
  }
}

/**
 * The `filter` argument: null or absent = every email. Text under a NOT is not highlighted.
 * `resolve` turns "#creationId" mailbox ids into the ids created earlier in the request.
 */
export function readEmailFilter(
  filter: unknown,
  resolve: (id: string) => string | undefined = (id) => id,
): ReadFilter {
  const terms: FilterTerms = { subject: [], body: [] }
  if (filter === undefined || filter === null) return { query: { op: 'all' }, terms, isImmutable: true }
  const flags: FilterReading = { mutable: false, resolve }
  const query = readFilterNode(filter, terms, flags, 0, false)
  return { query, terms, isImmutable: !flags.mutable }
}

export interface ReadSort {
  comparators: EmailComparator[]
  isImmutable: boolean
}

/** The default order when a query gives none: newest first. */
const defaultSort: EmailComparator[] = [
  { property: 'receivedAt', isAscending: false, collation: 'i;unicode-casemap' },
]

/**
 * The `sort` argument (rfc8620#section-5.5 Comparator, rfc8621#section-4.4.2). `collations` are
 * those the core capability advertises; a comparator the server cannot apply is unsupportedSort.
 */
export function readEmailSort(sort: unknown, collations: readonly string[]): ReadSort {
  if (sort === undefined || sort === null) return { comparators: defaultSort, isImmutable: true }
  if (!Array.isArray(sort)) throw invalidArguments('sort must be a list of Comparators')
  if (sort.length === 0) return { comparators: defaultSort, isImmutable: true }
  let isImmutable = true
  const comparators = sort.map((c): EmailComparator => {
    if (!isPlainObject(c)) throw invalidArguments('a Comparator must be an object')
    const { property, isAscending = true, collation: named, keyword } = c
    const collation = named === undefined ? 'server-default' : named
    if (typeof property !== 'string') throw invalidArguments('Comparator property must be a string')
    if (typeof isAscending !== 'boolean') throw invalidArguments('Comparator isAscending must be a boolean')
    if (typeof collation !== 'string') throw invalidArguments('Comparator collation must be a string')
    if (!emailQuerySortOptions.includes(property as EmailSortProperty))
      throw new MethodError('unsupportedSort', `cannot sort by ${property}`)
    if (
      named !== undefined &&
      (!collations.includes(collation) || !(emailSortCollations as readonly string[]).includes(collation))
    )
      throw new MethodError('unsupportedSort', `unsupported collation ${collation}`)
    const p = property as EmailSortProperty
    if (!immutableSortProperties.has(p)) isImmutable = false
    const out: EmailComparator = { property: p, isAscending, collation: collation as EmailSortCollation }
    if (keywordSortProperties.has(p)) {
      if (keyword === undefined) throw invalidArguments(`sorting by ${p} needs a keyword`)
      out.keyword = readKeyword(keyword, 'keyword')
    }
    return out
  })
  return { comparators, isImmutable }
}
