// Binary upload (rfc8620#section-6.1): POST /upload/{accountId}/ stores the body as a blob the
// account holds for a day, and answers {accountId, blobId, type, size}.

import { formatBlobId } from '../core/blob-ids.ts'
import type { JmapServices } from '../core/context.ts'
import { formatAccountId } from '../core/ids.ts'

/** How long an upload holds its bytes without being used (rfc8620#section-6.1: at least 1 hour). */
export const uploadLifetimeMs = 24 * 60 * 60 * 1000
/** How often an upload also sweeps expired ones: expiry is checked on read, so this only frees space. */
const sweepEveryMs = 10 * 60 * 1000

export class UploadTooLarge extends Error {}

/**
 * Reads a request body up to `max` bytes, failing as soon as it goes past, so a client cannot
 * make the server buffer more than the limit.
 */
export async function readBodyAtMost(
  body: ReadableStream<Uint8Array> | null,
  max: number,
): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0)
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      await reader.cancel()
      throw new UploadTooLarge(`the upload is larger than ${max} bytes`)
    }
    chunks.push(value)
  }
  const out = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.byteLength
  }
  return out
}

/** rfc8620#section-6.1: the type is the request's Content-Type, application/octet-stream when absent. */
export function uploadedType(contentType: string | undefined): string {
  const type = contentType?.trim()
  return type ? type : 'application/octet-stream'
}

export function createUploader(services: JmapServices) {
  let lastSweep = 0
  return async (accountId: number, bytes: Uint8Array, type: string) => {
    const now = services.clock.now()
    if (now - lastSweep >= sweepEveryMs) {
      lastSweep = now
      await services.store.releaseExpiredUploads(now)
    }
    const stored = await services.store.uploadBlob(accountId, bytes, type, now, now + uploadLifetimeMs)
    return {
      accountId: formatAccountId(accountId),
      blobId: formatBlobId(stored.blobId),
      type,
      size: stored.size,
    }
  }
}
