// FETCH and STORE arguments: fetch attributes and macros, body sections and partials
// (rfc9051#section-6.4.5), BINARY (rfc3516#section-4), PREVIEW (rfc8970), EMAILID/THREADID
// (rfc8474), CHANGEDSINCE/VANISHED and UNCHANGEDSINCE modifiers (rfc7162#section-3.1.3, 3.1.4, 3.2.6).
import type { BodySection, CommandOf, FetchAttribute, PartialRange } from './command-types.ts'
import { readSequenceSet } from './sequence-set.ts'
import { decodeLatin1, type Reader } from './tokenizer.ts'

const SIMPLE_ATTRIBUTES = new Set<string>([
  'UID',
  'FLAGS',
  'INTERNALDATE',
  'RFC822.SIZE',
  'ENVELOPE',
  'BODYSTRUCTURE',
  'BODY',
  'RFC822',
  'RFC822.HEADER',
  'RFC822.TEXT',
  'MODSEQ',
  'EMAILID',
  'THREADID',
])

const simple = (...names: string[]) => names.map((name) => ({ name }) as FetchAttribute)

/** The macros (rfc9051#section-6.4.5): FAST, ALL, FULL. FULL is not in IMAP4rev2 but clients still send it. */
const MACROS: Record<string, () => FetchAttribute[]> = {
  FAST: () => simple('FLAGS', 'INTERNALDATE', 'RFC822.SIZE'),
  ALL: () => simple('FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'),
  FULL: () => simple('FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'),
}

