// Section addressing for BODY[...] fetches: rfc3501#section-6.4.5 / rfc9051#section-6.4.5 part
// numbers, HEADER, TEXT and MIME, resolved to byte ranges of the raw message.
import type { MimePart } from './types.ts'

/** A byte range `[start, end)` of the raw message. */
export interface ByteRange {
  start: number
  end: number
}

function isMessagePart(p: MimePart): boolean {
  return p.message !== null
}

/**
 * Finds the part that a section number ("1", "2.1.3") names. `root` is the message (id ''). A
 * non-multipart message has only part 1, its body; parts of an embedded message/rfc822 are
 * numbered below the message part (rfc3501#section-6.4.5). Returns undefined for a bad number.
 */
export function findPart(root: MimePart, section: string): MimePart | undefined {
  if (section === '') return root
  let container = root
  let isMessageRoot = true
  const numbers = section.split('.')
  for (let i = 0; i < numbers.length; i++) {
    const text = numbers[i] as string
    if (!/^[1-9]\d*$/.test(text)) return undefined
    const n = Number(text)
    let part: MimePart | undefined
    if (container.type === 'multipart') part = container.children[n - 1]
    else if (isMessageRoot && n === 1) part = container // rfc3501#section-6.4.5: a non-multipart message has part 1
    if (part === undefined) return undefined
    if (i === numbers.length - 1) return part
    if (isMessagePart(part)) {
      container = part.message as MimePart
      isMessageRoot = true
    } else if (part.type === 'multipart' && part !== container) {
      container = part
      isMessageRoot = false
    } else return undefined
  }
  return undefined
}

/**
 * The bytes of BODY[section] (`which` ''), BODY[section.MIME], BODY[section.HEADER] or
 * BODY[section.TEXT]. HEADER and TEXT need the message itself (section '') or a message/rfc822
 * part (rfc3501#section-6.4.5); MIME needs a part number. Undefined when the section is invalid.
 */
export function sectionRange(
  root: MimePart,
  section: string,
  which: '' | 'MIME' | 'HEADER' | 'TEXT',
): ByteRange | undefined {
  const part = findPart(root, section)
  if (part === undefined) return undefined
  switch (which) {
    case '':
      return section === ''
        ? { start: root.headerStart, end: root.bodyEnd }
        : { start: part.bodyStart, end: part.bodyEnd }
    case 'MIME':
      return section === '' ? undefined : { start: part.headerStart, end: part.bodyStart }
    case 'HEADER':
    case 'TEXT': {
      const message = section === '' ? root : part.message
      if (message === null) return undefined
      return which === 'HEADER'
        ? { start: message.headerStart, end: message.bodyStart }
        : { start: message.bodyStart, end: message.bodyEnd }
    }
  }
}
