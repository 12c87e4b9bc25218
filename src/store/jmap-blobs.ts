// Blobs as JMAP sees them (rfc8620#section-6, rfc9404): uploads that hold a reference on stored
// bytes until they expire, which blobs an account may read (an email of it uses them, or it
// uploaded them), and which emails use a blob (Blob/lookup).
import type { Db } from '../db/client.ts'
import type { BlobStore, PreparedBlob } from './blobs.ts'
import type { StoredMeta } from './facts.ts'

export interface UploadRecord {
  blobId: number
  size: number
}

export interface BlobUse {
  blobId: number
  emailId: number
  threadId: number
  mailboxIds: number[]
}

const insertUploadSql = `INSERT INTO jmap_uploads (account_id, blob_id, type, created_at, expires_at)
  VALUES (?, ?, ?, ?, ?)`
const expiredUploadsSql = 'DELETE FROM jmap_uploads WHERE expires_at <= ? RETURNING blob_id'
// One query for any number of blob ids: emails_blob_idx and jmap_uploads_account_blob_idx answer it.
const reachableSql = `SELECT j.value FROM json_each(?1) j
  WHERE EXISTS (SELECT 1 FROM emails e WHERE e.blob_id = j.value AND e.account_id = ?2)
     OR EXISTS (SELECT 1 FROM jmap_uploads u WHERE u.account_id = ?2 AND u.blob_id = j.value AND u.expires_at > ?3)`
const uploadTypeSql = `SELECT type FROM jmap_uploads WHERE account_id = ? AND blob_id = ? AND expires_at > ?
  ORDER BY id DESC LIMIT 1`
const blobSizesSql = 'SELECT id, size FROM blobs WHERE id IN (SELECT value FROM json_each(?))'
const metaOfBlobSql = `SELECT f.meta FROM emails e JOIN email_facts f ON f.email_id = e.id
  WHERE e.account_id = ? AND e.blob_id = ? LIMIT 1`
const usesSql = `SELECT e.blob_id AS blobId, e.id AS emailId, e.thread_id AS threadId,
    (SELECT json_group_array(mm.mailbox_id) FROM mailbox_messages mm WHERE mm.email_id = e.id) AS mailboxIds
  FROM emails e WHERE e.account_id = ? AND e.blob_id IN (SELECT value FROM json_each(?))
  ORDER BY e.id`

export function createJmapBlobs(db: Db, blobs: BlobStore) {
  const sqlite = db.$client
  return {
    /** Stores uploaded bytes with a reference held until `expiresAt`. Inside a write job. */
    upload(
      accountId: number,
      blob: PreparedBlob,
      type: string,
      now: number,
      expiresAt: number,
    ): UploadRecord {
      const blobId = blobs.acquire(blob)
      sqlite.query(insertUploadSql).run(accountId, blobId, type, now, expiresAt)
      return { blobId, size: blob.size }
    },

    /** Forgets expired uploads and drops their references. Inside a write job. */
    releaseExpired(now: number): number {
      const rows = sqlite.query(expiredUploadsSql).values(now) as [number][]
      for (const [blobId] of rows) blobs.release(blobId)
      return rows.length
    },

    /** Those of `blobIds` the account may read. */
    reachable(accountId: number, blobIds: readonly number[], now: number): Set<number> {
      if (blobIds.length === 0) return new Set()
      const rows = sqlite
        .query(reachableSql)
        .values(JSON.stringify([...new Set(blobIds)]), accountId, now) as [number][]
      return new Set(rows.map((r) => r[0]))
    },

    /** The media type the account gave when it uploaded the blob, if it did. */
    uploadType(accountId: number, blobId: number, now: number): string | undefined {
      const row = sqlite.query(uploadTypeSql).values(accountId, blobId, now)[0] as [string] | undefined
      return row?.[0]
    },

    /** Sizes of stored blobs by id (missing ones left out). */
    sizes(blobIds: readonly number[]): Map<number, number> {
      const rows = sqlite.query(blobSizesSql).values(JSON.stringify([...new Set(blobIds)])) as [
        number,
        number,
      ][]
      return new Map(rows)
    },

    /** The stored MIME facts of a blob an email of the account holds, so parts need no parse. */
    metaOf(accountId: number, blobId: number): StoredMeta | undefined {
      const row = sqlite.query(metaOfBlobSql).values(accountId, blobId)[0] as [string] | undefined
      return row ? (JSON.parse(row[0]) as StoredMeta) : undefined
    },

    /** The account's emails made of the given blobs, with their threads and mailboxes. */
    uses(accountId: number, blobIds: readonly number[]): BlobUse[] {
      if (blobIds.length === 0) return []
      const rows = sqlite.query(usesSql).all(accountId, JSON.stringify([...new Set(blobIds)])) as {
        blobId: number
        emailId: number
        threadId: number
        mailboxIds: string
      }[]
      return rows.map((r) => ({ ...r, mailboxIds: JSON.parse(r.mailboxIds) as number[] }))
    },
  }
}

export type JmapBlobs = ReturnType<typeof createJmapBlobs>
