// Blob/upload, Blob/get and Blob/lookup (rfc9404): blobs made from inline data and ranges of other
// blobs, blob contents as text or base64 with digests, and the objects that use a blob.
import { createHash } from 'node:crypto'
import { formatObjectId } from '../../store/object-ids.ts'
import { reachableBlobIds, readBlob } from '../blobs/access.ts'
import { uploadLifetimeMs } from '../blobs/upload.ts'
import {
  isPlainObject,
  optionalIds,
  optionalObject,
  optionalStringList,
  optionalUnsignedInt,
} from '../core/args.ts'
import { formatBlobId, parseBlobId } from '../core/blob-ids.ts'
import { blobCapability } from '../core/capabilities.ts'
import { type MethodContext, resolveCreationRef } from '../core/context.ts'
import { invalidArguments, MethodError, SetError } from '../core/errors.ts'
import type { MethodArgs, MethodDefinition } from '../core/registry.ts'
import type { CapabilityDescriptor } from '../core/session.ts'
import { accountIdOf } from '../core/standard.ts'

const maxDataSources = 64
const supportedTypeNames = ['Email', 'Mailbox', 'Thread']
const digests: Record<string, string> = { 'digest:sha': 'sha1', 'digest:sha-256': 'sha256' }
const blobProperties = new Set([
  'id',
  'data',
  'data:asText',
  'data:asBase64',
  'size',
  'isEncodingProblem',
  'isTruncated',
  ...Object.keys(digests),
])

/** rfc9404#section-3: what the blob capability says about an account. */
export function blobDescriptor(maxSizeBlobSet: number): CapabilityDescriptor {
  return {
    server: () => ({}),
    account: () => ({
      maxSizeBlobSet,
      maxDataSources,
      supportedTypeNames,
      supportedDigestAlgorithms: Object.keys(digests).map((d) => d.slice(7)),
    }),
  }
}

/** The bytes one DataSourceObject stands for (rfc9404#section-4.1); SetError when it names nothing. */
function dataSourceBytes(ctx: MethodContext, source: unknown): Uint8Array {
  if (!isPlainObject(source)) throw SetError.invalidProperties(['data'], 'a data source must be an object')
  const keys = Object.keys(source)
  if (keys.length === 1 && typeof source['data:asText'] === 'string')
    return new TextEncoder().encode(source['data:asText'])
  if (keys.length === 1 && typeof source['data:asBase64'] === 'string') {
    const text = source['data:asBase64']
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0)
      throw SetError.invalidProperties(['data'], 'data:asBase64 is not base64')
    return new Uint8Array(Buffer.from(text, 'base64'))
  }
  if (typeof source.blobId !== 'string' || keys.some((k) => !['blobId', 'offset', 'length'].includes(k)))
    throw SetError.invalidProperties(['data'], 'a data source has data:asText, data:asBase64 or a blobId')
  const offset = source.offset ?? 0
  const length = source.length ?? null
  if (
    !Number.isSafeInteger(offset) ||
    (offset as number) < 0 ||
    (length !== null && (!Number.isSafeInteger(length) || (length as number) < 0))
  )
    throw SetError.invalidProperties(['data'], 'offset and length must be unsigned integers')
  const blobId = resolveCreationRef(ctx, source.blobId) ?? source.blobId
  const content = readBlob(ctx.services, ctx.accountId, blobId)
  if (!content)
    throw new SetError('blobNotFound', `${source.blobId} is not there`, { notFound: [source.blobId] })
  const start = offset as number
  const end = length === null ? content.bytes.length : start + (length as number)
  // rfc9404#section-4.1: a range past the end of the blob is an error, not a short read.
  if (end > content.bytes.length)
    throw SetError.invalidProperties(['data'], 'the range is past the end of the blob')
  return content.bytes.subarray(start, end)
}

async function blobUpload(args: MethodArgs, ctx: MethodContext): Promise<MethodArgs> {
  const create = optionalObject(args, 'create') ?? {}
  if (Object.keys(create).length > ctx.services.limits.maxObjectsInSet)
    throw new MethodError('requestTooLarge', `at most ${ctx.services.limits.maxObjectsInSet} blobs per call`)
  const created: Record<string, unknown> = {}
  const notCreated: Record<string, unknown> = {}
  for (const [creationId, object] of Object.entries(create)) {
    try {
      if (!isPlainObject(object) || !Array.isArray(object.data))
        throw SetError.invalidProperties(['data'], 'data must be a list of data sources')
      for (const key of Object.keys(object))
        if (key !== 'data' && key !== 'type')
          throw SetError.invalidProperties([key], `${key} is not a property of an upload`)
      if (object.data.length > maxDataSources)
        throw new SetError('tooLarge', `at most ${maxDataSources} data sources`)
      const type = object.type ?? 'application/octet-stream'
      if (typeof type !== 'string') throw SetError.invalidProperties(['type'], 'type must be a string')
      const parts = object.data.map((source) => dataSourceBytes(ctx, source))
      const size = parts.reduce((n, p) => n + p.length, 0)
      if (size > ctx.services.limits.maxSizeUpload)
        throw new SetError('tooLarge', `a blob may hold at most ${ctx.services.limits.maxSizeUpload} bytes`)
      const bytes = new Uint8Array(Buffer.concat(parts))
      const now = ctx.services.clock.now()
      const stored = await ctx.services.store.uploadBlob(
        ctx.accountId,
        bytes,
        type,
        now,
        now + uploadLifetimeMs,
      )
      const id = formatBlobId(stored.blobId)
      ctx.createdIds.set(creationId, id)
      created[creationId] = { id, type, size: stored.size }
    } catch (err) {
      if (err instanceof SetError) notCreated[creationId] = err.object()
      else throw err
    }
  }
  const nullIfEmpty = (o: Record<string, unknown>) => (Object.keys(o).length > 0 ? o : null)
  return { accountId: accountIdOf(ctx), created: nullIfEmpty(created), notCreated: nullIfEmpty(notCreated) }
}

