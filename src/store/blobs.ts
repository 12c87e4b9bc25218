// Raw message bytes, stored once per content (SHA-256) in the SQLite file, zstd-compressed,
// reference-counted and deleted when the last email using them goes.
import { createHash } from 'node:crypto'
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib'
import { eq, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { blobs } from '../db/schema/index.ts'
import { StoreError } from '../lib/errors.ts'

const encodingZstd = 1
// Compression pays off for all but tiny inputs; level 3 is fast (hundreds of MB/s).
const compressLevel = 3

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

export function createBlobStore(db: Db) {
  return {
    /** Stores bytes (or finds them already stored) and takes a reference. Call inside a write job. */
    acquire(data: Uint8Array, hash = sha256Hex(data)): number {
      const existing = db.select({ id: blobs.id }).from(blobs).where(eq(blobs.hash, hash)).get()
      if (existing) {
        db.update(blobs)
          .set({ refCount: sql`${blobs.refCount} + 1` })
          .where(eq(blobs.id, existing.id))
          .run()
        return existing.id
      }
      const packed = zstdCompressSync(data, {
        params: { [0x64 /* ZSTD_c_compressionLevel */]: compressLevel },
      })
      const row = db
        .insert(blobs)
        .values({ hash, size: data.length, encoding: encodingZstd, data: Buffer.from(packed), refCount: 1 })
        .returning({ id: blobs.id })
        .get()
      return row.id
    },

    /** Takes another reference to a stored blob (an email copied within the account). */
    retain(id: number): void {
      db.update(blobs)
        .set({ refCount: sql`${blobs.refCount} + 1` })
        .where(eq(blobs.id, id))
        .run()
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
      return row.encoding === encodingZstd ? zstdDecompressSync(row.data) : row.data
    },
  }
}

export type BlobStore = ReturnType<typeof createBlobStore>
