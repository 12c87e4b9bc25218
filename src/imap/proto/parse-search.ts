// SEARCH, SORT and THREAD arguments: search keys (rfc9051#section-6.4.4, rfc3501#section-6.4.4),
// RETURN options (rfc4731, rfc5182, rfc5267), WITHIN (rfc5032), MODSEQ (rfc7162#section-3.1.5),
// EMAILID/THREADID (rfc8474#section-6), SORT criteria (rfc5256, rfc5957).
import type {
  SearchKey,
  SearchReturnOption,
  SearchTextField,
  SortCriterion,
  SortKey,
} from './command-types.ts'
import { readDate } from './dates.ts'
import { readSequenceSet } from './sequence-set.ts'
import { decodeLatin1, decodeUtf8, type Reader } from './tokenizer.ts'

/** How search strings become text: UTF-8 for UTF-8/US-ASCII, raw bytes otherwise (see SEARCH's AST doc). */
type Decode = (bytes: Uint8Array) => string

export function decoderFor(reader: Reader, charset: string | undefined): Decode {
  const name = charset?.toUpperCase()
  if (name === undefined || name === 'UTF-8' || name === 'US-ASCII') return (b) => decodeUtf8(reader, b)
  return decodeLatin1
}

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  SEEN: ['\\Seen', true],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
}

const TEXT_KEYS = new Set<string>(['BCC', 'BODY', 'CC', 'FROM', 'SUBJECT', 'TEXT', 'TO'])

const DATE_KEYS: Record<string, ['internal' | 'sent', 'before' | 'on' | 'since']> = {
  BEFORE: ['internal', 'before'],
  ON: ['internal', 'on'],
  SINCE: ['internal', 'since'],
  SENTBEFORE: ['sent', 'before'],
  SENTON: ['sent', 'on'],
  SENTSINCE: ['sent', 'since'],
}

/** objectid = 1*255(ALPHA / DIGIT / "_" / "-") (rfc8474#section-4). */
export function readObjectId(reader: Reader): string {
  const id = reader.atom('an object id')
  if (id.length > 255 || !/^[A-Za-z0-9_-]+$/.test(id)) reader.fail('invalid object id')
  return id
}

/** One search-key, recursing for NOT, OR and parenthesized groups under the nesting limit. */
export function readSearchKey(reader: Reader, decode: Decode): SearchKey {
  const b = reader.peek()
  if (b === 0x28) {
    return { kind: 'and', keys: reader.parenList(() => readSearchKey(reader, decode), false) }
  }
  if ((b >= 0x30 && b <= 0x39) || b === 0x2a || b === 0x24) {
    return { kind: 'sequence', set: readSequenceSet(reader) }
  }
  const name = reader.keyword('a search key')
  const flag = FLAG_KEYS[name]
  if (flag !== undefined) return { kind: 'flag', flag: flag[0], present: flag[1] }
  if (TEXT_KEYS.has(name)) {
    reader.space()
    return { kind: 'text', field: name as SearchTextField, value: decode(reader.astringBytes()) }
  }
  const dateKey = DATE_KEYS[name]
  if (dateKey !== undefined) {
    reader.space()
    return { kind: 'date', field: dateKey[0], comparison: dateKey[1], date: readDate(reader) }
  }
  switch (name) {
    case 'ALL':
      return { kind: 'all' }
    case 'NEW':
      return { kind: 'new' }
    case 'OLD':
      return { kind: 'old' }
    case 'RECENT':
      return { kind: 'recent' }
    case 'NOT':
      reader.space()
      return reader.nested(() => ({ kind: 'not', key: readSearchKey(reader, decode) }))
    case 'OR':
      return reader.nested(() => {
        reader.space()
        const left = readSearchKey(reader, decode)
        reader.space()
        return { kind: 'or', left, right: readSearchKey(reader, decode) }
      })
    default:
      if (!ARGUMENT_KEYS.has(name)) reader.fail(`unknown search key ${name}`)
      reader.space()
      return readKeyArgument(reader, name, decode)
  }
}

const ARGUMENT_KEYS = new Set([
  'KEYWORD',
  'UNKEYWORD',
  'HEADER',
  'LARGER',
  'SMALLER',
  'UID',
  'YOUNGER',
  'OLDER',
  'MODSEQ',
  'EMAILID',
  'THREADID',
])

