// A tiny DOM builder: elements are made with createElement and text nodes, never from HTML
// strings, so nothing the server returns can become markup (and the CSP needs no inline code).

type Child = Node | string | number | null | undefined | false
type Attrs = Record<string, string | boolean | number | EventListener | undefined>

/** h('button', { type: 'button', onclick: fn }, 'Save') */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value)
    else if (value === true) el.setAttribute(key, '')
    else el.setAttribute(key, String(value))
  }
  append(el, children)
  return el
}

export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)))
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild)
}

let idCounter = 0
/** A unique id, to tie a label to its control. */
export function uid(prefix: string): string {
  idCounter += 1
  return `${prefix}-${idCounter}`
}

/** A labelled input: `<label for>` + control, wrapped in a div. */
export function field(
  label: string,
  attrs: Attrs & { name: string },
  hint?: string,
): { wrap: HTMLDivElement; input: HTMLInputElement } {
  const id = uid(attrs.name)
  const hintId = hint ? `${id}-hint` : undefined
  const input = h('input', { id, ...attrs, 'aria-describedby': hintId })
  const wrap = h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    input,
    hint ? h('small', { id: hintId }, hint) : null,
  )
  return { wrap, input }
}

/** A live region for a form's outcome: errors are announced, successes too. */
export function statusLine(): {
  el: HTMLParagraphElement
  error(msg: string): void
  ok(msg: string): void
  clear(): void
} {
  const el = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' })
  return {
    el,
    error(msg) {
      el.className = 'status error'
      el.setAttribute('role', 'alert')
      el.textContent = msg
    },
    ok(msg) {
      el.className = 'status ok'
      el.setAttribute('role', 'status')
      el.textContent = msg
    },
    clear() {
      el.className = 'status'
      el.textContent = ''
    },
  }
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return 'unlimited'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v < 10 && i > 0 ? v.toFixed(1) : Math.round(v)} ${units[i]}`
}

export function formatDuration(seconds: number): string {
  const d = Math.floor(seconds / 86400)
  const h2 = Math.floor((seconds % 86400) / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  if (d > 0) return `${d}d ${h2}h`
  if (h2 > 0) return `${h2}h ${m}m`
  return `${m}m ${seconds % 60}s`
}

/** Bytes as the API's size syntax when exact ("10G"), else the number: for editing a quota. */
export function sizeText(n: number | null): string {
  if (n === null) return ''
  for (const [unit, factor] of [
    ['T', 1024 ** 4],
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['K', 1024],
  ] as const) {
    if (n >= factor && n % factor === 0) return `${n / factor}${unit}`
  }
  return String(n)
}
