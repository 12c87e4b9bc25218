// How a FETCH response names each requested item (rfc9051#section-7.5.2): BODY.PEEK answers as BODY,
// a partial answers with its origin only (`BODY[]<0>`), and the section spec is echoed.

import { isAstringAtom } from './char-classes.ts'
import type { BodySection, FetchAttribute } from './command-types.ts'

/** A header field name for a header-list: bare when it is an atom, else quoted. */
function headerFieldName(name: string): string {
  return isAstringAtom(name) ? name : `"${name.replace(/["\\]/g, (c) => `\\${c}`)}"`
}

/** The section spec inside the brackets: `1.2.HEADER.FIELDS (From To)`, `TEXT`, `` for the whole message. */
export function formatSection(section: BodySection): string {
  const parts = section.part.join('.')
  if (section.text === undefined) return parts
  const text =
    section.fields === undefined
      ? section.text
      : `${section.text} (${section.fields.map(headerFieldName).join(' ')})`
  return parts === '' ? text : `${parts}.${text}`
}

/**
 * The name a FETCH response gives the item, e.g. `BODY[HEADER.FIELDS (DATE FROM)]`, `BODY[]<0>`,
 * `BINARY[1.2]`, `BINARY.SIZE[3]`, `FLAGS`.
 */
export function fetchResponseName(attribute: FetchAttribute): string {
  switch (attribute.name) {
    case 'BODY[]': {
      const origin = attribute.partial === undefined ? '' : `<${attribute.partial.offset}>`
      return `BODY[${formatSection(attribute.section)}]${origin}`
    }
    case 'BINARY[]': {
      const origin = attribute.partial === undefined ? '' : `<${attribute.partial.offset}>`
      return `BINARY[${attribute.part.join('.')}]${origin}`
    }
    case 'BINARY.SIZE':
      return `BINARY.SIZE[${attribute.part.join('.')}]`
    default:
      return attribute.name
  }
}
