// Imports for people moving from another server: an mbox file into one mailbox, or a Maildir++
// tree with its folders and flags. Messages are prepared (parsed, hashed, compressed) ahead of
// the writes — in Workers when given a pool — and appended in batches that commit together with
// the import's progress, so an interrupted import resumes where it stopped. Messages already in
// their mailbox are skipped.
import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { StoreError } from '../../lib/errors.ts'
import type { MailStore } from '../index.ts'
import { toKeywordSet } from '../keywords.ts'
import type { AppendInput } from '../messages.ts'
import { type PreparedMessage, prepareMessage } from '../prepare-message.ts'
import type { ImportProgress, ItemOutcome } from './batch.ts'
import { maildirEntries, maildirFolders, readMaildirMessage } from './maildir.ts'
import { readMbox } from './mbox.ts'

export interface ImportReport {
  done: number
  total: number | undefined
  bytesDone: number
  bytesTotal: number | undefined
  imported: number
  duplicates: number
  skipped: number
}

export interface ImportSummary extends ImportReport {
  /** Where a resumed import started (mbox byte offset / Maildir message index), 0 for a fresh one. */
  resumedFrom: number
  /** Skipped messages by reason, with where they were (byte offset or file). */
  skippedReasons: { reason: string; count: number; examples: string[] }[]
  seconds: number
}

export interface ImportOptions {
  accountId: number
  /** mbox target mailbox path (default INBOX); created if missing. */
  mailbox?: string
  batchSize?: number
  onProgress?: (report: ImportReport) => void
  /** Prepares a message (a Worker pool's run); default: on this thread. */
  prepare?: (bytes: Uint8Array) => Promise<PreparedMessage>
  now?: () => number
}

const maxMessageBytes = 64 * 1024 * 1024

/** One message to import, before preparation. */
interface Item {
  mailbox: string
  bytes: Uint8Array
  keywords: string[]
  receivedAt: number | undefined
  where: string
  /** Progress position after this item. */
  position: number
  bytesDone?: number
}

type Source = AsyncIterable<Item | { skip: string; where: string; position: number; bytesDone?: number }>

class Tally {
  report: ImportReport = {
    done: 0,
    total: undefined,
    bytesDone: 0,
    bytesTotal: undefined,
    imported: 0,
    duplicates: 0,
    skipped: 0,
  }
  reasons = new Map<string, { count: number; examples: string[] }>()

  skip(reason: string, where: string) {
    this.report.skipped++
    const r = this.reasons.get(reason) ?? { count: 0, examples: [] }
    r.count++
    if (r.examples.length < 5) r.examples.push(where)
    this.reasons.set(reason, r)
  }

  count(outcomes: ItemOutcome[], where: string[]) {
    outcomes.forEach((o, i) => {
      if (o === 'imported') this.report.imported++
      else if (o === 'duplicate') this.report.duplicates++
      else this.skip(o.skipped, where[i] ?? '')
    })
  }
}

function keywordSet(keywords: string[]) {
  try {
    return toKeywordSet(keywords)
  } catch {
    return toKeywordSet(keywords.filter((k) => /^\\?[\w$-]+$/.test(k) && k !== '\\Recent'))
  }
}

/** Runs a source through preparation (ahead, in parallel) and batched appends. */
async function pump(
  store: MailStore,
  options: ImportOptions,
  tally: Tally,
  source: Source,
  progressOf: (position: number, isComplete: boolean) => ImportProgress,
): Promise<void> {
  const prepare = options.prepare ?? (async (bytes: Uint8Array) => prepareMessage(bytes))
  const batchSize = options.batchSize ?? 200
  const mailboxIds = new Map<string, number>()
  const mailboxFor = async (path: string) => {
    let id = mailboxIds.get(path)
    if (id === undefined) {
      id =
        store.findMailbox(options.accountId, path)?.id ??
        (await store.createMailbox(options.accountId, path)).id
      mailboxIds.set(path, id)
    }
    return id
  }
  // Preparation runs up to two batches ahead of the writes.
  const queue: { item: Item; prepared: Promise<PreparedMessage> }[] = []
  let position = 0
  const writeBatch = async (isComplete: boolean) => {
    const take = queue.splice(0, batchSize)
    const inputs: AppendInput[] = []
    for (const { item, prepared } of take) {
      const p = await prepared
      inputs.push({
        mailboxIds: [await mailboxFor(item.mailbox)],
        raw: p.raw,
        facts: p.facts,
        blob: p.blob,
        searchText: p.searchText,
        keywords: keywordSet(item.keywords),
        receivedAt: item.receivedAt ?? (options.now ?? Date.now)(),
      })
      position = item.position
    }
    const last = take[take.length - 1]?.item
    const outcomes = await store.importBatch(
      options.accountId,
      inputs,
      progressOf(position, isComplete && queue.length === 0),
    )
    tally.count(
      outcomes,
      take.map((t) => t.item.where),
    )
    if (last?.bytesDone !== undefined) tally.report.bytesDone = last.bytesDone
    options.onProgress?.(tally.report)
  }
  for await (const entry of source) {
    tally.report.done++
    if ('skip' in entry) {
      tally.skip(entry.skip, entry.where)
      continue
    }
    queue.push({ item: entry, prepared: prepare(entry.bytes) })
    if (queue.length >= batchSize * 2) await writeBatch(false)
  }
  while (queue.length > 0) await writeBatch(true)
  await store.importBatch(options.accountId, [], progressOf(Number.NaN, true))
}

