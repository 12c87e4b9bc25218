// CLI commands on mail: `import mbox|maildir` (with a progress bar, resumable) and `export mbox`.
import type { Directory } from '../directory/index.ts'
import { formatSize } from '../lib/size.ts'
import { createWorkerPool, workerEntry } from '../lib/workers.ts'
import { exportMbox } from '../store/import/export.ts'
import { type ImportReport, type ImportSummary, importMaildir, importMbox } from '../store/import/importer.ts'
import type { MailStore } from '../store/index.ts'
import type { PreparedMessage } from '../store/prepare-message.ts'
import { type ParsedArgs, positional, UsageError } from './args.ts'
import type { Output } from './output.ts'

export interface MailCommandEnv {
  directory: Directory
  store: MailStore
  out: Output
  /** Where the progress bar goes (stderr); undefined = no progress output. */
  progress?: { write(text: string): void; isTTY: boolean }
}

function progressPrinter(env: MailCommandEnv) {
  let lastLine = 0
  return (r: ImportReport) => {
    const p = env.progress
    if (!p) return
    const fraction = r.total ? r.done / r.total : r.bytesTotal ? r.bytesDone / r.bytesTotal : 0
    const width = 30
    const filled = Math.round(fraction * width)
    const text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${r.done} messages, ${r.imported} imported, ${r.duplicates} already there, ${r.skipped} skipped`
    if (p.isTTY) p.write(`\r${text}`)
    else if (Date.now() - lastLine > 2000 || fraction >= 1) {
      lastLine = Date.now()
      p.write(`${text}\n`)
    }
  }
}

function printSummary(env: MailCommandEnv, s: ImportSummary) {
  if (env.progress?.isTTY) env.progress.write('\n')
  const rate = s.seconds > 0 ? ` (${Math.round(s.done / s.seconds)} messages/s)` : ''
  env.out.line(
    `${s.imported} imported, ${s.duplicates} already there, ${s.skipped} skipped, of ${s.done} messages in ${s.seconds.toFixed(1)} s${rate}`,
  )
  if (s.resumedFrom > 0)
    env.out.line(
      `resumed an earlier import from ${s.bytesTotal !== undefined ? `byte ${s.resumedFrom}` : `message ${s.resumedFrom + 1}`}`,
    )
  for (const r of s.skippedReasons)
    env.out.line(`skipped ${r.count}: ${r.reason} (e.g. ${r.examples.join(', ')})`)
}

function accountOf(env: MailCommandEnv, args: ParsedArgs) {
  const email = args.values.account
  if (!email) throw new UsageError('missing --account EMAIL')
  return env.directory.accounts.get(email)
}

export async function importCommand(env: MailCommandEnv, args: ParsedArgs): Promise<void> {
  const kind = args.positionals[1]
  const account = accountOf(env, args)
  const onProgress = progressPrinter(env)
  if (kind !== 'mbox' && kind !== 'maildir') {
    throw new UsageError(
      'import mbox FILE --account EMAIL [--mailbox NAME] | import maildir DIR --account EMAIL',
    )
  }
  const path = positional(args, 2, kind === 'mbox' ? 'mbox FILE' : 'Maildir DIR')
  // Parsing and compression in Workers on the other cores; this thread writes.
  const pool = createWorkerPool<Uint8Array, PreparedMessage>(
    workerEntry('store/prepare-worker.ts', import.meta.url, '../store/prepare-worker.ts'),
    Math.max(1, Math.min(4, navigator.hardwareConcurrency - 1)),
  )
  try {
    const options = { accountId: account.id, onProgress, prepare: (bytes: Uint8Array) => pool.run(bytes) }
    if (kind === 'mbox') {
      const summary = await importMbox(env.store, path, { ...options, mailbox: args.values.mailbox })
      printSummary(env, summary)
      if (summary.bytesTotal !== undefined)
        env.out.line(`read ${formatSize(summary.bytesTotal)} from ${path}`)
    } else printSummary(env, await importMaildir(env.store, path, options))
  } finally {
    pool.close()
  }
}

export async function exportCommand(env: MailCommandEnv, args: ParsedArgs): Promise<void> {
  if (args.positionals[1] !== 'mbox') throw new UsageError('export mbox --account EMAIL --mailbox NAME FILE')
  const account = accountOf(env, args)
  const mailbox = args.values.mailbox
  if (!mailbox) throw new UsageError('missing --mailbox NAME')
  const file = positional(args, 2, 'output FILE')
  await env.store.ensureAccount(account.id)
  const count = await exportMbox(env.store, account.id, mailbox, file)
  env.out.line(`${count} messages of ${mailbox} written to ${file}`)
}