/** A fetch-att name: letters, digits and dots, stopping at `[` or `<`. */
function readAttributeName(reader: Reader): string {
  const start = reader.pos
  for (;;) {
    const b = reader.peek()
    const ok = (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2e
    if (!ok) break
    reader.pos++
  }
  if (reader.pos === start) reader.fail('expected a fetch attribute')
  return decodeLatin1(reader.input.subarray(start, reader.pos)).toUpperCase()
}

/** section-part = nz-number *("." nz-number), stopping before "." followed by a letter. */
function readSectionPart(reader: Reader): number[] {
  const part = [reader.nzNumber('a section part number')]
  while (reader.peek() === 0x2e && reader.peek(1) >= 0x30 && reader.peek(1) <= 0x39) {
    reader.pos++
    part.push(reader.nzNumber('a section part number'))
  }
  return part
}

/** section = "[" [section-spec] "]" (rfc9051#section-9). */
function readSection(reader: Reader): BodySection {
  reader.expectByte(0x5b, '"["')
  const section: BodySection = { part: [] }
  if (reader.tryByte(0x5d)) return section
  const b = reader.peek()
  if (b >= 0x30 && b <= 0x39) {
    section.part = readSectionPart(reader)
    if (reader.tryByte(0x5d)) return section
    reader.expectByte(0x2e, '"." or "]" in section')
  }
  const text = readAttributeName(reader)
  switch (text) {
    case 'HEADER':
    case 'TEXT':
      section.text = text
      break
    case 'MIME':
      // MIME only makes sense for a part (rfc9051#section-6.4.5).
      if (section.part.length === 0) reader.fail('MIME needs a part number')
      section.text = text
      break
    case 'HEADER.FIELDS':
    case 'HEADER.FIELDS.NOT':
      section.text = text
      reader.space()
      section.fields = reader.parenList(() => reader.astring('a header field name'), false)
      break
    default:
      reader.fail(`unknown section ${text}`)
  }
  reader.expectByte(0x5d, '"]" closing the section')
  return section
}

/** partial = "<" number64 "." nz-number64 ">" (rfc9051#section-9). */
function readPartial(reader: Reader): PartialRange | undefined {
  if (!reader.tryByte(0x3c)) return undefined
  const offset = reader.number64('a partial offset')
  reader.expectByte(0x2e, '"." in partial')
  const length = reader.number64('a partial length')
  if (length === 0) reader.fail('partial length must not be 0')
  reader.expectByte(0x3e, '">" closing the partial')
  return { offset, length }
}

/** section-binary = "[" [section-part] "]" (rfc3516#section-4). */
function readBinarySection(reader: Reader): number[] {
  reader.expectByte(0x5b, '"[" after BINARY')
  if (reader.tryByte(0x5d)) return []
  const part = readSectionPart(reader)
  reader.expectByte(0x5d, '"]" closing the binary section')
  return part
}

/** PREVIEW [SP "(" preview-mod *(SP preview-mod) ")"], preview-mod = "LAZY" (rfc8970#section-4). */
function readPreview(reader: Reader): FetchAttribute {
  const save = reader.pos
  if (reader.trySpace() && reader.peek() === 0x28) {
    reader.pos++
    if (reader.tryWord('LAZY')) {
      reader.pos = save + 1
      const mods = reader.parenList(() => reader.keyword('a PREVIEW modifier'), false)
      if (mods.some((m) => m !== 'LAZY')) reader.fail('unknown PREVIEW modifier')
      return { name: 'PREVIEW', lazy: true }
    }
  }
  reader.pos = save // not a preview modifier list: a FETCH modifier list follows
  return { name: 'PREVIEW', lazy: false }
}

export function readFetchAttribute(reader: Reader): FetchAttribute {
  const name = readAttributeName(reader)
  if (name === 'BODY' && reader.peek() === 0x5b) {
    return withPartial(reader, { name: 'BODY[]', peek: false, section: readSection(reader) })
  }
  if (SIMPLE_ATTRIBUTES.has(name)) return { name } as FetchAttribute
  switch (name) {
    case 'BODY.PEEK':
      return withPartial(reader, { name: 'BODY[]', peek: true, section: readSection(reader) })
    case 'BINARY':
    case 'BINARY.PEEK':
      return withPartial(reader, {
        name: 'BINARY[]',
        peek: name === 'BINARY.PEEK',
        part: readBinarySection(reader),
      })
    case 'BINARY.SIZE':
      return { name: 'BINARY.SIZE', part: readBinarySection(reader) }
    case 'PREVIEW':
      return readPreview(reader)
    default:
      return reader.fail(`unknown fetch attribute ${name}`)
  }
}

type RangedAttribute = Extract<FetchAttribute, { partial?: PartialRange }>

function withPartial(reader: Reader, attribute: RangedAttribute): RangedAttribute {
  const partial = readPartial(reader)
  if (partial !== undefined) attribute.partial = partial
  return attribute
}

type FetchCommand = CommandOf<'FETCH'>

/** FETCH arguments after "FETCH" (rfc9051#section-6.4.5, rfc7162#section-3.1.4 and 3.2.6). */
export function readFetchArguments(reader: Reader, tag: string, uid: boolean): FetchCommand {
  reader.space()
  const sequenceSet = readSequenceSet(reader)
  reader.space()
  let attributes: FetchAttribute[]
  if (reader.peek() === 0x28) {
    attributes = reader.parenList(() => readFetchAttribute(reader), false)
  } else {
    const save = reader.pos
    const word = reader.peek() >= 0x41 ? readAttributeName(reader) : ''
    const macro = MACROS[word]
    if (macro !== undefined && reader.peek() !== 0x5b) attributes = macro()
    else {
      reader.pos = save
      attributes = [readFetchAttribute(reader)]
    }
  }
  const command: FetchCommand = { tag, name: 'FETCH', uid, sequenceSet, attributes, vanished: false }
  if (reader.trySpace()) {
    reader.parenList(() => {
      const modifier = reader.keyword('a FETCH modifier')
      if (modifier === 'CHANGEDSINCE') {
        reader.space()
        command.changedSince = reader.number64('a mod-sequence')
      } else if (modifier === 'VANISHED') command.vanished = true
      else reader.fail(`unknown FETCH modifier ${modifier}`)
    }, false)
  }
  // VANISHED only with UID FETCH and together with CHANGEDSINCE (rfc7162#section-3.2.6).
  if (command.vanished && (!uid || command.changedSince === undefined)) {
    reader.fail('VANISHED needs UID FETCH and CHANGEDSINCE')
  }
  if (uid && !attributes.some((a) => a.name === 'UID')) {
    // UID FETCH always returns UID (rfc9051#section-6.4.9); saying so in the AST spares every handler the check.
    attributes.unshift({ name: 'UID' })
  }
  return command
}

type StoreCommand = CommandOf<'STORE'>

/**
 * STORE arguments after "STORE": sequence-set [SP "(" UNCHANGEDSINCE n ")"] SP store-att-flags
 * (rfc9051#section-6.4.6, rfc7162#section-3.1.3).
 */
export function readStoreArguments(reader: Reader, tag: string, uid: boolean): StoreCommand {
  reader.space()
  const sequenceSet = readSequenceSet(reader)
  reader.space()
  let unchangedSince: number | undefined
  if (reader.peek() === 0x28) {
    reader.parenList(() => {
      const modifier = reader.keyword('a STORE modifier')
      if (modifier !== 'UNCHANGEDSINCE') reader.fail(`unknown STORE modifier ${modifier}`)
      reader.space()
      unchangedSince = reader.number64('a mod-sequence')
    }, false)
    reader.space()
  }
  const item = reader.keyword('+FLAGS, -FLAGS or FLAGS')
  const match = /^([+-]?)FLAGS(\.SILENT)?$/.exec(item)
  if (match === null) return reader.fail(`unknown STORE item ${item}`)
  reader.space()
  let flags: string[]
  if (reader.peek() === 0x28) flags = reader.flagList()
  else {
    flags = [reader.flag()]
    while (reader.trySpace()) flags.push(reader.flag())
  }
  const operation = match[1] === '+' ? 'add' : match[1] === '-' ? 'remove' : 'replace'
  const command: StoreCommand = {
    tag,
    name: 'STORE',
    uid,
    sequenceSet,
    operation,
    silent: match[2] !== undefined,
    flags,
  }
  if (unchangedSince !== undefined) command.unchangedSince = unchangedSince
  return command
}
