// One message's FETCH response items (rfc9051#section-7.5.2), in the order the client asked for
// them, from stored facts and, only for body sections, the raw bytes: ENVELOPE, BODYSTRUCTURE,
// BODY, BODY[section]<partial>, BINARY (rfc3516), MODSEQ (rfc7162), EMAILID/THREADID (rfc8474),
// PREVIEW (rfc8970).
import { formatImapValue, type ImapValue, type MimePart } from '../../../mail/index.ts'
import type { StoredMeta } from '../../../store/facts.ts'
import { unpackPart, wireFieldOf } from '../../../store/facts.ts'
import { formatObjectId } from '../../../store/object-ids.ts'
import type { FactField, MailboxMessage, StoredFacts } from '../../../store/read.ts'
import {
  encodeNstring,
  type FetchAttribute,
  fetchResponseName,
  formatDateTime,
  type WirePart,
} from '../../proto/index.ts'
import { applyPartial, binaryBytes, sectionBytes } from './sections.ts'

/** What a FETCH needs from the store, worked out once from its attributes. */
export interface FetchPlan {
  attributes: FetchAttribute[]
  /** ENVELOPE, BODYSTRUCTURE, BODY or the part tree. */
  needsFacts: boolean
  /** The stored part tree (sections other than the whole message, BINARY, RFC822.HEADER/TEXT). */
  needsTree: boolean
  /** The fact columns to load (the MIME tree only when a section needs it). */
  factFields: FactField[]
  /**
   * Every body item is the top-level header (BODY[HEADER], HEADER.FIELDS, RFC822.HEADER: what
   * clients list a mailbox with): only the header is read, from the stored header frame.
   */
  headerOnly: boolean
  needsRaw: boolean
  /** The email row (PREVIEW). */
  needsEmail: boolean
  /** BODY[...], BINARY[...], RFC822 or RFC822.TEXT without PEEK (rfc9051#section-6.4.5). */
  setsSeen: boolean
  hasFlags: boolean
  hasModseq: boolean
}

export function planFetch(attributes: FetchAttribute[]): FetchPlan {
  const plan: FetchPlan = {
    attributes,
    needsFacts: false,
    needsTree: false,
    factFields: [],
    headerOnly: false,
    needsRaw: false,
    needsEmail: false,
    setsSeen: false,
    hasFlags: false,
    hasModseq: false,
  }
  for (const a of attributes) {
    switch (a.name) {
      case 'ENVELOPE':
      case 'BODYSTRUCTURE':
      case 'BODY':
        plan.needsFacts = true
        break
      case 'FLAGS':
        plan.hasFlags = true
        break
      case 'MODSEQ':
        plan.hasModseq = true
        break
      case 'PREVIEW':
        plan.needsEmail = true
        break
      case 'RFC822':
        plan.needsRaw = true
        plan.setsSeen = true
        break
      case 'RFC822.HEADER':
      case 'RFC822.TEXT':
        plan.needsRaw = true
        plan.needsTree = true
        if (a.name === 'RFC822.TEXT') plan.setsSeen = true
        break
      case 'BODY[]':
        plan.needsRaw = true
        if (a.section.part.length > 0 || a.section.text !== undefined) plan.needsTree = true
        if (!a.peek) plan.setsSeen = true
        break
      case 'BINARY[]':
      case 'BINARY.SIZE':
        plan.needsRaw = true
        if (a.part.length > 0) plan.needsTree = true
        if (a.name === 'BINARY[]' && !a.peek) plan.setsSeen = true
        break
    }
  }
  const topHeader = (a: FetchAttribute) =>
    a.name === 'RFC822.HEADER' ||
    (a.name === 'BODY[]' &&
      a.section.part.length === 0 &&
      (a.section.text === 'HEADER' ||
        a.section.text === 'HEADER.FIELDS' ||
        a.section.text === 'HEADER.FIELDS.NOT'))
  const bodyItems = attributes.filter((a) =>
    ['RFC822', 'RFC822.HEADER', 'RFC822.TEXT', 'BODY[]', 'BINARY[]', 'BINARY.SIZE'].includes(a.name),
  )
  plan.headerOnly = bodyItems.length > 0 && bodyItems.every(topHeader)
  if (plan.headerOnly) plan.needsTree = false
  if (plan.needsTree) plan.needsFacts = true
  plan.factFields = [
    ...(attributes.some((a) => a.name === 'ENVELOPE') ? (['envelope'] as const) : []),
    ...(attributes.some((a) => a.name === 'BODYSTRUCTURE') ? (['bodystructure'] as const) : []),
    ...(attributes.some((a) => a.name === 'BODY') ? (['body'] as const) : []),
    ...(plan.needsTree ? (['meta'] as const) : []),
  ]
  return plan
}