/** Whether the bytes are valid UTF-8 (rfc9404#section-4.2 isEncodingProblem). */
function utf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return null
  }
}

function blobGet(args: MethodArgs, ctx: MethodContext): MethodArgs {
  const ids = optionalIds(args, 'ids')
  if (ids === null) throw invalidArguments('ids is required: blobs cannot be listed')
  if (ids.length > ctx.services.limits.maxObjectsInGet)
    throw new MethodError('requestTooLarge', `at most ${ctx.services.limits.maxObjectsInGet} ids per /get`)
  const properties = optionalStringList(args, 'properties') ?? ['data', 'size']
  const unknown = properties.filter((p) => !blobProperties.has(p))
  if (unknown.length > 0) throw invalidArguments(`unknown properties: ${unknown.join(', ')}`)
  const offset = optionalUnsignedInt(args, 'offset') ?? 0
  const length = optionalUnsignedInt(args, 'length')
  const list: Record<string, unknown>[] = []
  const notFound: string[] = []
  for (const rawId of [...new Set(ids)]) {
    const id = resolveCreationRef(ctx, rawId) ?? rawId
    const content = readBlob(ctx.services, ctx.accountId, id)
    if (!content) {
      notFound.push(rawId)
      continue
    }
    const end = length === null ? content.bytes.length : offset + length
    const range = content.bytes.subarray(
      Math.min(offset, content.bytes.length),
      Math.min(end, content.bytes.length),
    )
    const out: Record<string, unknown> = { id }
    let encodingProblem = false
    const text = () => {
      const decoded = utf8(range)
      if (decoded === null) encodingProblem = true
      return decoded
    }
    for (const p of properties) {
      if (p === 'data') {
        const decoded = text()
        if (decoded === null) out['data:asBase64'] = Buffer.from(range).toString('base64')
        else out['data:asText'] = decoded
      } else if (p === 'data:asText') out[p] = text()
      else if (p === 'data:asBase64') out[p] = Buffer.from(range).toString('base64')
      else if (p === 'size') out.size = content.bytes.length
      else if (digests[p])
        out[p] = createHash(digests[p] as string)
          .update(range)
          .digest('base64')
    }
    // rfc9404#section-4.2: both flags are reported whenever data was asked for.
    if (properties.some((p) => p.startsWith('data')) || properties.includes('isEncodingProblem'))
      out.isEncodingProblem =
        encodingProblem || (properties.includes('isEncodingProblem') && utf8(range) === null)
    if (
      properties.some((p) => p.startsWith('data') || p.startsWith('digest')) ||
      properties.includes('isTruncated')
    )
      out.isTruncated = end > content.bytes.length || offset > content.bytes.length
    list.push(out)
  }
  return { accountId: accountIdOf(ctx), list, notFound }
}

function blobLookup(args: MethodArgs, ctx: MethodContext): MethodArgs {
  const typeNames = optionalStringList(args, 'typeNames')
  if (typeNames === null) throw invalidArguments('typeNames is required')
  const unsupported = typeNames.filter((n) => !supportedTypeNames.includes(n))
  if (unsupported.length > 0)
    throw new MethodError('unknownDataType', `unknown types: ${unsupported.join(', ')}`)
  const ids = optionalIds(args, 'ids')
  if (ids === null) throw invalidArguments('ids is required')
  const resolved = ids.map((id) => resolveCreationRef(ctx, id) ?? id)
  const reachable = reachableBlobIds(ctx.services, ctx.accountId, resolved)
  const parents = [...reachable].map((id) => parseBlobId(id)?.blob as number)
  const uses = ctx.services.store.blobUses(ctx.accountId, parents)
  const list: Record<string, unknown>[] = []
  const notFound: string[] = []
  for (const id of new Set(resolved)) {
    if (!reachable.has(id)) {
      notFound.push(id)
      continue
    }
    // A part of a message is used by whatever uses the message.
    const blob = parseBlobId(id)?.blob
    const mine = uses.filter((u) => u.blobId === blob)
    const matchedIds: Record<string, string[]> = {}
    for (const name of typeNames) {
      const values =
        name === 'Email'
          ? mine.map((u) => formatObjectId('email', u.emailId))
          : name === 'Thread'
            ? mine.map((u) => formatObjectId('thread', u.threadId))
            : mine.flatMap((u) => u.mailboxIds.map((m) => formatObjectId('mailbox', m)))
      matchedIds[name] = [...new Set(values)]
    }
    list.push({ id, matchedIds })
  }
  return { accountId: accountIdOf(ctx), list, notFound }
}

export const blobMethods: MethodDefinition[] = [
  { name: 'Blob/upload', capability: blobCapability, handler: blobUpload },
  { name: 'Blob/get', capability: blobCapability, handler: blobGet },
  { name: 'Blob/lookup', capability: blobCapability, handler: blobLookup },
]
