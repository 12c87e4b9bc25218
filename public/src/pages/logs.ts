// Logs: the server's recent log lines, filtered by level and component, following live.
import { api, enc } from '../api.ts'
import { clear, h, uid } from '../dom.ts'

interface LogLine {
  seq: number
  level: string
  component: string
  line: string
}
interface LogAnswer {
  lines: LogLine[]
  last: number
  components: string[]
}

const maxShown = 1000

export async function logsPage(main: HTMLElement): Promise<() => void> {
  const levelId = uid('level')
  const componentId = uid('component')
  const followId = uid('follow')
  const level = h(
    'select',
    { id: levelId, name: 'level' },
    ...['debug', 'info', 'warn', 'error'].map((l) => h('option', { value: l, selected: l === 'info' }, l)),
  )
  const component = h('select', { id: componentId, name: 'component' }, h('option', { value: '' }, 'all'))
  const follow = h('input', { type: 'checkbox', id: followId, checked: true })
  const out = h('ol', { class: 'log', 'aria-live': 'off', 'aria-label': 'Log lines' })
  let last = 0
  const load = async (fresh: boolean) => {
    if (fresh) {
      last = 0
      clear(out)
    }
    const q = `level=${enc(level.value)}&component=${enc(component.value)}&after=${last}&limit=${maxShown}`
    const answer = await api<LogAnswer>('GET', `/logs/recent?${q}`)
    const known = new Set([...component.options].map((o) => o.value))
    for (const c of answer.components) if (!known.has(c)) component.append(h('option', { value: c }, c))
    for (const l of answer.lines) out.append(h('li', { class: `level-${l.level}` }, l.line))
    while (out.childElementCount > maxShown) out.firstElementChild?.remove()
    last = Math.max(last, answer.last)
    if (answer.lines.length > 0 && follow.checked) out.lastElementChild?.scrollIntoView({ block: 'nearest' })
  }
  level.addEventListener('change', () => void load(true))
  component.addEventListener('change', () => void load(true))
  main.append(
    h('h1', {}, 'Logs'),
    h(
      'div',
      { class: 'inline card', role: 'group', 'aria-label': 'Filters' },
      h('div', { class: 'field' }, h('label', { for: levelId }, 'Lowest level'), level),
      h('div', { class: 'field' }, h('label', { for: componentId }, 'Component'), component),
      h('div', { class: 'field check' }, follow, h('label', { for: followId }, 'Follow live')),
    ),
    out,
  )
  await load(true)
  const timer = setInterval(() => {
    if (follow.checked) void load(false).catch(() => {})
  }, 2000)
  return () => clearInterval(timer)
}
