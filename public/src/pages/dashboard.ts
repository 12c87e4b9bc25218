// Dashboard: version, uptime, listeners with their state, counts, queue size, disk use, and the
// recent deliveries and rejections. Refreshes every 10 seconds while shown.
import { api } from '../api.ts'
import { clear, formatBytes, formatDuration, h } from '../dom.ts'
import { table } from '../table.ts'

interface Status {
  version: string
  hostname: string | null
  uptimeSeconds: number | null
  listeners: { service: string; configured: string; address?: string; state: string; reason?: string }[]
  counts: Record<string, number | null>
  databaseBytes: number | null
  recentMail: { at: string; level: string; component: string; line: string }[]
}

export async function dashboardPage(main: HTMLElement): Promise<() => void> {
  const body = h('div', {})
  main.append(h('h1', {}, 'Dashboard'), body)
  const render = async () => {
    const s = await api<Status>('GET', '/status')
    clear(body)
    const stat = (label: string, value: string) =>
      h('div', { class: 'stat' }, h('dt', {}, label), h('dd', {}, value))
    const count = (n: number | null | undefined) => (n === null || n === undefined ? '–' : String(n))
    body.append(
      h(
        'dl',
        { class: 'stats' },
        stat('Version', s.version),
        stat('Host name', s.hostname ?? '–'),
        stat('Uptime', s.uptimeSeconds === null ? '–' : formatDuration(s.uptimeSeconds)),
        stat('Domains', count(s.counts.domains)),
        stat('Accounts', count(s.counts.accounts)),
        stat('Messages', count(s.counts.messages)),
        stat('Queue', count(s.counts.queue)),
        stat('Database', s.databaseBytes === null ? '–' : formatBytes(s.databaseBytes)),
      ),
      h('h2', {}, 'Listeners'),
      table(
        ['Service', 'Address', 'State'],
        s.listeners.map((l) => [
          l.service,
          l.address ?? (l.configured || 'off'),
          h(
            'span',
            { class: `badge ${l.state === 'up' ? 'ok' : l.state === 'failed' ? 'bad' : 'muted'}` },
            l.state,
          ),
          l.reason ? h('small', { class: 'reason' }, ` ${l.reason}`) : null,
        ]),
        'Listeners',
      ),
      h('h2', {}, 'Recent deliveries and rejections'),
      s.recentMail.length === 0
        ? h('p', { class: 'muted' }, 'Nothing since the server started.')
        : h(
            'ul',
            { class: 'log' },
            ...s.recentMail.map((l) => h('li', { class: `level-${l.level}` }, l.line)),
          ),
    )
  }
  await render()
  const timer = setInterval(() => void render().catch(() => {}), 10_000)
  return () => clearInterval(timer)
}
