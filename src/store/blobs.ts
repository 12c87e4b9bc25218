// Raw message bytes, stored once per content (SHA-256) in the SQLite file, zstd-compressed,
// reference-counted and deleted when the last email using them goes.
import { createHash } from 'node:crypto'
import { eq, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { compress, decompress } from '../db/codec.ts'
import { blobs } from '../db/schema/index.ts'
import { StoreError } from '../lib/errors.ts'
import { bodyOffset } from '../mail/header.ts'
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

/**
 * Hashes and compresses a message as two zstd frames, header then body: together they
 * decompress to the whole message, and the first alone to its header.
 */
export function prepareBlob(data: Uint8Array): PreparedBlob {
  const buf = asBuffer(data)
  const end = bodyOffset(buf)
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
      return blobBytes(row.data, row.encoding)
    },
  }
}

export type BlobStore = ReturnType<typeof createBlobStore>

/** A blob row's message bytes. */
export function blobBytes(data: Uint8Array, encoding: number): Uint8Array {
  return encoding === encodingZstd ? decompress(data) : data
}

/**
 * A message's header (blank line included) from a blob row read as `substr(data, 1,
 * header_frame)` when it has a header frame, else the whole data: only that frame is decompressed.
 */
export function blobHeader(data: Uint8Array, encoding: number, headerFrame: number): Uint8Array {
  const bytes = encoding === encodingZstd ? decompress(data) : data
  if (headerFrame > 0) return bytes
  // One frame: a message without a body, or stored before blobs were split.
  const end = bodyOffset(bytes)
  return end < 0 ? bytes : bytes.subarray(0, end)
}

/** The SQL for a blob row's header bytes, for {@link blobHeader} (`b` is the blobs table). */
export const blobHeaderColumns =
  'CASE WHEN b.header_frame > 0 THEN substr(b.data, 1, b.header_frame) ELSE b.data END, b.encoding, b.header_frame'

function asBuffer(u8: Uint8Array): Buffer {
  return Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength)
}
