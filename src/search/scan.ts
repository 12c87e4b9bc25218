// Text matching that SQL cannot do on the stored form: the compressed body text of the index,
// and header fields read from the stored message's own header. One pass over the mailbox per
// criterion; nothing is parsed beyond the header lines (the body's text was extracted at delivery).
import type { Db } from '../db/client.ts'
import { decompress } from '../db/codec.ts'
import { headerSection } from '../mail/dsn.ts'

const utf8 = new TextDecoder()
const encodingZstd = 1

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
      `SELECT mm.email_id, CASE WHEN b.header_frame > 0 THEN substr(b.data, 1, b.header_frame) ELSE b.data END,
              b.encoding
         FROM mailbox_messages mm
         JOIN emails e ON e.id = mm.email_id
         JOIN blobs b ON b.id = e.blob_id
        WHERE mm.mailbox_id = ?`,
    )
    .values(mailboxId) as [number, Uint8Array, number][]
  const out: number[] = []
  for (const [id, data, encoding] of rows) {
    if (skip.has(id)) continue
    // Two-frame blobs give just the header's frame; older ones the whole message.
    const raw = encoding === encodingZstd ? decompress(data) : data
    const header = headerSection(raw)
    if (test(Buffer.from(header.buffer, header.byteOffset, header.byteLength).toString('latin1')))
      out.push(id)
  }
  return out
}
