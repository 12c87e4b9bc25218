// Settings › TLS: the certificates in use (subject, names, issuer, expiry) and uploading a
// certificate chain with its key, checked by the server before it is saved.
import { api } from '../api.ts'
import { clear, h, statusLine, uid } from '../dom.ts'
import { table } from '../table.ts'

interface Certificate {
  names: string[]
  subject: string
  issuer: string
  notAfter: string
  selfSigned: boolean
  bootstrap: boolean
  fingerprint: string
}

function pemField(label: string, name: string, hintText: string) {
  const id = uid(name)
  const fileId = uid(`${name}-file`)
  const area = h('textarea', {
    id,
    name,
    rows: 6,
    spellcheck: 'false',
    required: true,
    'aria-describedby': `${id}-hint`,
    placeholder: '-----BEGIN …',
  })
  const file = h('input', { type: 'file', id: fileId, accept: '.pem,.crt,.key,.cer,text/plain' })
  file.addEventListener('change', async () => {
    const f = file.files?.[0]
    if (f) area.value = await f.text()
  })
  const wrap = h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    area,
    h('small', { id: `${id}-hint` }, hintText),
    h(
      'label',
      { for: fileId, class: 'file-label' },
      `Or read the ${name === 'cert' ? 'certificate' : 'key'} from a file`,
    ),
    file,
  )
  return { wrap, area }
}

export async function tlsPage(main: HTMLElement): Promise<undefined> {
  const listBox = h('div', {})
  const status = statusLine()
  const cert = pemField(
    'Certificate chain (PEM)',
    'cert',
    'the server certificate first, then each intermediate',
  )
  const key = pemField('Private key (PEM)', 'key', 'unencrypted; it never leaves this server')
  const form = h(
    'form',
    { class: 'card', 'aria-label': 'Upload a certificate' },
    h('h2', {}, 'Upload a certificate'),
    cert.wrap,
    key.wrap,
    h('button', { type: 'submit' }, 'Check and install'),
    status.el,
  )
  const render = async () => {
    const certs = await api<Certificate[]>('GET', '/certificates')
    clear(listBox)
    const daysLeft = (iso: string) => Math.floor((new Date(iso).getTime() - Date.now()) / 86_400_000)
    listBox.append(
      table(
        ['Names', 'Subject', 'Issuer', 'Expires'],
        certs.map((c) => [
          c.names.join(', '),
          c.subject,
          c.bootstrap
            ? `${c.issuer} (made by Postern at first start)`
            : c.selfSigned
              ? `${c.issuer} (self-signed)`
              : c.issuer,
          h(
            'span',
            { class: daysLeft(c.notAfter) < 14 ? 'badge bad' : '' },
            `${new Date(c.notAfter).toLocaleDateString()} (${daysLeft(c.notAfter)} days)`,
          ),
        ]),
        'Certificates',
      ),
    )
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    status.clear()
    try {
      const r = await api<{ names: string[]; warning?: string }>('POST', '/certificates', {
        cert: cert.area.value,
        key: key.area.value,
      })
      form.reset()
      status.ok(`Installed for ${r.names.join(', ')}.${r.warning ? ` Warning: ${r.warning}.` : ''}`)
      await render()
    } catch (err) {
      status.error((err as Error).message)
    }
  })
  main.append(
    h('h1', {}, 'TLS certificates'),
    listBox,
    form,
    h('p', { class: 'muted' }, 'Automatic certificates (ACME) will be configured here once supported.'),
  )
  await render()
  return undefined
}
