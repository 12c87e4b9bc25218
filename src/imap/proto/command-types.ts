// The typed AST of every IMAP command Postern accepts: rfc3501, rfc9051 and the extensions the
// server announces. `Command` is a discriminated union on `name`; UID variants set `uid: true`.
import type { CalendarDate } from './dates.ts'
import type { SequenceSet } from './sequence-set.ts'

/** Mailbox names are given as sent (UTF-8 decoded); `mailboxFromWire` applies modified UTF-7 and INBOX rules. */
export type MailboxName = string

// ---------------------------------------------------------------- SEARCH (rfc9051#section-6.4.4)

/** The string-matching keys, by the header or part they search. */
export type SearchTextField = 'BCC' | 'BODY' | 'CC' | 'FROM' | 'SUBJECT' | 'TEXT' | 'TO'

/** MODSEQ search entry (rfc7162#section-3.1.5): a flag's metadata entry and its type. */
export interface ModseqEntry {
  name: string
  type: 'priv' | 'shared' | 'all'
}

export type SearchKey =
  | { kind: 'all' }
  /** ANSWERED/DELETED/DRAFT/FLAGGED/SEEN/KEYWORD (present) and their UN- forms (absent). */
  | { kind: 'flag'; flag: string; present: boolean }
  | { kind: 'recent' }
  | { kind: 'new' }
  | { kind: 'old' }
  | { kind: 'text'; field: SearchTextField; value: string }
  | { kind: 'header'; field: string; value: string }
  /** BEFORE/ON/SINCE compare INTERNALDATE; SENTBEFORE/SENTON/SENTSINCE the Date header. */
  | { kind: 'date'; field: 'internal' | 'sent'; comparison: 'before' | 'on' | 'since'; date: CalendarDate }
  | { kind: 'size'; comparison: 'larger' | 'smaller'; size: number }
  | { kind: 'sequence'; set: SequenceSet }
  | { kind: 'uid'; set: SequenceSet }
  | { kind: 'not'; key: SearchKey }
  | { kind: 'or'; left: SearchKey; right: SearchKey }
  /** A parenthesized group: all keys must match. */
  | { kind: 'and'; keys: SearchKey[] }
  /** WITHIN (rfc5032): INTERNALDATE younger/older than `seconds`. */
  | { kind: 'within'; comparison: 'younger' | 'older'; seconds: number }
  /** CONDSTORE (rfc7162#section-3.1.5): messages with a MODSEQ at least `modseq`. */
  | { kind: 'modseq'; modseq: number; entry?: ModseqEntry }
  /** OBJECTID (rfc8474#section-6). */
  | { kind: 'emailId'; id: string }
  | { kind: 'threadId'; id: string }

/** ESEARCH return options (rfc4731#section-3.1), SAVE (rfc5182#section-2.1). */
export type SearchReturnOption = 'MIN' | 'MAX' | 'ALL' | 'COUNT' | 'SAVE'

/** SORT criteria (rfc5256#section-3, DISPLAYFROM/DISPLAYTO rfc5957#section-3). */
export type SortKey =
  | 'ARRIVAL'
  | 'CC'
  | 'DATE'
  | 'FROM'
  | 'SIZE'
  | 'SUBJECT'
  | 'TO'
  | 'DISPLAYFROM'
  | 'DISPLAYTO'

export interface SortCriterion {
  key: SortKey
  reverse: boolean
}

// ---------------------------------------------------------------- FETCH (rfc9051#section-6.4.5)

/** A body section spec: `1.2.HEADER.FIELDS (From To)` is `{ part: [1, 2], text: 'HEADER.FIELDS', fields: [...] }`. */
export interface BodySection {
  /** Part numbers, empty for the whole message. */
  part: number[]
  text?: 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME'
  /** Header field names for HEADER.FIELDS and HEADER.FIELDS.NOT, as the client spelled them. */
  fields?: string[]
}

/** `<offset.length>`: the client asked for `length` octets starting at `offset`. */
export interface PartialRange {
  offset: number
  length: number
}

