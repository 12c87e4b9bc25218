// Settings › Server › Network: the host name and listener addresses. Saved values apply at the
// next start; a value pinned by an environment variable cannot be changed here.
import { api } from '../api.ts'
import { clear, field, h, statusLine } from '../dom.ts'

interface Value {
  running: string
  saved: string | null
  pinnedBy: string | null
}
interface Network {
  hostname: Value
  listen: (Value & { service: string })[]
  restartNeeded: boolean
}

function hint(v: Value): string {
  if (v.pinnedBy) return `set by ${v.pinnedBy}, which wins over a saved value; now ${v.running}`
  if (v.saved !== null && v.saved !== v.running) return `now ${v.running}; ${v.saved} after a restart`
  return `now ${v.running}`
}

export async function networkPage(main: HTMLElement): Promise<undefined> {
  const status = statusLine()
  const formBox = h('div', {})
  const banner = h('div', {})
  const render = (n: Network) => {
    clear(formBox)
    clear(banner)
    if (n.restartNeeded) {
      banner.append(
        h(
          'p',
          { class: 'status warn', role: 'status' },
          'Restart needed: saved changes take effect when the server next starts.',
        ),
      )
    }
    const host = field(
      'Host name',
      {
        name: 'hostname',
        value: n.hostname.saved ?? n.hostname.running,
        disabled: n.hostname.pinnedBy !== null,
      },
      hint(n.hostname),
    )
    const inputs = n.listen.map((l) => ({
      service: l.service,
      initial: l.saved ?? l.running,
      ...field(
        l.service,
        { name: `listen-${l.service}`, value: l.saved ?? l.running, disabled: l.pinnedBy !== null },
        hint(l),
      ),
    }))
    const form = h(
      'form',
      { class: 'card', 'aria-label': 'Network settings' },
      host.wrap,
      h('h2', {}, 'Listeners'),
      h(
        'p',
        { class: 'muted' },
        'host:port for each service, or "off". Changing the http listener can lock you out; POSTERN_LISTEN_HTTP always wins.',
      ),
      h('div', { class: 'grid' }, ...inputs.map((i) => i.wrap)),
      h('button', { type: 'submit' }, 'Save'),
    )
    form.addEventListener('submit', async (e) => {
      e.preventDefault()
      status.clear()
      const listen: Record<string, string> = {}
      for (const i of inputs)
        if (!i.input.disabled && i.input.value.trim() !== i.initial) listen[i.service] = i.input.value.trim()
      const body: Record<string, unknown> = { listen }
      if (!host.input.disabled) body.hostname = host.input.value.trim()
      try {
        const saved = await api<Network>('PUT', '/settings/network', body)
        render(saved)
        status.ok(
          saved.restartNeeded ? 'Saved. Restart the server to apply.' : 'Saved; nothing needs a restart.',
        )
      } catch (err) {
        status.error((err as Error).message)
      }
    })
    formBox.append(form)
  }
  main.append(
    h('h1', {}, 'Network'),
    h(
      'p',
      {},
      'Saved here, applied at the next start. An environment variable for a setting wins over the value saved here.',
    ),
    banner,
    status.el,
    formBox,
  )
  render(await api<Network>('GET', '/settings/network'))
  return undefined
}
