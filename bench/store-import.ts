// Import benchmark: `bun bench/store-import.ts` (see bench/README.md). Writes the SpamAssassin
// corpus (~6,000 messages) as one mbox file, imports it with Postern's CLI as a user would
// (`bun src/main.ts import mbox FILE --account EMAIL`, fresh temp data dir) and reports messages/s
// and the size of the SQLite files against the raw corpus. The reference is Dovecot's
// `doveadm import` of the same mbox into sdbox and into Maildir, with the throw-away config in
// ./reference/ (needs root and `apt-get install dovecot-imapd`). Exit 0 whether or not the targets
// are met; non-zero if an import fails.
import { Database } from 'bun:sqlite'
import * as fs from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { loadSpamAssassinCorpus } from '../tests/fixtures/mail/corpus.ts'

const TARGET_RATE = 1000 // messages/s
const TARGET_RATIO = 1.3 // database size / raw corpus size
const ACCOUNT = 'bench@bench.test'
const RUNS = 3 // each import runs this often, on a fresh store; the median time is reported
const SEPARATOR = 'From bench@postern.test Thu Aug 22 12:36:23 2002\n'
const repoRoot = resolve(import.meta.dir, '..')

/** Undo steps (remove the temp dir), run last-first by cleanup(); synchronous. */
const cleanups: Array<() => void> = []
const cleanup = () => {
  for (const step of cleanups.splice(0).reverse()) step()
}

type Size = { bytes: number; disk: number } // file sizes summed, and blocks allocated on disk
/** Sizes of the given files, or of every file under a directory. */
function sizeOf(paths: string[]): Size {
  const total: Size = { bytes: 0, disk: 0 }
  for (const path of paths) {
    const st = fs.statSync(path, { throwIfNoEntry: false })
    if (st?.isDirectory()) {
      const inner = sizeOf(fs.readdirSync(path).map((name) => join(path, name)))
      total.bytes += inner.bytes
      total.disk += inner.disk
    } else if (st) {
      total.bytes += st.size
      total.disk += st.blocks * 512
    }
  }
  return total
}

/**
 * Writes the corpus as an mboxrd file: a "From " separator line per message (the corpus's own
 * lines are dropped by the loader, and 593 files have none), body lines matching /^>*From /
 * quoted with one more '>', a blank line after each message. Returns the count and raw size.
 */
function writeMbox(path: string): { messages: number; rawBytes: number } {
  const corpus = loadSpamAssassinCorpus()
  const parts: Buffer[] = []
  for (const { raw } of corpus) {
    let text = Buffer.from(raw)
      .toString('latin1')
      .replace(/^(>*From )/gm, '>$1')
    if (!text.endsWith('\n')) text += '\n'
    parts.push(Buffer.from(`${SEPARATOR}${text}\n`, 'latin1'))
  }
  fs.writeFileSync(path, Buffer.concat(parts))
  return { messages: corpus.length, rawBytes: corpus.reduce((sum, m) => sum + m.raw.length, 0) }
}

type Figure = { name: string; seconds: number; cpu: number; ownRate?: number; size: Size; note?: string }
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0

/** Runs an import RUNS times, each into a fresh dir under `tmp` (removed after): the median time. */
function repeat(name: string, tmp: string, once: (dir: string) => Figure): Figure {
  const runs = Array.from({ length: RUNS }, (_, i) => {
    const dir = join(tmp, `${name.replaceAll(' ', '-')}-${i + 1}`)
    const figure = once(dir)
    fs.rmSync(dir, { recursive: true, force: true })
    return figure
  })
  console.log(`${name}: ${RUNS} runs: ${runs.map((r) => `${r.seconds.toFixed(2)} s`).join(', ')}`)
  const last = runs[runs.length - 1] as Figure
  const ownRate = last.ownRate === undefined ? undefined : median(runs.map((r) => r.ownRate ?? 0))
  return {
    ...last,
    seconds: median(runs.map((r) => r.seconds)),
    cpu: median(runs.map((r) => r.cpu)),
    ownRate,
  }
}