export type FetchAttribute =
  | {
      name:
        | 'UID'
        | 'FLAGS'
        | 'INTERNALDATE'
        | 'RFC822.SIZE'
        | 'ENVELOPE'
        | 'BODYSTRUCTURE'
        /** BODY without a section: the non-extensible BODYSTRUCTURE. */
        | 'BODY'
        | 'RFC822'
        | 'RFC822.HEADER'
        | 'RFC822.TEXT'
        | 'MODSEQ'
        | 'EMAILID'
        | 'THREADID'
    }
  | { name: 'BODY[]'; peek: boolean; section: BodySection; partial?: PartialRange }
  /** BINARY[part]<partial> and BINARY.PEEK (rfc3516#section-4.2). */
  | { name: 'BINARY[]'; peek: boolean; part: number[]; partial?: PartialRange }
  | { name: 'BINARY.SIZE'; part: number[] }
  /** PREVIEW (rfc8970#section-3); `lazy` for the LAZY modifier. */
  | { name: 'PREVIEW'; lazy: boolean }

// ---------------------------------------------------------------- STATUS and LIST

/** STATUS items (rfc9051#section-6.3.11, SIZE rfc8438, HIGHESTMODSEQ rfc7162, APPENDLIMIT rfc7889, MAILBOXID rfc8474). */
export type StatusItem =
  | 'MESSAGES'
  | 'UIDNEXT'
  | 'UIDVALIDITY'
  | 'UNSEEN'
  | 'DELETED'
  | 'SIZE'
  | 'RECENT'
  | 'HIGHESTMODSEQ'
  | 'APPENDLIMIT'
  | 'MAILBOXID'

/** LIST selection options (rfc5258#section-3.1, SPECIAL-USE rfc6154#section-4). */
export interface ListSelection {
  subscribed: boolean
  remote: boolean
  recursiveMatch: boolean
  specialUse: boolean
}

/** LIST return options (rfc5258#section-3.2, rfc6154, LIST-STATUS rfc5819). */
export interface ListReturn {
  subscribed: boolean
  children: boolean
  specialUse: boolean
  /** STATUS items to return for each listed mailbox, when asked for. */
  status?: StatusItem[]
}

// ---------------------------------------------------------------- SELECT / APPEND

/** QRESYNC parameters of SELECT/EXAMINE (rfc7162#section-3.2.5). */
export interface QresyncParams {
  uidValidity: number
  modseq: number
  knownUids?: SequenceSet
  /** Known sequence numbers and the UIDs they correspond to, to find expunges cheaply. */
  sequenceMatch?: { sequenceNumbers: SequenceSet; uids: SequenceSet }
}

/** One message of APPEND; MULTIAPPEND sends several (rfc3502#section-6.3.11). */
export interface AppendMessage {
  flags: string[]
  /** The INTERNALDATE asked for, in epoch milliseconds. */
  internalDate?: number
  content: Uint8Array
  /** Sent as literal8 `~{n}` (rfc3516#section-4.4) */
  binary: boolean
  /** Sent as `UTF8 (~{n})` (rfc6855#section-4) */
  utf8: boolean
}

// ---------------------------------------------------------------- the commands

interface Tagged {
  tag: string
}

type Simple<N extends string> = Tagged & { name: N }
/** One union member per name, so `CommandOf<'SELECT'>` is not `never`. */
type Each<N extends string, Fields> = N extends string ? Simple<N> & Fields : never

