// Parse a message once at delivery into everything IMAP FETCH (rfc3501#section-7.4.2 ENVELOPE,
// BODY, BODYSTRUCTURE; rfc9051) and JMAP Email/get (rfc8621#section-4.1) serve, plus the base
// subject for threading (rfc5256#section-2.1).

import { messageStructure } from './bodystructure.ts'
import { asBuffer, countLf } from './bytes.ts'
import { parseDate } from './date.ts'
import { buildEnvelope } from './envelope.ts'
import { findHeaderEnd, type HeaderField, splitHeaderFields } from './header.ts'
import { bodyLists, decodedSizes, hasAttachment, partSection, preview } from './jmap-body.ts'
import { asAddresses, asMessageIds, asText, lastField } from './jmap-headers.ts'
import { emptyMime, type ScanNode, scanMessage } from './mime-scan.ts'
import { baseSubject } from './subject.ts'
import type { MimePart, ParsedMessage } from './types.ts'

function jmapFields(fields: HeaderField[]) {
  const subject = asText(lastField(fields, 'subject'))
  const date = lastField(fields, 'date')
  return {
    from: asAddresses(lastField(fields, 'from')),
    sender: asAddresses(lastField(fields, 'sender')),
    replyTo: asAddresses(lastField(fields, 'reply-to')),
    to: asAddresses(lastField(fields, 'to')),
    cc: asAddresses(lastField(fields, 'cc')),
    bcc: asAddresses(lastField(fields, 'bcc')),
    subject,
    sentAt: date === null ? null : parseDate(date),
    messageId: asMessageIds(lastField(fields, 'message-id')),
    inReplyTo: asMessageIds(lastField(fields, 'in-reply-to')),
    references: asMessageIds(lastField(fields, 'references')),
    baseSubject: baseSubject(subject ?? ''),
  }
}

function build(buf: Buffer, root: ScanNode): ParsedMessage {
  const part = root.part
  const lists = bodyLists(part)
  return {
    size: buf.length,
    headerSize: part.bodyStart,
    lines: countLf(buf, part.bodyStart, part.bodyEnd),
    parts: part,
    envelope: buildEnvelope(root.fields),
    bodystructure: messageStructure(root, true),
    body: messageStructure(root, false),
    ...jmapFields(root.fields),
    preview: preview(buf, lists),
    hasAttachment: hasAttachment(lists.attachments),
    textBody: lists.textBody.map(partSection),
    htmlBody: lists.htmlBody.map(partSection),
    attachments: lists.attachments.map(partSection),
    decodedSizes: decodedSizes(buf, part),
  }
}

/** A plain text/plain reading of the message, for input the scanner could not handle. */
function fallback(buf: Buffer): ParsedMessage {
  const { fieldsEnd, bodyStart } = findHeaderEnd(buf, 0)
  const fields = splitHeaderFields(buf.toString('latin1', 0, fieldsEnd))
  const part = fallbackPart(buf.length, bodyStart, countLf(buf, bodyStart, buf.length))
  return build(buf, { part, fields, raw: emptyMime(), kind: 'text', children: [], message: null })
}

function fallbackPart(size: number, bodyStart: number, lines: number): MimePart {
  return {
    id: '',
    headerStart: 0,
    bodyStart,
    bodyEnd: size,
    type: 'text',
    subtype: 'plain',
    params: {},
    contentId: null,
    description: null,
    encoding: null,
    disposition: null,
    dispositionParams: {},
    language: null,
    location: null,
    md5: null,
    name: null,
    lines,
    children: [],
    message: null,
  }
}

/** The last resort of parseMessage: a header-less text/plain message of `buf`. */
function minimal(buf: Buffer): ParsedMessage {
  const none = null
  const part = fallbackPart(buf.length, 0, 0)
  const bodystructure = ['text', 'plain', ['charset', 'us-ascii'], none, none, '7bit', buf.length, part.lines]
  return {
    size: buf.length,
    headerSize: 0,
    lines: 0,
    parts: part,
    envelope: [none, none, none, none, none, none, none, none, none, none],
    bodystructure: [...bodystructure, none, none, none, none],
    body: bodystructure,
    from: none,
    sender: none,
    replyTo: none,
    to: none,
    cc: none,
    bcc: none,
    subject: none,
    sentAt: none,
    messageId: none,
    inReplyTo: none,
    references: none,
    baseSubject: '',
    preview: '',
    hasAttachment: false,
    textBody: ['1'],
    htmlBody: ['1'],
    attachments: [],
    decodedSizes: { '1': buf.length },
  }
}

/**
 * Parses a raw message (RFC 5322 / MIME) once. Offsets, sizes and line counts describe exactly the
 * bytes given, so hand it the bytes that will be stored and served — CRLF-normalised (see
 * `normalizeCrlf`) for IMAP sizes to be right. Never throws: broken MIME still gives a structure
 * (the one Dovecot would show), and anything unexpected falls back to a single text/plain part.
 */
export function parseMessage(raw: Uint8Array): ParsedMessage {
  const buf = asBuffer(raw)
  try {
    return build(buf, scanMessage(buf))
  } catch {
    try {
      return fallback(buf)
    } catch {
      return minimal(buf)
    }
  }
}
