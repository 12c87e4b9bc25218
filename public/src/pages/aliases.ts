// Management › Aliases and catch-all: an address (or "@domain" for the catch-all) → a target.
import { api, enc } from '../api.ts'
import { clear, field, h, statusLine } from '../dom.ts'
import { table } from '../table.ts'

interface Alias {
  address: string
  target: string
}

export async function aliasesPage(main: HTMLElement): Promise<undefined> {
  const status = statusLine()
  const listBox = h('div', {})
  const address = field(
    'Address',
    { name: 'address', required: true, placeholder: 'info@example.org or @example.org', autocomplete: 'off' },
    '"@example.org" catches all mail for addresses that do not exist',
  )
  const target = field(
    'Deliver to',
    { name: 'target', required: true, placeholder: 'me@example.org', autocomplete: 'off' },
    'a local account or an outside address',
  )
  const form = h(
    'form',
    { class: 'card', 'aria-label': 'Add an alias' },
    h('h2', {}, 'New alias or catch-all'),
    h('div', { class: 'grid' }, address.wrap, target.wrap),
    h('button', { type: 'submit' }, 'Add alias'),
    status.el,
  )
  const render = async () => {
    const aliases = await api<Alias[]>('GET', '/aliases')
    clear(listBox)
    if (aliases.length === 0) {
      listBox.append(h('p', { class: 'muted' }, 'No aliases yet.'))
      return
    }
    listBox.append(
      table(
        ['Address', 'Delivers to', 'Actions'],
        aliases.map((a) => [
          a.address.startsWith('@') ? `${a.address} (catch-all)` : a.address,
          a.target,
          h(
            'button',
            {
              type: 'button',
              class: 'danger',
              'aria-label': `Remove ${a.address} to ${a.target}`,
              onclick: async () => {
                if (!confirm(`Remove ${a.address} → ${a.target}?`)) return
                try {
                  await api('DELETE', `/aliases/${enc(a.address)}?target=${enc(a.target)}`)
                  status.ok('Removed.')
                  await render()
                } catch (err) {
                  status.error((err as Error).message)
                }
              },
            },
            'Remove',
          ),
        ]),
        'Aliases',
      ),
    )
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    status.clear()
    try {
      await api('POST', '/aliases', {
        address: address.input.value.trim(),
        target: target.input.value.trim(),
      })
      form.reset()
      status.ok('Alias added.')
      await render()
    } catch (err) {
      status.error((err as Error).message)
    }
  })
  main.append(h('h1', {}, 'Aliases and catch-all'), form, listBox)
  await render()
  return undefined
}