export type Command =
  | Simple<'CAPABILITY'>
  | Simple<'NOOP'>
  | Simple<'LOGOUT'>
  | Simple<'STARTTLS'>
  | Simple<'IDLE'>
  | Simple<'CHECK'>
  | Simple<'CLOSE'>
  | Simple<'UNSELECT'>
  | Simple<'NAMESPACE'>
  | Simple<'UNAUTHENTICATE'>
  /** `initialResponse` is SASL-IR's base64 text (rfc4959#section-3); '' when the client sent "=". */
  | (Simple<'AUTHENTICATE'> & { mechanism: string; initialResponse?: string })
  | (Simple<'LOGIN'> & { username: string; password: string })
  /** Capability names upper-cased (rfc5161#section-3.1). */
  | (Simple<'ENABLE'> & { capabilities: string[] })
  | Each<'SELECT' | 'EXAMINE', { mailbox: MailboxName; condstore: boolean; qresync?: QresyncParams }>
  /** `specialUse` from CREATE-SPECIAL-USE `(USE (\Drafts))` (rfc6154#section-3). */
  | (Simple<'CREATE'> & { mailbox: MailboxName; specialUse: string[] })
  | Each<'DELETE' | 'SUBSCRIBE' | 'UNSUBSCRIBE', { mailbox: MailboxName }>
  | (Simple<'RENAME'> & { mailbox: MailboxName; newMailbox: MailboxName })
  /** `extended` when any LIST-EXTENDED syntax was used (rfc5258#section-3). */
  | (Simple<'LIST'> & {
      reference: MailboxName
      patterns: string[]
      selection: ListSelection
      returns: ListReturn
      extended: boolean
    })
  | (Simple<'LSUB'> & { reference: MailboxName; pattern: string })
  | (Simple<'STATUS'> & { mailbox: MailboxName; items: StatusItem[] })
  | (Simple<'APPEND'> & { mailbox: MailboxName; messages: AppendMessage[] })
  /** EXPUNGE, or UID EXPUNGE with a set (rfc4315#section-2.1). */
  | (Simple<'EXPUNGE'> & { uid: boolean; sequenceSet?: SequenceSet })
  /**
   * `returns` is undefined without RETURN (a classic `* SEARCH` answer) and lists the options
   * otherwise; `RETURN ()` is `['ALL']` (rfc4731#section-3.1). Strings are UTF-8 when the charset is
   * UTF-8 or US-ASCII (or absent); in another charset they hold the raw bytes, one per character,
   * and the server answers NO [BADCHARSET] (rfc9051#section-6.4.4).
   */
  | (Simple<'SEARCH'> & {
      uid: boolean
      charset?: string
      returns?: SearchReturnOption[]
      criteria: SearchKey[]
    })
  | (Simple<'FETCH'> & {
      uid: boolean
      sequenceSet: SequenceSet
      attributes: FetchAttribute[]
      /** CHANGEDSINCE modifier (rfc7162#section-3.1.4.1) */
      changedSince?: number
      /** VANISHED modifier of UID FETCH (rfc7162#section-3.2.6) */
      vanished: boolean
    })
  | (Simple<'STORE'> & {
      uid: boolean
      sequenceSet: SequenceSet
      operation: 'replace' | 'add' | 'remove'
      silent: boolean
      flags: string[]
      /** UNCHANGEDSINCE modifier (rfc7162#section-3.1.3) */
      unchangedSince?: number
    })
  | Each<'COPY' | 'MOVE', { uid: boolean; sequenceSet: SequenceSet; mailbox: MailboxName }>
  /** SORT (rfc5256#section-3); `returns` for ESORT (rfc5267#section-3.2). */
  | (Simple<'SORT'> & {
      uid: boolean
      criteria: SortCriterion[]
      charset: string
      returns?: SearchReturnOption[]
      searchCriteria: SearchKey[]
    })
  /** THREAD (rfc5256#section-3); the algorithm upper-cased, e.g. REFERENCES or ORDEREDSUBJECT. */
  | (Simple<'THREAD'> & { uid: boolean; algorithm: string; charset: string; searchCriteria: SearchKey[] })
  | (Simple<'GETQUOTA'> & { root: string })
  | (Simple<'GETQUOTAROOT'> & { mailbox: MailboxName })
  /** SETQUOTA (rfc9208#section-4.3); parsed so the server can refuse it properly. */
  | (Simple<'SETQUOTA'> & { root: string; limits: Array<{ resource: string; limit: number }> })
  /** ID (rfc2971#section-3.1): NIL, or field/value pairs in the order sent. */
  | (Simple<'ID'> & { parameters: Array<[string, string | null]> | null })
  /** COMPRESS (rfc4978#section-3); the mechanism upper-cased. */
  | (Simple<'COMPRESS'> & { mechanism: string })

export type CommandName = Command['name']

/** The command with the given name, for handlers: `CommandOf<'FETCH'>`. */
export type CommandOf<N extends CommandName> = Extract<Command, { name: N }>