/** Everything loaded for one message. */
export interface FetchSource {
  seq: number
  message: MailboxMessage
  facts?: StoredFacts
  raw?: Uint8Array
  /** `raw` holds only the message header (see FetchPlan.headerOnly). */
  headerOnly?: boolean
  preview?: string
  /** FLAGS changed by this FETCH (\Seen): sent even when not asked for (rfc9051#section-6.4.5). */
  flagsChanged: boolean
}

export interface RenderOptions {
  /** UTF-8 in quoted strings (UTF8=ACCEPT or IMAP4rev2). */
  utf8: boolean
  /** CONDSTORE is on: MODSEQ goes with FLAGS (rfc7162#section-3.1). */
  condstore: boolean
  /** CHANGEDSINCE was given: MODSEQ in every response (rfc7162#section-3.1.4.1). */
  changedSince: boolean
  flagText(m: MailboxMessage): string
}

/** Stands in for the part tree where BINARY[] (the whole message) does not need it. */
const emptyRoot = unpackPart({})

/** PREVIEW is at most 200 characters (rfc8970#section-3.1). */
const previewLength = 200

function literalOf(bytes: Uint8Array, binary: boolean): WirePart[] {
  const hasNul = bytes.indexOf(0) >= 0
  // literal8 only where BINARY allows it and the data holds NUL (rfc3516#section-4.3).
  if (binary) return [`${hasNul ? '~' : ''}{${bytes.length}}\r\n`, bytes]
  // A literal cannot carry NUL (rfc9051#section-9 CHAR8): it goes out as 0x80, as Dovecot sends it.
  return [`{${bytes.length}}\r\n`, hasNul ? bytes.map((b) => (b === 0 ? 0x80 : b)) : bytes]
}

/**
 * ENVELOPE, BODYSTRUCTURE or BODY: the stored wire bytes, unless the session has UTF-8 on and
 * the tree was kept because its UTF-8 form differs (or the row predates the wire columns).
 */
function imapItem(facts: StoredFacts, item: 'envelope' | 'bodystructure' | 'body', utf8: boolean): WirePart {
  const json = facts[item]
  const wire = facts[wireFieldOf[item]]
  if (wire !== null && (!utf8 || json === '')) return wire
  return formatImapValue(JSON.parse(json) as ImapValue, { utf8 })
}

function clipPreview(text: string): string {
  let end = 0
  for (let n = 0; n < previewLength && end < text.length; n++) {
    const c = text.charCodeAt(end)
    end += c >= 0xd800 && c < 0xdc00 ? 2 : 1
  }
  return text.slice(0, end).trim()
}

/** A message's loaded data, with the part tree parsed from the stored meta on first use. */
class MessageData {
  private root: MimePart | undefined
  constructor(private readonly source: FetchSource) {}

  get raw(): Uint8Array {
    if (this.source.raw === undefined) throw new Error('message bytes needed but not loaded')
    return this.source.raw
  }

  get facts(): StoredFacts {
    if (this.source.facts === undefined) throw new Error('facts needed but not loaded')
    return this.source.facts
  }

  get tree(): MimePart {
    // Header-only loads carry just the header: the top level is all the tree they need.
    this.root ??= this.source.headerOnly
      ? unpackPart({ headerStart: 0, bodyStart: this.raw.length, bodyEnd: this.raw.length })
      : unpackPart((JSON.parse(this.facts.meta) as StoredMeta).parts)
    return this.root
  }
}

