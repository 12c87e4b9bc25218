// Writing the text index (db/schema/search.ts): one row per email, inserted in the transaction
// that stores the email, the body text compressed; the row goes with its email (ON DELETE CASCADE).
import type { Db } from '../db/client.ts'
import { compress } from '../db/codec.ts'
import type { SearchText } from './text.ts'

const encoder = new TextEncoder()

/** The stored form of the body text. */
export function packBody(body: string): Uint8Array {
  return compress(encoder.encode(body))
}

/** A prepared insert of an email's index row (used by the store's append path). */
export function prepareSearchTextInsert(db: Db) {
  const insert = db.$client.query(
    `INSERT OR IGNORE INTO email_search_texts (email_id, subject, from_list, to_list, cc_list, bcc_list, body)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  )
  return (emailId: number, text: SearchText): void => {
    insert.run(
      emailId,
      text.subject,
      text.fromList,
      text.toList,
      text.ccList,
      text.bccList,
      packBody(text.body),
    )
  }
}

export type SearchTextInsert = ReturnType<typeof prepareSearchTextInsert>

/**
 * A prepared copy of an email's index row to a new email with the same content (the store's
 * COPY into a mailbox that already holds the email makes such a duplicate).
 */
export function prepareSearchTextCopy(db: Db) {
  const copy = db.$client.query(
    `INSERT OR IGNORE INTO email_search_texts (email_id, subject, from_list, to_list, cc_list, bcc_list, body)
     SELECT ?1, subject, from_list, to_list, cc_list, bcc_list, body FROM email_search_texts WHERE email_id = ?2`,
  )
  return (fromEmailId: number, toEmailId: number): void => {
    copy.run(toEmailId, fromEmailId)
  }
}
