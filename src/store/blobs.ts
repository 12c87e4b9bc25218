// Raw message bytes, stored once per content (SHA-256) in the SQLite file, zstd-compressed,
// reference-counted and deleted when the last email using them goes.
import { createHash } from 'node:crypto'
import { eq, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { compress, decompress } from '../db/codec.ts'
import { blobs } from '../db/schema/index.ts'
import { StoreError } from '../lib/errors.ts'
import type { Statements } from './statements.ts'

const encodingZstd = 1

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

/** A message's bytes hashed and compressed, ready to store: CPU work done outside the transaction. */
export interface PreparedBlob {
  hash: string
  size: number
  packed: Buffer
  /** Bytes of `packed` that hold the header's own zstd frame (0: one frame for all). */
  headerFrame: number
}

/** Where the header ends (after its blank line), or -1 when there is no blank line. */
export function headerEnd(data: Buffer): number {
  // The first blank line of either kind: a message with bare LFs has its header end at "\n\n".
  const crlf = data.indexOf('\r\n\r\n')
  const lf = data.indexOf('\n\n')
  if (lf >= 0 && (crlf < 0 || lf < crlf)) return lf + 2
  return crlf >= 0 ? crlf + 4 : -1
}

/**
 * Hashes and compresses a message as two zstd frames, header then body: together they
 * decompress to the whole message, and the first alone to its header.
 */
export function prepareBlob(data: Uint8Array): PreparedBlob {
  const buf = asBuffer(data)
  const end = headerEnd(buf)
  if (end <= 0 || end >= buf.length) {
    return { hash: sha256Hex(data), size: data.length, packed: asBuffer(compress(data)), headerFrame: 0 }
  }
  const head = compress(buf.subarray(0, end))
  const packed = Buffer.concat([head, compress(buf.subarray(end))])
  return { hash: sha256Hex(data), size: data.length, packed, headerFrame: head.length }
}

export function createBlobStore(db: Db, statements: Statements) {
  return {
    /** Stores the bytes (or finds them already stored) and takes a reference. Call inside a write job. */
    acquire(blob: PreparedBlob): number {
      const existing = statements.blobByHash.get({ hash: blob.hash })
      if (existing) {
        statements.blobRetain.run({ id: existing.id })
        return existing.id
      }
      const row = statements.blobInsert.get({
        hash: blob.hash,
        size: blob.size,
        encoding: encodingZstd,
        data: blob.packed,
        headerFrame: blob.headerFrame,
      })
      if (!row) throw new Error('blob insert returned nothing')
      return row.id
    },

    /** Takes another reference to a stored blob (an email copied within the account). */
    retain(id: number): void {
      statements.blobRetain.run({ id })
    },

    /** Drops a reference; the bytes are deleted with the last one. Call inside a write job. */
    release(id: number): void {
      const row = db
        .update(blobs)
        .set({ refCount: sql`${blobs.refCount} - 1` })
        .where(eq(blobs.id, id))
        .returning({ refCount: blobs.refCount })
        .get()
      if (row && row.refCount <= 0) db.delete(blobs).where(eq(blobs.id, id)).run()
    },

    /** The raw bytes of a blob. */
    read(id: number): Uint8Array {
      const row = db
        .select({ data: blobs.data, encoding: blobs.encoding })
        .from(blobs)
        .where(eq(blobs.id, id))
        .get()
      if (!row) throw new StoreError('notFound', 'message content not found')
      return row.encoding === encodingZstd ? decompress(row.data) : row.data
    },
  }
}

export type BlobStore = ReturnType<typeof createBlobStore>

function asBuffer(u8: Uint8Array): Buffer {
  return Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength)
}
