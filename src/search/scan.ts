// Text matching that SQL cannot do on the stored form: the compressed body text of the index,
// and header fields read from the stored message's own header. One pass over the mailbox per
// criterion, over a mailbox or a whole account; nothing is parsed beyond the header lines (the body's text was extracted at delivery).
import type { Db } from '../db/client.ts'
import { decompress } from '../db/codec.ts'
import { blobHeader, blobHeaderColumns } from '../store/blobs.ts'

/**
 * The emails a scan reads: a mailbox's (IMAP SEARCH) or an account's (JMAP Email/query), as a
 * FROM clause whose email id column is `emailId`, and its WHERE condition with parameters.
 */
export interface ScanSource {
  from: string
  emailId: string
  where: string
  params: readonly (string | number)[]
}

export function mailboxSource(mailboxId: number): ScanSource {
  return {
    from: 'mailbox_messages mm',
    emailId: 'mm.email_id',
    where: 'mm.mailbox_id = ?',
    params: [mailboxId],
  }
}

export function accountSource(accountId: number): ScanSource {
  return { from: 'emails a', emailId: 'a.id', where: 'a.account_id = ?', params: [accountId] }
}

const utf8 = new TextDecoder()

/** The source's emails whose body text contains `needle` (already case-folded). */
export function bodyMatches(db: Db, source: ScanSource, needle: string): number[] {
  const rows = db.$client
    .query(
      `SELECT t.email_id, t.body FROM ${source.from}
         JOIN email_search_texts t ON t.email_id = ${source.emailId}
        WHERE ${source.where}`,
    )
    .values(...source.params) as [number, Uint8Array][]
  const out: number[] = []
  for (const [id, packed] of rows) if (utf8.decode(decompress(packed)).includes(needle)) out.push(id)
  return out
}

/**
 * The source's emails whose raw header (a latin1 byte string) passes `test`; emails in `skip`
 * (already matched some other way) are not even read.
 */
export function scanHeaders(
  db: Db,
  source: ScanSource,
  test: (rawHeader: string) => boolean,
  skip: ReadonlySet<number> = new Set(),
): number[] {
  const rows = db.$client
    .query(
      `SELECT ${source.emailId}, ${blobHeaderColumns}
         FROM ${source.from}
         JOIN emails e ON e.id = ${source.emailId}
         JOIN blobs b ON b.id = e.blob_id
        WHERE ${source.where}`,
    )
    .values(...source.params) as [number, Uint8Array, number, number][]
  const out: number[] = []
  for (const [id, data, encoding, headerFrame] of rows) {
    if (skip.has(id)) continue
    const header = blobHeader(data, encoding, headerFrame)
    if (test(Buffer.from(header.buffer, header.byteOffset, header.byteLength).toString('latin1')))
      out.push(id)
  }
  return out
}
