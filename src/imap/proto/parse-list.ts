// LIST (rfc9051#section-6.3.9 with LIST-EXTENDED rfc5258, SPECIAL-USE rfc6154, LIST-STATUS rfc5819),
// LSUB (rfc3501#section-6.3.9) and STATUS (rfc9051#section-6.3.11) arguments.
import type { CommandOf, ListReturn, ListSelection, StatusItem } from './command-types.ts'
import type { Reader } from './tokenizer.ts'

const STATUS_ITEMS = new Set<string>([
  'MESSAGES',
  'UIDNEXT',
  'UIDVALIDITY',
  'UNSEEN',
  'DELETED',
  'SIZE',
  'RECENT',
  'HIGHESTMODSEQ',
  'APPENDLIMIT',
  'MAILBOXID',
])

/** "(" status-att *(SP status-att) ")" */
export function readStatusItems(reader: Reader): StatusItem[] {
  const items = reader.parenList(() => {
    const item = reader.keyword('a STATUS item')
    if (!STATUS_ITEMS.has(item)) reader.fail(`unknown STATUS item ${item}`)
    return item as StatusItem
  }, false)
  return [...new Set(items)]
}

/** STATUS arguments after "STATUS": SP mailbox SP "(" status-att *(SP status-att) ")". */
export function readStatusArguments(reader: Reader, tag: string): CommandOf<'STATUS'> {
  reader.space()
  const mailbox = reader.astring('a mailbox name')
  reader.space()
  return { tag, name: 'STATUS', mailbox, items: readStatusItems(reader) }
}

/** LSUB arguments: SP mailbox SP list-mailbox. */
export function readLsubArguments(reader: Reader, tag: string): CommandOf<'LSUB'> {
  reader.space()
  const reference = reader.astring('a reference name')
  reader.space()
  return { tag, name: 'LSUB', reference, pattern: reader.listMailbox() }
}

/**
 * list-select-opts (rfc5258#section-6). RECURSIVEMATCH needs another selection option that it
 * modifies (rfc5258#section-3.1), so alone (or with only REMOTE) it is a syntax error.
 */
function readSelection(reader: Reader): ListSelection {
  const selection: ListSelection = {
    subscribed: false,
    remote: false,
    recursiveMatch: false,
    specialUse: false,
  }
  reader.parenList(() => {
    const option = reader.keyword('a LIST selection option')
    if (option === 'SUBSCRIBED') selection.subscribed = true
    else if (option === 'REMOTE') selection.remote = true
    else if (option === 'RECURSIVEMATCH') selection.recursiveMatch = true
    else if (option === 'SPECIAL-USE') selection.specialUse = true
    else reader.fail(`unknown LIST selection option ${option}`)
  })
  if (selection.recursiveMatch && !selection.subscribed && !selection.specialUse) {
    reader.fail('RECURSIVEMATCH needs SUBSCRIBED or SPECIAL-USE')
  }
  return selection
}

/** list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")", after the word RETURN. */
function readReturns(reader: Reader): ListReturn {
  const returns: ListReturn = { subscribed: false, children: false, specialUse: false }
  reader.space()
  reader.parenList(() => {
    const option = reader.keyword('a LIST return option')
    if (option === 'SUBSCRIBED') returns.subscribed = true
    else if (option === 'CHILDREN') returns.children = true
    else if (option === 'SPECIAL-USE') returns.specialUse = true
    else if (option === 'STATUS') {
      reader.space()
      returns.status = readStatusItems(reader) // rfc5819#section-2
    } else reader.fail(`unknown LIST return option ${option}`)
  })
  return returns
}

/**
 * LIST arguments after "LIST": [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]
 * (rfc5258#section-6).
 */
export function readListArguments(reader: Reader, tag: string): CommandOf<'LIST'> {
  reader.space()
  let extended = false
  let selection: ListSelection = {
    subscribed: false,
    remote: false,
    recursiveMatch: false,
    specialUse: false,
  }
  if (reader.peek() === 0x28) {
    extended = true
    selection = readSelection(reader)
    reader.space()
  }
  const reference = reader.astring('a reference name')
  reader.space()
  let patterns: string[]
  if (reader.peek() === 0x28) {
    extended = true
    patterns = reader.parenList(() => reader.listMailbox(), false)
  } else patterns = [reader.listMailbox()]
  let returns: ListReturn = { subscribed: false, children: false, specialUse: false }
  if (reader.trySpace()) {
    if (!reader.tryWord('RETURN')) reader.fail('expected RETURN')
    extended = true
    returns = readReturns(reader)
  }
  return { tag, name: 'LIST', reference, patterns, selection, returns, extended }
}
