// One POP3 session's view of its maildrop (rfc1939#section-5): messages numbered 1..N when the
// session starts, fixed for the session whatever arrives or leaves meanwhile; DELE only marks,
// RSET unmarks, and what is marked is applied at QUIT. Pure: the session loads the listing.
import { Pop3CommandError } from './commands.ts'

/** A message as listed at login. */
export interface MaildropEntry {
  emailId: number
  /** Octets of the stored message (CRLF line ends), as LIST reports (rfc1939#section-5). */
  size: number
}

/**
 * rfc1939#section-7 UIDL: 1 to 70 characters from 0x21 to 0x7E, never reused for another
 * message of the maildrop, the same in every session. It is made from the email's id, which
 * the store never reuses (AUTOINCREMENT) and which stays with the message when IMAP changes its
 * flags or moves it out and back (its UID changes then, so a UID-based id would not do), and the
 * account's id, so the value stays unique should two accounts' mail ever share one client cache.
 */
export function uniqueId(accountId: number, emailId: number): string {
  return `${accountId.toString(36)}.${emailId.toString(36)}`
}

export class MaildropView {
  readonly #entries: readonly MaildropEntry[]
  readonly #deleted = new Set<number>()
  readonly #retrieved = new Set<number>()

  constructor(entries: readonly MaildropEntry[]) {
    this.#entries = entries
  }

  /** Messages in the listing, deleted ones included (the highest message number). */
  get size(): number {
    return this.#entries.length
  }

  /** rfc1939#section-5 STAT: messages and octets, deleted ones left out. */
  stat(): { count: number; octets: number } {
    let count = 0
    let octets = 0
    for (let n = 1; n <= this.#entries.length; n++) {
      if (this.#deleted.has(n)) continue
      count++
      octets += (this.#entries[n - 1] as MaildropEntry).size
    }
    return { count, octets }
  }

  /** The message with number `n`; Pop3CommandError if there is none or it is marked deleted. */
  get(n: number): MaildropEntry {
    const entry = this.#entries[n - 1]
    if (entry === undefined || n < 1) {
      throw new Pop3CommandError(`no such message, only ${this.#entries.length} messages in maildrop`)
    }
    if (this.#deleted.has(n)) throw new Pop3CommandError(`message ${n} already deleted`)
    return entry
  }

  isDeleted(n: number): boolean {
    return this.#deleted.has(n)
  }

  /** Message numbers and entries not marked deleted, in order. */
  *live(): Generator<[number, MaildropEntry]> {
    for (let n = 1; n <= this.#entries.length; n++) {
      if (!this.#deleted.has(n)) yield [n, this.#entries[n - 1] as MaildropEntry]
    }
  }

  /** rfc1939#section-6 DELE: marks; nothing is removed before QUIT. */
  markDeleted(n: number): void {
    this.get(n)
    this.#deleted.add(n)
  }

  markRetrieved(n: number): void {
    this.#retrieved.add(n)
  }

  /** rfc1939#section-6 RSET: unmarks every deleted message. */
  reset(): void {
    this.#deleted.clear()
  }

  /** Email ids marked deleted. */
  deletedEmails(): number[] {
    return [...this.#deleted]
      .sort((a, b) => a - b)
      .map((n) => (this.#entries[n - 1] as MaildropEntry).emailId)
  }

  /** Email ids retrieved with RETR and not deleted (to be marked \Seen). */
  retrievedEmails(): number[] {
    return [...this.#retrieved]
      .filter((n) => !this.#deleted.has(n))
      .sort((a, b) => a - b)
      .map((n) => (this.#entries[n - 1] as MaildropEntry).emailId)
  }
}