/** Runs a command to completion (wall and CPU seconds); throws with its output when it fails. */
function run(
  cmd: string[],
  env: Record<string, string | undefined>,
): { out: string; seconds: number; cpu: number } {
  const start = performance.now()
  const r = Bun.spawnSync(cmd, { cwd: repoRoot, env, stdout: 'pipe', stderr: 'pipe' })
  const seconds = (performance.now() - start) / 1000
  const out = `${r.stdout}${r.stderr}`
  if (!r.success) throw new Error(`${cmd.join(' ')} failed (exit ${r.exitCode}):\n${out}`)
  return { out, seconds, cpu: Number(r.resourceUsage.cpuTime.total) / 1e6 }
}

/** Postern as a user runs it: `domain add`, `account add`, then the timed `import mbox`. */
function postern(data: string, mbox: string, messages: number): Figure {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('POSTERN_')))
  env.POSTERN_DATA_DIR = data
  // process.execPath is the bun binary: each command is the CLI itself, with no npm or shell wrapper.
  const cli = (...args: string[]) => run([process.execPath, 'src/main.ts', ...args], env)
  cli('domain', 'add', 'bench.test')
  cli('account', 'add', ACCOUNT, '--password', 'bench-password-1')
  const { out, seconds, cpu } = cli('import', 'mbox', mbox, '--account', ACCOUNT)
  const summary = out.split('\n').find((line) => / imported, /.test(line) && !line.startsWith('[')) ?? ''
  const imported = Number(/^(\d+) imported/.exec(summary)?.[1])
  if (imported !== messages) throw new Error(`postern imported ${imported} of ${messages} messages:\n${out}`)
  const ownRate = Number(/\((\d+) messages\/s\)/.exec(summary)?.[1])
  const files = () => fs.readdirSync(data).map((name) => join(data, name))
  const listing = () => files().map((f) => `${f.slice(data.length + 1)} ${fs.statSync(f).size}`)
  const atExit = listing().join(', ')
  // Fold a WAL left behind into the database, so the size is the data's, not the log's.
  const db = new Database(join(data, 'postern.sqlite'))
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  const { freelist_count } = db.query('PRAGMA freelist_count').get() as { freelist_count: number }
  db.close()
  const note = `last run: CLI said "${summary}"; files at exit: ${atExit}; after wal_checkpoint(TRUNCATE): ${listing().join(', ')}, ${freelist_count} free pages`
  return { name: 'postern', seconds, cpu, ownRate, size: sizeOf(files()), note }
}

/** Uid and gid of Debian's `dovecot` user: the unprivileged owner of the imported mail. */
function mailOwner(): { uid: number; gid: number } | undefined {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('dovecot:'))
  const [, , uid, gid] = line?.split(':') ?? []
  return uid && gid ? { uid: Number(uid), gid: Number(gid) } : undefined
}

