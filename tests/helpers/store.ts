// A mail store on an in-memory database with one account, and hand-made message facts.
import { createWriter } from '../../src/db/writer.ts'
import { type AccountChange, createEventBus } from '../../src/events/bus.ts'
import type { MessageFacts } from '../../src/store/facts.ts'
import { createMailStore } from '../../src/store/index.ts'
import { toKeywordSet } from '../../src/store/keywords.ts'
import { testDirectory } from './db.ts'

export async function testStore(options: { quotaBytes?: number; quotaMessages?: number } = {}) {
  const t = testDirectory()
  t.directory.domains.add('example.org')
  const account = await t.directory.accounts.add({
    email: 'user@example.org',
    password: 'password1',
    quotaBytes: options.quotaBytes,
    quotaMessages: options.quotaMessages,
  })
  const writer = createWriter(t.handle.sqlite)
  const bus = createEventBus()
  const events: AccountChange[] = []
  bus.subscribe(account.id, (c) => events.push(c))
  const store = createMailStore({ db: t.handle.db, writer, bus, clock: t.clock })
  await store.ensureAccount(account.id)
  const box = (role: string) => {
    const m = store.findMailboxByRole(account.id, role)
    if (!m) throw new Error(`no ${role}`)
    return m.id
  }
  return { ...t, store, writer, bus, events, accountId: account.id, box }
}

export function facts(partial: Partial<MessageFacts> = {}): MessageFacts {
  return {
    size: 0,
    envelope: [
      null,
      partial.subject ?? 'hello',
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      partial.messageId ?? null,
    ],
    bodystructure: ['text', 'plain', ['charset', 'us-ascii'], null, null, '7bit', 5, 1],
    body: ['text', 'plain', ['charset', 'us-ascii'], null, null, '7bit', 5, 1],
    meta: {},
    messageId: null,
    inReplyTo: [],
    references: [],
    subject: 'hello',
    baseSubject: 'hello',
    isReplyOrForward: false,
    fromEmail: 'sender@example.net',
    sentAt: null,
    preview: 'hello',
    hasAttachment: false,
    ...partial,
  }
}

let counter = 0
/** A unique small raw message. */
export function rawMessage(body = `message ${++counter}`): Uint8Array {
  return new TextEncoder().encode(`From: a@example.net\r\nSubject: test\r\n\r\n${body}\r\n`)
}

export const kw = (...names: string[]) => toKeywordSet(names)
