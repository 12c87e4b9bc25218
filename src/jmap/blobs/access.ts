// Which blobs an account may read and what their bytes are (rfc8620#section-6): whole stored
// blobs (messages, uploads) and MIME parts of a message blob ("B<blob>_<part>", the part's
// decoded content). A blob the account cannot reach reads exactly like one that does not exist.
import { decodePartBody, findPart, type MimePart, parseMessage } from '../../mail/index.ts'
import { unpackPart } from '../../store/facts.ts'
import { type BlobRef, parseBlobId } from '../core/blob-ids.ts'
import type { JmapServices } from '../core/context.ts'

export interface BlobContent {
  bytes: Uint8Array
  /** The media type the bytes are known to have (a part's, an upload's), or null. */
  type: string | null
  /** A part's file name, or null. */
  name: string | null
}

/** The ids among `blobIds` (client spelling) that the account may read. */
export function reachableBlobIds(
  services: JmapServices,
  accountId: number,
  blobIds: readonly string[],
): Set<string> {
  const refs = new Map<string, BlobRef>()
  for (const id of blobIds) {
    const ref = parseBlobId(id)
    if (ref) refs.set(id, ref)
  }
  const reachable = services.store.reachableBlobs(
    accountId,
    [...refs.values()].map((r) => r.blob),
    services.clock.now(),
  )
  const out = new Set<string>()
  for (const [id, ref] of refs) {
    if (!reachable.has(ref.blob)) continue
    // A part id must name a leaf part of that message, else it names nothing.
    if (ref.part !== null && !partOf(services, accountId, ref)) continue
    out.add(id)
  }
  return out
}

/** The MIME tree of a message blob: stored facts when an email uses it, else parsed (an upload). */
function rootPart(services: JmapServices, accountId: number, blob: number, bytes?: Uint8Array): MimePart {
  const meta = services.store.blobMeta(accountId, blob)
  if (meta) return unpackPart(meta.parts)
  return parseMessage(bytes ?? services.store.readBlob(blob)).parts
}

function partOf(services: JmapServices, accountId: number, ref: BlobRef, bytes?: Uint8Array) {
  if (ref.part === null) return undefined
  const part = findPart(rootPart(services, accountId, ref.blob, bytes), ref.part)
  return part && part.type !== 'multipart' ? part : undefined
}

/** The content of a blob the account may read, or undefined (not found or not reachable). */
export function readBlob(services: JmapServices, accountId: number, blobId: string): BlobContent | undefined {
  const ref = parseBlobId(blobId)
  if (!ref) return undefined
  const now = services.clock.now()
  if (!services.store.reachableBlobs(accountId, [ref.blob], now).has(ref.blob)) return undefined
  const bytes = services.store.readBlob(ref.blob)
  if (ref.part === null)
    return { bytes, type: services.store.uploadType(accountId, ref.blob, now) ?? null, name: null }
  const part = partOf(services, accountId, ref, bytes)
  if (!part) return undefined
  return { bytes: decodePartBody(bytes, part), type: `${part.type}/${part.subtype}`, name: part.name }
}
