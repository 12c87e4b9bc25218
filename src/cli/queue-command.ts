// `queue list | show ID | retry ID | remove ID`: the outbound queue from the command line.

import { formatSize } from '../lib/size.ts'
import type { QueueStore } from '../queue/queue-store.ts'
import { type ParsedArgs, positional, UsageError } from './args.ts'
import { type Output, table } from './output.ts'

function idArg(args: ParsedArgs): number {
  const text = positional(args, 2, 'queue message ID')
  const id = Number(text)
  if (!Number.isSafeInteger(id) || id <= 0) throw new UsageError(`"${text}" is not a queue message ID`)
  return id
}

export function queueCommand(queue: QueueStore, out: Output, args: ParsedArgs): number {
  const verb = args.positionals[1]
  const iso = (ms: number) => new Date(ms).toISOString()
  switch (verb) {
    case 'list': {
      const rows = queue.list().map((m) => ({
        id: m.id,
        from: m.mailFrom || '<>',
        recipients: m.recipients.map((r) => `${r.address} (${r.status})`).join(', '),
        size: formatSize(m.size),
        created: iso(m.createdAt),
      }))
      out.line(
        args.values.json
          ? JSON.stringify(queue.list(), null, 2)
          : table(rows, ['id', 'from', 'recipients', 'size', 'created']),
      )
      return 0
    }
    case 'show': {
      const m = queue.get(idArg(args))
      if (!m) {
        out.error('error: no such message in the queue')
        return 1
      }
      if (args.values.json) {
        out.line(JSON.stringify(m, null, 2))
        return 0
      }
      out.line(
        `message ${m.id}: from ${m.mailFrom || '<>'}, ${formatSize(m.size)}, queued ${iso(m.createdAt)}, expires ${iso(m.expiresAt)}`,
      )
      for (const r of m.recipients) {
        out.line(
          `  ${r.address}: ${r.status}, ${r.attempts} attempt(s)` +
            (r.status === 'queued' || r.status === 'deferred' ? `, next ${iso(r.nextAttemptAt)}` : '') +
            (r.statusCode ? `, status ${r.statusCode}` : '') +
            (r.remoteMta ? ` from ${r.remoteMta}` : '') +
            (r.lastError ? `, last error: ${r.lastError}` : ''),
        )
      }
      return 0
    }
    case 'retry': {
      const id = idArg(args)
      if (!queue.retry(id, Date.now())) {
        out.error('error: no such message in the queue, or nothing left to deliver')
        return 1
      }
      out.line(`message ${id} will be tried again now`)
      return 0
    }
    case 'remove': {
      const id = idArg(args)
      if (!queue.remove(id)) {
        out.error('error: no such message in the queue')
        return 1
      }
      out.line(`message ${id} removed from the queue`)
      return 0
    }
    default:
      throw new UsageError('queue list | show ID | retry ID | remove ID')
  }
}
