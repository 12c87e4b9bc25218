// Arguments of the mailbox commands that take more than a name: SELECT/EXAMINE with CONDSTORE and
// QRESYNC (rfc7162#section-3.1.8, 3.2.5), CREATE with USE (rfc6154#section-3), and APPEND with
// MULTIAPPEND (rfc3502), literal8 (rfc3516#section-4.4) and UTF8 (rfc6855#section-4).
import type { AppendMessage, CommandOf, QresyncParams } from './command-types.ts'
import { readDateTime } from './dates.ts'
import { readSequenceSet } from './sequence-set.ts'
import type { Reader } from './tokenizer.ts'

type SelectCommand = CommandOf<'SELECT'> | CommandOf<'EXAMINE'>

/**
 * QRESYNC parameter list: "(" uidvalidity SP mod-sequence-value [SP known-uids]
 * [SP seq-match-data] ")" (rfc7162#section-7).
 */
function readQresync(reader: Reader): QresyncParams {
  reader.expectByte(0x28, '"(" after QRESYNC')
  const uidValidity = reader.nzNumber('a UIDVALIDITY')
  reader.space()
  const modseq = reader.number64('a mod-sequence')
  if (modseq === 0) reader.fail('mod-sequence must not be 0')
  const params: QresyncParams = { uidValidity, modseq }
  if (reader.trySpace()) {
    if (reader.peek() !== 0x28) {
      params.knownUids = readSequenceSet(reader)
      if (reader.trySpace() && reader.peek() !== 0x28) reader.fail('expected "(" before sequence match data')
    }
    if (reader.peek() === 0x28) {
      reader.pos++
      const sequenceNumbers = readSequenceSet(reader)
      reader.space()
      const uids = readSequenceSet(reader)
      reader.expectByte(0x29, '")" closing the sequence match data')
      params.sequenceMatch = { sequenceNumbers, uids }
    }
  }
  reader.expectByte(0x29, '")" closing QRESYNC')
  return params
}

/** SELECT/EXAMINE arguments: SP mailbox [SP "(" select-param *(SP select-param) ")"]. */
export function readSelectArguments(reader: Reader, tag: string, name: 'SELECT' | 'EXAMINE'): SelectCommand {
  reader.space()
  const command: SelectCommand = { tag, name, mailbox: reader.astring('a mailbox name'), condstore: false }
  if (reader.trySpace()) {
    reader.parenList(() => {
      const param = reader.keyword('a SELECT parameter')
      if (param === 'CONDSTORE') command.condstore = true
      else if (param === 'QRESYNC') {
        if (command.qresync !== undefined) reader.fail('QRESYNC given twice')
        reader.space()
        command.qresync = readQresync(reader)
      } else reader.fail(`unknown SELECT parameter ${param}`)
    }, false)
  }
  return command
}

/** use-attr = "\" atom, e.g. \Drafts (rfc6154#section-6). */
function readUseAttribute(reader: Reader): string {
  reader.expectByte(0x5c, 'a special-use attribute')
  return `\\${reader.atom('a special-use attribute')}`
}

/** CREATE arguments: SP mailbox [SP "(" "USE" SP "(" use-attr... ")" ")"] (rfc6154#section-3). */
export function readCreateArguments(reader: Reader, tag: string): CommandOf<'CREATE'> {
  reader.space()
  const command: CommandOf<'CREATE'> = {
    tag,
    name: 'CREATE',
    mailbox: reader.astring('a mailbox name'),
    specialUse: [],
  }
  if (reader.trySpace()) {
    reader.parenList(() => {
      const param = reader.keyword('a CREATE parameter')
      if (param !== 'USE') reader.fail(`unknown CREATE parameter ${param}`)
      reader.space()
      command.specialUse.push(...reader.parenList(() => readUseAttribute(reader)))
    }, false)
  }
  return command
}

/** append-message = [flag-list SP] [date-time SP] append-data, after its leading SP. */
function readAppendMessage(reader: Reader): AppendMessage {
  let flags: string[] = []
  if (reader.peek() === 0x28) {
    flags = reader.flagList()
    reader.space()
  }
  let internalDate: number | undefined
  if (reader.peek() === 0x22) {
    internalDate = readDateTime(reader)
    reader.space()
  }
  let utf8 = false
  let literal: { bytes: Uint8Array; binary: boolean }
  if (reader.tryWord('UTF8')) {
    // append-data =/ "UTF8" SP "(" literal8 ")" (rfc6855#section-4)
    utf8 = true
    reader.space()
    reader.expectByte(0x28, '"(" after UTF8')
    if (reader.peek() !== 0x7e) reader.fail('UTF8 data must be a literal8 (~{n})')
    literal = reader.literal(true)
    reader.expectByte(0x29, '")" closing UTF8 data')
  } else {
    const b = reader.peek()
    if (b !== 0x7b && b !== 0x7e) reader.fail('expected the message as a literal')
    literal = reader.literal(true)
  }
  const message: AppendMessage = { flags, content: literal.bytes, binary: literal.binary, utf8 }
  if (internalDate !== undefined) message.internalDate = internalDate
  return message
}

/** APPEND arguments: SP mailbox 1*(SP append-message); several messages is MULTIAPPEND (rfc3502#section-6.3.11). */
export function readAppendArguments(reader: Reader, tag: string): CommandOf<'APPEND'> {
  reader.space()
  const mailbox = reader.astring('a mailbox name')
  const messages: AppendMessage[] = []
  reader.space()
  do messages.push(readAppendMessage(reader))
  while (reader.trySpace())
  return { tag, name: 'APPEND', mailbox, messages }
}
