// JMAP body lists, preview and hasAttachment: rfc8621#section-4.1.4 (textBody, htmlBody,
// attachments, preview, hasAttachment).
import { decodePartBody, decodePartText } from './decode.ts'
import { htmlToText } from './html-text.ts'
import type { MimePart } from './types.ts'

/** The body lists of rfc8621#section-4.1.4, as parts. */
export interface BodyLists {
  textBody: MimePart[]
  htmlBody: MimePart[]
  attachments: MimePart[]
}

function isInlineMedia(part: MimePart): boolean {
  return part.type === 'image' || part.type === 'audio' || part.type === 'video'
}

/** The section id whose BODY[...] is the content of a leaf part: '1' for a single-part message. */
export function partSection(part: MimePart): string {
  return part.id === '' ? '1' : part.id
}

/** rfc8621#section-4.1.4 parseStructure, over the children of one multipart. */
function walk(
  parts: MimePart[],
  multipartType: string,
  inAlternative: boolean,
  lists: { text: MimePart[] | null; html: MimePart[] | null; attachments: MimePart[] },
): void {
  const textLength = lists.text ? lists.text.length : -1
  const htmlLength = lists.html ? lists.html.length : -1
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as MimePart
    const mime = `${part.type}/${part.subtype}`
    const isInline =
      part.disposition !== 'attachment' &&
      (mime === 'text/plain' || mime === 'text/html' || isInlineMedia(part)) &&
      (i === 0 || (multipartType !== 'related' && (isInlineMedia(part) || part.name === null)))
    if (part.type === 'multipart') {
      const sub = part.subtype
      walk(part.children, sub, inAlternative || sub === 'alternative', { ...lists })
    } else if (isInline) {
      if (multipartType === 'alternative') {
        if (mime === 'text/plain') lists.text?.push(part)
        else if (mime === 'text/html') lists.html?.push(part)
        else lists.attachments.push(part)
        continue
      }
      if (inAlternative) {
        // the lists are this call's own copy: dropping one lasts for the rest of this multipart
        if (mime === 'text/plain') lists.html = null
        if (mime === 'text/html') lists.text = null
      }
      lists.text?.push(part)
      lists.html?.push(part)
      if ((!lists.text || !lists.html) && isInlineMedia(part)) lists.attachments.push(part)
    } else {
      lists.attachments.push(part)
    }
  }
  if (multipartType === 'alternative' && lists.text && lists.html) {
    // only HTML found: use it as text too; only plain text found: use it as HTML too
    if (textLength === lists.text.length && htmlLength !== lists.html.length) {
      lists.text.push(...lists.html.slice(htmlLength))
    }
    if (htmlLength === lists.html.length && textLength !== lists.text.length) {
      lists.html.push(...lists.text.slice(textLength))
    }
  }
}

/** Computes textBody, htmlBody and attachments for a message's root part (rfc8621#section-4.1.4). */
export function bodyLists(root: MimePart): BodyLists {
  const textBody: MimePart[] = []
  const htmlBody: MimePart[] = []
  const attachments: MimePart[] = []
  walk([root], 'mixed', false, { text: textBody, html: htmlBody, attachments })
  return { textBody, htmlBody, attachments }
}

// Parts that mail clients process themselves rather than offer as downloads.
const AUTOMATIC = new Set([
  'application/pgp-signature',
  'application/pkcs7-signature',
  'application/x-pkcs7-signature',
  'application/pgp-keys',
])

/** rfc8621#section-4.1.4 hasAttachment: an attachment that is not inline nor a signature. */
export function hasAttachment(attachments: MimePart[]): boolean {
  return attachments.some((p) => p.disposition !== 'inline' && !AUTOMATIC.has(`${p.type}/${p.subtype}`))
}

const PREVIEW_LENGTH = 256

/**
 * rfc8621#section-4.1.4 preview: the start of the body text, whitespace collapsed, ≤256 chars;
 * from textBody, or htmlBody when the text parts hold no text.
 */
export function preview(raw: Uint8Array, lists: BodyLists): string {
  return previewOf(raw, lists.textBody) || previewOf(raw, lists.htmlBody)
}

function previewOf(raw: Uint8Array, textBody: MimePart[]): string {
  let text = ''
  for (const part of textBody) {
    if (part.type !== 'text') continue
    const isHtml = part.subtype === 'html'
    // enough encoded bytes for 256 characters of text, more for markup
    const content = decodePartText(raw, part, isHtml ? 32_768 : 2_048)
    text += ` ${(isHtml ? htmlToText(content) : content).replace(/\s+/g, ' ')}`
    if (text.length > PREVIEW_LENGTH + 1) break
  }
  const trimmed = text.trim()
  // cut at 256 characters (code points), not UTF-16 units
  let end = 0
  for (let n = 0; n < PREVIEW_LENGTH && end < trimmed.length; n++) {
    const c = trimmed.charCodeAt(end)
    end += c >= 0xd800 && c < 0xdc00 ? 2 : 1
  }
  return trimmed.slice(0, end)
}

/**
 * The decoded size of every leaf part (rfc8621#section-4.1.4 EmailBodyPart size), by part id:
 * what a download of the part's blob gives. A message/rfc822 part is a leaf for JMAP.
 */
export function decodedSizes(raw: Uint8Array, root: MimePart): Record<string, number> {
  const out: Record<string, number> = {}
  const visit = (part: MimePart) => {
    if (part.type === 'multipart') for (const child of part.children) visit(child)
    else out[partSection(part)] = decodedSize(raw, part)
  }
  visit(root)
  return out
}

function decodedSize(raw: Uint8Array, part: MimePart): number {
  const length = part.bodyEnd - part.bodyStart
  if (part.encoding !== 'base64' && part.encoding !== 'quoted-printable') return length
  return decodePartBody(raw, part).length
}
