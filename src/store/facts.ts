// What the store keeps about a message, computed once by mail/ at delivery. The store never
// parses; callers (delivery, IMAP APPEND, JMAP import, the importer) hand it these facts.
import type { emailFacts } from '../db/schema/index.ts'
import { formatImapValue, type ImapValue, type MimePart, type ParsedMessage } from '../mail/index.ts'

/** A row of email_facts as the store reads it. */
export type StoredFacts = typeof emailFacts.$inferSelect

/** The stored facts one can ask for by name (the others come back as ''). */
export type FactField = 'envelope' | 'bodystructure' | 'body' | 'meta'

/**
 * The IMAP items stored also in their wire form (column `imap_<item>`): the name of that form in
 * StoredFacts.
 */
export const wireFieldOf = {
  envelope: 'imapEnvelope',
  bodystructure: 'imapBodystructure',
  body: 'imapBody',
} as const

export interface MessageFacts {
  size: number
  /** IMAP ENVELOPE / BODYSTRUCTURE / BODY as JSON-ready ImapValue trees. */
  envelope: unknown
  bodystructure: unknown
  body: unknown
  /** MIME part offsets and JMAP header fields and body lists, JSON-ready. */
  meta: unknown
  /** Message-ID without angle brackets, or null. */
  messageId: string | null
  inReplyTo: string[]
  references: string[]
  subject: string
  /** rfc5256#section-2.1 base subject, for threading and SORT. */
  baseSubject: string
  /** Whether the subject had a reply/forward prefix (allows the subject fallback in threading). */
  isReplyOrForward: boolean
  fromEmail: string
  /** ms since the epoch, or null. */
  sentAt: number | null
  preview: string
  hasAttachment: boolean
}

/** What `meta` holds: the part tree (compacted) and the JMAP header fields and body lists. */
export interface StoredMeta {
  headerSize: number
  lines: number
  parts: PackedPart
  from: ParsedMessage['from']
  sender: ParsedMessage['sender']
  replyTo: ParsedMessage['replyTo']
  to: ParsedMessage['to']
  cc: ParsedMessage['cc']
  bcc: ParsedMessage['bcc']
  subject: string | null
  sentAt: string | null
  messageId: string[] | null
  inReplyTo: string[] | null
  references: string[] | null
  textBody: string[]
  htmlBody: string[]
  attachments: string[]
  /** Decoded size of each leaf part by part id (JMAP EmailBodyPart size); absent in older rows. */
  decodedSizes?: Record<string, number>
}

/** A MimePart without its empty and null fields (most parts have few), to keep the database small. */
export type PackedPart = Partial<Omit<MimePart, 'children' | 'message'>> & {
  children?: PackedPart[]
  message?: PackedPart
}

const replyPrefix = /^\s*((re|fwd?|aw|wg|sv|vs|antw|tr|rif|r)\s*(\[\d+\])?\s*:|\[[^\]]*\]\s*(re|fwd?)\s*:)/i

/** The store's facts from a parsed message (mail/). */
export function factsFromParsed(parsed: ParsedMessage): MessageFacts {
  const meta: StoredMeta = {
    headerSize: parsed.headerSize,
    lines: parsed.lines,
    parts: packPart(parsed.parts),
    from: parsed.from,
    sender: parsed.sender,
    replyTo: parsed.replyTo,
    to: parsed.to,
    cc: parsed.cc,
    bcc: parsed.bcc,
    subject: parsed.subject,
    sentAt: parsed.sentAt,
    messageId: parsed.messageId,
    inReplyTo: parsed.inReplyTo,
    references: parsed.references,
    textBody: parsed.textBody,
    htmlBody: parsed.htmlBody,
    attachments: parsed.attachments,
    decodedSizes: parsed.decodedSizes,
  }
  const sentAt = parsed.sentAt === null ? null : Date.parse(parsed.sentAt)
  return {
    size: parsed.size,
    envelope: parsed.envelope,
    bodystructure: parsed.bodystructure,
    body: parsed.body,
    meta,
    messageId: parsed.messageId?.[0] ?? null,
    inReplyTo: parsed.inReplyTo ?? [],
    references: parsed.references ?? [],
    subject: parsed.subject ?? '',
    baseSubject: parsed.baseSubject,
    isReplyOrForward: replyPrefix.test(parsed.subject ?? ''),
    fromEmail: (parsed.from?.[0]?.email ?? '').toLowerCase(),
    sentAt: sentAt === null || Number.isNaN(sentAt) ? null : sentAt,
    preview: parsed.preview,
    hasAttachment: parsed.hasAttachment,
  }
}

export function packPart(part: MimePart): PackedPart {
  const out: PackedPart = {}
  for (const [key, value] of Object.entries(part) as [keyof MimePart, unknown][]) {
    if (key === 'children') {
      if (part.children.length > 0) out.children = part.children.map(packPart)
    } else if (key === 'message') {
      if (part.message) out.message = packPart(part.message)
    } else if (
      value !== null &&
      value !== '' &&
      value !== 0 &&
      !(typeof value === 'object' && Object.keys(value as object).length === 0)
    ) {
      ;(out as Record<string, unknown>)[key] = value
    }
  }
  return out
}

/** Restores a MimePart from its packed form. */
export function unpackPart(packed: PackedPart): MimePart {
  return {
    id: packed.id ?? '',
    headerStart: packed.headerStart ?? 0,
    bodyStart: packed.bodyStart ?? 0,
    bodyEnd: packed.bodyEnd ?? 0,
    type: packed.type ?? 'text',
    subtype: packed.subtype ?? 'plain',
    params: packed.params ?? {},
    contentId: packed.contentId ?? null,
    description: packed.description ?? null,
    encoding: packed.encoding ?? null,
    disposition: packed.disposition ?? null,
    dispositionParams: packed.dispositionParams ?? {},
    language: packed.language ?? null,
    location: packed.location ?? null,
    md5: packed.md5 ?? null,
    name: packed.name ?? null,
    lines: packed.lines ?? 0,
    children: (packed.children ?? []).map(unpackPart),
    message: packed.message ? unpackPart(packed.message) : null,
  }
}

/** The IMAP items of a message as the facts table stores them (see email_facts in db/schema). */
export interface StoredImapItems {
  envelope: string
  bodystructure: string
  body: string
  imapEnvelope: Buffer
  imapBodystructure: Buffer
  imapBody: Buffer
}

/**
 * ENVELOPE, BODYSTRUCTURE and BODY in the bytes FETCH sends without UTF-8; the trees' JSON too,
 * only when a UTF8=ACCEPT session would get other bytes (raw 8-bit UTF-8 header text).
 */
export function storedImapItems(facts: MessageFacts): StoredImapItems {
  const trees = [facts.envelope, facts.bodystructure, facts.body] as ImapValue[]
  const wire = trees.map((v) => formatImapValue(v, { utf8: false }))
  const utf8Differs = trees.some((v, i) => formatImapValue(v, { utf8: true }) !== wire[i])
  const json = (v: unknown) => (utf8Differs ? JSON.stringify(v) : '')
  const bytes = (i: number) => Buffer.from(wire[i] as string, 'latin1')
  return {
    envelope: json(facts.envelope),
    bodystructure: json(facts.bodystructure),
    body: json(facts.body),
    imapEnvelope: bytes(0),
    imapBodystructure: bytes(1),
    imapBody: bytes(2),
  }
}
