// /api/queue: the outbound queue — list, inspect, retry now, remove (the CLI's `queue` commands).
import { Hono } from 'hono'
import type { Directory } from '../../directory/index.ts'
import type { QueuedSummary, QueueStore } from '../../queue/queue-store.ts'
import { HttpError } from '../errors.ts'
import type { AdminEnv } from '../types.ts'

export type QueueAdmin = Pick<QueueStore, 'list' | 'get' | 'retry' | 'remove'>

/** Times in the summary (numbers of ms, by the convention `…At`) become ISO strings; the rest passes through. */
export function queueView(m: QueuedSummary): Record<string, unknown> {
  return isoTimes(m as unknown as Record<string, unknown>)
}

function isoTimes(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    if (key.endsWith('At') && typeof v === 'number') out[key] = new Date(v).toISOString()
    else if (Array.isArray(v))
      out[key] = v.map((item) =>
        typeof item === 'object' && item !== null ? isoTimes(item as Record<string, unknown>) : item,
      )
    else out[key] = v
  }
  return out
}

function messageId(text: string): number {
  const id = Number(text)
  if (!Number.isSafeInteger(id) || id <= 0) throw new HttpError(404, `no such message in the queue: ${text}`)
  return id
}

export function queueRoutes(queue: QueueAdmin, directory: Directory, now: () => number) {
  const app = new Hono<AdminEnv>()
  app.get('/', (c) => c.json(queue.list().map(queueView)))
  app.get('/:id', (c) => {
    const m = queue.get(messageId(c.req.param('id')))
    if (!m) throw new HttpError(404, `no such message in the queue: ${c.req.param('id')}`)
    return c.json(queueView(m))
  })
  app.post('/:id/retry', (c) => {
    const id = messageId(c.req.param('id'))
    if (!queue.get(id)) throw new HttpError(404, `no such message in the queue: ${id}`)
    const retried = queue.retry(id, now())
    directory.audit.record(c.get('actor'), 'queue.retry', String(id), undefined, c.env?.remoteAddress)
    const m = queue.get(id)
    return c.json({ retried, message: m ? queueView(m) : null })
  })
  app.delete('/:id', (c) => {
    const id = messageId(c.req.param('id'))
    if (!queue.remove(id)) throw new HttpError(404, `no such message in the queue: ${id}`)
    directory.audit.record(c.get('actor'), 'queue.remove', String(id), undefined, c.env?.remoteAddress)
    return c.body(null, 204)
  })
  return app
}
