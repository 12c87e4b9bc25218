// Management › Domains: add and remove domains; per domain the DNS records to publish, with copy
// buttons and a live check of what DNS answers now (ok / missing / different).
import { ApiError, api, enc } from '../api.ts'
import { clear, field, h, statusLine } from '../dom.ts'
import { table } from '../table.ts'

interface Domain {
  name: string
  accountCount?: number
}
interface DnsCheck {
  status: 'ok' | 'missing' | 'different' | 'unchecked' | 'error'
  found: string[]
  message?: string
}
interface DnsRecord {
  purpose: string
  name: string
  type: string
  value: string
  note?: string
  copyable?: boolean
  check?: DnsCheck
}
interface DkimAnswer {
  records: { selector: string; algorithm: string; name: string; type: string; value: string }[]
}

export async function domainsPage(main: HTMLElement): Promise<undefined> {
  const listBox = h('div', {})
  const name = field('Domain name', {
    name: 'domain',
    required: true,
    placeholder: 'example.org',
    autocomplete: 'off',
  })
  const status = statusLine()
  const form = h(
    'form',
    { class: 'card inline', 'aria-label': 'Add a domain' },
    name.wrap,
    h('button', { type: 'submit' }, 'Add domain'),
    status.el,
  )
  const render = async () => {
    const domains = await api<Domain[]>('GET', '/domains')
    clear(listBox)
    if (domains.length === 0) {
      listBox.append(h('p', { class: 'muted' }, 'No domains yet. Add the first one above.'))
      return
    }
    listBox.append(
      table(
        ['Domain', 'Accounts', 'Actions'],
        domains.map((d) => [
          h('a', { href: `#/domains/${enc(d.name)}` }, d.name),
          String(d.accountCount ?? ''),
          h('a', { href: `#/domains/${enc(d.name)}`, class: 'button secondary' }, 'DNS records'),
          h(
            'button',
            {
              type: 'button',
              class: 'danger',
              'aria-label': `Remove ${d.name}`,
              onclick: async () => {
                if (!confirm(`Remove the domain ${d.name}? This cannot be undone.`)) return
                try {
                  await api('DELETE', `/domains/${enc(d.name)}`)
                  status.ok(`${d.name} removed.`)
                  await render()
                } catch (err) {
                  status.error((err as Error).message)
                }
              },
            },
            'Remove',
          ),
        ]),
        'Domains',
      ),
    )
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    status.clear()
    try {
      const d = await api<Domain>('POST', '/domains', { name: name.input.value.trim() })
      name.input.value = ''
      status.ok(`${d.name} added. Publish its DNS records next.`)
      await render()
    } catch (err) {
      status.error((err as Error).message)
    }
  })
  main.append(h('h1', {}, 'Domains'), form, listBox)
  await render()
  return undefined
}

async function copy(text: string, button: HTMLButtonElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(text)
  } catch {
    // Plain http is not a secure context, where the clipboard API is missing: copy the old way.
    const area = h('textarea', { readonly: true, 'aria-hidden': 'true', class: 'offscreen' })
    area.value = text
    document.body.append(area)
    area.select()
    document.execCommand('copy')
    area.remove()
  }
  button.textContent = 'Copied'
  setTimeout(() => {
    button.textContent = 'Copy'
  }, 1500)
}

function checkBadge(check: DnsCheck | undefined): HTMLElement {
  if (!check) return h('span', { class: 'badge muted' }, 'checking…')
  const cls = check.status === 'ok' ? 'ok' : check.status === 'unchecked' ? 'muted' : 'bad'
  const detail =
    check.message ??
    (check.found.length > 0 && check.status !== 'ok' ? `DNS has: ${check.found.join(' | ')}` : '')
  return h(
    'span',
    {},
    h('span', { class: `badge ${cls}` }, check.status),
    detail ? h('small', { class: 'reason' }, ` ${detail}`) : null,
  )
}

function recordRows(records: DnsRecord[]) {
  return records.map((r) => {
    const copyButton = h(
      'button',
      { type: 'button', class: 'secondary small', 'aria-label': `Copy the ${r.purpose} value for ${r.name}` },
      'Copy',
    )
    copyButton.addEventListener('click', () => void copy(r.value, copyButton))
    const value =
      r.copyable === false ? h('em', {}, r.value) : h('span', {}, h('code', {}, r.value), ' ', copyButton)
    return [r.purpose, h('code', {}, r.name), r.type, value, checkBadge(r.check)]
  })
}

export async function domainPage(main: HTMLElement, domain?: string): Promise<undefined> {
  const name = domain ?? ''
  const recordsBox = h('div', {})
  const status = statusLine()
  const recheck = h('button', { type: 'button', class: 'secondary' }, 'Check DNS again')
  main.append(
    h('p', {}, h('a', { href: '#/domains' }, '← Domains')),
    h('h1', {}, `DNS records for ${name}`),
    h(
      'p',
      {},
      'Publish these records at your DNS provider. The last column shows what DNS answers now. ',
      'DNS changes can take a while to be seen.',
    ),
    recheck,
    status.el,
    recordsBox,
  )
  const render = async (withCheck: boolean) => {
    const data = await api<{ records: DnsRecord[] }>(
      'GET',
      `/domains/${enc(name)}/dns${withCheck ? '?check' : ''}`,
    )
    let dkim: DnsRecord[] = []
    try {
      const answer = await api<DkimAnswer>('GET', `/dkim/${enc(name)}`)
      dkim = answer.records.map((r) => ({
        purpose: `DKIM ${r.selector} (${r.algorithm})`,
        name: r.name,
        type: r.type,
        value: r.value,
      }))
    } catch (err) {
      // No DKIM endpoint (or no key) yet: show the other records without an error.
      if (!(err instanceof ApiError && err.status === 404)) throw err
    }
    if (withCheck) {
      await Promise.all(
        dkim.map(async (r) => {
          r.check = await api<DnsCheck>(
            'GET',
            `/dns-check?name=${enc(r.name)}&type=${enc(r.type)}&value=${enc(r.value)}`,
          ).catch((err: Error) => ({ status: 'error' as const, found: [], message: err.message }))
        }),
      )
    }
    const all = [...data.records]
    all.splice(3, 0, ...dkim)
    clear(recordsBox)
    recordsBox.append(
      table(['Purpose', 'Name', 'Type', 'Value', 'DNS now'], recordRows(all), `DNS records for ${name}`),
    )
  }
  recheck.addEventListener('click', async () => {
    status.clear()
    try {
      await render(true)
      status.ok('Checked.')
    } catch (err) {
      status.error((err as Error).message)
    }
  })
  await render(false)
  void render(true).catch((err: Error) => status.error(`DNS check failed: ${err.message}`))
  return undefined
}