/** The keys in ARGUMENT_KEYS, after their SP. */
function readKeyArgument(reader: Reader, name: string, decode: Decode): SearchKey {
  switch (name) {
    case 'KEYWORD':
    case 'UNKEYWORD':
      return { kind: 'flag', flag: reader.flag(true), present: name === 'KEYWORD' }
    case 'HEADER': {
      const field = decode(reader.astringBytes('a header field name'))
      reader.space()
      return { kind: 'header', field, value: decode(reader.astringBytes()) }
    }
    case 'LARGER':
    case 'SMALLER':
      return {
        kind: 'size',
        comparison: name === 'LARGER' ? 'larger' : 'smaller',
        size: reader.number64('a size'),
      }
    case 'UID':
      return { kind: 'uid', set: readSequenceSet(reader) }
    case 'YOUNGER':
    case 'OLDER': {
      const seconds = reader.nzNumber('an interval in seconds')
      return { kind: 'within', comparison: name === 'YOUNGER' ? 'younger' : 'older', seconds }
    }
    case 'MODSEQ':
      return readModseqKey(reader)
    case 'EMAILID':
    case 'THREADID':
      return { kind: name === 'EMAILID' ? 'emailId' : 'threadId', id: readObjectId(reader) }
    default:
      return reader.fail(`unknown search key ${name}`)
  }
}

/** search-modsequence = "MODSEQ" [search-modseq-ext] SP mod-sequence-valzer (rfc7162#section-7). */
function readModseqKey(reader: Reader): SearchKey {
  if (reader.peek() === 0x22) {
    const name = decodeUtf8(reader, reader.quotedBytes())
    if (!name.toLowerCase().startsWith('/flags/')) reader.fail('MODSEQ entry name must start with /flags/')
    reader.space()
    const type = reader.keyword('an entry type').toLowerCase()
    if (type !== 'priv' && type !== 'shared' && type !== 'all')
      reader.fail('MODSEQ entry type must be priv, shared or all')
    reader.space()
    return { kind: 'modseq', modseq: reader.number64('a mod-sequence'), entry: { name, type } }
  }
  return { kind: 'modseq', modseq: reader.number64('a mod-sequence') }
}

/** 1*(SP search-key) after the command's other arguments, up to the end of the command. */
export function readSearchKeys(reader: Reader, decode: Decode): SearchKey[] {
  const keys: SearchKey[] = []
  do keys.push(readSearchKey(reader, decode))
  while (reader.trySpace())
  return keys
}

/**
 * search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"
 * (rfc4731#section-3.1); an empty list means ALL. Called after the word RETURN.
 */
export function readReturnOptions(reader: Reader): SearchReturnOption[] {
  reader.space()
  const options = reader.parenList(() => {
    const option = reader.keyword('a RETURN option')
    if (option !== 'MIN' && option !== 'MAX' && option !== 'ALL' && option !== 'COUNT' && option !== 'SAVE') {
      return reader.fail(`unknown RETURN option ${option}`)
    }
    return option as SearchReturnOption
  })
  return options.length === 0 ? ['ALL'] : [...new Set(options)]
}

/** charset = atom / quoted (rfc9051#section-9). */
export function readCharset(reader: Reader): string {
  if (reader.peek() === 0x22) return decodeUtf8(reader, reader.quotedBytes())
  return reader.atom('a charset')
}

export interface SearchProgram {
  charset?: string
  returns?: SearchReturnOption[]
  criteria: SearchKey[]
}

/**
 * SEARCH arguments after "SEARCH": [SP "RETURN" (...)] SP ["CHARSET" SP charset SP] search-key
 * *(SP search-key) (rfc9051#section-6.4.4).
 */
export function readSearchProgram(reader: Reader): SearchProgram {
  reader.space()
  const program: SearchProgram = { criteria: [] }
  if (reader.tryWord('RETURN')) {
    program.returns = readReturnOptions(reader)
    reader.space()
  }
  if (reader.tryWord('CHARSET')) {
    reader.space()
    program.charset = readCharset(reader)
    reader.space()
  }
  program.criteria = readSearchKeys(reader, decoderFor(reader, program.charset))
  return program
}

const SORT_KEYS = new Set<string>([
  'ARRIVAL',
  'CC',
  'DATE',
  'FROM',
  'SIZE',
  'SUBJECT',
  'TO',
  'DISPLAYFROM',
  'DISPLAYTO',
])

/** sort-criteria = "(" sort-criterion *(SP sort-criterion) ")"; sort-criterion = ["REVERSE" SP] sort-key. */
export function readSortCriteria(reader: Reader): SortCriterion[] {
  return reader.parenList(() => {
    const reverse = reader.tryWord('REVERSE')
    if (reverse) reader.space()
    const key = reader.keyword('a sort key')
    if (!SORT_KEYS.has(key)) reader.fail(`unknown sort key ${key}`)
    return { key: key as SortKey, reverse }
  }, false)
}
