// Queue: the outbound messages — list, inspect, retry now, remove.
import { api } from '../api.ts'
import { clear, formatBytes, h, statusLine } from '../dom.ts'
import { table } from '../table.ts'

interface Recipient {
  address: string
  status: string
  attempts: number
  nextAttemptAt?: string
  lastError?: string | null
}
interface Queued {
  id: number
  mailFrom: string
  size: number
  createdAt: string
  recipients: Recipient[]
  [key: string]: unknown
}

const when = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString() : '')

export async function queuePage(main: HTMLElement): Promise<() => void> {
  const status = statusLine()
  const listBox = h('div', {})
  const detail = h('div', {})
  const act = async (fn: () => Promise<unknown>, done: string) => {
    status.clear()
    try {
      await fn()
      status.ok(done)
      await render()
    } catch (err) {
      status.error((err as Error).message)
    }
  }
  const inspect = async (id: number) => {
    const m = await api<Queued>('GET', `/queue/${id}`)
    clear(detail)
    detail.append(
      h(
        'section',
        { class: 'card', 'aria-label': `Message ${m.id}` },
        h('h2', {}, `Message ${m.id}`),
        h(
          'dl',
          { class: 'pairs' },
          h('dt', {}, 'From'),
          h('dd', {}, m.mailFrom || '<>'),
          h('dt', {}, 'Size'),
          h('dd', {}, formatBytes(m.size)),
          h('dt', {}, 'Queued'),
          h('dd', {}, when(m.createdAt)),
        ),
        table(
          ['Recipient', 'State', 'Attempts', 'Next attempt', 'Last error'],
          m.recipients.map((r) => [
            r.address,
            r.status,
            String(r.attempts),
            when(r.nextAttemptAt),
            r.lastError ?? '',
          ]),
          `Recipients of message ${m.id}`,
        ),
      ),
    )
  }
  const render = async () => {
    const items = await api<Queued[]>('GET', '/queue')
    clear(listBox)
    if (items.length === 0) {
      listBox.append(h('p', { class: 'muted' }, 'The queue is empty.'))
      return
    }
    listBox.append(
      table(
        ['ID', 'From', 'To', 'Size', 'Queued', 'State', 'Actions'],
        items.map((m) => [
          String(m.id),
          m.mailFrom || '<>',
          m.recipients.map((r) => r.address).join(', '),
          formatBytes(m.size),
          when(m.createdAt),
          [...new Set(m.recipients.map((r) => r.status))].join(', '),
          h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              'aria-label': `Inspect message ${m.id}`,
              onclick: () => void inspect(m.id),
            },
            'Inspect',
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              'aria-label': `Retry message ${m.id} now`,
              onclick: () =>
                void act(() => api('POST', `/queue/${m.id}/retry`), `Message ${m.id} will be retried now.`),
            },
            'Retry now',
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'danger',
              'aria-label': `Remove message ${m.id}`,
              onclick: () => {
                if (!confirm(`Remove message ${m.id} from the queue? It will not be delivered.`)) return
                clear(detail)
                void act(() => api('DELETE', `/queue/${m.id}`), `Message ${m.id} removed.`)
              },
            },
            'Remove',
          ),
        ]),
        'Queued messages',
      ),
    )
  }
  main.append(h('h1', {}, 'Queue'), status.el, listBox, detail)
  await render()
  const timer = setInterval(() => void render().catch(() => {}), 15_000)
  return () => clearInterval(timer)
}
