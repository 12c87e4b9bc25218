// SearchSnippet/get (rfc8621#section-5.1): for each email asked for, its subject and a piece of
// its body with the filter's text marked, HTML-escaped; null where the text is not found.
import { formatObjectId, parseObjectId } from '../../store/object-ids.ts'
import { optionalIds } from '../core/args.ts'
import { mailCapability } from '../core/capabilities.ts'
import { type MethodContext, resolveCreationRef } from '../core/context.ts'
import { invalidArguments, MethodError } from '../core/errors.ts'
import type { MethodArgs, MethodDefinition } from '../core/registry.ts'
import { accountIdOf } from '../core/standard.ts'
import { readEmailFilter } from './email-filter.ts'

function searchSnippetGet(args: MethodArgs, ctx: MethodContext): MethodArgs {
  // the filter is read first: an unsupported one fails the call whatever the ids
  const { terms } = readEmailFilter(args.filter, (id) => resolveCreationRef(ctx, id))
  const emailIds = optionalIds(args, 'emailIds')
  if (emailIds === null) throw invalidArguments('emailIds is required')
  if (emailIds.length > ctx.services.limits.maxObjectsInGet)
    throw new MethodError('requestTooLarge', `at most ${ctx.services.limits.maxObjectsInGet} emailIds`)
  const unique = [...new Set(emailIds.map((id) => resolveCreationRef(ctx, id) ?? id))]
  const rowIds = unique.map((id) => parseObjectId('email', id))
  const snippets = ctx.services.search.snippets(
    ctx.accountId,
    rowIds.filter((id): id is number => id !== undefined),
    terms,
  )
  const list: MethodArgs[] = []
  const notFound: string[] = []
  unique.forEach((id, i) => {
    const rowId = rowIds[i]
    const snippet = rowId === undefined ? undefined : snippets.get(rowId)
    if (!snippet || rowId === undefined) notFound.push(id)
    else
      list.push({
        emailId: formatObjectId('email', rowId),
        subject: snippet.subject,
        preview: snippet.preview,
      })
  })
  return { accountId: accountIdOf(ctx), list, notFound: notFound.length > 0 ? notFound : null }
}

export const searchSnippetMethods: MethodDefinition[] = [
  { name: 'SearchSnippet/get', capability: mailCapability, handler: searchSnippetGet },
]
