// Management › Accounts: create, edit (name, password, quota, aliases, disabled), delete; quota use shown.
import { api, enc } from '../api.ts'
import { clear, field, formatBytes, h, sizeText, statusLine, uid } from '../dom.ts'
import { table } from '../table.ts'

interface Account {
  email: string
  displayName: string | null
  quota: number | null
  disabled: boolean
  usedBytes?: number
  usedMessages?: number
}
interface Alias {
  address: string
  target: string
}

function usage(a: Account): string {
  const used = a.usedBytes === undefined ? '' : formatBytes(a.usedBytes)
  if (a.quota === null) return used ? `${used} (no limit)` : 'no limit'
  const pct = a.usedBytes === undefined ? '' : ` (${Math.round((100 * a.usedBytes) / a.quota)}%)`
  return `${used || '?'} of ${formatBytes(a.quota)}${pct}`
}

export async function accountsPage(main: HTMLElement): Promise<undefined> {
  const status = statusLine()
  const listBox = h('div', {})
  const editBox = h('div', {})
  const email = field('Address', {
    name: 'email',
    type: 'email',
    required: true,
    placeholder: 'me@example.org',
    autocomplete: 'off',
  })
  const displayName = field('Display name', { name: 'displayName', autocomplete: 'off' })
  const password = field(
    'Password',
    { name: 'password', type: 'password', required: true, autocomplete: 'new-password' },
    'at least 8 characters',
  )
  const quota = field('Quota', { name: 'quota', placeholder: 'e.g. 10G' }, 'empty = no limit')
  const form = h(
    'form',
    { class: 'card', 'aria-label': 'Create an account' },
    h('h2', {}, 'New account'),
    h('div', { class: 'grid' }, email.wrap, displayName.wrap, password.wrap, quota.wrap),
    h('button', { type: 'submit' }, 'Create account'),
    status.el,
  )
  const render = async () => {
    const accounts = await api<Account[]>('GET', '/accounts')
    clear(listBox)
    if (accounts.length === 0) {
      listBox.append(h('p', { class: 'muted' }, 'No accounts yet.'))
      return
    }
    listBox.append(
      table(
        ['Address', 'Name', 'Storage used', 'State', 'Actions'],
        accounts.map((a) => [
          a.email,
          a.displayName ?? '',
          usage(a),
          a.disabled
            ? h('span', { class: 'badge bad' }, 'disabled')
            : h('span', { class: 'badge ok' }, 'active'),
          h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              'aria-label': `Edit ${a.email}`,
              onclick: () => void edit(a),
            },
            'Edit',
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'danger',
              'aria-label': `Delete ${a.email}`,
              onclick: async () => {
                if (!confirm(`Delete ${a.email} and all its mail? This cannot be undone.`)) return
                try {
                  await api('DELETE', `/accounts/${enc(a.email)}`)
                  status.ok(`${a.email} deleted.`)
                  clear(editBox)
                  await render()
                } catch (err) {
                  status.error((err as Error).message)
                }
              },
            },
            'Delete',
          ),
        ]),
        'Accounts',
      ),
    )
  }

  const edit = async (a: Account) => {
    clear(editBox)
    const s = statusLine()
    const name = field('Display name', {
      name: 'displayName',
      value: a.displayName ?? '',
      autocomplete: 'off',
    })
    const pw = field(
      'New password',
      { name: 'password', type: 'password', autocomplete: 'new-password' },
      'leave empty to keep the current one',
    )
    const q = field(
      'Quota',
      { name: 'quota', value: sizeText(a.quota) },
      'bytes or a size such as 10G; empty = no limit',
    )
    const disabledId = uid('disabled')
    const disabled = h('input', { type: 'checkbox', id: disabledId, name: 'disabled', checked: a.disabled })
    const aliases = aliasEditor(a.email, s)
    const editForm = h(
      'form',
      { class: 'card', 'aria-label': `Edit ${a.email}` },
      h('h2', {}, `Edit ${a.email}`),
      h('div', { class: 'grid' }, name.wrap, pw.wrap, q.wrap),
      h(
        'div',
        { class: 'field check' },
        disabled,
        h('label', { for: disabledId }, 'Disabled (cannot log in or receive mail)'),
      ),
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'submit' }, 'Save changes'),
        h('button', { type: 'button', class: 'secondary', onclick: () => clear(editBox) }, 'Close'),
      ),
      aliases.el,
      s.el,
    )
    editForm.addEventListener('submit', async (e) => {
      e.preventDefault()
      s.clear()
      const body: Record<string, unknown> = {
        displayName: name.input.value,
        quota:
          q.input.value.trim() === ''
            ? null
            : /^\d+$/.test(q.input.value.trim())
              ? Number(q.input.value)
              : q.input.value.trim(),
        disabled: disabled.checked,
      }
      if (pw.input.value !== '') body.password = pw.input.value
      try {
        await api('PATCH', `/accounts/${enc(a.email)}`, body)
        pw.input.value = ''
        s.ok(body.password ? 'Saved, with the new password.' : 'Saved.')
        await render()
      } catch (err) {
        s.error((err as Error).message)
      }
    })
    editBox.append(editForm)
    await aliases.refresh()
    name.input.focus()
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    status.clear()
    try {
      const body: Record<string, unknown> = {
        email: email.input.value.trim(),
        password: password.input.value,
      }
      if (displayName.input.value.trim()) body.displayName = displayName.input.value.trim()
      if (quota.input.value.trim()) body.quota = quota.input.value.trim()
      const a = await api<Account>('POST', '/accounts', body)
      form.reset()
      status.ok(`${a.email} created.`)
      await render()
    } catch (err) {
      status.error((err as Error).message)
    }
  })
  main.append(h('h1', {}, 'Accounts'), form, listBox, editBox)
  await render()
  return undefined
}

