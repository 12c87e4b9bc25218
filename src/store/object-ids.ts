// The ids clients see for mailboxes, emails and threads: the same in IMAP (OBJECTID, rfc8474)
// and JMAP (rfc8620#section-1.2), a letter for the kind and the row id in base 36, so an id of
// one kind is never mistaken for another.

export type ObjectKind = 'mailbox' | 'email' | 'thread'

const prefixes: Record<ObjectKind, string> = { mailbox: 'M', email: 'E', thread: 'T' }

export function formatObjectId(kind: ObjectKind, id: number): string {
  return `${prefixes[kind]}${id.toString(36)}`
}

/** The row id in a client's id of the given kind, or undefined when it is not one. */
export function parseObjectId(kind: ObjectKind, text: string): number | undefined {
  if (text.length < 2 || text.length > 14 || text[0] !== prefixes[kind] || !/^[0-9a-z]+$/.test(text.slice(1)))
    return undefined
  const n = Number.parseInt(text.slice(1), 36)
  return Number.isSafeInteger(n) && n > 0 ? n : undefined
}
