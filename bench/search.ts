// Search benchmark: `bun bench/search.ts`. Fills one mailbox of a Postern store (a temp SQLite file,
// in this process) with 10,000 corpus messages, indexed as delivery indexes them, and times the
// search service answering SEARCH TEXT/FROM/SUBJECT/HEADER/SINCE/LARGER, SORT (REVERSE DATE) and
// THREAD REFERENCES over the whole mailbox (median ms of several runs after a warm-up). The
// Dovecot side-by-side comes with the IMAP server benchmark, which runs the same commands over IMAP.
import * as fs from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../src/db/client.ts'
import { migrate } from '../src/db/migrate.ts'
import { createWriter } from '../src/db/writer.ts'
import { createDirectory } from '../src/directory/index.ts'
import { createEventBus } from '../src/events/bus.ts'
import { createSearch, type Query } from '../src/search/index.ts'
import { createMailStore } from '../src/store/index.ts'
import { toKeywordSet } from '../src/store/keywords.ts'
import { prepareMessage } from '../src/store/prepare-message.ts'
import { loadSpamAssassinCorpus } from '../tests/fixtures/mail/corpus.ts'
import { fastHasher } from '../tests/helpers/db.ts'

const COUNT = Number(process.env.BENCH_SEARCH_COUNT ?? 10_000)
const RUNS = 5
const BATCH = 500

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
function time(fn: () => unknown): number {
  fn()
  const ms: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now()
    fn()
    ms.push(performance.now() - start)
  }
  return median(ms)
}

const tmp = fs.mkdtempSync(join(tmpdir(), 'postern-bench-search-'))
const handle = openDatabase(join(tmp, 'postern.sqlite'))
try {
  migrate(handle.sqlite)
  const directory = createDirectory(handle.db, { hasher: fastHasher })
  directory.domains.add('bench.test')
  const account = await directory.accounts.add({ email: 'bench@bench.test', password: 'bench-password-1' })
  const writer = createWriter(handle.sqlite)
  const store = createMailStore({ db: handle.db, writer, bus: createEventBus() })
  await store.ensureAccount(account.id)
  const inbox = store.findMailboxByRole(account.id, 'inbox')
  if (!inbox) throw new Error('no inbox')
  const search = createSearch({ db: handle.db, writer, readRaw: store.raw })

  const corpus = loadSpamAssassinCorpus()
  const fillStart = performance.now()
  for (let i = 0; i < COUNT; i += BATCH) {
    const jobs: Promise<unknown>[] = []
    for (let j = i; j < Math.min(COUNT, i + BATCH); j++) {
      const bytes = Buffer.concat([
        Buffer.from(`X-Bench-N: ${j}\n`),
        (corpus[j % corpus.length] as { raw: Uint8Array }).raw,
      ])
      const p = prepareMessage(bytes)
      jobs.push(
        store.append(account.id, {
          mailboxIds: [inbox.id],
          raw: p.raw,
          facts: p.facts,
          blob: p.blob,
          searchText: p.searchText,
          keywords: toKeywordSet(j % 3 === 0 ? ['\\Seen'] : []),
          receivedAt: Date.UTC(2024, 0, 1) + j * 600_000,
        }),
      )
    }
    await Promise.all(jobs)
  }
  const fillMs = performance.now() - fillStart
  const view = store.mailboxMessages(inbox.id).map((m) => m.uid)
  const now = Date.now()

  const searches: [string, Query][] = [
    ['SEARCH TEXT money', { op: 'text', field: 'text', value: 'money' }],
    ['SEARCH TEXT unsubscribe', { op: 'text', field: 'text', value: 'unsubscribe' }],
    ['SEARCH BODY xy (short needle)', { op: 'text', field: 'body', value: 'xy' }],
    ['SEARCH FROM example.com', { op: 'text', field: 'from', value: 'example.com' }],
    ['SEARCH SUBJECT free', { op: 'text', field: 'subject', value: 'free' }],
    ['SEARCH HEADER X-Mailer Microsoft', { op: 'header', name: 'X-Mailer', value: 'microsoft' }],
    ['SEARCH SINCE 1-Feb-2024', { op: 'received', min: Date.UTC(2024, 1, 1) }],
    ['SEARCH LARGER 10000', { op: 'size', larger: 10_000 }],
    ['SEARCH UNSEEN', { op: 'not', of: { op: 'keyword', keyword: '$seen' } }],
  ]
  const rows: [string, number, number][] = []
  for (const [name, q] of searches) {
    let n = 0
    const ms = time(() => {
      n = search.search(account.id, inbox.id, view, q, now).uids.length
    })
    rows.push([name, ms, n])
  }
  let sorted = 0
  rows.push([
    'SORT (REVERSE DATE) ALL',
    time(() => {
      sorted = search.sort(
        account.id,
        inbox.id,
        view,
        [{ key: 'date', reverse: true }],
        { op: 'all' },
        now,
      ).length
    }),
    sorted,
  ])
  let threads = 0
  rows.push([
    'THREAD REFERENCES ALL',
    time(() => {
      threads = search.thread(account.id, inbox.id, view, 'references', { op: 'all' }, now).length
    }),
    threads,
  ])
  const size = (table: string) =>
    (
      handle.sqlite.query(`SELECT sum(pgsize) AS n FROM dbstat WHERE name LIKE '${table}%'`).get() as {
        n: number | null
      }
    ).n ?? 0
  console.log(
    `search benchmark: ${view.length} messages in one mailbox, filled in ${(fillMs / 1000).toFixed(1)} s`,
  )
  let indexBytes = 0
  try {
    indexBytes = size('email_search')
  } catch {
    // dbstat is not compiled in every SQLite
  }
  if (indexBytes > 0) console.log(`text index: ${(indexBytes / 1048576).toFixed(1)} MiB`)
  console.log('query                                  postern ms   matches')
  for (const [name, ms, n] of rows) console.log(`${name.padEnd(38)} ${ms.toFixed(2).padStart(10)}   ${n}`)
  console.log('(Dovecot: measured by the IMAP server benchmark over IMAP with the same commands)')
} finally {
  handle.close()
  fs.rmSync(tmp, { recursive: true, force: true })
}
