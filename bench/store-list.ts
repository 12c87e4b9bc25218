// Message-list benchmark: `bun bench/store-list.ts` (see bench/README.md). Fills one mailbox of a
// Postern store (a temp SQLite file, in this process) with corpus messages and times listing
// envelope and flags of all of them from the store layer at 1,000, 2,500, 5,000 and 10,000
// messages, to show the time grows no faster than linearly. The reference is Dovecot answering
// `UID FETCH 1:N (ENVELOPE FLAGS)` over IMAP on loopback for the same 10,000 messages in a Maildir
// (tests/helpers/dovecot.ts; needs root and `apt-get install dovecot-imapd`). Exit 0 whether or
// not the target is met; non-zero if a store or server fails.
import * as fs from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../src/db/client.ts'
import { migrate } from '../src/db/migrate.ts'
import { createWriter } from '../src/db/writer.ts'
import { createDirectory } from '../src/directory/index.ts'
import { createEventBus } from '../src/events/bus.ts'
import { createMailStore, type MailStore } from '../src/store/index.ts'
import { imapFlags, parseStoredKeywords, toKeywordSet } from '../src/store/keywords.ts'
import { prepareMessage } from '../src/store/prepare-message.ts'
import { loadSpamAssassinCorpus } from '../tests/fixtures/mail/corpus.ts'
import { fastHasher } from '../tests/helpers/db.ts'
import { type Dovecot, fillMaildir, startDovecot } from '../tests/helpers/dovecot.ts'

const SIZES = [1000, 2500, 5000, 10_000]
const RUNS = 7 // timed runs per size, after one warm-up; the median is reported
const MAX_GROWTH = 1.5 // per-message time at the largest size / at the smallest: above = not linear
const BATCH = 500 // appends per group commit while filling

/** Undo steps (stop Dovecot, close the database, remove temp dirs), run last-first; synchronous. */
const cleanups: Array<() => void> = []
const cleanup = () => {
  for (const step of cleanups.splice(0).reverse()) step()
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0

/** Median wall time of `fn` in ms over RUNS runs, after one untimed warm-up run. */
async function time(fn: () => unknown): Promise<number> {
  await fn()
  const ms: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now()
    await fn()
    ms.push(performance.now() - start)
  }
  return median(ms)
}

/** 10,000 distinct messages: the corpus cycled, each with an `X-Bench-N` header on top. */
function benchMessages(count: number): Uint8Array[] {
  const corpus = loadSpamAssassinCorpus()
  return Array.from({ length: count }, (_, i) => {
    const raw = (corpus[i % corpus.length] as { raw: Uint8Array }).raw
    return Buffer.concat([Buffer.from(`X-Bench-N: ${i}\n`), raw])
  })
}

type Timings = Map<string, number[]> // what was timed → median ms at each size