/** Imports an mbox file into one mailbox, resuming a previous run of the same file and mailbox. */
export async function importMbox(
  store: MailStore,
  file: string,
  options: ImportOptions,
): Promise<ImportSummary> {
  const now = options.now ?? Date.now
  const started = now()
  const path = resolve(file)
  const size = statSync(path).size
  await store.ensureAccount(options.accountId)
  const target = options.mailbox ?? 'INBOX'
  const box =
    store.findMailbox(options.accountId, target) ?? (await store.createMailbox(options.accountId, target))
  const source = `${path}\0${box.path}`
  const state = store.importState(options.accountId, source, 'mbox')
  const resumedFrom = state && state.position <= size ? state.position : 0
  const tally = new Tally()
  tally.report.bytesTotal = size
  tally.report.bytesDone = resumedFrom
  let end = resumedFrom
  async function* items(): Source {
    for await (const m of readMbox(path, resumedFrom, maxMessageBytes)) {
      end = m.nextPosition
      const where = `byte ${m.position}`
      if ('tooLarge' in m)
        yield { skip: `larger than ${maxMessageBytes} bytes`, where, position: m.nextPosition }
      else if (m.raw.length === 0) yield { skip: 'empty message', where, position: m.nextPosition }
      else {
        yield {
          mailbox: box.path,
          bytes: m.raw,
          keywords: m.keywords,
          receivedAt: m.receivedAt,
          where,
          position: m.nextPosition,
          bytesDone: m.nextPosition,
        }
      }
    }
  }
  await pump(store, options, tally, items(), (position, isComplete) => ({
    source,
    kind: 'mbox',
    position: Number.isNaN(position) ? end : position,
    isComplete,
  }))
  tally.report.bytesDone = size
  return summary(tally, resumedFrom, started, now())
}

/** Imports a Maildir++ tree: the inbox and every folder, with flags; resumes a previous run. */
export async function importMaildir(
  store: MailStore,
  dir: string,
  options: ImportOptions,
): Promise<ImportSummary> {
  const now = options.now ?? Date.now
  const started = now()
  const root = resolve(dir)
  const folders = maildirFolders(root).map((f) => ({ folder: f, entries: maildirEntries(f) }))
  const total = folders.reduce((n, f) => n + f.entries.length, 0)
  if (total === 0) throw new StoreError('invalidParams', `${root} holds no messages`)
  await store.ensureAccount(options.accountId)
  const state = store.importState(options.accountId, root, 'maildir')
  const resumedFrom = state && state.position <= total ? state.position : 0
  const tally = new Tally()
  tally.report.total = total
  tally.report.done = resumedFrom
  async function* items(): Source {
    let index = 0
    for (const { folder, entries } of folders) {
      for (const entry of entries) {
        index++
        if (index <= resumedFrom) continue
        const size = statSync(entry.path).size
        if (size > maxMessageBytes)
          yield { skip: `larger than ${maxMessageBytes} bytes`, where: entry.path, position: index }
        else if (size === 0) yield { skip: 'empty message', where: entry.path, position: index }
        else {
          yield {
            mailbox: folder.mailbox,
            bytes: readMaildirMessage(entry.path),
            keywords: entry.keywords,
            receivedAt: entry.receivedAt,
            where: entry.path,
            position: index,
          }
        }
      }
    }
  }
  await pump(store, options, tally, items(), (position, isComplete) => ({
    source: root,
    kind: 'maildir',
    position: Number.isNaN(position) ? total : position,
    isComplete,
  }))
  return summary(tally, resumedFrom, started, now())
}

function summary(tally: Tally, resumedFrom: number, started: number, now: number): ImportSummary {
  return {
    ...tally.report,
    resumedFrom,
    skippedReasons: [...tally.reasons].map(([reason, r]) => ({ reason, ...r })),
    seconds: (now - started) / 1000,
  }
}
