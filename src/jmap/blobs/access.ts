// Which blobs an account may read and what their bytes are (rfc8620#section-6): whole stored
// blobs (messages, uploads) and MIME parts of a message blob ("B<blob>_<part>", the part's
// decoded content). A blob the account cannot reach reads exactly like one that does not exist.
// A part id may also go below a leaf part that Email/parse reads as a message (rfc8621#section-4.9:
// message/global, or any leaf whose content has a header): its parts are numbered on from the leaf's.
import { decodePartBody, findPart, looksLikeMessage, type MimePart, parseMessage } from '../../mail/index.ts'
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

/** A leaf part, and the decoded content of the leaf it lies in when not in the blob's own bytes. */
interface ResolvedPart {
  part: MimePart
  within: Uint8Array | null
}

/**
 * The leaf part `section` names below `root` (offsets into `bytes`, read only when needed). When
 * the tree has no such part, the longest prefix naming a leaf is parsed as a message and the rest
 * looked up in it.
 */
function resolvePart(
  root: MimePart,
  bytes: () => Uint8Array,
  section: string,
  within: Uint8Array | null = null,
): ResolvedPart | undefined {
  const direct = findPart(root, section)
  if (direct) return direct.type === 'multipart' ? undefined : { part: direct, within }
  const numbers = section.split('.')
  for (let i = numbers.length - 1; i >= 1; i--) {
    const leaf = findPart(root, numbers.slice(0, i).join('.'))
    if (!leaf) continue
    if (leaf.type === 'multipart') return undefined
    const content = decodePartBody(bytes(), leaf)
    // only a leaf Email/parse would read (else it is notParsable and has no parts)
    if (!looksLikeMessage(content)) return undefined
    return resolvePart(parseMessage(content).parts, () => content, numbers.slice(i).join('.'), content)
  }
  return undefined
}

function partOf(services: JmapServices, accountId: number, ref: BlobRef, bytes?: Uint8Array) {
  if (ref.part === null) return undefined
  const read = () => {
    bytes ??= services.store.readBlob(ref.blob)
    return bytes
  }
  return resolvePart(rootPart(services, accountId, ref.blob, bytes), read, ref.part)
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
  const resolved = partOf(services, accountId, ref, bytes)
  if (!resolved) return undefined
  const { part } = resolved
  return {
    bytes: decodePartBody(resolved.within ?? bytes, part),
    type: `${part.type}/${part.subtype}`,
    name: part.name,
  }
}