/** `doveadm import` of the mbox into a fresh mail store of the given format; no server needed. */
function dovecot(dir: string, mbox: string, messages: number, format: 'sdbox' | 'maildir'): Figure {
  const owner = mailOwner()
  if (!owner) throw new Error('no dovecot user in /etc/passwd')
  for (const sub of ['run', 'state', 'home', 'mail']) fs.mkdirSync(join(dir, sub), { recursive: true })
  fs.chownSync(join(dir, 'mail'), owner.uid, owner.gid)
  const template = fs.readFileSync(join(import.meta.dir, 'reference', 'dovecot-import.conf'), 'utf8')
  const vars: Record<string, string | number> = { DIR: dir, FORMAT: format, UID: owner.uid, GID: owner.gid }
  fs.writeFileSync(
    join(dir, 'dovecot.conf'),
    template.replaceAll(/@(\w+)@/g, (_, key: string) => `${vars[key]}`),
  )
  // Without -u, doveadm serves $USER with mail_location from the config and no userdb lookup.
  const env = { PATH: process.env.PATH, USER: 'bench', HOME: join(dir, 'home') }
  const doveadm = (...args: string[]) => run(['doveadm', '-c', join(dir, 'dovecot.conf'), ...args], env)
  // The mbox is the source's INBOX; its indexes are kept in memory so nothing is written next to it.
  const source = `mbox:${join(dir, 'source')}:INBOX=${mbox}:INDEX=MEMORY`
  const { seconds, cpu } = doveadm('import', source, '', 'all')
  const status = doveadm('mailbox', 'status', 'messages', 'INBOX').out.trim()
  if (Number(/messages=(\d+)/.exec(status)?.[1]) !== messages) throw new Error(`${status}, not ${messages}`)
  const files = fs.readdirSync(join(dir, 'mail'), { recursive: true }).length
  const note = `${files} files and dirs, indexes included`
  return { name: `dovecot ${format}`, seconds, cpu, size: sizeOf([join(dir, 'mail')]), note }
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`
const row = (name: string, ...cells: string[]) =>
  console.log(name.padEnd(24) + cells.map((c) => c.padStart(12)).join(''))

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(join(tmpdir(), 'postern-bench-'))
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }))
  fs.chmodSync(tmp, 0o755) // Dovecot's mail user must reach the mbox and its mail dir inside
  const mbox = join(tmp, 'corpus.mbox')
  const { messages, rawBytes } = writeMbox(mbox)
  fs.chmodSync(mbox, 0o644)
  const mboxBytes = fs.statSync(mbox).size
  console.log(`corpus: ${messages} messages, ${mb(rawBytes)} raw (${mb(mboxBytes)} as mbox)`)

  const figures = [repeat('postern', tmp, (dir) => postern(dir, mbox, messages))]
  if (!Bun.which('doveadm')) console.log('dovecot: not installed; to compare: apt-get install dovecot-imapd')
  else if (process.getuid?.() !== 0)
    console.log('dovecot: not measured, doveadm import as another user needs root')
  else {
    const version = Bun.spawnSync(['dovecot', '--version']).stdout.toString().trim()
    console.log(`dovecot ${version.split(' ')[0]}: doveadm import, default mail_fsync (optimized)`)
    for (const format of ['sdbox', 'maildir'] as const) {
      try {
        figures.push(repeat(`dovecot ${format}`, tmp, (dir) => dovecot(dir, mbox, messages, format)))
      } catch (err) {
        console.error(`error: dovecot ${format}: ${(err as Error).message}`)
        process.exitCode = 1
      }
    }
  }

  console.log()
  row('store', 'wall time', 'CPU time', 'messages/s', 'own report', 'size', 'on disk', '× raw')
  for (const f of figures) {
    const rate = `${Math.round(messages / f.seconds)}`
    const own = f.ownRate ? `${f.ownRate}` : '–'
    const ratio = (f.size.bytes / rawBytes).toFixed(2)
    row(
      f.name,
      `${f.seconds.toFixed(2)} s`,
      `${f.cpu.toFixed(2)} s`,
      rate,
      own,
      mb(f.size.bytes),
      mb(f.size.disk),
      ratio,
    )
  }
  for (const f of figures) if (f.note) console.log(`  ${f.name}: ${f.note}`)
  const own = figures[0] as Figure
  const rate = messages / own.seconds
  const ratio = own.size.bytes / rawBytes
  const verdict = (ok: boolean) => (ok ? 'OK' : 'MISSES TARGET')
  console.log(
    `\npostern import: ${Math.round(rate)} messages/s (target ≥ ${TARGET_RATE}): ${verdict(rate >= TARGET_RATE)}`,
  )
  console.log(
    `postern database: ${ratio.toFixed(2)}× raw (target ≤ ${TARGET_RATIO}×): ${verdict(ratio <= TARGET_RATIO)}`,
  )
}

// Ctrl-C or kill: exit, and the 'exit' handler removes the temp dir.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => process.exit(130))
process.on('exit', cleanup)
main().then(
  () => process.exit(),
  (err) => {
    console.error(`error: ${(err as Error).message}`)
    process.exit(1)
  },
)
