// A plain table with a caption for screen readers; cells are text or elements.
import { h } from './dom.ts'

type Cell = Node | string | number | null | undefined | false

export function table(headers: string[], rows: (Cell | Cell[])[][], caption: string): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, ...headers.map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        {},
        ...rows.map((cells) =>
          h(
            'tr',
            {},
            ...headers.map((_, i) => {
              // Cells past the header count go into the last cell (e.g. a state and its reason).
              const content = i === headers.length - 1 ? cells.slice(i) : [cells[i]]
              return h('td', { 'data-label': headers[i] ?? '' }, ...(content.flat() as Cell[]))
            }),
          ),
        ),
      ),
    ),
  )
}
