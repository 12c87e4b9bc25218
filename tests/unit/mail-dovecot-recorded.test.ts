// ENVELOPE, BODYSTRUCTURE, BODY and RFC822.SIZE of the hand-made cases against the answers that
// Dovecot 2.3.19 gave for them (recorded by tests/fixtures/mail/record-dovecot.ts; the interop test
// tests/interop/dovecot-bodystructure.test.ts checks the same against a live Dovecot).
import { expect, test } from 'bun:test'
import { formatImapValue, normalizeCrlf, parseMessage } from '../../src/mail/index.ts'
import { mailCases } from '../fixtures/mail/cases.ts'
import recorded from '../fixtures/mail/dovecot-recorded.json'

const answers = recorded as Record<string, Record<string, string>>

test.each(mailCases().map((c) => [c.name, c.raw] as const))('%s matches Dovecot', (name, raw) => {
  const p = parseMessage(normalizeCrlf(raw))
  const expected = answers[name]
  expect(expected).toBeDefined()
  const ours: Record<string, string> = {
    'RFC822.SIZE': String(p.size),
    ENVELOPE: formatImapValue(p.envelope, { utf8: false }),
    BODYSTRUCTURE: formatImapValue(p.bodystructure, { utf8: false }),
    BODY: formatImapValue(p.body, { utf8: false }),
  }
  expect(ours).toEqual(expected as Record<string, string>)
})