/**
 * The response items of one message, as wire pieces: strings are byte strings (one char per
 * byte, as formatImapValue makes them) and literal contents are bytes. Throws ImapNo for BINARY
 * of a part it cannot serve.
 */
export function renderItems(plan: FetchPlan, source: FetchSource, options: RenderOptions): WirePart[] {
  const m = source.message
  const data = new MessageData(source)
  const out: WirePart[] = []
  const item = (parts: WirePart[]) => {
    if (out.length > 0) out.push(' ')
    out.push(...parts)
  }
  for (const a of plan.attributes) item(renderItem(a, source, data, options))
  // rfc9051#section-6.4.5: flags changed by this FETCH are reported with it.
  if (source.flagsChanged && !plan.hasFlags) item([`FLAGS (${options.flagText(m)})`])
  const withFlags = plan.hasFlags || source.flagsChanged
  if (!plan.hasModseq && (options.changedSince || (options.condstore && withFlags))) {
    item([`MODSEQ (${m.modseq})`])
  }
  return out
}

function renderItem(
  a: FetchAttribute,
  source: FetchSource,
  data: MessageData,
  options: RenderOptions,
): WirePart[] {
  const m = source.message
  switch (a.name) {
    case 'UID':
      return [`UID ${m.uid}`]
    case 'FLAGS':
      return [`FLAGS (${options.flagText(m)})`]
    case 'INTERNALDATE':
      return [`INTERNALDATE "${formatDateTime(m.receivedAt)}"`]
    case 'RFC822.SIZE':
      return [`RFC822.SIZE ${m.size}`]
    case 'ENVELOPE':
      return ['ENVELOPE ', imapItem(data.facts, 'envelope', options.utf8)]
    case 'BODYSTRUCTURE':
      return ['BODYSTRUCTURE ', imapItem(data.facts, 'bodystructure', options.utf8)]
    case 'BODY':
      return ['BODY ', imapItem(data.facts, 'body', options.utf8)]
    case 'MODSEQ':
      return [`MODSEQ (${m.modseq})`]
    case 'EMAILID':
      return [`EMAILID (${formatObjectId('email', m.emailId)})`]
    case 'THREADID':
      return [`THREADID (${formatObjectId('thread', m.threadId)})`]
    case 'PREVIEW': {
      const text = source.preview === undefined ? null : clipPreview(source.preview)
      return ['PREVIEW ', encodeNstring(text, { utf8: options.utf8 })]
    }
    default:
      return renderContent(a, data)
  }
}

/** The items that carry message bytes: RFC822.*, BODY[section], BINARY[part], BINARY.SIZE[part]. */
function renderContent(a: FetchAttribute, data: MessageData): WirePart[] {
  switch (a.name) {
    case 'RFC822':
      return ['RFC822 ', ...literalOf(data.raw, false)]
    case 'RFC822.HEADER':
      return ['RFC822.HEADER ', ...literalOf(data.raw.subarray(0, data.tree.bodyStart), false)]
    case 'RFC822.TEXT':
      return ['RFC822.TEXT ', ...literalOf(data.raw.subarray(data.tree.bodyStart), false)]
    case 'BODY[]': {
      const whole = a.section.part.length === 0 && a.section.text === undefined
      const bytes = whole ? data.raw : sectionBytes(data.raw, data.tree, a.section)
      return [`${fetchResponseName(a)} `, ...literalOf(applyPartial(bytes, a.partial), false)]
    }
    case 'BINARY[]': {
      const bytes = binaryBytes(data.raw, a.part.length === 0 ? emptyRoot : data.tree, a.part)
      return [`${fetchResponseName(a)} `, ...literalOf(applyPartial(bytes, a.partial), true)]
    }
    case 'BINARY.SIZE': {
      const bytes = binaryBytes(data.raw, a.part.length === 0 ? emptyRoot : data.tree, a.part)
      return [`${fetchResponseName(a)} ${bytes.length}`]
    }
    default:
      throw new Error(`no renderer for ${a.name}`)
  }
}
