// The web admin's entry: checks the session, shows the login page or the admin shell, and
// switches pages on the URL's hash (#/domains …) so the browser's back button works.
import { ApiError, api, setCsrfToken, whenLoggedOut } from './api.ts'
import { clear, field, h, statusLine } from './dom.ts'
import { accountsPage } from './pages/accounts.ts'
import { aliasesPage } from './pages/aliases.ts'
import { dashboardPage } from './pages/dashboard.ts'
import { domainPage, domainsPage } from './pages/domains.ts'
import { logsPage } from './pages/logs.ts'
import { networkPage } from './pages/network.ts'
import { queuePage } from './pages/queue.ts'
import { tlsPage } from './pages/tls.ts'

/** A page renders into `main`; it may return a function that stops its timers when left. */
export type Page = (main: HTMLElement, arg?: string) => Promise<(() => void) | undefined>

const pages: { hash: string; title: string; group: string; page: Page }[] = [
  { hash: 'dashboard', title: 'Dashboard', group: '', page: dashboardPage },
  { hash: 'domains', title: 'Domains', group: 'Management', page: domainsPage },
  { hash: 'accounts', title: 'Accounts', group: 'Management', page: accountsPage },
  { hash: 'aliases', title: 'Aliases', group: 'Management', page: aliasesPage },
  { hash: 'queue', title: 'Queue', group: '', page: queuePage },
  { hash: 'logs', title: 'Logs', group: '', page: logsPage },
  { hash: 'network', title: 'Network', group: 'Settings', page: networkPage },
  { hash: 'tls', title: 'TLS', group: 'Settings', page: tlsPage },
]

const root = document.getElementById('app') as HTMLElement

/** `started`: when showing began (0 = the page's own load), for the page-ready measure. */
function showLogin(started = performance.now()): void {
  // After logging in, go where the address asked for (a bookmark of #/queue, say).
  const wanted =
    location.pathname.startsWith('/admin') && location.hash.length > 2 ? location.hash : '#/dashboard'
  if (location.pathname !== '/login') history.replaceState(null, '', '/login')
  document.title = 'Log in · Postern admin'
  clear(root)
  const user = field('User name', { name: 'user', value: 'admin', autocomplete: 'username', required: true })
  const password = field('Password', {
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  })
  const status = statusLine()
  const form = h(
    'form',
    { class: 'login card', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'Postern admin'),
    h('p', {}, 'Log in with the administrator password printed in the log at first start.'),
    user.wrap,
    password.wrap,
    h('button', { type: 'submit' }, 'Log in'),
    status.el,
  )
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    status.clear()
    try {
      const s = await api<{ csrfToken: string }>('POST', '/session', {
        user: user.input.value,
        password: password.input.value,
      })
      setCsrfToken(s.csrfToken)
      history.replaceState(null, '', `/admin${wanted}`)
      showShell()
    } catch (err) {
      status.error(
        err instanceof ApiError && err.status === 401
          ? 'Wrong user name or password.'
          : `Could not log in: ${(err as Error).message}`,
      )
      password.input.select()
    }
  })
  root.append(h('main', { class: 'login-main' }, form))
  password.input.focus()
  performance.measure('postern:page-ready', { start: started })
}

let stopPage: (() => void) | undefined

function showShell(): void {
  if (location.pathname !== '/admin')
    history.replaceState(null, '', `/admin${location.hash || '#/dashboard'}`)
  clear(root)
  const nav = h('nav', { 'aria-label': 'Sections' })
  const list = h('ul', {})
  for (const p of pages) {
    list.append(
      h(
        'li',
        {},
        h('a', { href: `#/${p.hash}`, 'data-page': p.hash }, p.group ? `${p.group} › ${p.title}` : p.title),
      ),
    )
  }
  nav.append(list)
  const logout = h('button', { type: 'button', class: 'secondary', id: 'logout' }, 'Log out')
  logout.addEventListener('click', async () => {
    try {
      await api('DELETE', '/session')
    } finally {
      setCsrfToken('')
      stopPage?.()
      showLogin()
    }
  })
  const main = h('main', { id: 'main', tabindex: '-1' })
  root.append(
    h('a', { href: '#main', class: 'skip' }, 'Skip to content'),
    h('header', { class: 'top' }, h('span', { class: 'brand' }, 'Postern'), logout),
    h('div', { class: 'layout' }, nav, main),
  )
  void route()
}

async function route(moveFocus = false): Promise<void> {
  const main = document.getElementById('main')
  if (!main) return
  const [, name = 'dashboard', ...rest] = location.hash.split('/')
  const arg = rest.length > 0 ? decodeURIComponent(rest.join('/')) : undefined
  const entry = pages.find((p) => p.hash === name) ?? pages[0]
  if (!entry) return
  for (const a of document.querySelectorAll('nav a')) {
    if (a.getAttribute('data-page') === entry.hash) a.setAttribute('aria-current', 'page')
    else a.removeAttribute('aria-current')
  }
  const started = performance.now()
  stopPage?.()
  stopPage = undefined
  clear(main)
  document.title = `${entry.title} · Postern admin`
  const page = entry.hash === 'domains' && arg ? domainPage : entry.page
  try {
    stopPage = await page(main, arg)
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return
    main.append(h('p', { class: 'status error', role: 'alert' }, `Could not load: ${(err as Error).message}`))
  }
  // After following a link, a keyboard or screen-reader user continues in the new content.
  if (moveFocus) main.focus()
  // How long the page took to be usable, data included; the browser tests hold it under 1 s.
  performance.measure('postern:page-ready', { start: started })
}

async function boot(): Promise<void> {
  whenLoggedOut(() => {
    stopPage?.()
    showLogin()
  })
  window.addEventListener('hashchange', () => {
    if (document.getElementById('main')) void route(true)
  })
  try {
    const s = await api<{ csrfToken: string }>('GET', '/session')
    setCsrfToken(s.csrfToken)
    showShell()
  } catch {
    showLogin(0)
  }
}

void boot()