/** A store on a temp database file with one account; appends up to each size and times the reads. */
async function measurePostern(tmp: string, messages: Uint8Array[]): Promise<Timings> {
  const handle = openDatabase(join(tmp, 'postern.sqlite'))
  cleanups.push(() => handle.close())
  migrate(handle.sqlite)
  const directory = createDirectory(handle.db, { hasher: fastHasher })
  directory.domains.add('bench.test')
  const account = await directory.accounts.add({ email: 'bench@bench.test', password: 'bench-password-1' })
  const store = createMailStore({ db: handle.db, writer: createWriter(handle.sqlite), bus: createEventBus() })
  await store.ensureAccount(account.id)
  const inbox = store.findMailboxByRole(account.id, 'inbox')
  if (!inbox) throw new Error('no inbox')
  const keywords = toKeywordSet(['\\Seen']) // as Dovecot's Maildir files get (":2,S")
  const append = (bytes: Uint8Array) => {
    const { raw, facts, blob } = prepareMessage(bytes)
    return store.append(account.id, {
      mailboxIds: [inbox.id],
      raw,
      facts,
      blob,
      keywords,
      receivedAt: Date.now(),
    })
  }
  const reads: Record<string, (store: MailStore) => unknown> = {
    'store.envelopes': (s) => s.envelopes(inbox.id),
    // What a client's message list needs: envelope (the stored wire bytes, else the parsed tree)
    // and IMAP flags, in UID order.
    'store.envelopes + parse': (s) =>
      s.envelopes(inbox.id).map((m) => ({
        uid: m.uid,
        envelope: m.imapEnvelope ?? (JSON.parse(m.envelope) as unknown),
        flags: imapFlags({ flags: m.flags, keywords: parseStoredKeywords(m.keywords) }),
      })),
    'store.mailboxMessages': (s) => s.mailboxMessages(inbox.id),
  }
  const timings: Timings = new Map(Object.keys(reads).map((name) => [name, []]))
  let stored = 0
  const fillStart = performance.now()
  for (const size of SIZES) {
    for (; stored < size; stored += BATCH) {
      await Promise.all(messages.slice(stored, Math.min(size, stored + BATCH)).map(append))
    }
    stored = size
    const count = store.envelopes(inbox.id).length
    if (count !== size) throw new Error(`postern: ${count} messages in the inbox, not ${size}`)
    for (const [name, read] of Object.entries(reads)) timings.get(name)?.push(await time(() => read(store)))
  }
  const seconds = (performance.now() - fillStart) / 1000
  const mb = fs.statSync(handle.path).size / 1e6
  console.log(
    `postern: ${stored} messages appended (and timed) in ${seconds.toFixed(1)} s; database ${mb.toFixed(1)} MB`,
  )
  return timings
}

/** A minimal IMAP client on a raw socket: sends a tagged command, resolves at its tagged reply. */
function imapClient(port: number) {
  const socket = net.connect(port, '127.0.0.1')
  let tail = ''
  let bytes = 0
  let waiting: { done: RegExp; resolve: (n: number) => void; reject: (e: Error) => void } | undefined
  const check = () => {
    const m = waiting?.done.exec(tail)
    if (!waiting || !m) return
    const w = waiting
    waiting = undefined
    if (m.groups?.status === 'OK') w.resolve(bytes)
    else w.reject(new Error(`IMAP: ${m[0].trim()}`))
  }
  socket.on('data', (data: Buffer) => {
    bytes += data.length
    tail = (tail + data.toString('latin1')).slice(-4096) // ends with the whole tagged line
    check()
  })
  socket.on('error', (err) => waiting?.reject(err))
  let tag = 0
  const expect = (done: RegExp, line?: string) =>
    new Promise<number>((resolve, reject) => {
      ;[tail, bytes, waiting] = ['', 0, { done, resolve, reject }]
      if (line) socket.write(line)
      check()
    })
  return {
    greeting: () => expect(/^\* (?<status>OK|BYE)[^\r]*\r\n/),
    /** Runs a command; resolves with the bytes of the reply. */
    command: (text: string) => {
      const t = `t${++tag}`
      return expect(new RegExp(`(?:^|\\r\\n)${t} (?<status>OK|NO|BAD)[^\\r]*\\r\\n$`), `${t} ${text}\r\n`)
    },
    close: () => socket.end(),
  }
}

