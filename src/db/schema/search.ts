// What SEARCH/SORT (rfc9051#section-6.4.4) and JMAP Email/query match text against, kept with
// each email (ON DELETE CASCADE): the decoded Subject/From/To/Cc/Bcc values, case-folded, as
// plain text (small; matched in SQL), and the decoded text of the body's text parts, case-folded
// and zstd-compressed (matched after decompression). Other header fields are matched from the
// stored message itself, so the index costs about a fifth of the raw mail, not its whole size.
// A trigram FTS5 index was tried and dropped: ~100x dearer per delivery (4.6 ms against 0.04 ms)
// and larger than the mail. The full-text issue brings a proper word index.
import { blob, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { emails } from './emails.ts'

/** An email's searchable text: every value lower-cased; null when the message has no such field. */
export const emailSearchTexts = sqliteTable('email_search_texts', {
  emailId: integer('email_id')
    .primaryKey()
    .references(() => emails.id, { onDelete: 'cascade' }),
  /** Decoded Subject field(s), one per line. */
  subject: text('subject'),
  /** Decoded From/To/Cc/Bcc field values, one field per line. */
  fromList: text('from_list'),
  toList: text('to_list'),
  ccList: text('cc_list'),
  bccList: text('bcc_list'),
  /** zstd of the UTF-8 decoded text of the text/* parts (HTML turned to text), capped per message. */
  body: blob('body', { mode: 'buffer' }).notNull(),
})
