// The correctness bar of the mail store issue: for every message of the SpamAssassin corpus (and
// every hand-made edge case) our ENVELOPE, BODYSTRUCTURE, BODY and RFC822.SIZE are byte for byte
// what Dovecot (Debian's dovecot-imapd, installed and started on loopback by the test) returns.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { formatImapValue, normalizeCrlf, type ParsedMessage, parseMessage } from '../../src/mail/index.ts'
import { mailCases, partLimitCases } from '../fixtures/mail/cases.ts'
import { loadSpamAssassinCorpus } from '../fixtures/mail/corpus.ts'
import { COMPARED_ITEMS, type Dovecot, fetchAll, fillMaildir, startDovecot } from '../helpers/dovecot.ts'

/**
 * Where we deliberately answer differently from Dovecot, with the RFC reason. Empty: we match
 * Dovecot everywhere it is tested. Things Dovecot itself does two ways are mirrored in its
 * steady-state form: after the first fetch that parses a message, Dovecot serves a single
 * text/plain us-ascii 7bit part in canonical lower case ("text" "plain" ("charset" "us-ascii")),
 * and we always do (rfc2045#section-5.1: type, subtype and parameter names are case-insensitive).
 */
const DELIBERATE_DIFFERENCES: { message: string; item: string; reason: string }[] = []

interface Message {
  name: string
  raw: Uint8Array
}

const corpus: Message[] = loadSpamAssassinCorpus()
const cases: Message[] = [...mailCases(), ...partLimitCases()]
const all = [...corpus, ...cases]
let dovecot: Dovecot | undefined
let answers = new Map<number, Map<string, string>>()

beforeAll(async () => {
  dovecot = await startDovecot((maildir) =>
    fillMaildir(
      maildir,
      all.map((m) => m.raw),
    ),
  )
  answers = await fetchAll(dovecot, COMPARED_ITEMS.join(' '))
}, 300_000)

afterAll(async () => {
  await dovecot?.stop()
})

function ours(p: ParsedMessage): Record<(typeof COMPARED_ITEMS)[number], string> {
  return {
    'RFC822.SIZE': String(p.size),
    ENVELOPE: formatImapValue(p.envelope, { utf8: false }),
    BODYSTRUCTURE: formatImapValue(p.bodystructure, { utf8: false }),
    BODY: formatImapValue(p.body, { utf8: false }),
  }
}

/** Compares messages `from..to` of `all` (Dovecot UIDs from+1..to+1) and lists the mismatches. */
function mismatches(from: number, to: number): string[] {
  const out: string[] = []
  for (let i = from; i < to; i++) {
    const m = all[i] as Message
    const theirs = answers.get(i + 1)
    if (theirs === undefined) {
      out.push(`${m.name}: Dovecot returned nothing`)
      continue
    }
    const mine = ours(parseMessage(normalizeCrlf(m.raw)))
    for (const item of COMPARED_ITEMS) {
      if (DELIBERATE_DIFFERENCES.some((d) => d.message === m.name && d.item === item)) continue
      if (mine[item] !== theirs.get(item)) {
        out.push(
          `${m.name} ${item}\n  dovecot: ${theirs.get(item)?.slice(0, 800)}\n  ours:    ${mine[item].slice(0, 800)}`,
        )
      }
    }
  }
  return out
}

test('Dovecot answered for every message', () => {
  expect(corpus.length).toBeGreaterThan(6000)
  expect(answers.size).toBe(all.length)
})

test('every corpus message parses without error', () => {
  const failures: string[] = []
  for (const m of corpus) {
    try {
      const p = parseMessage(normalizeCrlf(m.raw))
      if (p.parts.bodyEnd !== p.size) failures.push(`${m.name}: parts end at ${p.parts.bodyEnd} of ${p.size}`)
    } catch (e) {
      failures.push(`${m.name}: ${(e as Error).message}`)
    }
  }
  expect(failures).toEqual([])
})

test('ENVELOPE, BODYSTRUCTURE, BODY and RFC822.SIZE match Dovecot for the whole corpus', () => {
  const diff = mismatches(0, corpus.length)
  expect(diff.slice(0, 20).join('\n')).toBe('')
  expect(diff.length).toBe(0)
})

test('hand-made edge cases match Dovecot', () => {
  expect(mismatches(corpus.length, all.length).join('\n')).toBe('')
})