/** Dovecot with the same messages in its Maildir; times UID FETCH 1:N (ENVELOPE FLAGS) over IMAP. */
async function measureDovecot(messages: Uint8Array[]): Promise<Timings> {
  const d: Dovecot = await startDovecot((maildir) => fillMaildir(maildir, messages))
  // Synchronous stop for the exit handler: SIGTERM the master, wait up to 5 s, remove its dir.
  cleanups.push(() => {
    const read = (path: string) => {
      try {
        return fs.readFileSync(path, 'utf8')
      } catch {
        return '' // gone
      }
    }
    const pid = Number(read(join(d.dir, 'run', 'master.pid')))
    const alive = () => pid > 0 && /\) [^ZX] /.test(read(`/proc/${pid}/stat`)) // zombies count as gone
    if (alive()) process.kill(pid, 'SIGTERM')
    for (let i = 0; i < 100 && alive(); i++) Bun.sleepSync(50)
    fs.rmSync(d.dir, { recursive: true, force: true })
  })
  const client = imapClient(d.port)
  await client.greeting()
  await client.command(`LOGIN ${d.user} ${d.password}`)
  let start = performance.now()
  await client.command('SELECT INBOX')
  const select = performance.now() - start
  start = performance.now()
  const bytes = await client.command('UID FETCH 1:* (ENVELOPE FLAGS)') // parses every file once
  const first = performance.now() - start
  console.log(
    `dovecot: first SELECT of the new Maildir ${select.toFixed(0)} ms, first UID FETCH 1:* (ENVELOPE FLAGS) ` +
      `${first.toFixed(0)} ms (${(bytes / 1e6).toFixed(1)} MB of response); the timed runs come after`,
  )
  const fetch: number[] = []
  for (const size of SIZES)
    fetch.push(await time(() => client.command(`UID FETCH 1:${size} (ENVELOPE FLAGS)`)))
  await client.command('LOGOUT')
  client.close()
  return new Map([['IMAP UID FETCH 1:N (ENVELOPE FLAGS)', fetch]])
}

const row = (name: string, ...cells: string[]) =>
  console.log(name.padEnd(38) + cells.map((c) => c.padStart(16)).join(''))

/** Prints a table of ms and µs/message per size; returns each line's growth of the per-message time. */
function report(server: string, timings: Timings): number[] {
  console.log()
  row(server, ...SIZES.map((n) => `${n} msgs`), 'growth')
  return [...timings].map(([name, ms]) => {
    const perMessage = ms.map((t, i) => (t * 1000) / (SIZES[i] as number))
    const growth = (perMessage[perMessage.length - 1] ?? 0) / (perMessage[0] ?? 1)
    row(`  ${name}, ms`, ...ms.map((t) => t.toFixed(2)))
    row(`  ${name}, µs/msg`, ...perMessage.map((t) => t.toFixed(2)), `${growth.toFixed(2)}×`)
    return growth
  })
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(join(tmpdir(), 'postern-bench-'))
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }))
  const messages = benchMessages(SIZES[SIZES.length - 1] as number)
  console.log(
    `${messages.length} messages (the SpamAssassin corpus cycled), median of ${RUNS} runs after a warm-up`,
  )

  const postern = await measurePostern(tmp, messages)
  let dovecot: Timings | undefined
  if (!Bun.which('dovecot', { PATH: `${process.env.PATH}:/usr/sbin` })) {
    console.log('dovecot: not installed; to compare: apt-get install dovecot-imapd')
  } else if (process.getuid?.() !== 0) console.log('dovecot: not measured, starting it needs root')
  else {
    try {
      dovecot = await measureDovecot(messages)
    } catch (err) {
      console.error(`error: dovecot: ${(err as Error).message}`)
      process.exitCode = 1
    }
  }

  const growth = report('postern (in process, store layer)', postern)
  if (dovecot) report('dovecot (over IMAP on loopback)', dovecot)
  const worst = Math.max(...growth)
  const verdict = worst <= MAX_GROWTH ? 'OK (linear)' : 'GROWS FASTER THAN LINEAR'
  console.log(
    `\npostern listing, per-message time at ${SIZES[SIZES.length - 1]} vs ${SIZES[0]} messages: ` +
      `${worst.toFixed(2)}× (target ≤ ${MAX_GROWTH}×): ${verdict}`,
  )
}

// Ctrl-C or kill: exit, and the 'exit' handler stops Dovecot and removes the temp dirs.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => process.exit(130))
process.on('exit', cleanup)
main().then(
  () => process.exit(),
  (err) => {
    console.error(`error: ${(err as Error).message}`)
    process.exit(1)
  },
)
