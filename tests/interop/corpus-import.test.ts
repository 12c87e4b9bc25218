// The whole SpamAssassin corpus (~6,000 real messages, old and broken MIME included) imported
// with the CLI as a user would: every message stored, none skipped, facts as parsed, and the
// database no bigger than 1.3 times the raw mail. Then exported and compared.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/client.ts'
import { formatImapValue, type ImapValue, normalizeCrlf, parseMessage } from '../../src/mail/index.ts'
import { loadSpamAssassinCorpus } from '../fixtures/mail/corpus.ts'
import { tempDir } from '../helpers/db.ts'
import { bunPath, repoRoot, run } from '../helpers/process.ts'

const work = tempDir()
const corpus = loadSpamAssassinCorpus()
const env = { POSTERN_DATA_DIR: join(work.path, 'data'), POSTERN_HOSTNAME: 'mail.example.test' }
const cli = (...args: string[]) =>
  run([bunPath, join(repoRoot, 'src/main.ts'), ...args], { cwd: work.path, env })
let rawBytes = 0

beforeAll(() => {
  const parts: Buffer[] = []
  for (const m of corpus) {
    rawBytes += m.raw.length
    const text = Buffer.from(m.raw)
      .toString('latin1')
      .replace(/^(>*From )/gm, '>$1')
    parts.push(
      Buffer.from(
        `From corpus@example.net Mon Jan  6 10:00:00 2025\n${text}${text.endsWith('\n') ? '' : '\n'}\n`,
        'latin1',
      ),
    )
  }
  writeFileSync(join(work.path, 'corpus.mbox'), Buffer.concat(parts))
  expect(cli('domain', 'add', 'example.test').code).toBe(0)
  expect(cli('account', 'add', 'me@example.test', '--password', 'password1').code).toBe(0)
})
afterAll(() => work.remove())

test('every corpus message imports, with the facts a fresh parse gives', () => {
  const r = cli('import', 'mbox', join(work.path, 'corpus.mbox'), '--account', 'me@example.test')
  expect(r.code).toBe(0)
  expect(r.stdout).toContain(
    `${corpus.length} imported, 0 already there, 0 skipped, of ${corpus.length} messages`,
  )
  const db = openDatabase(join(work.path, 'data/postern.sqlite'))
  try {
    db.sqlite.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    const rows = db.sqlite
      .query(
        `SELECT e.id, f.envelope, f.bodystructure, f.imap_envelope AS imapEnvelope,
                f.imap_bodystructure AS imapBodystructure, e.size
           FROM emails e JOIN email_facts f ON f.email_id = e.id ORDER BY e.id`,
      )
      .all() as {
      id: number
      envelope: string
      bodystructure: string
      imapEnvelope: Uint8Array
      imapBodystructure: Uint8Array
      size: number
    }[]
    expect(rows).toHaveLength(corpus.length)
    // Stored facts are those of the stored bytes (every 50th message; all are covered by the Dovecot test).
    let compared = 0
    for (let i = 0; i < corpus.length; i += 25) {
      // The mbox carries a message ending without a line end with one added.
      const raw = (corpus[i] as { raw: Uint8Array }).raw
      const text = Buffer.from(raw).toString('latin1')
      // Status/X-Status/X-Keywords in an mbox are flags, not content (as Dovecot reads them).
      if (/^(status|x-status|x-keywords):/im.test(text.slice(0, text.search(/\n\r?\n/)))) continue
      compared++
      const bytes = raw[raw.length - 1] === 10 ? raw : Buffer.concat([raw, Buffer.from('\n')])
      const parsed = parseMessage(normalizeCrlf(bytes))
      const row = rows[i]
      expect(row?.size).toBe(parsed.size)
      // What FETCH sends: the wire bytes; the trees too where UTF-8 sessions get other bytes.
      const wire = (v: unknown) => formatImapValue(v as ImapValue, { utf8: false })
      expect(Buffer.from(row?.imapEnvelope ?? []).toString('latin1')).toBe(wire(parsed.envelope))
      expect(Buffer.from(row?.imapBodystructure ?? []).toString('latin1')).toBe(wire(parsed.bodystructure))
      if (row?.envelope) expect(JSON.parse(row.envelope)).toEqual(parsed.envelope)
      if (row?.bodystructure) expect(JSON.parse(row.bodystructure)).toEqual(parsed.bodystructure)
    }
    expect(compared).toBeGreaterThan(200)
  } finally {
    db.close()
  }
  const dbBytes = statSync(join(work.path, 'data/postern.sqlite')).size
  expect(dbBytes / rawBytes).toBeLessThanOrEqual(1.3)
}, 120_000)

test('export gives back every message', () => {
  const out = join(work.path, 'out.mbox')
  const r = cli('export', 'mbox', '--account', 'me@example.test', '--mailbox', 'INBOX', out)
  expect(r).toMatchObject({ code: 0, stdout: `${corpus.length} messages of INBOX written to ${out}\n` })
  expect(readFileSync(out, 'latin1').match(/^From /gm)?.length).toBe(corpus.length)
}, 60_000)