/** The aliases that deliver to one account: listed with a remove button each, and a field to add one. */
function aliasEditor(
  email: string,
  s: ReturnType<typeof statusLine>,
): { el: HTMLElement; refresh(): Promise<void> } {
  const aliasList = h('ul', { class: 'plain' })
  const newAlias = field('New alias', {
    name: 'alias',
    placeholder: `info@${email.split('@')[1] ?? ''}`,
    autocomplete: 'off',
  })
  const renderAliases = async () => {
    const aliases = (await api<Alias[]>('GET', '/aliases')).filter((x) => x.target === email)
    clear(aliasList)
    if (aliases.length === 0) aliasList.append(h('li', { class: 'muted' }, 'No aliases.'))
    for (const x of aliases) {
      aliasList.append(
        h(
          'li',
          {},
          x.address,
          ' ',
          h(
            'button',
            {
              type: 'button',
              class: 'danger small',
              'aria-label': `Remove alias ${x.address}`,
              onclick: async () => {
                if (!confirm(`Remove the alias ${x.address}?`)) return
                try {
                  await api('DELETE', `/aliases/${enc(x.address)}?target=${enc(email)}`)
                  await renderAliases()
                } catch (err) {
                  s.error((err as Error).message)
                }
              },
            },
            'Remove',
          ),
        ),
      )
    }
  }
  const addAlias = h('button', { type: 'button', class: 'secondary' }, 'Add alias')
  addAlias.addEventListener('click', async () => {
    s.clear()
    try {
      await api('POST', '/aliases', { address: newAlias.input.value.trim(), target: email })
      newAlias.input.value = ''
      await renderAliases()
    } catch (err) {
      s.error((err as Error).message)
    }
  })
  return {
    el: h(
      'div',
      {},
      h('h3', {}, 'Aliases'),
      aliasList,
      h('div', { class: 'inline' }, newAlias.wrap, addAlias),
    ),
    refresh: renderAliases,
  }
}
