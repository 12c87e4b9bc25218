// Email/parse (rfc8621#section-4.9): message blobs (uploads, attached message/rfc822 parts) read
// as Email objects without storing them. Each blob is parsed once (mail/parse.ts) and its
// properties built by the same code as Email/get's (email-properties.ts).

import { looksLikeMessage, parseMessage } from '../../mail/index.ts'
import { readBlob } from '../blobs/access.ts'
import { optionalIds } from '../core/args.ts'
import { parseBlobId } from '../core/blob-ids.ts'
import { mailCapability } from '../core/capabilities.ts'
import { type MethodContext, resolveCreationRef } from '../core/context.ts'
import { invalidArguments, MethodError } from '../core/errors.ts'
import type { MethodArgs, MethodDefinition } from '../core/registry.ts'
import { accountIdOf } from '../core/standard.ts'
import {
  addMessageProperties,
  type EmailRequest,
  parseDefaultProperties,
  readEmailRequest,
} from './email-properties.ts'

/** rfc8621#section-4.9: metadata a blob does not have (threadId: we do not predict threads). */
const nullMetadata = ['id', 'threadId', 'mailboxIds', 'keywords', 'receivedAt']

function parseOne(
  ctx: MethodContext,
  blobId: string,
  req: EmailRequest,
): Record<string, unknown> | 'notFound' | 'notParsable' {
  const content = readBlob(ctx.services, ctx.accountId, blobId)
  const ref = parseBlobId(blobId)
  if (!content || !ref) return 'notFound'
  if (!looksLikeMessage(content.bytes)) return 'notParsable'
  const raw = content.bytes
  const parsed = parseMessage(raw)
  const out: Record<string, unknown> = {}
  for (const p of nullMetadata) if (req.names.has(p)) out[p] = null
  // rfc8621#section-4.9: the blobId is the one passed in
  if (req.names.has('blobId')) out.blobId = blobId
  addMessageProperties(out, req, {
    size: raw.length,
    hasAttachment: parsed.hasAttachment,
    preview: parsed.preview,
    facts: parsed,
    root: parsed.parts,
    // a part blob's parts are numbered below that part, as the download endpoint finds them
    parts: { blob: ref.blob, section: ref.part, sizes: parsed.decodedSizes, raw },
    header: null,
  })
  return out
}

/** rfc8621#section-4.9 Email/parse. */
function emailParse(args: MethodArgs, ctx: MethodContext): MethodArgs {
  const blobIds = optionalIds(args, 'blobIds')
  if (blobIds === null) throw invalidArguments('blobIds is required')
  if (blobIds.length > ctx.services.limits.maxObjectsInGet)
    throw new MethodError('requestTooLarge', `at most ${ctx.services.limits.maxObjectsInGet} blobs per call`)
  const req = readEmailRequest(args, parseDefaultProperties, [])
  const parsed: Record<string, unknown> = {}
  const notParsable: string[] = []
  const notFound: string[] = []
  for (const rawId of new Set(blobIds)) {
    const blobId = resolveCreationRef(ctx, rawId) ?? rawId
    const result = parseOne(ctx, blobId, req)
    if (result === 'notFound') notFound.push(rawId)
    else if (result === 'notParsable') notParsable.push(rawId)
    else parsed[blobId] = result
  }
  return {
    accountId: accountIdOf(ctx),
    parsed: Object.keys(parsed).length > 0 ? parsed : null,
    notParsable: notParsable.length > 0 ? notParsable : null,
    notFound: notFound.length > 0 ? notFound : null,
  }
}

export const emailParseMethods: MethodDefinition[] = [
  { name: 'Email/parse', capability: mailCapability, handler: emailParse },
]
