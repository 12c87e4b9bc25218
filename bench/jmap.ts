// JMAP benchmark: `bun bench/jmap.ts [emails] [--requests N]` (see bench/README.md). Puts the
// SpamAssassin corpus, cycled to 100,000 distinct messages, in a Postern started as a user would
// (`bun src/main.ts serve`, mail imported with `import mbox`), then over HTTP on loopback times:
// - one request of Email/query (inMailbox, sort receivedAt descending, limit 50, at a random
//   position) + Email/get of those 50 (back-reference), p50 and p99;
// - Email/changes after 1,000 changes (keywords set on 1,000 emails with Email/set).
// Targets (issue 8): p50 under 20 ms and p99 under 100 ms for the query+get request.
// Exits 0 whether or not the targets are met; non-zero if the server fails or answers wrongly.
import * as fs from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { prng } from '../tests/helpers/prng.ts'
import { corpusMessages } from './lib/corpus-mailbox.ts'
import { startBenchPostern } from './lib/postern.ts'
import { stopTree } from './lib/proc.ts'

const USER = 'bench@bench.test'
const PASSWORD = 'bench-password-1'
const using = ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail']

const argv = process.argv.slice(2)
const count = Number(argv.find((a) => /^\d+$/.test(a)) ?? 100_000)
const requestsAt = argv.indexOf('--requests')
const requests = requestsAt >= 0 ? Number(argv[requestsAt + 1]) : 500

const cleanups: Array<() => void> = []
const cleanup = () => {
  for (const step of cleanups.splice(0).reverse()) {
    try {
      step()
    } catch {}
  }
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => process.exit(130))
process.on('exit', cleanup)

type Call = [string, Record<string, unknown>, string]
const authorization = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`

async function api(base: string, calls: Call[]): Promise<Call[]> {
  const res = await fetch(`${base}/jmap`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ using, methodCalls: calls }),
  })
  if (res.status !== 200) throw new Error(`JMAP request failed: ${res.status} ${await res.text()}`)
  const body = (await res.json()) as { methodResponses: Call[] }
  for (const r of body.methodResponses)
    if (r[0] === 'error') throw new Error(`${r[2]} failed: ${JSON.stringify(r[1])}`)
  return body.methodResponses
}

/** The arguments of the i-th response. */
function result(calls: Call[], i = 0): Record<string, unknown> {
  const call = calls[i]
  if (!call) throw new Error(`response ${i} is missing`)
  return call[1]
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0

async function main() {
  const tmp = fs.mkdtempSync(join(tmpdir(), 'postern-bench-jmap-'))
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }))
  console.log(`building ${count} messages from the corpus…`)
  const raws = corpusMessages(count)
  const postern = await startBenchPostern({
    tmp,
    service: 'IMAP',
    user: USER,
    password: PASSWORD,
    raws,
    cleanups,
    stop: (pid) => stopTree(pid),
  })
  raws.length = 0
  console.log(`postern: imported ${count} messages in ${postern.importSeconds.toFixed(1)} s`)
  const base = `http://127.0.0.1:${postern.httpPort}`
  const session = (await (await fetch(`${base}/jmap/session`, { headers: { authorization } })).json()) as {
    primaryAccounts: Record<string, string>
  }
  const accountId = session.primaryAccounts['urn:ietf:params:jmap:mail'] as string
  const boxes = await api(base, [['Mailbox/get', { accountId, properties: ['role', 'totalEmails'] }, 'm']])
  const inbox = (result(boxes).list as { id: string; role: string | null; totalEmails: number }[]).find(
    (b) => b.role === 'inbox',
  )
  if (!inbox || inbox.totalEmails !== count)
    throw new Error(`the inbox holds ${inbox?.totalEmails}, not ${count}`)

  const queryAndGet = (position: number): Call[] => [
    [
      'Email/query',
      {
        accountId,
        filter: { inMailbox: inbox.id },
        sort: [{ property: 'receivedAt', isAscending: false }],
        position,
        limit: 50,
      },
      'q',
    ],
    ['Email/get', { accountId, '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' } }, 'g'],
  ]
  // Warm-up: the code paths and the page cache, as a client's first requests would.
  for (let i = 0; i < 20; i++) await api(base, queryAndGet(i * 50))
  const random = prng(8)
  const times: number[] = []
  for (let i = 0; i < requests; i++) {
    // Mostly the newest page (what a client opens), sometimes a page further down.
    const position = random() < 0.5 ? 0 : Math.floor(random() * (count - 50))
    const started = performance.now()
    const responses = await api(base, queryAndGet(position))
    times.push(performance.now() - started)
    const list = result(responses, 1).list as unknown[]
    if (list.length !== 50) throw new Error(`Email/get returned ${list.length} emails, not 50`)
  }
  times.sort((a, b) => a - b)
  const p50 = percentile(times, 50)
  const p99 = percentile(times, 99)

  // Email/changes after 1,000 changes.
  const since = result(await api(base, [['Email/get', { accountId, ids: [] }, 's']])).state as string
  const page = await api(base, [
    ['Email/query', { accountId, filter: { inMailbox: inbox.id }, position: 1000, limit: 1000 }, 'q'],
  ])
  const ids = result(page).ids as string[]
  for (let i = 0; i < ids.length; i += 100) {
    const update = Object.fromEntries(ids.slice(i, i + 100).map((id) => [id, { 'keywords/$flagged': true }]))
    await api(base, [['Email/set', { accountId, update }, 'u']])
  }
  const changeTimes: number[] = []
  for (let i = 0; i < 20; i++) {
    const started = performance.now()
    const changes = await api(base, [['Email/changes', { accountId, sinceState: since }, 'c']])
    changeTimes.push(performance.now() - started)
    const updated = result(changes).updated as string[]
    if (updated.length !== 1000) throw new Error(`Email/changes reported ${updated.length} updates, not 1000`)
  }
  changeTimes.sort((a, b) => a - b)

  const ok = (met: boolean) => (met ? 'met' : 'MISSED')
  console.log(`\nJMAP, ${count} emails in one mailbox, ${requests} requests on one connection:`)
  console.log(
    `  Email/query (inMailbox, receivedAt desc, limit 50) + Email/get: p50 ${p50.toFixed(1)} ms (target < 20: ${ok(p50 < 20)}), p99 ${p99.toFixed(1)} ms (target < 100: ${ok(p99 < 100)})`,
  )
  console.log(
    `  Email/changes after 1,000 changes: p50 ${percentile(changeTimes, 50).toFixed(1)} ms, max ${(changeTimes.at(-1) ?? 0).toFixed(1)} ms`,
  )
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err)
    process.exit(1)
  },
)
