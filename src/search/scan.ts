// Text matching that SQL cannot do on the stored form: the compressed body text of the index,
// and header fields read from the stored message's own header. One pass over the mailbox per
// criterion; nothing is parsed beyond the header lines (the body's text was extracted at delivery).
import type { Db } from '../db/client.ts'
import { decompress } from '../db/codec.ts'
import { blobHeader, blobHeaderColumns } from '../store/blobs.ts'

const utf8 = new TextDecoder()

/** The mailbox's emails whose body text contains `needle` (already case-folded). */
export function bodyMatches(db: Db, mailboxId: number, needle: string): number[] {
  const rows = db.$client
    .query(
      `SELECT t.email_id, t.body FROM mailbox_messages mm
         JOIN email_search_texts t ON t.email_id = mm.email_id
        WHERE mm.mailbox_id = ?`,
    )
    .values(mailboxId) as [number, Uint8Array][]
  const out: number[] = []
  for (const [id, packed] of rows) if (utf8.decode(decompress(packed)).includes(needle)) out.push(id)
  return out
}

/**
 * The mailbox's emails whose raw header (a latin1 byte string) passes `test`; emails in `skip`
 * (already matched some other way) are not even read.
 */
export function scanHeaders(
  db: Db,
  mailboxId: number,
  test: (rawHeader: string) => boolean,
  skip: ReadonlySet<number> = new Set(),
): number[] {
  const rows = db.$client
    .query(
      `SELECT mm.email_id, ${blobHeaderColumns}
         FROM mailbox_messages mm
         JOIN emails e ON e.id = mm.email_id
         JOIN blobs b ON b.id = e.blob_id
        WHERE mm.mailbox_id = ?`,
    )
    .values(mailboxId) as [number, Uint8Array, number, number][]
  const out: number[] = []
  for (const [id, data, encoding, headerFrame] of rows) {
    if (skip.has(id)) continue
    const header = blobHeader(data, encoding, headerFrame)
    if (test(Buffer.from(header.buffer, header.byteOffset, header.byteLength).toString('latin1')))
      out.push(id)
  }
  return out
}
